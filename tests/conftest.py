"""A real database (a SQLite file, and PostgreSQL when ALVEOLE_TEST_POSTGRES_URL is set) behind the real app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from tortoise.backends.base.executor import EXECUTOR_CACHE

from app.main import create_app
from app.settings import Settings
from tests.world import GraphQLClient

POSTGRES_URL = os.environ.get("ALVEOLE_TEST_POSTGRES_URL")
SECRET = "test-secret-key-" + "x" * 40


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return "alveole: database tests run on SQLite and on PostgreSQL"
    return "alveole: database tests run on SQLite only (set ALVEOLE_TEST_POSTGRES_URL to add PostgreSQL)"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'alveole.sqlite3'}"
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set ALVEOLE_TEST_POSTGRES_URL to run this on PostgreSQL")
    return POSTGRES_URL


async def reset_postgres(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


def make_settings(database_url: str, **overrides: object) -> Settings:
    from app.settings import Secret

    values: dict[str, object] = {"database_url": database_url, "secret_key": Secret(SECRET)}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest_asyncio.fixture
async def client(settings: Settings) -> AsyncIterator[GraphQLClient]:
    if not settings.is_sqlite:
        await reset_postgres(settings.database_url)
    # Tortoise caches compiled INSERTs per connection name: switching backends in one process needs a reset.
    EXECUTOR_CACHE.clear()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4242))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQLClient(http)
