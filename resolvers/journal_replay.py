"""Replaying the erasure journal: after a restore, what was erased or purged since the backup goes again.

The database's mark (models.journal_mark) says how far the journal is reflected in it: a backup marks
the database just before its snapshot, under the journal's exclusive lock, so after restoring it the
lines from the mark on are exactly the deletions the backup lacks (resolvers.journal says why). Each
line is applied in one transaction, by the same deletions (resolvers.deletion), with its own audit
events; lines whose rows are already gone change nothing. Then the database is marked at the
journal's end. `alveole restore` runs it after restoring; `alveole serve` at every start, which also
completes a deletion whose line was journaled but whose COMMIT a crash prevented.

Ids are never reused within one database (PostgreSQL's sequences, SQLite's AUTOINCREMENT), so a line
can only ever name the rows it deleted. But a journal must not be replayed into another database: a
database without a mark (new, or recreated, or restored from a dump `alveole backup` did not make) may
not be the one the journal's lines describe. `serve` then adopts the journal without replaying it;
`restore` refuses unless told the backup is of the journal's database (`--replay-whole-journal`).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.principal import SYSTEM_ACTOR
from models.journal_mark import MARK_ID, ErasureJournalMark
from resolvers import audit, deletion, erasure, journal
from resolvers.clock import now

# What to do with a database that carries no mark
ADOPT = "adopt"  # mark it at the journal's end, replay nothing
REFUSE = "refuse"
REPLAY_ALL = "replay-all"


class Unmarked(journal.JournalError):
    """The database carries no mark of the journal, and the caller did not say what to do."""


@dataclass(frozen=True)
class Replay:
    marked_at: datetime | None  # when the database was last marked (by a backup: the backup's time)
    marked_by: str | None
    entries: int  # journal lines after the mark
    applied: int  # those that still found something to delete
    contacts: int  # contacts deleted (with everything of theirs)
    requests: int  # requests deleted on their own (a contact's go with it and are not counted here)
    adopted: int = 0  # journal lines assumed reflected in an unmarked database (ADOPT)


async def _existing(conn: BaseDBAsyncClient, table: str, ids: tuple[int, ...]) -> list[tuple[int, int]]:
    """(id, agency) of the rows of `table` among `ids` that are still there."""
    if not ids:
        return []
    predicate, values = deletion.one_of(list(ids), conn.capabilities.dialect)
    _, rows = await conn.execute_query(f"SELECT id, agency_id FROM {table} WHERE id {predicate}", values)  # noqa: S608 - table is one of two constants
    return [(row[0], row[1]) for row in rows]


async def _apply(entry: journal.Entry) -> tuple[int, int]:
    """Deletes what of `entry` is still there, with its audit events; returns (contacts, requests) deleted."""
    async with in_transaction() as conn:
        contacts = await _existing(conn, journal.CONTACT, entry.contact)
        requests = await _existing(conn, journal.TRAVEL_REQUEST, entry.travel_request)
        if not contacts and not requests:
            return 0, 0
        replaying = deletion.Deletion(conn)
        await replaying.requests([request for request, _agency in requests])
        await replaying.contacts([contact for contact, _agency in contacts])
        when = f"{entry.by} of {entry.at.isoformat()}, replayed from the erasure journal after a restore"
        events: dict[int, list[audit.Entry]] = defaultdict(list)
        for contact, agency in contacts:
            # As the deletion itself named them: the recipients' feed reads these as erasures (resolvers.erasure).
            action = erasure.ERASE if entry.by == "erasure" else erasure.PURGE
            events[agency].append(audit.Entry(action, contact, when))
        counts: dict[int, int] = defaultdict(int)
        for _request, agency in requests:
            counts[agency] += 1
        for agency, count in counts.items():
            events[agency].append(audit.Entry(erasure.PURGE, None, f"{when}: {count} requests deleted"))
        for agency, entries in events.items():
            await audit.record_many(agency, SYSTEM_ACTOR, entries, conn)
    return len(contacts), len(requests)


async def mark_database(locked: journal.Locked, by: str) -> None:
    """Notes in the database that the journal is reflected up to its current end (under its exclusive lock)."""
    await ErasureJournalMark.update_or_create(
        id=MARK_ID,
        defaults={"journal_id": locked.journal_id, "journal_offset": locked.end, "marked_at": now(), "marked_by": by},
    )


def _unmarked(lines: int) -> Unmarked:
    return Unmarked(
        f"the backup carries no mark of the erasure journal (it was not made by `alveole backup`), and "
        f"the journal holds {lines} entries: if the backup is of this same database, restore it with "
        "--replay-whole-journal to replay them all"
    )


def _other_journal(marked_with: str, locked: journal.Locked) -> journal.JournalError:
    return journal.JournalError(
        f"this database was marked with the erasure journal {marked_with}, but "
        f"{journal.current().path} is the journal {locked.journal_id}: point ALVEOLE_ERASURE_JOURNAL at "
        "the right file. If that journal is lost, erasures made since the last backup cannot be replayed: "
        "`alveole backup` marks the database with the current journal (after that, older backups are "
        "no longer safe to restore)"
    )


async def check_restorable(marked_with: str | None, *, unmarked: str) -> None:
    """What replay() would refuse, asked of a backup before a restore replaces anything with it: refused
    afterwards, the database would hold the backup unreplayed, and a server could start on it."""
    async with journal.current().exclusive() as locked:
        if marked_with is None:
            lines = len(await asyncio.to_thread(locked.entries, 0))
            if unmarked == REFUSE and lines:
                raise _unmarked(lines)
        elif marked_with != locked.journal_id:
            raise _other_journal(marked_with, locked)


async def replay(*, unmarked: str) -> Replay:
    """Applies the journal's lines after the database's mark; `unmarked` says what to do without one."""
    async with journal.current().exclusive() as locked:
        mark = await ErasureJournalMark.get_or_none(id=MARK_ID)
        if mark is None and unmarked != REPLAY_ALL:
            lines = len(await asyncio.to_thread(locked.entries, 0))
            if unmarked == REFUSE and lines:
                raise _unmarked(lines)
            await mark_database(locked, "adoption")
            return Replay(None, None, entries=0, applied=0, contacts=0, requests=0, adopted=lines)
        if mark is not None and mark.journal_id != locked.journal_id:
            raise _other_journal(mark.journal_id, locked)
        entries = await asyncio.to_thread(locked.entries, mark.journal_offset if mark is not None else 0)
        applied = contacts = requests = 0
        for entry in entries:
            deleted_contacts, deleted_requests = await _apply(entry)
            if deleted_contacts or deleted_requests:
                applied += 1
                contacts += deleted_contacts
                requests += deleted_requests
        if mark is None or mark.journal_offset != locked.end:
            # Unchanged, it is not written again: a server may start on a database it cannot write to
            # (read-only), and answer each write with a clear error.
            await mark_database(locked, "replay")
    if applied:
        await deletion.scrub_free_space()
    return Replay(
        marked_at=mark.marked_at if mark is not None else None,
        marked_by=mark.marked_by if mark is not None else None,
        entries=len(entries),
        applied=applied,
        contacts=contacts,
        requests=requests,
    )
