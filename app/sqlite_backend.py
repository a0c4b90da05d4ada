"""Tortoise's SQLite client with three changes, used as the engine of every SQLite connection (app.database).

1. Write transactions start with BEGIN IMMEDIATE. Tortoise's plain BEGIN takes the write lock only at
   the first write: when another process (the cron purge, a second server) commits in between, SQLite
   answers SQLITE_BUSY at once, without waiting busy_timeout ("database is locked"). IMMEDIATE takes
   the lock up front, where busy_timeout applies, so concurrent writers queue instead of failing.
2. TIMESTAMP and DATE columns come back as datetime / date (the C-speed fromisoformat), so Tortoise
   does not parse every value again in Python: a page of 50 contacts reads about a thousand of them.
3. A BEGIN that fails (the lock still held by another process after busy_timeout, a read-only file)
   gives the connection back. Tortoise's context keeps its lock on the connection then, and every later
   transaction of the process waits for it forever: one "database is locked" hung the server for good.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import Any

import aiosqlite
from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError


def _timestamp(raw: bytes) -> datetime | str:
    text = raw.decode()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text  # whatever it is, Tortoise's own parser gets it, as before


def _date(raw: bytes) -> date | str:
    text = raw.decode()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text


sqlite3.register_converter("TIMESTAMP", _timestamp)
sqlite3.register_converter("DATE", _date)


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            # Tortoise commits first, whatever is open. sqlite3's commit does nothing outside a transaction, but
            # costs a round trip to aiosqlite's thread (each page's VIEW_PERSONAL batch paid it): asked only then.
            if self._connection.in_transaction:
                await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ReleasingTransactionContext(SqliteTransactionContext):
    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            await self.connection.begin()
        except BaseException:
            self._trxlock.release()
            raise
        self.token = get_connections().set(self.connection_name, self.connection)
        return self.connection


class AlveoleSqliteClient(SqliteClient):
    async def create_connection(self, with_db: bool) -> None:
        if self._connection:
            return
        self._connection = await aiosqlite.connect(
            self.filename, isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES
        )
        self._connection._conn.row_factory = sqlite3.Row
        for pragma, value in self.pragmas.items():
            cursor = await self._connection.execute(f"PRAGMA {pragma}={value}")
            await cursor.close()
        await self._post_connect()

    def _in_transaction(self) -> TransactionContext:
        return ReleasingTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class: Any = AlveoleSqliteClient
