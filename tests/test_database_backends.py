"""The two database engines' fix (app.sqlite_backend, app.postgres_backend): a transaction whose BEGIN fails
gives its connection back. Tortoise's own contexts kept it (SQLite: its connection lock; PostgreSQL: a pooled
connection), so after one failure (SQLite) or five (PostgreSQL's pool) every later transaction waited forever.

tests/test_outages.py shows the same from outside, against live servers; this is the regression test."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from app.postgres_backend import AlveolePostgresClient
from app.sqlite_backend import AlveoleSqliteClient, ImmediateTransactionWrapper
from models import Agency


async def test_a_failed_begin_gives_the_connection_back(client, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = get_connection("default")
    assert isinstance(connection, AlveoleSqliteClient | AlveolePostgresClient)  # the engines app.database names
    wrapper = ImmediateTransactionWrapper if isinstance(connection, AlveoleSqliteClient) else TransactionWrapper
    real_begin = wrapper.begin
    failures = 0

    async def lost_connection(self: object) -> None:
        nonlocal failures
        failures += 1
        raise ConnectionResetError("the server went away")

    async def failing() -> None:
        with pytest.raises(ConnectionResetError):
            async with in_transaction():
                pass

    async def writing(i: int) -> None:
        async with in_transaction():
            await Agency.create(name=f"After the outage {i}")

    # Each in a task of its own, as each request is: what one leaves behind, the next must not wait for.
    async with asyncio.timeout(10):  # with the connections kept, these waited forever
        monkeypatch.setattr(wrapper, "begin", lost_connection)
        for _ in range(8):  # more than PostgreSQL's pool of 5
            await asyncio.create_task(failing())
        monkeypatch.setattr(wrapper, "begin", real_begin)
        for i in range(8):
            await asyncio.create_task(writing(i))
    assert failures == 8 and await Agency.filter(name__startswith="After the outage").count() == 8
