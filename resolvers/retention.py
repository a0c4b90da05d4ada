"""Storage limitation (Art. 5(1)(e)): what outlives the agency's retention period is deleted for good.

A request expires when its last activity is older than the cutoff (now minus the agency's
retention_months, in calendar months). A contact expires when no request of it is left once the
expired ones are gone and its own last activity is older than the cutoff. Contacts under
restriction of processing (Art. 18) are kept, with their requests: restriction is often asked
precisely so that the data is not deleted (Art. 18(1)(b), (c)).

A purge deletes in short transactions of `batch_size` rows, so it never holds the write lock for
long and can stop anywhere: each batch removes whole requests (with their travelers) or whole
contacts (with everything of theirs), and a rerun picks up what is left.
"""

from __future__ import annotations

import asyncio
import calendar
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection

from auth import enforce
from auth.errors import BadInput, NotFound
from auth.principal import Principal
from models.organisation import Agency
from resolvers import audit, deletion
from resolvers.clock import now
from resolvers.sql import spelled_for

# Rows per transaction: on SQLite with secure_delete, 1,000 requests (and their travelers) held the
# write lock ~300 ms on the benchmark's 2 cores; 500 keep each under 250 ms at about the same rows/s.
BATCH_SIZE = 500
DELETE_MAX = 1000

REQUESTS = "requests"
CONTACTS = "contacts"

PAUSE_BETWEEN_BATCHES = 0.005  # seconds

# Called after each committed batch with its kind (REQUESTS or CONTACTS), the rows it deleted and
# how long its transaction took (seconds, the wait for the write lock included).
OnBatch = Callable[[str, int, float], None]


@dataclass(frozen=True)
class Report:
    cutoff: datetime
    dry_run: bool
    request_count: int
    contact_count: int


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
    counting = f"SELECT COUNT(*) FROM ({expired}) AS expired"  # noqa: S608 - `expired` is this module's own SQL
    return (await _first_column(conn, counting, [agency_id, cutoff]))[0]


async def preview(agency: Agency, cutoff: datetime | None = None) -> Report:
    cutoff = cutoff or cutoff_for(agency)
    conn = get_connection("default")
    return Report(
        cutoff=cutoff,
        dry_run=True,
        request_count=await _count(conn, EXPIRED_REQUESTS, agency.id, cutoff),
        contact_count=await _count(conn, EXPIRED_CONTACTS, agency.id, cutoff),
    )


async def forecast(agency: Agency, at: datetime, months: int) -> list[tuple[datetime, int]]:
    """For each of the next `months` months from `at`: its start, and the requests that expire during it
    (as the data stands: new activity postpones them)."""
    conn = get_connection("default")
    edges = [months_before(at, -i) for i in range(months + 1)]
    counts = [await _count(conn, EXPIRED_REQUESTS, agency.id, cutoff_for(agency, edge)) for edge in edges]
    return [(edges[i], counts[i + 1] - counts[i]) for i in range(months)]


async def _purge_batch(kind: str, agency_id: int, cutoff: datetime, batch_size: int) -> tuple[int, int]:
    """One transaction; returns (requests, contacts) deleted. The ids are chosen inside it, so a row
    touched since the run started is judged on its current state."""
    async with deletion.transaction("purge") as purging:
        expired = EXPIRED_REQUESTS if kind == REQUESTS else EXPIRED_CONTACTS
        # No ORDER BY: any expired rows will do, and sorting 200k candidates per batch costs more than the delete.
        ids = await _first_column(purging.conn, f"{expired} LIMIT $3", [agency_id, cutoff, batch_size])
        if kind == REQUESTS:
            return await purging.requests(ids), 0
        requests, _consents = await purging.contacts(ids)
        return requests, len(ids)


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
    requests = contacts = 0
    # SQLite grants its single write lock unfairly: a short breath between batches lets a writer that
    # waits for it (the API's audit events) in. PostgreSQL locks rows: nobody waits on the purge.
    pause = PAUSE_BETWEEN_BATCHES if get_connection("default").capabilities.dialect == "sqlite" else 0.0
    try:
        for kind in (REQUESTS, CONTACTS):
            while True:
                started = time.perf_counter()
                batch_requests, batch_contacts = await _purge_batch(kind, agency.id, cutoff, batch_size)
                if not batch_requests and not batch_contacts:
                    break
                requests += batch_requests
                contacts += batch_contacts
                if on_batch is not None:
                    on_batch(
                        kind, batch_contacts if kind == CONTACTS else batch_requests, time.perf_counter() - started
                    )
                if pause:
                    await asyncio.sleep(pause)
    except (Exception, asyncio.CancelledError):
        # Also on Ctrl-C (asyncio.run cancels the task): what did commit is put on record; the next
        # run deletes the rest.
        if requests or contacts:
            await _record(agency.id, actor, cutoff, requests, contacts, interrupted=True)
        await deletion.scrub_free_space()
        raise
    await _record(agency.id, actor, cutoff, requests, contacts, interrupted=False)
    await deletion.scrub_free_space()
    return Report(cutoff=cutoff, dry_run=False, request_count=requests, contact_count=contacts)


async def _record(
    agency_id: int, actor: str, cutoff: datetime, requests: int, contacts: int, *, interrupted: bool
) -> None:
    detail = f"cutoff {cutoff.isoformat()}: {requests} requests, {contacts} contacts deleted"
    if interrupted:
        detail += " (interrupted; the next run deletes the rest)"
    await audit.record(None, "PURGE", agency_id=agency_id, actor=actor, detail=detail)


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
