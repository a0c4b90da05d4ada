"""Notes hygiene: every write of free text goes through the detector; its findings are stored beside the text.

The write itself always succeeds (the CNIL asks for notes without sensitive data, not for lost notes): the
findings are rewritten in the same transaction, and each category found is an audit event NOTE_FLAGGED
that names the field and the category, never the words. Whether a finding is covered by the person's
explicit consent (Art. 9(2)(a)) is read from their current consent when the finding is read, so it is
right the moment consent is granted or withdrawn; offences and judgements are never covered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from auth.principal import Principal
from models.enums import ConsentPurpose
from models.gdpr import ConsentRecord
from models.notes import NoteFinding
from resolvers import audit, list_caps
from resolvers.clock import now
from resolvers.pagination import Page, page_of, page_size
from resolvers.sensitive_notes import ART_9, Finding, detect

CONTACT_NOTES = "Contact.notes"
REQUEST_NOTES = "TravelRequest.notes"
SUBJECT_REQUEST_MESSAGE = "SubjectRequest.message"  # what a person typed into the website's rights form
FLAGGED = "NOTE_FLAGGED"


@dataclass(frozen=True)
class Place:
    """One free-text field of one record."""

    agency_id: int
    contact_id: int | None  # None: a website's rights request not linked to a contact yet
    field: str
    request_id: int | None = None
    subject_request_id: int | None = None

    @property
    def where(self) -> str:
        """The field, for the audit trail (no text, no name)."""
        if self.request_id is not None:
            return f"{self.field} (request {self.request_id})"
        if self.subject_request_id is not None:
            return f"{self.field} (subject request {self.subject_request_id})"
        return self.field

    def rows(self, findings: Sequence[Finding]) -> list[NoteFinding]:
        """The findings to store, at most list_caps.TEXT_FINDINGS (see kept)."""
        at = now()
        return [
            NoteFinding(
                agency_id=self.agency_id,
                contact_id=self.contact_id,
                travel_request_id=self.request_id,
                subject_request_id=self.subject_request_id,
                field=self.field,
                category=f.category,
                excerpt=f.excerpt[:300],
                found_at=at,
            )
            for f in kept(findings)
        ]


def kept(findings: Sequence[Finding]) -> list[Finding]:
    """What a text keeps of its findings: every category's first, then the others in reading order up to
    list_caps.TEXT_FINDINGS. Past a few findings the text needs rewriting anyway, and every category stays shown
    (and audited: check_text names the categories of all findings)."""
    firsts: dict[str, int] = {}
    for i, finding in enumerate(findings):
        firsts.setdefault(finding.category, i)
    room = list_caps.TEXT_FINDINGS - len(firsts)
    others = [i for i in range(len(findings)) if i not in firsts.values()][: max(room, 0)]
    return [findings[i] for i in sorted({*firsts.values(), *others})]


@dataclass(frozen=True)
class Flag:
    """A finding as the API shows it."""

    field: str
    category: str
    excerpt: str
    covered: bool


def is_covered(category: str, consented: bool) -> bool:
    return consented and category in ART_9


async def check_text(conn: BaseDBAsyncClient, actor: str, place: Place, text: str | None) -> list[str]:
    """Replaces the place's findings with those of `text`, with one NOTE_FLAGGED audit event per category found,
    in the writer's transaction; returns the categories."""
    await (
        NoteFinding.filter(
            contact_id=place.contact_id,
            travel_request_id=place.request_id,
            subject_request_id=place.subject_request_id,
            field=place.field,
        )
        .using_db(conn)
        .delete()
    )
    findings = detect(text or "")
    if findings:
        await NoteFinding.bulk_create(place.rows(findings), using_db=conn)
    found = sorted({f.category for f in findings})
    entries = [audit.Entry(FLAGGED, place.contact_id, f"{place.where}: {category}") for category in found]
    await audit.record_many(place.agency_id, actor, entries, conn)
    return found


async def consenting(contact_ids: Iterable[int | None]) -> set[int]:
    """The contacts whose latest SPECIAL_CATEGORY_DATA decision is a grant."""
    ids = sorted({c for c in contact_ids if c is not None})
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
    return [Flag(r.field, r.category, r.excerpt, is_covered(r.category, r.contact_id in consented)) for r in rows]


async def _grouped(key: str, ids: list[int]) -> list[list[Flag]]:
    rows = await NoteFinding.filter(**{f"{key}__in": ids}).order_by("id")
    consented = await consenting(r.contact_id for r in rows)
    grouped: dict[int, list[NoteFinding]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return [_flags(grouped.get(i, []), consented) for i in ids]


async def of_contacts(contact_ids: list[int]) -> list[list[Flag]]:
    """Every finding about each contact (its notes, its requests', its linked rights requests'), oldest first."""
    return await _grouped("contact_id", contact_ids)


async def of_requests(request_ids: list[int]) -> list[list[Flag]]:
    return await _grouped("travel_request_id", request_ids)


async def of_subject_requests(subject_request_ids: list[int]) -> list[list[Flag]]:
    return await _grouped("subject_request_id", subject_request_ids)


async def link_to_contact(conn: BaseDBAsyncClient, subject_request_id: int, contact_id: int) -> None:
    """A rights request linked to its contact: its message's findings are then that person's."""
    await NoteFinding.filter(subject_request_id=subject_request_id).using_db(conn).update(contact_id=contact_id)


async def forget_subject_requests(subject_request_ids: list[int], conn: BaseDBAsyncClient | None = None) -> None:
    """With the message they were found in (wiped 30 days after closing)."""
    if subject_request_ids:
        await NoteFinding.filter(subject_request_id__in=subject_request_ids).using_db(conn).delete()


@dataclass(frozen=True)
class FlaggedRecord:
    """A record (a contact's own fields, one of its requests, a rights request) with its findings."""

    id: int  # its oldest finding's id: the page's sort key and cursor
    contact_id: int
    request_id: int | None
    flags: list[Flag]


async def flagged_records(
    principal: Principal, category: str | None, covered_only: bool, first: int | None, after: str | None
) -> Page[FlaggedRecord]:
    """The agency's flagged records of a contact, newest first; `covered_only`: those with a finding covered
    by consent. (A rights request not linked to a contact yet shows on SubjectRequest.noteFindings.)"""
    page_size(first)  # a bad `first` is refused before anything is read
    query = NoteFinding.filter(agency_id=principal.agency_id, contact_id__isnull=False)
    if category is not None:
        query = query.filter(category=category)
    rows = await query.order_by("id")
    consented = await consenting(r.contact_id for r in rows)
    groups: dict[tuple[int, int | None, int | None], list[NoteFinding]] = {}
    for row in rows:
        if row.contact_id is None:  # never: the query asks for contact_id__isnull=False (this tells mypy)
            continue
        key = (row.contact_id, row.travel_request_id, row.subject_request_id)
        groups.setdefault(key, []).append(row)
    records = []
    for (contact_id, request_id, _), found in groups.items():
        flags = _flags(found, consented)
        if covered_only and not any(f.covered for f in flags):
            continue
        records.append(FlaggedRecord(found[0].id, contact_id, request_id, flags))
    records.sort(key=lambda r: r.id, reverse=True)
    return page_of(records, first, after, kind="SensitiveNote")
