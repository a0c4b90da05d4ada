"""Tortoise's asyncpg client, used as the engine of every PostgreSQL connection (app.database), with one fix.

A transaction takes a connection from asyncpg's pool and then sends BEGIN. When the server went away
while that connection sat idle (a restart, a failover) and the pool did not notice yet, BEGIN fails,
and Tortoise's context manager raises without giving the connection back: each such failure shrinks the
pool for good, until every later request waits forever for a connection. Here the connection goes back
to the pool (which replaces a closed one on its next use), so the pool recovers by itself once the
server is back.
"""

from __future__ import annotations

from typing import Any

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


class AlveolePostgresClient(AsyncpgDBClient):
    def _in_transaction(self) -> TransactionContext:
        return ReleasingTransactionContext(TransactionWrapper(self), self._pool_init_lock)


client_class: Any = AlveolePostgresClient
