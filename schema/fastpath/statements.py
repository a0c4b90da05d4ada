"""SQL written once per statement shape: the query sets every other path runs, built once, their values bound per run.

Building a statement with Tortoise and pypika costs more CPU than SQLite spends running it (a quarter of a
contacts page's time). A compiled operation (schema.fastpath.compiled) builds each of its statements once, from
the very functions the resolvers and loaders call (auth.enforce's scopes included, so the compartment rules are
never written twice), with placeholder values where a run's own values go; a run copies the parameters and puts
its values in the placeholders' places.

A placeholder is an integer no real parameter can be (ids are positive and 32-bit); a statement in which a
placeholder does not appear exactly once, as a parameter, is not used.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from tortoise import connections

from resolvers.pagination import ListedRow, read_sql
from schema.memo import MISSING, BoundedMemo

_FIRST_PLACEHOLDER = -(2**40)


def placeholders(count: int) -> list[int]:
    return [_FIRST_PLACEHOLDER - index for index in range(count)]


class Unbindable(Exception):
    """The statement does not carry each placeholder once, as a parameter: it cannot be reused."""


class Statement:
    """A statement's SQL and parameters, and where each placeholder sits among them."""

    __slots__ = ("connection_name", "params", "positions", "sql")

    def __init__(self, connection_name: str, pypika_query: Any, slots: list[int]) -> None:
        self.connection_name = connection_name
        self.sql, params = pypika_query.get_parameterized_sql()
        self.params = list(params)
        index = {slot: at for at, slot in enumerate(slots)}
        self.positions = [(at, index[p]) for at, p in enumerate(self.params) if type(p) is int and p in index]
        if sorted(which for _, which in self.positions) != list(range(len(slots))):
            raise Unbindable(self.sql)

    async def rows(self, values: list[Any]) -> list[ListedRow]:
        params = self.params.copy()
        for at, which in self.positions:
            params[at] = values[which]
        return await read_sql(connections.get(self.connection_name), self.sql, params)


# (what, the database's dialect, what the statement's shape depends on) -> its Statement
_statements: BoundedMemo[Hashable, Statement] = BoundedMemo(512)


def statement(key: Hashable, connection_name: str, build: Callable[[list[int]], Any], slot_count: int) -> Statement:
    """The statement `build(placeholders)` makes (a pypika query), made once per key and database dialect."""
    dialect = connections.get(connection_name).capabilities.dialect
    full_key = (key, dialect)
    found = _statements.get(full_key)
    if found is MISSING:
        found = Statement(connection_name, build(placeholders(slot_count)), placeholders(slot_count))
        _statements.put(full_key, found)
    return found  # type: ignore[return-value]


def queryset_sql(queryset: Any) -> Any:
    """The pypika query a Tortoise query set runs (QuerySet.sql(), public, builds it as awaiting it would)."""
    queryset.sql()
    return queryset.query
