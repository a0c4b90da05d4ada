"""Opening the database: Tortoise configuration, SQLite pragmas, migrations on start."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.migrations.executor import MigrationExecutor

from app.settings import Settings
from resolvers import journal

MIGRATIONS_MODULE = "models.migrations"

# secure_delete: erased and purged rows are overwritten with zeros, not left in free pages.
# busy_timeout: a second process (the cron purge) waits for the lock instead of failing.
SQLITE_PRAGMAS = {"journal_mode": "WAL", "secure_delete": "ON", "busy_timeout": "5000", "foreign_keys": "ON"}

# How every Alvéole process names its PostgreSQL sessions: `alveole restore` looks for them in pg_stat_activity.
APPLICATION_NAME = "alveole"
# An unreachable server answers a request with SERVICE_UNAVAILABLE within this, instead of asyncpg's 60 s.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 4


def tortoise_config(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        path = database_url.split("://", 1)[1].split("?", 1)[0]
        credentials = {"file_path": path, **SQLITE_PRAGMAS}
        # Tortoise's SQLite client with BEGIN IMMEDIATE and native date parsing: see app.sqlite_backend.
        connection: dict[str, Any] = {"engine": "app.sqlite_backend", "credentials": credentials}
    else:
        credentials = expand_db_url(database_url.replace("postgresql://", "postgres://", 1))["credentials"]
        credentials.setdefault("application_name", APPLICATION_NAME)
        credentials.setdefault("timeout", POSTGRES_CONNECT_TIMEOUT_SECONDS)
        # Tortoise's asyncpg client, releasing a pooled connection whose BEGIN failed: see app.postgres_backend.
        connection = {"engine": "app.postgres_backend", "credentials": credentials}
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": ["models"],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For the `tortoise` CLI (makemigrations): `tortoise -c app.database.TORTOISE_ORM makemigrations`.
TORTOISE_ORM = tortoise_config("sqlite://alveole.sqlite3")


async def migrate() -> None:
    config = tortoise_config_in_use()
    executor = MigrationExecutor(get_connection("default"), config["apps"])
    await executor.migrate(None)


async def pending_migrations() -> list[str]:
    """Migrations of this release not applied to the database (raises when the database does not answer)."""
    connection = get_connection("default")
    await connection.execute_query("SELECT 1")  # the recorder below reads "no table" into "nothing applied"
    plan = await MigrationExecutor(connection, tortoise_config_in_use()["apps"]).plan()
    return [step.migration.name for step in plan if not step.backward]


_config_in_use: dict[str, Any] | None = None


def tortoise_config_in_use() -> dict[str, Any]:
    if _config_in_use is None:
        raise RuntimeError("the database is not open")
    return _config_in_use


async def open_database(settings: Settings, *, run_migrations: bool = True) -> None:
    global _config_in_use
    _config_in_use = tortoise_config(settings.database_url)
    journal.configure(settings.erasure_journal_path)
    if settings.sqlite_path is not None:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    await Tortoise.init(config=_config_in_use, _enable_global_fallback=True)
    if run_migrations:
        await migrate()


async def close_database() -> None:
    await Tortoise.close_connections()


def is_sqlite() -> bool:
    return get_connection("default").capabilities.dialect == "sqlite"
