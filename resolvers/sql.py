"""Hand-written SQL, where the ORM's query building cost more than the query (purges, the audit chain).

Statements are written once for both databases, with PostgreSQL's numbered parameters ($1, $2...).
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient


def spelled_for(conn: BaseDBAsyncClient, statement: str) -> str:
    """The statement as `conn`'s database reads it: SQLite spells $1, $2... as ?1, ?2..."""
    return statement.replace("$", "?") if conn.capabilities.dialect == "sqlite" else statement
