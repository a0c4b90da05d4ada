"""Throttling kept in the database, so that it holds across several server processes.

Each counted event is a row (key, at): failed logins, and web rights requests (resolvers.self_service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient

from auth.errors import RateLimited
from models.credentials import LoginFailure
from resolvers.clock import now


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    window: timedelta


def account_key(email: str) -> str:
    return "account:" + email[:100]


def address_key(client: str) -> str:
    return "address:" + client[:100]


# Counted events older than this are dropped: no window is longer.
KEPT = timedelta(days=1)


async def check(keys: list[str], limits: Limits) -> None:
    account, address = keys
    await check_key(account, limits.per_account, limits.window)
    await check_key(address, limits.per_address, limits.window)


async def check_key(key: str, limit: int, window: timedelta, what: str = "Too many failed attempts") -> None:
    """RATE_LIMITED, with the seconds until the oldest counted event leaves the window, once `limit` are in it."""
    since = now() - window
    # Tortoise types values_list as rows of tuples, flat=True included: these are the datetimes themselves.
    query = LoginFailure.filter(key=key, at__gt=since).order_by("at").values_list("at", flat=True)
    events = cast("list[datetime]", await query)
    if len(events) >= limit:
        oldest_counted = events[len(events) - limit]
        retry = int((oldest_counted + window - now()).total_seconds()) + 1
        raise RateLimited(max(retry, 1), what)


async def fail(keys: list[str], conn: BaseDBAsyncClient | None = None) -> None:
    """Counts one event under each key (a failed login, a rights request)."""
    at = now()
    await LoginFailure.bulk_create([LoginFailure(key=key, at=at) for key in keys], using_db=conn)
    # Old events no longer count; dropping them keeps the table small.
    await LoginFailure.filter(at__lt=at - KEPT).using_db(conn).delete()
