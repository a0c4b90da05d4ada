"""Login throttling kept in the database, so that it holds across several server processes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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


async def check(keys: list[str], limits: Limits) -> None:
    since = now() - limits.window
    account, address = keys
    for key, limit in ((account, limits.per_account), (address, limits.per_address)):
        failures = await LoginFailure.filter(key=key, at__gt=since).order_by("at").values_list("at", flat=True)
        if len(failures) >= limit:
            oldest_counted = failures[len(failures) - limit]
            retry = int((oldest_counted + limits.window - now()).total_seconds()) + 1
            raise RateLimited(max(retry, 1))


async def fail(keys: list[str]) -> None:
    at = now()
    await LoginFailure.bulk_create([LoginFailure(key=key, at=at) for key in keys])
    # Old failures no longer count; dropping them keeps the table small.
    await LoginFailure.filter(at__lt=at - timedelta(days=1)).delete()
