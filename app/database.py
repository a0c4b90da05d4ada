"""Opening the database: Tortoise configuration, SQLite pragmas, migrations on start."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.connection import get_connection
from tortoise.migrations.executor import MigrationExecutor

from app.settings import Settings

MIGRATIONS_MODULE = "models.migrations"

# secure_delete: erased and purged rows are overwritten with zeros, not left in free pages.
# busy_timeout: a second process (the cron purge) waits for the lock instead of failing.
SQLITE_PRAGMAS = {"journal_mode": "WAL", "secure_delete": "ON", "busy_timeout": "5000", "foreign_keys": "ON"}


def tortoise_config(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        path = database_url.split("://", 1)[1].split("?", 1)[0]
        credentials = {"file_path": path, **SQLITE_PRAGMAS}
        # Tortoise's SQLite client with BEGIN IMMEDIATE and native date parsing: see app.sqlite_backend.
        connection: dict[str, Any] = {"engine": "app.sqlite_backend", "credentials": credentials}
    else:
        connection = database_url.replace("postgresql://", "postgres://", 1)  # type: ignore[assignment]
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


_config_in_use: dict[str, Any] | None = None


def tortoise_config_in_use() -> dict[str, Any]:
    assert _config_in_use is not None, "the database is not open"
    return _config_in_use


async def open_database(settings: Settings, *, run_migrations: bool = True) -> None:
    global _config_in_use
    _config_in_use = tortoise_config(settings.database_url)
    if settings.sqlite_path is not None:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    await Tortoise.init(config=_config_in_use, _enable_global_fallback=True)
    if run_migrations:
        await migrate()


async def close_database() -> None:
    await Tortoise.close_connections()


def is_sqlite() -> bool:
    return get_connection("default").capabilities.dialect == "sqlite"
