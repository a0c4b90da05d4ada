"""Relay-style keyset pagination: newest first, the cursor is the opaque sort key (the id)."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

from tortoise.queryset import QuerySet

from auth.errors import BadInput

MAX_PAGE = 200
T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    total_count: int

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str = "after") -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, key = raw.partition(":")
        if prefix != "k" or not key.isdigit():
            raise ValueError
        return int(key)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadInput(field, "is not a valid cursor") from None


def page_size(first: int | None) -> int:
    if first is None:
        return 50
    if first < 0:
        raise BadInput("first", "must not be negative")
    return min(first, MAX_PAGE)


async def paginate(query: QuerySet[T], first: int | None, after: str | None) -> Page[T]:
    size = page_size(first)
    total = await query.count()
    if after is not None:
        query = query.filter(id__lt=decode_cursor(after))
    rows = await query.order_by("-id").limit(size + 1) if size else []
    items = list(rows[:size])
    return Page(
        items=items,
        cursors=[encode_cursor(item.id) for item in items],  # type: ignore[attr-defined]
        has_next_page=len(rows) > size,
        total_count=total,
    )


def page_of(items: list[T], first: int | None, after: str | None) -> Page[T]:
    """The same page over a list already loaded (newest first), for batched nested connections."""
    size = page_size(first)
    total = len(items)
    if after is not None:
        key = decode_cursor(after)
        items = [item for item in items if item.id < key]  # type: ignore[attr-defined]
    chunk = items[:size]
    return Page(
        items=chunk,
        cursors=[encode_cursor(item.id) for item in chunk],  # type: ignore[attr-defined]
        has_next_page=len(items) > size,
        total_count=total,
    )
