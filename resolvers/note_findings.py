"""Notes hygiene: every write of free text goes through the detector; its findings are stored beside the text.

The write itself always succeeds (the CNIL asks for notes without sensitive data, not for lost notes): the
findings are rewritten in the same transaction, and each category found is an audit event NOTE_FLAGGED
that names the field and the category, never the words. Whether a finding is covered by the person's
explicit consent (Art. 9(2)(a)) is read from their current consent when the finding is read, so it is
right the moment consent is granted or withdrawn; offences and judgements are never covered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models.crm import Contact, TravelRequest
from models.enums import ConsentPurpose
from models.gdpr import ConsentRecord
from models.notes import NoteFinding
from resolvers import audit
from resolvers.clock import now
from resolvers.pagination import Page, page_of, page_size
from resolvers.sensitive_notes import ART_9, detect

CONTACT_NOTES = "Contact.notes"
REQUEST_NOTES = "TravelRequest.notes"
FLAGGED = "NOTE_FLAGGED"


@dataclass(frozen=True)
class Flag:
    """A finding as the API shows it."""

    field: str
    category: str
    excerpt: str
    covered: bool


def is_covered(category: str, consented: bool) -> bool:
    return consented and category in ART_9


async def rewrite(
    conn: BaseDBAsyncClient,
    *,
    agency_id: int,
    contact_id: int,
    request_id: int | None,
    field: str,
    text: str | None,
) -> list[str]:
    """Replaces the findings of one field of one record with those of `text`; returns the categories found."""
    await NoteFinding.filter(contact_id=contact_id, travel_request_id=request_id, field=field).using_db(conn).delete()
    findings = detect(text or "")
    if findings:
        at = now()
        await NoteFinding.bulk_create(
            [
                NoteFinding(
                    agency_id=agency_id,
                    contact_id=contact_id,
                    travel_request_id=request_id,
                    field=field,
                    category=f.category,
                    excerpt=f.excerpt[:300],
                    found_at=at,
                )
                for f in findings
            ],
            using_db=conn,
        )
    return sorted({f.category for f in findings})


async def check_text(
    conn: BaseDBAsyncClient,
    actor: str,
    *,
    agency_id: int,
    contact_id: int,
    request_id: int | None,
    field: str,
    text: str | None,
) -> list[str]:
    """`rewrite`, and one NOTE_FLAGGED audit event per category found, in the writer's transaction."""
    found = await rewrite(
        conn, agency_id=agency_id, contact_id=contact_id, request_id=request_id, field=field, text=text
    )
    where = field if request_id is None else f"{field} (request {request_id})"
    await audit.record_many(
        agency_id, actor, [audit.Entry(FLAGGED, contact_id, f"{where}: {category}") for category in found], conn
    )
    return found


async def consenting(contact_ids: Iterable[int]) -> set[int]:
    """The contacts whose latest SPECIAL_CATEGORY_DATA decision is a grant."""
    ids = sorted(set(contact_ids))
    if not ids:
        return set()
    rows = (
        await ConsentRecord.filter(contact_id__in=ids, purpose=ConsentPurpose.SPECIAL_CATEGORY_DATA)
        .order_by("id")
        .values_list("contact_id", "granted")
    )
    latest = dict(rows)  # ordered by id: the last decision wins
    return {contact_id for contact_id, granted in latest.items() if granted}


def _flags(rows: list[NoteFinding], consented: set[int]) -> list[Flag]:
    return [
        Flag(r.field, r.category, r.excerpt, is_covered(r.category, r.contact_id in consented))  # type: ignore[attr-defined]
        for r in rows
    ]


async def of_contacts(contact_ids: list[int]) -> list[list[Flag]]:
    """Every finding about each contact (its own notes and its requests'), in the order found."""
    rows = await NoteFinding.filter(contact_id__in=contact_ids).order_by("id")
    consented = await consenting(contact_ids)
    grouped: dict[int, list[NoteFinding]] = defaultdict(list)
    for row in rows:
        grouped[row.contact_id].append(row)  # type: ignore[attr-defined]
    return [_flags(grouped.get(key, []), consented) for key in contact_ids]


async def of_requests(request_ids: list[int]) -> list[list[Flag]]:
    rows = await NoteFinding.filter(travel_request_id__in=request_ids).order_by("id")
    consented = await consenting(r.contact_id for r in rows)  # type: ignore[attr-defined]
    grouped: dict[int, list[NoteFinding]] = defaultdict(list)
    for row in rows:
        grouped[row.travel_request_id].append(row)  # type: ignore[attr-defined]
    return [_flags(grouped.get(key, []), consented) for key in request_ids]


@dataclass(frozen=True)
class FlaggedRecord:
    """A record (a contact's own fields, or one of its requests) with its findings: one row of sensitiveNotes."""

    id: int  # its oldest finding's id: the page's sort key and cursor
    contact_id: int
    request_id: int | None
    flags: list[Flag]


async def flagged_records(
    principal: Principal, category: str | None, covered_only: bool, first: int | None, after: str | None
) -> Page[FlaggedRecord]:
    """The agency's flagged records, newest first; `covered_only`: those with a finding covered by consent."""
    size = page_size(first)
    query = NoteFinding.filter(agency_id=principal.agency_id)
    if category is not None:
        query = query.filter(category=category)
    rows = await query.order_by("id")
    consented = await consenting(r.contact_id for r in rows)  # type: ignore[attr-defined]
    groups: dict[tuple[int, int | None], list[NoteFinding]] = {}
    for row in rows:
        groups.setdefault((row.contact_id, row.travel_request_id), []).append(row)  # type: ignore[attr-defined]
    records = []
    for (contact_id, request_id), found in groups.items():
        flags = _flags(found, consented)
        if covered_only and not any(f.covered for f in flags):
            continue
        records.append(FlaggedRecord(found[0].id, contact_id, request_id, flags))
    records.sort(key=lambda r: r.id, reverse=True)
    return page_of(records, size, after)


SCAN_BATCH = 500


@dataclass
class ScanReport:
    records: int = 0
    flagged: int = 0  # records with at least one finding
    newly_flagged: int = 0  # findings of a category their record did not have before


async def _rescan_batch(
    agency_id: int, actor: str, field: str, rows: list[tuple[int, int | None, str | None]], report: ScanReport
) -> None:
    """One transaction: the batch's findings of `field` replaced, NOTE_FLAGGED for categories new to a record."""
    key = "travel_request_id" if field == REQUEST_NOTES else "contact_id"
    ids = [request_id if field == REQUEST_NOTES else contact_id for contact_id, request_id, _ in rows]
    async with in_transaction() as conn:
        existing = NoteFinding.filter(field=field, **{f"{key}__in": ids}).using_db(conn)
        before = set(await existing.values_list("contact_id", "travel_request_id", "category"))
        await existing.delete()
        at, created, events = now(), [], []
        for contact_id, request_id, text in rows:
            findings = detect(text or "")
            report.records += 1
            report.flagged += bool(findings)
            created += [
                NoteFinding(
                    agency_id=agency_id,
                    contact_id=contact_id,
                    travel_request_id=request_id,
                    field=field,
                    category=f.category,
                    excerpt=f.excerpt[:300],
                    found_at=at,
                )
                for f in findings
            ]
            where = field if request_id is None else f"{field} (request {request_id})"
            for category in sorted(
                {f.category for f in findings} - {c for i, r, c in before if (i, r) == (contact_id, request_id)}
            ):
                events.append(audit.Entry(FLAGGED, contact_id, f"{where}: {category} (rescan)"))
        if created:
            await NoteFinding.bulk_create(created, using_db=conn)
        report.newly_flagged += len(events)
        await audit.record_many(agency_id, actor, events, conn)


async def count_texts(agency_id: int) -> int:
    return await Contact.filter(agency_id=agency_id).count() + await TravelRequest.filter(agency_id=agency_id).count()


async def rescan(agency_id: int, actor: str, on_batch: Callable[[int], None] | None = None) -> ScanReport:
    """Every free-text field of the agency through the current rules (after they change), in batches."""
    report = ScanReport()
    for model, field in ((Contact, CONTACT_NOTES), (TravelRequest, REQUEST_NOTES)):
        last = 0
        while True:
            page = (
                await model.filter(agency_id=agency_id, id__gt=last)
                .order_by("id")
                .limit(SCAN_BATCH)
                .values_list("id", "contact_id" if model is TravelRequest else "id", "notes")
            )
            if not page:
                break
            rows = [(owner, row_id if model is TravelRequest else None, text) for row_id, owner, text in page]
            await _rescan_batch(agency_id, actor, field, rows, report)
            last = page[-1][0]
            if on_batch is not None:
                on_batch(len(page))
    return report
