"""The baselines' database access: the app's own drivers (aiosqlite, asyncpg), no ORM, `?` placeholders."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from app.database import SQLITE_PRAGMAS


class RawDatabase:
    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self._conn: Any = None  # aiosqlite: one connection, as Tortoise has
        self._pool: Any = None  # asyncpg: a pool the size of Tortoise's default (1 to 5)
        self._write = asyncio.Lock()
        self._pg_sql: dict[str, str] = {}

    async def open(self) -> None:
        if self.sqlite:
            import aiosqlite

            self._conn = await aiosqlite.connect(self.url.split("://", 1)[1], isolation_level=None)
            for pragma, value in SQLITE_PRAGMAS.items():
                await self._conn.execute(f"PRAGMA {pragma}={value}")
        else:
            import asyncpg

            from app.postgres_backend import nothing_to_reset

            # Without the pool's reset statement on release, as the app's pool (app/postgres_backend.py): fair.
            self._pool = await asyncpg.create_pool(
                self.url.replace("postgres://", "postgresql://", 1), min_size=1, max_size=5, reset=nothing_to_reset
            )

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
        if self._pool is not None:
            await self._pool.close()

    def sql(self, text: str) -> str:
        if self.sqlite:
            return text
        converted = self._pg_sql.get(text)
        if converted is None:
            counter = iter(range(1, 10_000))
            converted = self._pg_sql[text] = re.sub(r"\?", lambda _: f"${next(counter)}", text)
        return converted

    @staticmethod
    def marks(values: Sequence[Any]) -> str:
        return ",".join("?" * len(values))

    def timestamp(self, value: Any) -> datetime:
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    def stamp(self, value: datetime) -> Any:
        return value.isoformat(" ") if self.sqlite else value

    async def fetch(self, text: str, *args: Any) -> list[Sequence[Any]]:
        if self.sqlite:
            async with self._conn.execute(text, args) as cursor:
                return list(await cursor.fetchall())
        return list(await self._pool.fetch(self.sql(text), *args))

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        if self.sqlite:
            async with self._write:
                # As the app's transactions (app/sqlite_backend.py): take the write lock up front, so a
                # concurrent writer makes this wait (busy_timeout) instead of failing mid-transaction.
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield Transaction(self, self._conn)
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                await self._conn.execute("COMMIT")
        else:
            async with self._pool.acquire() as connection, connection.transaction():
                yield Transaction(self, connection)


class Transaction:
    def __init__(self, db: RawDatabase, connection: Any) -> None:
        self.db, self.connection = db, connection

    async def fetch(self, text: str, *args: Any) -> list[Sequence[Any]]:
        if self.db.sqlite:
            async with self.connection.execute(text, args) as cursor:
                return list(await cursor.fetchall())
        return list(await self.connection.fetch(self.db.sql(text), *args))

    async def execute(self, text: str, *args: Any) -> int:
        if self.db.sqlite:
            async with self.connection.execute(text, args) as cursor:
                return int(cursor.rowcount)
        status = await self.connection.execute(self.db.sql(text), *args)
        return int(status.rsplit(" ", 1)[-1]) if status and status[-1].isdigit() else 0

    async def execute_many(self, text: str, rows: list[Sequence[Any]]) -> None:
        if self.db.sqlite:
            await self.connection.executemany(text, rows)
        else:
            await self.connection.executemany(self.db.sql(text), rows)

    async def chain_head(self, agency_id: int, genesis: str) -> str:
        """The agency's audit chain head, made the first time and locked in the same statement, as the app does."""
        rows = await self.fetch(
            "INSERT INTO audit_chain_head (agency_id, hash) VALUES (?, ?)"
            " ON CONFLICT (agency_id) DO UPDATE SET hash = audit_chain_head.hash RETURNING hash",
            agency_id,
            genesis,
        )
        return str(rows[0][0])
