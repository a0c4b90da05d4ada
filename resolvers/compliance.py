"""The state of compliance at a glance, for the DPO's dashboard (/dpo): one read of everything it draws.

Counts only: no person's data. Views are counted per actor (staff and API keys, named as the audit log
names them) and per day; an actor is flagged when, on some day, its views exceed three times the median
of that day's views by the agency's actors (Art. 32: a possible exfiltration).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.connection import get_connection
from tortoise.functions import Count

from auth.principal import SYSTEM_ACTOR, Principal
from models.breaches import Breach
from models.crm import Contact
from models.enums import ConsentPurpose, OutboxStatus, SubjectRequestStatus, Visibility
from models.gdpr import AuditEvent, ConsentRecord, SubjectRequest
from models.notes import NoteFinding
from models.organisation import Agency
from models.outbox import OutboxMessage
from resolvers import audit, list_caps, note_findings, outbox, retention
from resolvers.clock import now
from resolvers.sensitive_notes import CATEGORIES
from resolvers.sql import spelled_for
from resolvers.staff import STAFF_CHANGES
from resolvers.subject_requests import add_months

VIEW_DAYS = 30
MONTHS = 12
DUE_SOON = timedelta(days=7)
EXFILTRATION_FACTOR = 3

# The day of an event, in UTC, as each database spells it.
_DAY = {
    "sqlite": "substr(at, 1, 10)",
    "postgres": "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
}
_VIEWS_PER_DAY = (
    "SELECT actor, {day} AS day, COUNT(*) FROM audit_event"
    " WHERE agency_id = $1 AND action = 'VIEW_PERSONAL' AND at >= $2 AND actor <> $3"
    " GROUP BY actor, {day}"
)


@dataclass(frozen=True)
class ConsentMonth:
    month: str  # YYYY-MM
    purpose: str
    granted: int
    withdrawn: int


@dataclass(frozen=True)
class ActorViews:
    actor: str
    daily: list[int]  # one count per day of `days`, oldest first
    total: int
    peak: int
    flagged: bool


@dataclass(frozen=True)
class CategoryCount:
    category: str
    count: int
    covered: int


@dataclass
class Report:
    generated_at: datetime
    subject_requests_by_status: dict[str, int]
    overdue_subject_requests: int
    subject_requests_due_within_7_days: int
    contacts_by_visibility: dict[str, int]
    consents_by_month: list[ConsentMonth]
    retention_due_now: int
    retention_forecast: list[tuple[str, int]]  # (YYYY-MM, requests the purge will take that month)
    days: list[date]
    views: list[ActorViews]
    daily_medians: list[float]
    note_findings: list[CategoryCount]
    audit_chain_ok: bool
    audit_events_checked: int
    breaches: int
    next_breach_deadline: datetime | None
    staff_changes: int  # users created, roles, teams and active flags changed in the last VIEW_DAYS days
    mail_by_status: dict[str, int]  # the outbox's mails to people
    webhook_by_status: dict[str, int]  # the outbox's webhook deliveries to partners


def _month(at: datetime | date) -> str:
    return f"{at.year:04d}-{at.month:02d}"


async def _subject_requests(agency_id: int, at: datetime) -> tuple[dict[str, int], int, int]:
    rows = await SubjectRequest.filter(agency_id=agency_id).values_list("status", "due_at")
    by_status = Counter(str(getattr(status, "value", status)) for status, _ in rows)
    open_dues = [due for status, due in rows if str(getattr(status, "value", status)) == SubjectRequestStatus.OPEN]
    overdue = sum(due < at for due in open_dues)
    soon = sum(at <= due < at + DUE_SOON for due in open_dues)
    return {s.value: by_status.get(s.value, 0) for s in SubjectRequestStatus}, overdue, soon


async def _contacts_by_visibility(agency_id: int) -> dict[str, int]:
    rows = (
        await Contact.filter(agency_id=agency_id)
        .annotate(n=Count("id"))
        .group_by("visibility")
        .values_list("visibility", "n")
    )
    found = {str(getattr(v, "value", v)): n for v, n in rows}
    return {v.value: found.get(v.value, 0) for v in Visibility}


async def _consents(agency_id: int, months: list[str], since: datetime) -> list[ConsentMonth]:
    rows = await ConsentRecord.filter(contact__agency_id=agency_id, recorded_at__gte=since).values_list(
        "purpose", "granted", "recorded_at"
    )
    counts: Counter[tuple[str, str, bool]] = Counter(
        (_month(at), str(getattr(purpose, "value", purpose)), bool(granted)) for purpose, granted, at in rows
    )
    return [
        ConsentMonth(month, p.value, counts[(month, p.value, True)], counts[(month, p.value, False)])
        for month in months
        for p in ConsentPurpose
    ]


async def _views(agency_id: int, at: datetime) -> tuple[list[date], list[ActorViews], list[float]]:
    today = at.date()
    days = [today - timedelta(days=VIEW_DAYS - 1 - i) for i in range(VIEW_DAYS)]
    since = datetime.combine(days[0], datetime.min.time(), tzinfo=at.tzinfo)
    conn = get_connection("default")
    day = _DAY[conn.capabilities.dialect]
    _, rows = await conn.execute_query(
        spelled_for(conn, _VIEWS_PER_DAY.format(day=day)), [agency_id, since, SYSTEM_ACTOR]
    )
    per_actor: dict[str, dict[str, int]] = defaultdict(dict)
    for actor, on, count in (tuple(row) for row in rows):
        per_actor[actor][on] = count
    keys = [d.isoformat() for d in days]
    # Each day's median over the actors who viewed anything that day.
    medians = [statistics.median([v[k] for v in per_actor.values() if k in v] or [0]) for k in keys]
    views = []
    for actor in sorted(per_actor):
        daily = [per_actor[actor].get(k, 0) for k in keys]
        flagged = any(count > EXFILTRATION_FACTOR * median > 0 for count, median in zip(daily, medians, strict=True))
        views.append(ActorViews(actor, daily, sum(daily), max(daily), flagged))
    return days, list_caps.within(views, list_caps.VIEWING_ACTORS, "personalDataViews"), [float(m) for m in medians]


async def _note_findings(agency_id: int) -> list[CategoryCount]:
    rows = await NoteFinding.filter(agency_id=agency_id).values_list("category", "contact_id")
    consented = await note_findings.consenting(contact for _, contact in rows)
    count = Counter(category for category, _ in rows)
    covered = Counter(
        category for category, contact in rows if note_findings.is_covered(category, contact in consented)
    )
    return [CategoryCount(c, count.get(c, 0), covered.get(c, 0)) for c in CATEGORIES]


async def _outbox(agency_id: int, transport: str) -> dict[str, int]:
    rows = (
        await OutboxMessage.filter(agency_id=agency_id, transport=transport)
        .annotate(n=Count("id"))
        .group_by("status")
        .values_list("status", "n")
    )
    found = {str(getattr(s, "value", s)): n for s, n in rows}
    return {s.value: found.get(s.value, 0) for s in OutboxStatus}


async def _staff_changes(agency_id: int, at: datetime) -> int:
    since = at - timedelta(days=VIEW_DAYS)
    return await AuditEvent.filter(agency_id=agency_id, action__in=STAFF_CHANGES, at__gte=since).count()


async def report(principal: Principal) -> Report:
    at = now()
    agency = await Agency.get(id=principal.agency_id)
    by_status, overdue, soon = await _subject_requests(agency.id, at)
    months = [_month(add_months(at, -i)) for i in reversed(range(MONTHS))]
    first_month = add_months(at, -(MONTHS - 1)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days, views, medians = await _views(agency.id, at)
    chain = await audit.verify_chain(agency.id)
    pending = Breach.filter(agency_id=agency.id, notify_authority_by__gte=at).order_by("notify_authority_by")
    next_breach = await pending.first()
    return Report(
        generated_at=at,
        subject_requests_by_status=by_status,
        overdue_subject_requests=overdue,
        subject_requests_due_within_7_days=soon,
        contacts_by_visibility=await _contacts_by_visibility(agency.id),
        consents_by_month=await _consents(agency.id, months, first_month),
        retention_due_now=(await retention.preview(agency)).request_count,
        retention_forecast=[(_month(start), n) for start, n in await retention.forecast(agency, at, MONTHS)],
        days=days,
        views=views,
        daily_medians=medians,
        note_findings=await _note_findings(agency.id),
        audit_chain_ok=chain.ok,
        audit_events_checked=chain.checked_events,
        breaches=await Breach.filter(agency_id=agency.id).count(),
        next_breach_deadline=next_breach.notify_authority_by if next_breach else None,
        staff_changes=await _staff_changes(agency.id, at),
        mail_by_status=await _outbox(agency.id, outbox.MAIL),
        webhook_by_status=await _outbox(agency.id, outbox.WEBHOOK),
    )
