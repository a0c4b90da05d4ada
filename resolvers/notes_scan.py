"""`alveole notes scan`: every free-text field of an agency through the current rules, after they change.

In batches of 500 records, one transaction each: a batch's findings are replaced, and a NOTE_FLAGGED event
(actor `system`) is written only for a category its record did not have before, so a rescan with unchanged
rules writes nothing to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from models.crm import Contact, TravelRequest
from models.gdpr import SubjectRequest
from models.notes import NoteFinding
from resolvers import audit
from resolvers.note_findings import CONTACT_NOTES, FLAGGED, REQUEST_NOTES, SUBJECT_REQUEST_MESSAGE, Place
from resolvers.sensitive_notes import detect

BATCH = 500


@dataclass
class ScanReport:
    records: int = 0
    flagged: int = 0  # records with at least one finding
    newly_flagged: int = 0  # findings of a category their record did not have before


@dataclass(frozen=True)
class _Source:
    model: type[Model]
    field: str
    text: str  # the model's column holding the text
    key: str  # NoteFinding's column naming the record

    def place(self, agency_id: int, row: dict[str, Any]) -> Place:
        if self.model is Contact:
            return Place(agency_id, row["id"], self.field)
        if self.model is TravelRequest:
            return Place(agency_id, row["contact_id"], self.field, request_id=row["id"])
        return Place(agency_id, row["contact_id"], self.field, subject_request_id=row["id"])


SOURCES = (
    _Source(Contact, CONTACT_NOTES, "notes", "contact_id"),
    _Source(TravelRequest, REQUEST_NOTES, "notes", "travel_request_id"),
    _Source(SubjectRequest, SUBJECT_REQUEST_MESSAGE, "message", "subject_request_id"),
)


async def count_texts(agency_id: int) -> int:
    return sum([await source.model.filter(agency_id=agency_id).count() for source in SOURCES])


async def _batch(agency_id: int, actor: str, source: _Source, rows: list[dict[str, Any]], report: ScanReport) -> None:
    async with in_transaction() as conn:
        existing = NoteFinding.filter(field=source.field, **{f"{source.key}__in": [r["id"] for r in rows]})
        before: set[tuple[Any, ...]] = set(await existing.using_db(conn).values_list(source.key, "category"))
        await existing.using_db(conn).delete()
        created, events = [], []
        for row in rows:
            place = source.place(agency_id, row)
            findings = detect(row[source.text] or "")
            report.records += 1
            report.flagged += bool(findings)
            created += place.rows(findings)
            for category in sorted({f.category for f in findings}):
                if (row["id"], category) not in before:
                    events.append(audit.Entry(FLAGGED, place.contact_id, f"{place.where}: {category} (rescan)"))
        if created:
            await NoteFinding.bulk_create(created, using_db=conn)
        report.newly_flagged += len(events)
        await audit.record_many(agency_id, actor, events, conn)


async def rescan(agency_id: int, actor: str, on_batch: Callable[[int], object] | None = None) -> ScanReport:
    report = ScanReport()
    for source in SOURCES:
        columns = ["id", source.text] + ([] if source.model is Contact else ["contact_id"])
        last = 0
        while True:
            rows = (
                await source.model.filter(agency_id=agency_id, id__gt=last).order_by("id").limit(BATCH).values(*columns)
            )
            if not rows:
                break
            await _batch(agency_id, actor, source, rows, report)
            last = rows[-1]["id"]
            if on_batch is not None:
                on_batch(len(rows))
    return report
