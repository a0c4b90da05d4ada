"""Storage limitation (Art. 5(1)(e)): what outlives the agency's retention period is deleted for good.

A request expires when its last activity is older than the cutoff (now minus the agency's
retention_months, in calendar months). A contact expires when no request of it is left once the
expired ones are gone and its own last activity is older than the cutoff. Contacts under
restriction of processing (Art. 18) are kept, with their requests: restriction is often asked
precisely so that the data is not deleted (Art. 18(1)(b), (c)).

A purge deletes in short transactions of `batch_size` rows, so it never holds the write lock for
long and can stop anywhere: each batch removes whole requests (with their travelers) or whole
contacts (with everything of theirs), and a rerun picks up what is left.

A purged contact is gone exactly as an erased one is, for the recipients of its data (Art. 19): each batch of
contacts writes, in its own transaction, the erasure's trace (resolvers.erasure.record_gone): a PURGE event
naming each, which the partners' consentChanges lists as an erasure, and a CONTACT_ERASED notice per webhook.
"""

from __future__ import annotations

import asyncio
import calendar
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection

from auth import enforce
from auth.errors import BadInput, NotFound
from auth.principal import Principal
from models.enums import WebhookEvent
from models.organisation import Agency
from resolvers import audit, deletion, erasure, webhooks
from resolvers.clock import now
from resolvers.sql import spelled_for

# Rows per transaction: on SQLite with secure_delete, 1,000 requests (and their travelers) held the
# write lock ~300 ms on the benchmark's 2 cores; 500 keep each under 250 ms at about the same rows/s.
BATCH_SIZE = 500
DELETE_MAX = 1000

REQUESTS = "requests"
CONTACTS = "contacts"

PAUSE_BETWEEN_BATCHES = 0.005  # seconds


@dataclass(frozen=True)
class Took:
    """A batch's time, in seconds: `held` from BEGIN to COMMIT (on SQLite, while it held the database's one write
    lock: what other writers may have waited for); `total` with the waits for the erasure journal's and the write
    lock before it."""

    held: float
    total: float


# Called after each committed batch with its kind (REQUESTS or CONTACTS), the rows it deleted and its time.
OnBatch = Callable[[str, int, Took], None]


@dataclass(frozen=True)
class Report:
    cutoff: datetime
    dry_run: bool
    request_count: int
    contact_count: int
    recipients_to_notify: int  # webhooks told (or, in a dry run, to be told) of the contacts' erasure (Art. 19)


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment `months` calendar months earlier; the 31st falls back to the month's end."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cutoff_for(agency: Agency, at: datetime | None = None) -> datetime:
    return months_before(at or now(), agency.retention_months)


# The rules, as SQL: the preview counts with the very queries the purge deletes by, so both agree.
# $1 is the agency, $2 the cutoff.
EXPIRED_REQUESTS = (
    "SELECT r.id FROM travel_request r JOIN contact c ON c.id = r.contact_id"
    " WHERE r.agency_id = $1 AND r.last_activity_at < $2 AND NOT c.restricted"
)
# Requests still in retention are exactly those that outlive the purge of expired ones. NOT EXISTS
# looks up each candidate's own requests by index; NOT IN collected every request still in
# retention again for each batch, which took longer than the deletes themselves.
EXPIRED_CONTACTS = (
    "SELECT c.id FROM contact c"
    " WHERE c.agency_id = $1 AND c.last_activity_at < $2 AND NOT c.restricted AND NOT EXISTS"
    " (SELECT 1 FROM travel_request r WHERE r.contact_id = c.id AND r.last_activity_at >= $2)"
)


async def _first_column(conn: BaseDBAsyncClient, sql: str, values: list[object]) -> list[int]:
    """The first column of `sql`'s rows."""
    _, rows = await conn.execute_query(spelled_for(conn, sql), values)
    return [row[0] for row in rows]


async def _count(conn: BaseDBAsyncClient, expired: str, agency_id: int, cutoff: datetime) -> int:
    counting = f"SELECT COUNT(*) FROM ({expired}) AS expired"  # noqa: S608 - expired is one of the two rules above
    return (await _first_column(conn, counting, [agency_id, cutoff]))[0]


async def preview(agency: Agency, cutoff: datetime | None = None) -> Report:
    cutoff = cutoff or cutoff_for(agency)
    conn = get_connection("default")
    contacts = await _count(conn, EXPIRED_CONTACTS, agency.id, cutoff)
    recipients = await webhooks.subscribers(conn, agency.id, WebhookEvent.CONTACT_ERASED) if contacts else []
    return Report(
        cutoff=cutoff,
        dry_run=True,
        request_count=await _count(conn, EXPIRED_REQUESTS, agency.id, cutoff),
        contact_count=contacts,
        recipients_to_notify=len(recipients),
    )


async def forecast(agency: Agency, at: datetime, months: int) -> list[tuple[datetime, int]]:
    """For each of the next `months` months from `at`: its start, and the requests that expire during it
    (as the data stands: new activity postpones them)."""
    conn = get_connection("default")
    edges = [months_before(at, -i) for i in range(months + 1)]
    counts = [await _count(conn, EXPIRED_REQUESTS, agency.id, cutoff_for(agency, edge)) for edge in edges]
    return [(edges[i], counts[i + 1] - counts[i]) for i in range(months)]


@dataclass(frozen=True)
class Batch:
    requests: int
    contacts: int
    recipients: int  # webhooks told of the contacts' erasure
    held: float = 0.0  # seconds from BEGIN to COMMIT


async def _purge_batch(kind: str, agency_id: int, actor: str, cutoff: datetime, batch_size: int) -> Batch:
    """One transaction. The ids are chosen inside it, so a row touched since the run started is judged on its
    current state."""
    async with deletion.transaction("purge") as purging:
        began = time.perf_counter()
        batch = await _delete_batch(purging, kind, agency_id, actor, cutoff, batch_size)
    return replace(batch, held=time.perf_counter() - began)


async def _delete_batch(
    purging: deletion.Deletion, kind: str, agency_id: int, actor: str, cutoff: datetime, batch_size: int
) -> Batch:
    expired = EXPIRED_REQUESTS if kind == REQUESTS else EXPIRED_CONTACTS
    # No ORDER BY: any expired rows will do, and sorting 200k candidates per batch costs more than the delete.
    ids = await _first_column(purging.conn, f"{expired} LIMIT $3", [agency_id, cutoff, batch_size])
    if kind == REQUESTS:
        return Batch(await purging.requests(ids), 0, 0)
    if not ids:
        return Batch(0, 0, 0)
    requests, _consents = await purging.contacts(ids)
    # Last, just before COMMIT: on PostgreSQL the lock on the audit chain's head is held the shortest.
    detail = f"retention purge: inactive since before {cutoff.isoformat()}"
    told = await erasure.record_gone(purging.conn, agency_id, actor, erasure.PURGE, ids, detail)
    return Batch(requests, len(ids), told)


async def purge(
    agency: Agency,
    actor: str,
    *,
    dry_run: bool,
    batch_size: int = BATCH_SIZE,
    on_batch: OnBatch | None = None,
    cutoff: datetime | None = None,
) -> Report:
    """Applies the policy to one agency. A dry run deletes nothing and writes no audit event."""
    cutoff = cutoff or cutoff_for(agency)
    if dry_run:
        return await preview(agency, cutoff)
    requests = contacts = recipients = 0
    # SQLite grants its single write lock unfairly: a short breath between batches lets a writer that
    # waits for it (the API's audit events) in. PostgreSQL locks rows: nobody waits on the purge but the
    # agency's audit writers, for the end of a contacts batch (its trace is written last).
    pause = PAUSE_BETWEEN_BATCHES if get_connection("default").capabilities.dialect == "sqlite" else 0.0
    try:
        for kind in (REQUESTS, CONTACTS):
            while True:
                started = time.perf_counter()
                batch = await _purge_batch(kind, agency.id, actor, cutoff, batch_size)
                if not batch.requests and not batch.contacts:
                    break
                requests += batch.requests
                contacts += batch.contacts
                recipients = max(recipients, batch.recipients)
                if on_batch is not None:
                    rows = batch.contacts if kind == CONTACTS else batch.requests
                    on_batch(kind, rows, Took(held=batch.held, total=time.perf_counter() - started))
                if pause:
                    await asyncio.sleep(pause)
    except (Exception, asyncio.CancelledError):
        # Also on Ctrl-C (asyncio.run cancels the task): what did commit is put on record; the next
        # run deletes the rest.
        if requests or contacts:
            await _record(agency.id, actor, cutoff, requests, contacts, recipients, interrupted=True)
        await deletion.scrub_free_space()
        raise
    await _record(agency.id, actor, cutoff, requests, contacts, recipients, interrupted=False)
    await deletion.scrub_free_space()
    return Report(
        cutoff=cutoff,
        dry_run=False,
        request_count=requests,
        contact_count=contacts,
        recipients_to_notify=recipients,
    )


async def _record(
    agency_id: int, actor: str, cutoff: datetime, requests: int, contacts: int, recipients: int, *, interrupted: bool
) -> None:
    """The run's summary: a PURGE event naming nobody (each purged contact has its own, resolvers.erasure)."""
    detail = f"cutoff {cutoff.isoformat()}: {requests} requests, {contacts} contacts deleted"
    if interrupted:
        detail += " (interrupted; the next run deletes the rest)"
    if contacts:
        detail += f"; {recipients} recipients told of the contacts' erasure"
    await audit.record(None, erasure.PURGE, agency_id=agency_id, actor=actor, detail=detail)


# -- the API (the DPO); the cron runs purge() for every agency, as "system" -----------------------


async def retention_preview(principal: Principal) -> Report:
    return await preview(await Agency.get(id=principal.agency_id))


async def apply_retention(principal: Principal, dry_run: bool) -> Report:
    return await purge(await Agency.get(id=principal.agency_id), principal.actor, dry_run=dry_run)


async def delete_travel_requests(principal: Principal, request_ids: list[int]) -> int:
    """All or nothing: one id outside the agency (or unknown) and nothing is deleted."""
    wanted = sorted(set(request_ids))
    if not wanted:
        return 0
    if len(wanted) > DELETE_MAX:
        raise BadInput("ids", f"must list at most {DELETE_MAX} requests; delete in several calls")
    async with deletion.transaction("deletion") as deleting:
        scoped = enforce.travel_requests(principal).filter(id__in=wanted).using_db(deleting.conn)
        rows = await scoped.values_list("id", "contact_id")
        if len(rows) != len(wanted):
            raise NotFound("TravelRequest")
        deleted = await deleting.requests(wanted)
        entries = [audit.Entry("DELETE_REQUEST", contact, f"request {request}") for request, contact in rows]
        await audit.record_many(principal.agency_id, principal.actor, entries, deleting.conn)
    await deletion.scrub_free_space()
    return deleted
