"""Migration 0004 on a database that already holds subject requests: they become STAFF, verified, with a reference."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from app.database import close_database, open_database, tortoise_config_in_use
from models import SubjectRequest
from resolvers.sql import spelled_for
from tests.conftest import POSTGRES_URL, make_settings, reset_postgres

BEFORE_THE_DOOR = MigrationTarget("models", "0002_perf_indexes")
OLD_AGENCY = (
    "INSERT INTO agency (name, retention_months, default_visibility, created_at)"
    " VALUES ($1, 36, 'ADVISOR', CURRENT_TIMESTAMP)"
)
OLD_REQUEST = (
    "INSERT INTO subject_request (agency_id, kind, status, received_at, due_at, extended)"
    " VALUES (1, $1, 'OPEN', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false)"
)


async def migrate(target: MigrationTarget | None) -> None:
    executor = MigrationExecutor(get_connection("default"), tortoise_config_in_use()["apps"])
    await executor.migrate([target] if target else None)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, nothing migrated (PostgreSQL: the conftest rebuilds it for the next test)."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'old.sqlite3'}"
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set ALVEOLE_TEST_POSTGRES_URL to run this on PostgreSQL")
    await reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


async def test_existing_requests_become_staff_verified_with_a_reference(fresh_database: str) -> None:
    EXECUTOR_CACHE.clear()
    await open_database(make_settings(fresh_database), run_migrations=False)
    try:
        await migrate(BEFORE_THE_DOOR)
        connection = get_connection("default")
        await connection.execute_query(spelled_for(connection, OLD_AGENCY), ["Agence"])
        for kind in ("ACCESS", "ERASURE", "OBJECTION"):
            await connection.execute_query(spelled_for(connection, OLD_REQUEST), [kind])
        await migrate(None)
        rows = await SubjectRequest.all().order_by("id")
        assert [(r.kind, r.channel, r.verified, r.language) for r in rows] == [
            ("ACCESS", "STAFF", True, "fr"),
            ("ERASURE", "STAFF", True, "fr"),
            ("OBJECTION", "STAFF", True, "fr"),
        ]
        references = [r.reference for r in rows]
        assert len(set(references)) == 3 and all(len(r) == 13 and r.startswith("DSR-") for r in references)
        # The indexes of 0002 survive SQLite's rebuild of the table.
        if connection.capabilities.dialect == "sqlite":
            _, indexes = await connection.execute_query("PRAGMA index_list('subject_request')")
            names = {index["name"] for index in indexes}
            assert {"idx_subject_req_agency__54c4d8", "idx_subject_req_contact_d2587f"} <= names
    finally:
        await close_database()
