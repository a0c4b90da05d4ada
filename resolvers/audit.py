"""The audit trail: append-only, hash-chained per agency, people referred to by opaque id only."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models.gdpr import AuditEvent
from models.organisation import Agency
from resolvers.clock import now
from resolvers.ids import encode_id

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
    payload = json.dumps(
        [event.agency_id, event.at.isoformat(), event.actor, event.action,  # type: ignore[attr-defined]
         event.contact_ref, event.detail, event.prev_hash],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


async def record_many(
    agency_id: int, actor: str, entries: Iterable[Entry], connection: BaseDBAsyncClient | None = None
) -> None:
    entries = list(entries)
    if not entries:
        return
    if connection is None:
        async with in_transaction() as conn:
            await _append(agency_id, actor, entries, conn)
    else:
        await _append(agency_id, actor, entries, connection)


async def _append(agency_id: int, actor: str, entries: list[Entry], conn: BaseDBAsyncClient) -> None:
    # Locking the agency row serialises appends to its chain across processes (PostgreSQL);
    # SQLite serialises writers by itself. FOR NO KEY UPDATE, not FOR UPDATE: the transaction has often
    # just inserted a row referencing the agency (a contact, a request), which holds a KEY SHARE lock
    # on it; FOR UPDATE conflicts with the other writers' KEY SHARE locks and deadlocks under load.
    await Agency.filter(id=agency_id).select_for_update(no_key=True).using_db(conn).first()
    last = await AuditEvent.filter(agency_id=agency_id).using_db(conn).order_by("-id").first()
    prev = last.hash if last else GENESIS
    at = now()
    events = []
    for entry in entries:
        event = AuditEvent(
            agency_id=agency_id,
            at=at,
            actor=actor,
            action=entry.action,
            contact_ref=contact_ref(entry.contact_id) if entry.contact_id is not None else None,
            detail=entry.detail,
            prev_hash=prev,
        )
        event.hash = _digest(event)
        events.append(event)
        prev = event.hash
    # One statement for the whole batch (a page of 50 contacts viewed is 50 events): rows are
    # inserted in list order, so ids follow the chain.
    await AuditEvent.bulk_create(events, using_db=conn)


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
    agency = agency_id if agency_id is not None else principal.agency_id  # type: ignore[union-attr]
    who = actor if actor is not None else principal.actor  # type: ignore[union-attr]
    await record_many(agency, who, [Entry(action, contact_id, detail)], connection)


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked_events: int
    first_broken_event_id: int | None


async def verify_chain(agency_id: int, batch: int = 1000) -> Verification:
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        events = await AuditEvent.filter(agency_id=agency_id, id__gt=last_id).order_by("id").limit(batch)
        if not events:
            return Verification(True, checked, None)
        for event in events:
            checked += 1
            if event.prev_hash != prev or _digest(event) != event.hash:
                return Verification(False, checked, event.id)
            prev = event.hash
            last_id = event.id
