"""`alveole backup PATH` and `alveole restore PATH`: consistent online backups, and restores that forget again
what was erased or purged after the backup (resolvers.journal, resolvers.journal_replay).

A backup marks the database with the erasure journal's length, under the journal's exclusive lock, and
takes its snapshot before letting deletions go on: SQLite through its online backup API (a read
transaction pins the snapshot while the copy runs), PostgreSQL through `pg_dump -Fc --snapshot` of a
snapshot exported by a transaction opened under the lock. The server keeps serving meanwhile.

A restore refuses while any Alvéole process uses the database (app.presence), replaces the database
with the backup (SQLite's backup API the other way; `pg_restore --clean`), migrates it, and replays
every journal line after the backup's mark, before anything can serve from it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from app import presence
from app.database import APPLICATION_NAME, close_database, open_database, pending_migrations
from app.settings import Settings
from models.journal_mark import MARK_ID
from resolvers import journal
from resolvers.journal_replay import REFUSE, REPLAY_ALL, Replay, check_restorable, mark_database, replay


class BackupError(Exception):
    """A clear reason the backup or the restore could not be done (nothing was changed)."""


@dataclass(frozen=True)
class Postgres:
    dsn: str  # without its password: it goes to the tools in PGPASSWORD, never on a command line
    password: str | None


def postgres_target(settings: Settings) -> Postgres:
    parts = urlsplit(settings.tortoise_db_url.replace("postgres://", "postgresql://", 1))
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return Postgres(urlunsplit(parts._replace(netloc=netloc)), unquote(parts.password) if parts.password else None)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH: install PostgreSQL's client programs (Debian: apt-get install "
            "postgresql-client), of the server's major version or newer"
        )
    return found


async def _run(command: list[str], password: str | None, *, output: bool = False) -> bytes:
    """Runs a PostgreSQL tool; returns its standard output when `output` (else it is discarded)."""
    env = {**os.environ, **({"PGPASSWORD": password} if password else {})}
    process = await asyncio.create_subprocess_exec(
        *command,
        env=env,
        stdout=asyncio.subprocess.PIPE if output else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    if process.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed ({process.returncode}): {stderr.decode(errors='replace')[-2000:]}"
        )
    return stdout or b""


async def _open_migrated(settings: Settings) -> None:
    await open_database(settings, run_migrations=False)
    pending = await pending_migrations()
    if pending:
        await close_database()
        raise BackupError(
            f"the database lacks migrations of this release ({', '.join(pending)}): start the server once, "
            "or back it up with the release that serves it"
        )


# -- backup ----------------------------------------------------------------------------------------------


def backup(settings: Settings, target: Path) -> int:
    """Writes the backup to `target` (a new file); returns its size in bytes."""
    settings.required_erasure_journal()
    if target.exists():
        raise BackupError(f"{target} already exists: back up to a new file")
    database = settings.sqlite_path
    if database is not None and not database.is_file():
        raise BackupError(f"there is no database at {database}: nothing to back up (see ALVEOLE_DATABASE_URL)")
    folder = target.parent
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder: create it, or back up elsewhere")
    if not os.access(folder, os.W_OK):
        raise BackupError(f"{folder} is not writable: back up elsewhere")
    if not settings.is_sqlite:
        _tool("pg_dump")
    partial = target.with_name(target.name + ".partial")
    try:
        asyncio.run(_backup(settings, partial))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)  # the backup appears whole, or not at all
    return target.stat().st_size


async def _backup(settings: Settings, partial: Path) -> None:
    await _open_migrated(settings)
    try:
        if settings.is_sqlite:
            await _backup_sqlite(settings, partial)
        else:
            await _backup_postgres(settings, partial)
    finally:
        await close_database()


async def _backup_sqlite(settings: Settings, partial: Path) -> None:
    source = sqlite3.connect(str(settings.sqlite_path), isolation_level=None)
    try:
        async with journal.current().exclusive() as locked:
            await mark_database(locked, "backup")
            # The snapshot: the copy below reads this transaction's view, whatever commits meanwhile.
            source.execute("BEGIN")
            source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        try:
            copy = sqlite3.connect(str(partial))
            try:
                source.backup(copy)  # a CLI: blocking its loop for the copy is fine
                # One self-contained file (no -wal beside it), which opens even from read-only storage.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        except sqlite3.Error as error:  # the target: unwritable, or its disk full
            raise BackupError(f"could not write the backup beside {partial.parent}: {error}") from None
        source.execute("ROLLBACK")
    finally:
        source.close()


async def _backup_postgres(settings: Settings, partial: Path) -> None:
    target = postgres_target(settings)
    connection = await asyncpg.connect(
        target.dsn, password=target.password, server_settings={"application_name": APPLICATION_NAME}
    )
    try:
        async with journal.current().exclusive() as locked:
            await mark_database(locked, "backup")
            snapshot_holder = connection.transaction(isolation="repeatable_read", readonly=True)
            await snapshot_holder.start()
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
        # pg_dump reads the exported snapshot, which stays valid while this transaction is open.
        await _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={partial}",
                f"--dbname={target.dsn}",
            ],
            target.password,
        )
        await snapshot_holder.rollback()
    finally:
        await connection.close()


# -- restore ---------------------------------------------------------------------------------------------


def restore(settings: Settings, source: Path, *, whole_journal: bool = False) -> Replay:
    """Replaces the database with the backup at `source`, then replays the journal; refuses while in use.
    `whole_journal`: the backup carries no mark (not made by `alveole backup`) but is of this database."""
    unmarked = REPLAY_ALL if whole_journal else REFUSE
    journal.configure(settings.required_erasure_journal())
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    database = settings.sqlite_path
    if database is not None and database.exists() and source.samefile(database):
        raise BackupError(f"{source} is the database itself: restore a backup of it")
    # Every refusal comes before the database is replaced: a database left holding the backup unreplayed
    # could be served with the erased in it.
    if settings.is_sqlite:
        with presence.alone(settings):
            marked_with = _sqlite_mark(source)
            _journal_exists(settings, marked_with, whole_journal)
            asyncio.run(check_restorable(marked_with, unmarked=unmarked))
            _restore_sqlite(settings, source)
            return asyncio.run(_migrate_and_replay(settings, unmarked))
    _tool("pg_restore")
    return asyncio.run(_restore_postgres(settings, source, unmarked))


async def _restore_postgres(settings: Settings, source: Path, unmarked: str) -> Replay:
    target = postgres_target(settings)
    sessions = await presence.postgres_sessions(target.dsn, target.password)
    if sessions:
        raise presence.InUse(
            f"Alvéole processes are connected to the database ({'; '.join(sessions)}). {presence.HOW_TO_STOP}"
        )
    marked_with = await _postgres_mark(source, target)
    _journal_exists(settings, marked_with, unmarked == REPLAY_ALL)
    await check_restorable(marked_with, unmarked=unmarked)
    await _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={target.dsn}",
            str(source),
        ],
        target.password,
    )
    return await _migrate_and_replay(settings, unmarked)


def _journal_exists(settings: Settings, marked_with: str | None, whole_journal: bool) -> None:
    """A restore that has a journal to replay reads it where it is: a missing file is a wrong path or a lost
    journal, not one to start afresh (the restore would then replay nothing, and erased people return)."""
    path = settings.required_erasure_journal()
    if path.exists() or (marked_with is None and not whole_journal):
        return
    wanted = f"the journal {marked_with} the backup was marked with" if marked_with else "the database's journal"
    raise journal.JournalError(
        f"the erasure journal {path} does not exist: point ALVEOLE_ERASURE_JOURNAL at {wanted} (restore it from "
        "your file backups if it was lost); nothing was changed"
    )


async def _postgres_mark(source: Path, target: Postgres) -> str | None:
    """The journal id the dump's database was marked with (None without a mark), read from the dump alone."""
    listing = await _run(
        [_tool("pg_restore"), "--data-only", "--table=erasure_journal_mark", "--file=-", str(source)],
        target.password,
        output=True,
    )
    lines = listing.decode(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "erasure_journal_mark" in line and i + 1 < len(lines):
            columns = [c.strip().strip('"') for c in line[line.index("(") + 1 : line.index(")")].split(",")]
            row = lines[i + 1].split("\t")
            if row[0] != "\\." and len(row) == len(columns):
                return row[columns.index("journal_id")]
    return None


def _open_backup(source: Path) -> sqlite3.Connection:
    """The backup, read-only and left as it is (immutable: no -wal or -shm is created beside it)."""
    return sqlite3.connect(f"file:{source}?mode=ro&immutable=1", uri=True)


def _sqlite_mark(source: Path) -> str | None:
    """Checks that `source` is an intact Alvéole backup; returns the journal id it was marked with."""
    backup_file = _open_backup(source)
    try:
        try:
            checked = backup_file.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in backup_file.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError:
            raise BackupError(f"{source} is not a SQLite database") from None
        if checked != "ok":
            raise BackupError(f"{source} is damaged ({checked}): restore another backup")
        if "tortoise_migrations" not in tables:
            raise BackupError(f"{source} is a SQLite database but not an Alvéole backup")
        if "erasure_journal_mark" not in tables:
            return None
        row = backup_file.execute("SELECT journal_id FROM erasure_journal_mark WHERE id = ?", (MARK_ID,)).fetchone()
        return None if row is None else str(row[0])
    finally:
        backup_file.close()


def _restore_sqlite(settings: Settings, source: Path) -> None:
    backup_file = _open_backup(source)
    try:
        database = sqlite3.connect(str(settings.sqlite_path), isolation_level=None)
        try:
            backup_file.backup(database)
            database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            database.close()
    finally:
        backup_file.close()


async def _migrate_and_replay(settings: Settings, unmarked: str) -> Replay:
    await open_database(settings)
    try:
        return await replay(unmarked=unmarked)
    finally:
        await close_database()
