"""Relay-style keyset pagination: newest first, the cursor is the opaque sort key (the id) and the kind of rows
it pages (a cursor of one list is refused by another)."""

from __future__ import annotations

import base64
import binascii
import re
from collections import namedtuple
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, Protocol, TypeVar

from pypika_tortoise import Order
from pypika_tortoise.analytics import Count, RowNumber
from pypika_tortoise.terms import Star
from tortoise import connections
from tortoise.models import Model
from tortoise.queryset import QuerySet

from auth.errors import BadInput

MAX_PAGE = 200
DEFAULT_PAGE = 50
T = TypeVar("T")
M = TypeVar("M", bound=Model)


class Keyed(Protocol):
    """What a cursor is made from: a row's id (a model, a ListedRow or a record built from rows)."""

    @property
    def id(self) -> int: ...


K = TypeVar("K", bound=Keyed)
TotalCount = Callable[[], Awaitable[int]]


def known(total: int) -> TotalCount:
    async def count() -> int:
        return total

    return count


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    # Called only when the client selects totalCount: counting an agency's contacts is a scan of them all.
    count: TotalCount

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


# Row ids are 32-bit on PostgreSQL (IntField): a larger key could only overflow the query, never match a row.
MAX_KEY = 2**31 - 1
CURSOR_MAX = 64
_CURSOR_TEXT = re.compile(rf"[A-Za-z0-9_-]{{1,{CURSOR_MAX}}}")  # base64url without padding, and nothing else
_CURSOR = re.compile(r"c:([A-Za-z]{1,32}):([1-9][0-9]{0,9})")


@lru_cache(maxsize=16384)  # every row of every page gets one, and pages are read again and again
def encode_cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"c:{kind}:{key}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, field: str = "after") -> int:
    """The key a cursor of this kind of rows holds, or BAD_USER_INPUT for anything else, whatever it is."""
    invalid = BadInput(field, "is not a valid cursor for this list")
    if not isinstance(cursor, str) or not _CURSOR_TEXT.fullmatch(cursor):
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
        raise invalid from None
    match = _CURSOR.fullmatch(raw)
    if match is None or match.group(1) != kind or int(match.group(2)) > MAX_KEY:
        raise invalid
    return int(match.group(2))


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0:
        raise BadInput("first", "must not be negative")
    return min(first, MAX_PAGE)


async def paginate(query: QuerySet[M], first: int | None, after: str | None) -> Page[ListedRow]:
    """A page of the query's rows, newest first, as ListedRows; cursors name the query's model."""
    size = page_size(first)
    kind = query.model.__name__
    count = query.count
    before = decode_cursor(kind, after) if after is not None else None
    rows = await listed(page_query(query, size, before)) if size else []
    return page_from(rows, size, kind, count)


def page_query(query: QuerySet[Any], size: int, before: int | None) -> QuerySet[Any]:
    """The query of a page of `size` rows, newest first, older than the key `before` when given (one row more than
    the page, to tell whether another follows)."""
    if before is not None:
        query = query.filter(id__lt=before)
    return query.order_by("-id").limit(size + 1)


def page_from(rows: list[Any], size: int, kind: str, count: TotalCount) -> Page[Any]:
    """The page of `kind` rows that page_query's rows make."""
    items = list(rows[:size])
    return Page(
        items=items,
        cursors=[encode_cursor(kind, item.id) for item in items],
        has_next_page=len(rows) > size,
        count=count,
    )


def page_of(items: list[K], first: int | None, after: str | None, *, kind: str) -> Page[K]:
    """The same page over a list of `kind` rows already loaded (newest first), for batched nested connections."""
    size = page_size(first)
    total = len(items)
    if after is not None:
        key = decode_cursor(kind, after)
        items = [item for item in items if item.id < key]
    chunk = items[:size]
    return Page(
        items=chunk,
        cursors=[encode_cursor(kind, item.id) for item in chunk],
        has_next_page=len(items) > size,
        count=known(total),
    )


# A row as a listing reads it: a named tuple of its columns, values as the driver gives them (enums as
# their text). A page lists a few hundred requests and an export thousands: an ORM object for each cost
# a tenth of a page's CPU time, and a namespace object a third of what a tuple costs. Read, never saved.
ListedRow = Any


@lru_cache(maxsize=64)
def _row_class(columns: tuple[str, ...]) -> Any:
    return namedtuple("ListedRow", columns, rename=True)


def built(query: QuerySet[Any]) -> tuple[Any, Any]:
    """The connection a listing runs on and its pypika query. `QuerySet.sql()` (public) builds the query as
    awaiting it would; the connection is the model's own (listings never run inside a transaction)."""
    query.sql()
    return connections.get(query.model._meta.default_connection), query.query


async def _read(db: Any, query: Any) -> list[ListedRow]:
    return await read_sql(db, *query.get_parameterized_sql())


async def read_sql(db: Any, sql: str, params: list[Any]) -> list[ListedRow]:
    """A statement's rows as ListedRows, read on `db`."""
    _, rows = await db.execute_query(sql, params)
    if not rows:
        return []
    row_class, new = _row_class(tuple(rows[0].keys())), tuple.__new__  # what _make does, without its frame
    return [new(row_class, row) for row in rows]


async def listed(query: QuerySet[Any]) -> list[ListedRow]:
    """The query's rows as ListedRows, read on its own connection."""
    return await _read(*built(query))


@dataclass
class Head(Generic[T]):
    """A group's newest rows (at most the limit asked for) and how many rows the group has."""

    items: list[T]
    total: int


async def heads(query: QuerySet[M], group: str, keys: list[int], limit: int) -> dict[int, Head[M]]:
    """The `limit` newest rows (by id) of each group, and each group's count, in ONE query whatever
    the number of groups: a window function (SQLite 3.25+, PostgreSQL) filtered in an outer SELECT,
    which Tortoise's query builder cannot express, hence pypika on the query's own SQL."""
    if not keys:
        return {}
    return grouped_heads(await _read(*heads_statement(query, group, keys, limit)), group, keys)


def heads_statement(
    query: QuerySet[Any],
    group: str,
    keys: list[int],
    limit: int,
    values: tuple[str, ...] = (),
    *,
    counted: bool = True,
) -> tuple[Any, Any]:
    """heads' connection and statement: the scoped SELECT with its window columns (the rank, and each group's count
    unless not `counted`), filtered by rank; of the columns `values` names when given (related ones,
    `advisor__name`, joined as QuerySet.values joins them)."""
    table = query.model._meta.basetable
    windows: dict[str, Any] = {"page_rank": RowNumber().over(table[group]).orderby(table.id, order=Order.desc)}
    if counted:  # a second window over each whole group: a third of the statement's time on SQLite
        windows["page_total"] = Count(Star()).over(table[group])
    ranked: Any = query.filter(**{f"{group}__in": keys}).annotate(**windows)
    if values:
        ranked = ranked.values(*values, *windows)
    db, inner = built(ranked)
    return db, db.query_class.from_(inner).select("*").where(inner.page_rank <= limit)


def grouped_heads(
    listed: list[ListedRow], group: str, keys: list[int], *, counted: bool = True
) -> dict[int, Head[Any]]:
    """heads' answer from its statement's rows (each head's total left 0 when the statement did not count)."""
    found: dict[int, Head[Any]] = {key: Head(items=[], total=0) for key in keys}
    for row in sorted(listed, key=lambda r: r.id, reverse=True):
        head = found[getattr(row, group)]
        head.items.append(row)
        if counted:
            head.total = row.page_total
    return found


def page_of_head(head: Head[K], first: int | None, *, kind: str) -> Page[K]:
    """The first page (no cursor) from a group's head of `kind` rows fetched with limit page_size(first) + 1."""
    size = page_size(first)
    chunk = head.items[:size]
    return Page(
        items=chunk,
        cursors=[encode_cursor(kind, item.id) for item in chunk],
        has_next_page=len(head.items) > size,
        count=known(head.total),
    )
