"""Migrations applied to a database that already holds data, as an upgrade runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from app.database import close_database, open_database, tortoise_config_in_use
from models import AuditChainHead, SubjectRequest
from resolvers import audit
from resolvers.clock import now
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


BEFORE_STAFF_PER_AGENCY = MigrationTarget("models", "0004_self_service")
OLD_STAFF = [
    "INSERT INTO agency (id, name, retention_months, default_visibility, created_at)"
    " VALUES (1, 'A', 36, 'TEAM', CURRENT_TIMESTAMP), (2, 'B', 36, 'TEAM', CURRENT_TIMESTAMP)",
    "INSERT INTO team (id, agency_id, name, created_at) VALUES (1, 1, 'Europe', CURRENT_TIMESTAMP)",
    "INSERT INTO app_user (id, agency_id, team_id, email, name, role, active, password_hash, created_at) VALUES"
    " (1, 1, 1, 'admin@a.test', 'Admin', 'ADMIN', TRUE, 'x', CURRENT_TIMESTAMP),"
    " (2, 1, 1, 'sophie@a.test', 'Sophie', 'ADVISOR', TRUE, 'x', CURRENT_TIMESTAMP)",
    "INSERT INTO contact (id, agency_id, owner_id, team_id, kind, visibility, restricted, created_at,"
    " last_activity_at, first_name, last_name, search_text) VALUES"
    " (1, 1, 1, 1, 'CLIENT', 'TEAM', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'Pierre', 'Martin', ''),"
    " (2, 1, 2, 1, 'CLIENT', 'TEAM', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'Anne', 'Petit', '')",
]


async def test_staff_emails_per_agency_keep_the_staff_and_take_admins_out_of_their_teams(fresh_database: str) -> None:
    EXECUTOR_CACHE.clear()
    await open_database(make_settings(fresh_database), run_migrations=False)
    try:
        await migrate(BEFORE_STAFF_PER_AGENCY)
        connection = get_connection("default")
        for statement in OLD_STAFF:
            await connection.execute_script(statement)
        await migrate(None)

        _, users = await connection.execute_query("SELECT id, email, role, team_id FROM app_user ORDER BY id")
        assert [tuple(row) for row in users] == [
            (1, "admin@a.test", "ADMIN", None),
            (2, "sophie@a.test", "ADVISOR", 1),
        ]
        _, contacts = await connection.execute_query("SELECT id, team_id FROM contact ORDER BY id")
        assert [tuple(row) for row in contacts] == [(1, None), (2, 1)]  # the ADMIN's contact follows it
        # An address may now serve another agency, never twice in one.
        await connection.execute_script(
            "INSERT INTO app_user (id, agency_id, email, name, role, active, password_hash, created_at)"
            " VALUES (3, 2, 'sophie@a.test', 'Other Sophie', 'ADVISOR', TRUE, 'x', CURRENT_TIMESTAMP)"
        )
        with pytest.raises(IntegrityError):
            await connection.execute_script(
                "INSERT INTO app_user (id, agency_id, email, name, role, active, password_hash, created_at)"
                " VALUES (4, 1, 'sophie@a.test', 'Twin', 'ADVISOR', TRUE, 'x', CURRENT_TIMESTAMP)"
            )
        if connection.capabilities.dialect == "sqlite":
            # SQLite rebuilt the table: its indexes are all there again.
            _, indexes = await connection.execute_query(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'app_user' AND sql IS NOT NULL"
            )
            assert len(indexes) == 4  # (agency_id, email) unique, email, (agency_id, name), (team_id, name)
    finally:
        await close_database()


def _declared_indexes() -> set[tuple[str, tuple[str, ...]]]:
    """(table, columns) of every index the models declare in their Meta."""
    from tortoise import Tortoise

    declared = set()
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        for index in getattr(meta, "indexes", ()) or ():
            columns = tuple(index.fields if hasattr(index, "fields") else index)
            declared.add((meta.db_table, columns))
    return declared


async def _existing_indexes(database_url: str) -> set[tuple[str, tuple[str, ...]]]:
    conn = get_connection("default")
    if database_url.startswith("sqlite"):
        names = await conn.execute_query_dict("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")
        found = set()
        for row in names:
            columns = await conn.execute_query_dict(f'PRAGMA index_info("{row["name"]}")')
            found.add((row["tbl_name"], tuple(c["name"] for c in sorted(columns, key=lambda c: c["seqno"]))))
        return found
    rows = await conn.execute_query_dict(
        "SELECT t.relname AS tbl, array_agg(a.attname ORDER BY k.n) AS cols"
        " FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace"
        " CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)"
        " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum"
        " WHERE s.nspname = 'public' GROUP BY x.indexrelid, t.relname"
    )
    return {(row["tbl"], tuple(row["cols"])) for row in rows}


async def test_every_index_the_models_declare_exists_after_migrating(fresh_database: str) -> None:
    """A migration that rebuilds a SQLite table (an AlterField) must not lose its indexes: 0006 once did."""
    await open_database(make_settings(fresh_database))
    try:
        missing = _declared_indexes() - await _existing_indexes(fresh_database)
    finally:
        await close_database()
    assert not missing, f"declared by the models but not in the migrated database: {sorted(missing)}"


BEFORE_THE_CHAIN_HEAD = MigrationTarget("models", "0009_consent_index_back")
OLD_EVENT = (
    "INSERT INTO audit_event (agency_id, at, actor, action, contact_ref, detail, prev_hash, hash)"
    " VALUES ($1, $2, 'dpo@old.test', 'EXPORT', NULL, '', $3, $4)"
)


async def test_an_existing_trail_gets_its_head_and_appends_go_on_chaining(fresh_database: str) -> None:
    EXECUTOR_CACHE.clear()
    await open_database(make_settings(fresh_database), run_migrations=False)
    try:
        await migrate(BEFORE_THE_CHAIN_HEAD)
        connection = get_connection("default")
        for name in ("With a trail", "Without"):
            await connection.execute_query(spelled_for(connection, OLD_AGENCY), [name])
        prev, at = audit.GENESIS, now()
        for _ in range(3):
            digest = audit.chain_hash(1, at, "dpo@old.test", "EXPORT", None, "", prev)
            await connection.execute_query(spelled_for(connection, OLD_EVENT), [1, at, prev, digest])
            prev = digest
        await migrate(None)
        heads = dict(await AuditChainHead.all().values_list("agency_id", "hash"))
        assert heads == {1: prev}  # the agency without a trail gets its head with its first event
        for agency_id in (1, 2):
            await audit.record(None, "EXPORT", agency_id=agency_id, actor="dpo@old.test")
            verification = await audit.verify_chain(agency_id)
            assert verification.ok and verification.checked_events == (4 if agency_id == 1 else 1)
    finally:
        await close_database()
