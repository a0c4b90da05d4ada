"""SQL written once per statement shape: the query sets every other path runs, built once, their values bound per run.

Building a statement with Tortoise and pypika costs more CPU than SQLite spends running it (a quarter of a
contacts page's time). The statements run on every request (a compiled operation's, schema.fastpath.compiled; the
session behind a bearer token, resolvers.sessions) are built once, from the very query sets the other paths use
(auth.enforce's scopes included, so the compartment rules are never written twice), with placeholder values where
a run's own values go; a run copies the parameters and puts its values in the placeholders' places.

A placeholder is an integer no real parameter can be (ids are positive and 32-bit), or a text no real one holds (a
NUL character); a statement in which a placeholder does not appear exactly once, as a parameter, is not used.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from tortoise import connections

from resolvers.pagination import ListedRow, read_sql

_FIRST_PLACEHOLDER = -(2**40)


def placeholders(count: int) -> list[int]:
    return [_FIRST_PLACEHOLDER - index for index in range(count)]


def text_placeholders(count: int) -> list[str]:
    return [f"\x00placeholder {index}\x00" for index in range(count)]


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
        self.positions = [(at, index[p]) for at, p in enumerate(self.params) if type(p) in (int, str) and p in index]
        if sorted(which for _, which in self.positions) != list(range(len(slots))):
            raise Unbindable(self.sql)

    async def rows(self, values: list[Any]) -> list[ListedRow]:
        params = self.params.copy()
        for at, which in self.positions:
            params[at] = values[which]
        return await read_sql(connections.get(self.connection_name), self.sql, params)


# (what, what the statement's shape depends on), the database's dialect -> its Statement. Bounded: the shapes are
# few (per viewer and page size), and when some client makes endless ones the memo starts again.
_statements: dict[Hashable, Statement] = {}
MAX_STATEMENTS = 1024


def statement(
    key: Hashable,
    model: Any,
    build: Callable[[list[Any]], Any],
    slot_count: int,
    make_slots: Callable[[int], list[Any]] = placeholders,
) -> Statement:
    """The statement `build(slots)` makes (a pypika query of the model's table), made once per key and database
    dialect; `make_slots` gives the placeholders (integers unless said otherwise)."""
    connection_name = model._meta.default_connection
    dialect = connections.get(connection_name).capabilities.dialect
    full_key = (key, dialect)
    found = _statements.get(full_key)
    if found is None:
        slots = make_slots(slot_count)
        found = Statement(connection_name, build(slots), slots)
        if len(_statements) >= MAX_STATEMENTS:
            _statements.clear()
        _statements[full_key] = found
    return found


def queryset_sql(queryset: Any) -> Any:
    """The pypika query a Tortoise query set runs (QuerySet.sql(), public, builds it as awaiting it would)."""
    queryset.sql()
    return queryset.query
