"""The two database engines' fix (app.sqlite_backend, app.postgres_backend): a transaction whose BEGIN fails
gives its connection back. Tortoise's own contexts kept it (SQLite: its connection lock; PostgreSQL: a pooled
connection), so after one failure (SQLite) or five (PostgreSQL's pool) every later transaction waited forever.

tests/test_outages.py shows the same from outside, against live servers; this is the regression test."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiosqlite
import asyncpg
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


async def test_a_pooled_connection_goes_back_without_a_reset_but_its_transaction_rolled_back(
    client, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = get_connection("default")
    if not isinstance(connection, AlveolePostgresClient):
        pytest.skip("asyncpg's pool: PostgreSQL only")
    resets: list[str] = []

    async def reset(self: asyncpg.Connection, **options: object) -> None:
        resets.append("reset")

    monkeypatch.setattr(asyncpg.Connection, "reset", reset)  # asyncpg's default: a round trip per release
    pool = connection._pool
    held = await pool.acquire()
    await held.execute("BEGIN")
    await held.execute(
        "INSERT INTO agency (name, retention_months, default_visibility, created_at)"
        " VALUES ('Left open', 36, 'ADVISOR', now())"
    )
    await pool.release(held)  # as a cancelled request would leave it
    assert resets == []
    assert await Agency.filter(name="Left open").count() == 0
    async with pool.acquire() as again:
        assert await again.fetchval("SELECT count(*) FROM agency WHERE name = 'Left open'") == 0


# Session state a released connection would keep for its next user (app.postgres_backend resets none).
SESSION_STATE = re.compile(r"pg_(try_)?advisory_lock\b|[\"'](SET|RESET|LISTEN|DECLARE) |set_config\(")


def test_no_code_leaves_session_state_on_a_pooled_connection() -> None:
    root = Path(__file__).parent.parent
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for package in ("app", "auth", "models", "resolvers", "schema")
        for path in sorted((root / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SESSION_STATE.search(line)
    ]
    assert found == []


async def test_a_sqlite_transaction_commits_first_only_what_is_open(client, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = get_connection("default")
    if not isinstance(connection, AlveoleSqliteClient):
        pytest.skip("aiosqlite's connection: SQLite only")
    real_commit = aiosqlite.Connection.commit
    commits: list[bool] = []

    async def commit(self: aiosqlite.Connection) -> None:
        commits.append(self.in_transaction)
        await real_commit(self)

    monkeypatch.setattr(aiosqlite.Connection, "commit", commit)
    async with in_transaction():
        await Agency.create(name="Plain")
    assert commits == [True]  # its own COMMIT only: nothing was open before its BEGIN
    commits.clear()
    await connection._connection.execute("BEGIN")  # left open, as Tortoise's BEGIN then commit guard against
    await connection._connection.execute(
        "INSERT INTO agency (name, retention_months, default_visibility, created_at)"
        " VALUES ('Left open', 36, 'ADVISOR', '2026-01-01 00:00:00')"
    )
    async with in_transaction():
        await Agency.create(name="After")
    assert commits == [True, True]  # what was open, then its own
    assert await Agency.filter(name__in=["Plain", "Left open", "After"]).count() == 3
