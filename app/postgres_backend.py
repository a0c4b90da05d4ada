"""Tortoise's asyncpg client, used as the engine of every PostgreSQL connection (app.database), with two changes.

A transaction takes a connection from asyncpg's pool and then sends BEGIN. When the server went away
while that connection sat idle (a restart, a failover) and the pool did not notice yet, BEGIN fails,
and Tortoise's context manager raises without giving the connection back: each such failure shrinks the
pool for good, until every later request waits forever for a connection. Here the connection goes back
to the pool (which replaces a closed one on its next use), so the pool recovers by itself once the
server is back.

Tortoise takes a pooled connection for each statement outside a transaction, and asyncpg's pool resets a
connection each time it is given back: `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;`,
one more round trip per statement (a contacts page's five pooled uses paid a tenth of its CPU time for them,
and the server as much again). The app leaves no session state to reset: it takes no advisory lock, declares no
cursor, listens to nothing and SETs nothing (tests/test_database_backends.py). The pool still rolls back a
transaction left open, and forgets listeners, before a connection is used again (asyncpg's Connection._reset).
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionalDBClient, TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections


class ReleasingTransactionContext(TransactionContextPooled):
    async def __aenter__(self) -> TransactionalDBClient:
        await self.ensure_connection()
        pool = self.client._parent._pool
        self.client._connection = await pool.acquire()
        try:
            await self.client.begin()
        except BaseException:
            await pool.release(self.client._connection)
            raise
        self.token = get_connections().set(self.connection_name, self.client)
        return self.client


async def nothing_to_reset(connection: asyncpg.Connection) -> None:
    """The pool's `reset` hook (see the module's docstring): no statement."""


class AlveolePostgresClient(AsyncpgDBClient):
    def _in_transaction(self) -> TransactionContext:
        return ReleasingTransactionContext(TransactionWrapper(self), self._pool_init_lock)

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return await asyncpg.create_pool(None, reset=nothing_to_reset, **kwargs)


client_class: Any = AlveolePostgresClient
