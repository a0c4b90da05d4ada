"""Definitive deletion, shared by erasure (Art. 17) and the retention purge (Art. 5(1)(e)): what happens to
a person's data when it goes.

Rows holding a person's data: the contact (search column included), its requests and travelers
(cascade), its consent records (cascade), its export deliveries (their links then answer 404),
every outbox mail about them or about their subject requests, whatever its status, what the notes detector
found in its texts, and its place in the breach register (the breach keeps its count). Subject requests are
unlinked (SET NULL) and lose what the person typed into the website (requester email, name, message);
audit events never held personal data. SQLite runs with secure_delete, so freed pages are zeroed; the WAL is
checkpointed and truncated afterwards so no old page image survives there either. PostgreSQL
leaves dead tuples until VACUUM: we run it on the touched tables after each erasure or purge.

Every deleting transaction (`transaction()`) is journaled outside the database before it commits
(resolvers.journal), so that a restored backup forgets again what was deleted after it: the replay
(resolvers.journal_replay) deletes the same rows with the same functions below.

The statements are written by hand, not built by the ORM: a purge runs them for every batch of 500
ids, where building each 500-placeholder IN list cost about a millisecond of Python.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from resolvers import journal

TOUCHED_TABLES = (
    "traveler",
    "note_finding",
    "travel_request",
    "consent_record",
    "breach_contact",
    "contact",
    "subject_request",
    "export_delivery",
    "outbox",
)


def one_of(ids: list[int], dialect: str) -> tuple[str, list[object]]:
    """The predicate "is one of `ids`" and its parameters."""
    if dialect == "postgres":
        # One array parameter: the statement's text, hence asyncpg's prepared statement, is the same
        # whatever the number of ids.
        return "= ANY($1::int[])", [ids]
    return f"IN ({','.join('?' * len(ids))})", list(ids)


async def _execute(conn: BaseDBAsyncClient, statement: str, ids: list[int]) -> int:
    """Runs `statement`, whose `{ids}` stands for "is one of `ids`"; returns the rows it changed."""
    predicate, values = one_of(ids, conn.capabilities.dialect)
    changed, _ = await conn.execute_query(statement.format(ids=predicate), values)
    return changed


async def delete_requests(request_ids: list[int], conn: BaseDBAsyncClient) -> int:
    if not request_ids:
        return 0
    # Travelers and findings first, explicitly: their cascade would otherwise delete them one request at a time.
    await _execute(conn, "DELETE FROM traveler WHERE request_id {ids}", request_ids)
    await _execute(conn, "DELETE FROM note_finding WHERE travel_request_id {ids}", request_ids)
    return await _execute(conn, "DELETE FROM travel_request WHERE id {ids}", request_ids)


async def delete_contacts(contact_ids: list[int], conn: BaseDBAsyncClient) -> tuple[int, int]:
    """Deletes contacts and everything holding their data; returns (requests, consent records) deleted."""
    if not contact_ids:
        return 0, 0
    await _execute(
        conn,
        "DELETE FROM traveler WHERE request_id IN (SELECT id FROM travel_request WHERE contact_id {ids})",
        contact_ids,
    )
    await _execute(conn, "DELETE FROM note_finding WHERE contact_id {ids}", contact_ids)
    await _execute(conn, "DELETE FROM breach_contact WHERE contact_id {ids}", contact_ids)
    requests = await _execute(conn, "DELETE FROM travel_request WHERE contact_id {ids}", contact_ids)
    consents = await _execute(conn, "DELETE FROM consent_record WHERE contact_id {ids}", contact_ids)
    await _execute(conn, "DELETE FROM export_delivery WHERE contact_id {ids}", contact_ids)
    await _execute(conn, "DELETE FROM outbox WHERE contact_id {ids}", contact_ids)
    await _execute(
        conn,
        "DELETE FROM outbox WHERE subject_request_id IN (SELECT id FROM subject_request WHERE contact_id {ids})",
        contact_ids,
    )
    await _execute(
        conn,
        "UPDATE subject_request SET contact_id = NULL, requester_email = NULL, requester_name = NULL, message = NULL"
        " WHERE contact_id {ids}",
        contact_ids,
    )
    await _execute(conn, "DELETE FROM contact WHERE id {ids}", contact_ids)
    return requests, consents


@dataclass
class Deletion:
    """One transaction's deletions, remembered for its journal line."""

    conn: BaseDBAsyncClient
    contact_ids: set[int] = field(default_factory=set)
    request_ids: set[int] = field(default_factory=set)

    async def contacts(self, contact_ids: list[int]) -> tuple[int, int]:
        self.contact_ids.update(contact_ids)
        return await delete_contacts(contact_ids, self.conn)

    async def requests(self, request_ids: list[int]) -> int:
        self.request_ids.update(request_ids)
        return await delete_requests(request_ids, self.conn)


@asynccontextmanager
async def transaction(by: str) -> AsyncIterator[Deletion]:
    """A transaction that deletes people's data (`by`: erasure, purge, deletion), journaled before it commits."""
    # The journal's lock first, the database's second: a backup holding the journal's lock never waits
    # for a transaction that waits for it.
    async with journal.current().shared() as writer, in_transaction() as conn:
        deletion = Deletion(conn)
        yield deletion
        if deletion.contact_ids or deletion.request_ids:
            # The last step before COMMIT (see resolvers.journal for why this order).
            await writer.append(by, deletion.contact_ids, deletion.request_ids)


@dataclass
class _Scrubs:
    """One event loop's scrubs: one at a time, and a caller whose deletion committed before a scrub began needs
    no other. PostgreSQL's VACUUM ends by giving a table's empty tail pages back, for which it must take the
    table's exclusive lock, and the lock is refused while another VACUUM of the table waits in line: scrubs run
    side by side each waited out VACUUM's 5-second truncation timeout (four erasures at once took 5 s each)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    started: int = 0


_scrubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Scrubs] = weakref.WeakKeyDictionary()


async def scrub_free_space() -> None:
    """Run after the deleting transaction has committed."""
    scrubs = _scrubs.setdefault(asyncio.get_running_loop(), _Scrubs())
    covering = scrubs.started + 1  # any scrub that begins from now on sees this caller's deletion committed
    async with scrubs.lock:
        if scrubs.started >= covering:
            return
        scrubs.started += 1
        await _scrub(get_connection("default"))


async def _scrub(connection: BaseDBAsyncClient) -> None:
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_script("PRAGMA wal_checkpoint(TRUNCATE);")
        return
    for table in TOUCHED_TABLES:
        # INDEX_CLEANUP ON: after a single erasure PostgreSQL would otherwise skip the index pass
        # (too few dead rows), leaving the erased contact's entries, its folded name in the
        # search index among them, in the indexes until some later vacuum.
        await connection.execute_script(f'VACUUM (INDEX_CLEANUP ON) "{table}";')
