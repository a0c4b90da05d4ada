"""The audit trail: append-only, hash-chained per agency, people referred to by opaque id only."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models.gdpr import AuditChainHead, AuditEvent
from resolvers.clock import now
from resolvers.ids import encode_id
from resolvers.metrics import AUDIT_WRITE_FAILURES
from resolvers.sql import spelled_for

GENESIS = "0" * 64


def contact_ref(contact_id: int) -> str:
    # The same opaque id the API shows, so the DPO can match events to a contact and erasure needs no rewrite.
    return encode_id("Contact", contact_id)


@dataclass(frozen=True)
class Entry:
    action: str
    contact_id: int | None = None
    detail: str = ""


def _digest(event: AuditEvent) -> str:
    return chain_hash(
        event.agency_id,
        event.at,
        event.actor,
        event.action,
        event.contact_ref,
        event.detail,
        event.prev_hash,
    )


def chain_hash(agency_id: int, at: datetime, actor: str, action: str, ref: str | None, detail: str, prev: str) -> str:
    payload = json.dumps(
        [agency_id, at.isoformat(), actor, action, ref, detail, prev], separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# Written by hand: every page appends its VIEW_PERSONAL batch, and the ORM's model objects and query
# building for it were a twentieth of a page's time.
# The chain's head (models.gdpr.AuditChainHead says why it is not looked for in audit_event), made the first time and
# locked in the same statement: the lock serialises an agency's appends, across processes on PostgreSQL (SQLite has
# one writer anyway). The update sets nothing new, and RETURNING gives the head as it stands once locked.
_HEAD = (
    "INSERT INTO audit_chain_head (agency_id, hash) VALUES ($1, $2)"
    " ON CONFLICT (agency_id) DO UPDATE SET hash = audit_chain_head.hash RETURNING hash"
)
_MOVE_HEAD = "UPDATE audit_chain_head SET hash = $2 WHERE agency_id = $1"
_INSERT = (
    "INSERT INTO audit_event (agency_id, at, actor, action, contact_ref, detail, prev_hash, hash)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)


async def record_many(
    agency_id: int,
    actor: str,
    entries: Iterable[Entry],
    connection: BaseDBAsyncClient | None = None,
    *,
    at: datetime | None = None,
) -> None:
    """`at`: the events' time, now unless given (only the demo's seed writes a past month of activity)."""
    entries = list(entries)
    if not entries:
        return
    try:
        if connection is None:
            async with in_transaction() as conn:
                await _append(agency_id, actor, entries, conn, at)
        else:
            await _append(agency_id, actor, entries, connection, at)
    except Exception:
        AUDIT_WRITE_FAILURES.inc()
        raise


async def _append(
    agency_id: int, actor: str, entries: list[Entry], conn: BaseDBAsyncClient, at: datetime | None
) -> None:
    # Not execute_query: Tortoise's asyncpg client returns no rows for a statement that starts with INSERT.
    [head] = await conn.execute_query_dict(spelled_for(conn, _HEAD), [agency_id, GENESIS])
    prev: str = head["hash"]
    at = at or now()
    rows: list[list[Any]] = []  # the parameter lists execute_many takes
    for entry in entries:
        ref = contact_ref(entry.contact_id) if entry.contact_id is not None else None
        digest = chain_hash(agency_id, at, actor, entry.action, ref, entry.detail, prev)
        rows.append([agency_id, at, actor, entry.action, ref, entry.detail, prev, digest])
        prev = digest
    # One prepared statement for the whole batch (a page of 50 contacts viewed is 50 events): rows
    # are inserted in list order, so ids follow the chain.
    await conn.execute_many(spelled_for(conn, _INSERT), rows)
    await conn.execute_query(spelled_for(conn, _MOVE_HEAD), [agency_id, prev])


# The event's agency and actor are the principal's, unless given; without a principal (a login that failed, the
# system, the data subject), both must be given.
@overload
async def record(
    principal: Principal,
    action: str,
    contact_id: int | None = None,
    detail: str = "",
    *,
    agency_id: int | None = None,
    actor: str | None = None,
    connection: BaseDBAsyncClient | None = None,
) -> None: ...


@overload
async def record(
    principal: None,
    action: str,
    contact_id: int | None = None,
    detail: str = "",
    *,
    agency_id: int,
    actor: str,
    connection: BaseDBAsyncClient | None = None,
) -> None: ...


async def record(
    principal: Principal | None,
    action: str,
    contact_id: int | None = None,
    detail: str = "",
    *,
    agency_id: int | None = None,
    actor: str | None = None,
    connection: BaseDBAsyncClient | None = None,
) -> None:
    if principal is None:
        if agency_id is None or actor is None:  # what the overloads require of the callers
            raise TypeError("audit.record without a principal needs agency_id and actor")
        agency, who = agency_id, actor
    else:
        agency = agency_id if agency_id is not None else principal.agency_id
        who = actor if actor is not None else principal.actor
    await record_many(agency, who, [Entry(action, contact_id, detail)], connection)


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked_events: int
    first_broken_event_id: int | None


async def verify_chain(agency_id: int, batch: int = 1000) -> Verification:
    """Each event chains to the one before it, and the chain reaches its head: events cut off its end break it too
    (with no event to name). The head is read first, so events appended meanwhile only walk past it."""
    head = await AuditChainHead.filter(agency_id=agency_id).values_list("hash", flat=True)
    reached = not head
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        events = await AuditEvent.filter(agency_id=agency_id, id__gt=last_id).order_by("id").limit(batch)
        if not events:
            return Verification(reached, checked, None)
        for event in events:
            checked += 1
            if event.prev_hash != prev or _digest(event) != event.hash:
                return Verification(False, checked, event.id)
            prev = event.hash
            last_id = event.id
            reached = reached or event.hash == head[0]
