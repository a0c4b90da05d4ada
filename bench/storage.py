"""Where the benchmark's data lives: a temporary SQLite file, or a PostgreSQL database it may reset.

The schema is always made by the app's own migrations; rows are then bulk-loaded with the
driver (sqlite3 executemany, asyncpg COPY), which is what makes 100k-contact agencies quick to build.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

BENCH_AGENCY = "Alvéole Bench"
TABLES = (
    "agency",
    "team",
    "app_user",
    "session",
    "contact",
    "consent_record",
    "travel_request",
    "traveler",
    "audit_event",
    "subject_request",
    "api_key",
    "login_failure",
)


class BenchError(RuntimeError):
    pass


@dataclass(frozen=True)
class Target:
    url: str  # as the app reads ALVEOLE_DATABASE_URL

    @property
    def dialect(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgres"

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.split("://", 1)[1].split("?", 1)[0])

    @property
    def erasure_journal(self) -> Path:
        """The app's erasure journal for this database: beside the SQLite file (the app's default), else in
        the temporary folder. A reset deletes it with the data it described."""
        if self.dialect == "sqlite":
            return self.sqlite_path.with_name(self.sqlite_path.name + ".erasure-journal")
        return Path(tempfile.gettempdir()) / "alveole-bench-erasure-journal"

    @property
    def asyncpg_dsn(self) -> str:
        return self.url.replace("postgres://", "postgresql://", 1)


def sqlite_target(directory: Path, name: str) -> Target:
    return Target(f"sqlite://{directory / name}.sqlite3")


def remove_sqlite_files(path: str | Path) -> None:
    """A SQLite database's file and its WAL companions (a few unlinks: too quick to need a thread)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def reset(target: Target) -> None:
    """An empty, migrated database. PostgreSQL: only one that is empty or the benchmark's own."""
    if target.dialect == "sqlite":
        remove_sqlite_files(target.sqlite_path)
    else:
        await _reset_postgres(target)
    target.erasure_journal.unlink(missing_ok=True)
    await migrate(target)


async def _reset_postgres(target: Target) -> None:
    import asyncpg

    connection = await asyncpg.connect(target.asyncpg_dsn)
    try:
        tables = {
            r["tablename"]
            for r in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        if tables:
            names = (
                {r["name"] for r in await connection.fetch("SELECT name FROM agency")} if "agency" in tables else set()
            )
            if "agency" not in tables or names - {BENCH_AGENCY}:
                raise BenchError(
                    "the PostgreSQL database is not empty and not the benchmark's own: the benchmark drops its "
                    "public schema, so give it an empty database (e.g. createdb alveole_bench)"
                )
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


async def migrate(target: Target) -> None:
    from app.database import close_database, open_database
    from app.settings import Secret, Settings

    await open_database(Settings(database_url=target.url, secret_key=Secret("bench-" + "k" * 40)))
    await close_database()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(" ")  # what Tortoise writes, so string comparisons order correctly
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class Writer:
    """Bulk inserts with explicit ids; `finish` moves PostgreSQL's sequences past them and analyses."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None

    async def __aenter__(self) -> Writer:
        if self.target.dialect == "sqlite":
            self._sqlite = sqlite3.connect(self.target.sqlite_path)
            self._sqlite.execute("PRAGMA synchronous = OFF")
        else:
            import asyncpg

            self._pg = await asyncpg.connect(self.target.asyncpg_dsn)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._sqlite is not None:
            self._sqlite.commit()
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()

    async def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        rows = list(rows)
        if not rows:
            return 0
        if self._sqlite is not None:
            marks = ",".join("?" * len(columns))
            sql = f'INSERT INTO "{table}" ({",".join(columns)}) VALUES ({marks})'
            self._sqlite.executemany(sql, ([_sqlite_value(v) for v in row] for row in rows))
            self._sqlite.commit()
        else:
            await self._pg.copy_records_to_table(table, records=rows, columns=list(columns))
        return len(rows)

    async def max_id(self, table: str) -> int:
        sql = f'SELECT COALESCE(MAX(id), 0) FROM "{table}"'
        if self._sqlite is not None:
            return int(self._sqlite.execute(sql).fetchone()[0])
        return int(await self._pg.fetchval(sql))

    async def finish(self) -> None:
        if self._pg is None:
            return
        for table in TABLES:
            await self._pg.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'GREATEST((SELECT MAX(id) FROM "{table}"), 1))'
            )
        # What autovacuum would soon do on a live server: the planner needs statistics.
        await self._pg.execute("ANALYZE")
