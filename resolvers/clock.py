from __future__ import annotations

from datetime import date, datetime

from tortoise import timezone


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return now().date()
