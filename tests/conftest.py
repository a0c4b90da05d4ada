"""A real database (a SQLite file, and PostgreSQL when ALVEOLE_TEST_POSTGRES_URL is set) behind the real app.

Fast by construction: migrations run once per test process, into a template SQLite file that each test (and each
server a test starts) copies, and into the PostgreSQL database, which each test then empties with DELETEs. Under
pytest-xdist every worker has its own PostgreSQL database. Passwords
are hashed with cheap argon2 parameters (ALVEOLE_ARGON2_*, set here for in-process apps and for every
server process a test starts).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio
from tortoise.backends.base.executor import EXECUTOR_CACHE

from auth.passwords import HashCost, configure

CHEAP_HASHING = {
    "ALVEOLE_ARGON2_TIME_COST": "1",
    "ALVEOLE_ARGON2_MEMORY_KIB": "1024",
    "ALVEOLE_ARGON2_PARALLELISM": "1",
}
os.environ.update(CHEAP_HASHING)  # subprocesses (alveole serve, the CLI) inherit it
CHEAP_COST = HashCost(time_cost=1, memory_kib=1024, parallelism=1)
configure(CHEAP_COST)

from app.main import create_app  # noqa: E402 - after the hashing cost is set, as the app reads it
from app.settings import Settings  # noqa: E402
from app.settings import fast_execution as fast_execution_setting  # noqa: E402
from tests.world import GraphQLClient  # noqa: E402

# Under pytest-xdist (`pytest -n 2`) each worker has a database of its own, `<database>_<worker>` (test_gw0, ...),
# created on the worker's first run; without xdist the variable's database is used as it is.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def worker_database_url(url: str | None, worker: str | None) -> str | None:
    if not url or not worker:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{worker}"))


POSTGRES_URL = worker_database_url(os.environ.get("ALVEOLE_TEST_POSTGRES_URL"), XDIST_WORKER)
# `ALVEOLE_FAST_EXECUTION=off pytest`: every in-process app runs the stock executor (server processes inherit it).
FAST_EXECUTION = fast_execution_setting(os.environ)
# These run on both paths, whatever the variable says: the fast path must answer what the stock executor answers.
BOTH_PATHS = frozenset({"test_leaks", "test_property_leaks", "test_compartments", "test_export", "test_query_count"})
SECRET = "test-secret-key-" + "x" * 40
MIGRATIONS = Path(__file__).resolve().parent.parent / "models" / "migrations"


async def _create_worker_database(base_url: str, url: str) -> None:
    import asyncpg

    name = urlsplit(url).path.lstrip("/")
    connection = await asyncpg.connect(base_url.replace("postgres://", "postgresql://", 1))
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            # A name made here from the variable's database and xdist's worker id (gw0...), quoted as an identifier.
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def pytest_sessionstart(session: pytest.Session) -> None:
    base_url = os.environ.get("ALVEOLE_TEST_POSTGRES_URL")
    if base_url and POSTGRES_URL and XDIST_WORKER:
        asyncio.run(_create_worker_database(base_url, POSTGRES_URL))


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return "alveole: database tests run on SQLite and on PostgreSQL"
    return "alveole: database tests run on SQLite only (set ALVEOLE_TEST_POSTGRES_URL to add PostgreSQL)"


def migrations_fingerprint() -> str:
    """Changes whenever a migration file does: a database migrated from other files is rebuilt."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


async def _migrate(database_url: str) -> None:
    from app.database import close_database, open_database

    EXECUTOR_CACHE.clear()
    await open_database(make_settings(database_url))
    await close_database()


_TEMPLATES = Path(tempfile.gettempdir()) / f"alveole-test-templates-{os.getpid()}"


async def sqlite_template_file() -> Path:
    """A SQLite database migrated once per test process, for tests to copy: a migration costs over a second of
    CPU, a copy nothing. Servers started by tests get copies too (tests.live_server.seed)."""
    path = _TEMPLATES / "template.sqlite3"
    if not path.exists():
        _TEMPLATES.mkdir(exist_ok=True)
        building = path.with_name("building.sqlite3")
        await _migrate(f"sqlite://{building}")
        building.rename(path)
    return path


@pytest_asyncio.fixture(scope="session")
async def sqlite_template() -> Path:
    return await sqlite_template_file()


def copy_sqlite_template(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite://{target}"


@pytest_asyncio.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database."""
    if request.param == "sqlite":
        return copy_sqlite_template(sqlite_template, tmp_path / "alveole.sqlite3")
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set ALVEOLE_TEST_POSTGRES_URL to run this on PostgreSQL")
    await empty_postgres(POSTGRES_URL)
    return POSTGRES_URL


async def reset_postgres(url: str) -> None:
    """An empty public schema: nothing migrated."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


_FINGERPRINT_TABLE = "alveole_test_fingerprint"


# Each public table with the tables its foreign keys reference, and the sequences the tables own (their ids):
# what TRUNCATE ... RESTART IDENTITY CASCADE would empty and restart.
_REFERENCES = """
SELECT child.relname AS table, array_remove(array_agg(DISTINCT parent.relname::text), NULL) AS parents
FROM pg_class child
LEFT JOIN pg_constraint c ON c.contype = 'f' AND c.conrelid = child.oid
LEFT JOIN pg_class parent ON parent.oid = c.confrelid
WHERE child.relkind = 'r' AND child.relnamespace = 'public'::regnamespace
GROUP BY child.relname
"""
_OWNED_SEQUENCES = """
SELECT s.relname AS sequence
FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace AND t.relname = ANY($1::text[])
"""


def _deleting_order(parents_of: dict[str, set[str]]) -> list[str]:
    order: list[str] = []
    while parents_of:
        referenced = set().union(*parents_of.values())
        leaves = sorted(table for table in parents_of if table not in referenced)
        if not leaves:  # a cycle: none in this schema; DELETE would need deferred constraints
            raise RuntimeError(f"foreign keys form a cycle among {sorted(parents_of)}")
        order += leaves
        parents_of = {table: parents - set(leaves) for table, parents in parents_of.items() if table not in leaves}
    return order


async def _delete_every_row(connection: Any, tables: set[str]) -> None:
    """Every row deleted and every sequence restarted, in one round trip. On tables of a few rows DELETE takes a
    tenth of what TRUNCATE does (which makes new files for each table and index), and the same is left."""
    references = {r["table"]: set(r["parents"]) for r in await connection.fetch(_REFERENCES)}
    # Children before parents, so that no DELETE meets a row still referencing its table's rows.
    parents_of = {table: (references[table] & tables) - {table} for table in tables}
    sequences = [r["sequence"] for r in await connection.fetch(_OWNED_SEQUENCES, sorted(tables))]
    statements = [f'DELETE FROM "{table}"' for table in _deleting_order(parents_of)]
    statements += [f'ALTER SEQUENCE "{sequence}" RESTART' for sequence in sequences]
    await connection.execute(";".join(statements))


async def empty_postgres(url: str) -> None:
    """Migrated and empty: every row deleted (ids restart at 1), or, when the database was migrated from
    other migration files (or not at all), rebuilt from scratch."""
    import asyncpg

    fingerprint = migrations_fingerprint()
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = {
            r["tablename"]
            for r in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        current = None
        if _FINGERPRINT_TABLE in tables:
            current = await connection.fetchval(f"SELECT fingerprint FROM {_FINGERPRINT_TABLE}")
        if current == fingerprint:
            await _delete_every_row(connection, tables - {_FINGERPRINT_TABLE, "tortoise_migrations"})
            return
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()
    await _migrate(url)
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(f"CREATE TABLE {_FINGERPRINT_TABLE} (fingerprint text NOT NULL)")
        await connection.execute(f"INSERT INTO {_FINGERPRINT_TABLE} VALUES ($1)", fingerprint)
    finally:
        await connection.close()


# These also run with every contacts page compiled at first sight (schema.fastpath.compiled).
COMPILED_TOO = frozenset({"test_leaks", "test_compartments", "test_query_count"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if "fast_execution" in metafunc.fixturenames and module in BOTH_PATHS:
        if module in COMPILED_TOO:
            paths, ids = [True, "compiled", False], ["fast", "compiled", "stock"]
        else:
            paths, ids = [True, False], ["fast", "stock"]
        metafunc.parametrize("fast_execution", paths, ids=ids, indirect=True)


@pytest.fixture
def fast_execution(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """The executor of the in-process app: schema.fastpath's, or Strawberry's and graphql-core's as they come.
    Parametrized, "fast" compiles no operation and "compiled" every contacts page it can."""
    path = getattr(request, "param", None)
    if path is not None:
        from schema.fastpath import compiled

        monkeypatch.setattr(compiled, "COMPILE_AFTER", 1 if path == "compiled" else sys.maxsize)
    return bool(FAST_EXECUTION if path is None else path)


# PostgreSQL needs an erasure journal outside the database (SQLite's defaults to a file beside it).
POSTGRES_JOURNAL = Path(tempfile.gettempdir()) / f"alveole-test-erasure-journal-{os.getpid()}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    POSTGRES_JOURNAL.unlink(missing_ok=True)
    shutil.rmtree(_TEMPLATES, ignore_errors=True)


def make_settings(database_url: str, **overrides: object) -> Settings:
    from app.settings import Secret

    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": Secret(SECRET),
        "password_hash_cost": CHEAP_COST,
        "fast_execution": FAST_EXECUTION,
        # In-process apps run no outbox dispatcher: tests drive its passes themselves (resolvers.outbox).
        "outbox_dispatcher": False,
    }
    if not database_url.startswith("sqlite"):
        values["erasure_journal"] = POSTGRES_JOURNAL
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, fast_execution: bool) -> Settings:
    return make_settings(database_url, fast_execution=fast_execution)


@pytest_asyncio.fixture
async def client(settings: Settings) -> AsyncIterator[GraphQLClient]:
    # Tortoise caches compiled INSERTs per connection name: switching backends in one process needs a reset.
    EXECUTOR_CACHE.clear()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4242))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQLClient(http)
