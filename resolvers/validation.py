"""Input rules. Each check names the field (as the API spells it) and says why it was refused."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from auth.errors import BadInput

NAME_MAX = 100
EMAIL_MAX = 254
PHONE_MAX = 32
ADDRESS_MAX = 500
TEXT_MAX = 10_000
SHORT_TEXT_MAX = 200
URL_MAX = 500
TRAVELER_COUNT_MAX = 99
TRAVELERS_MAX = 50
BUDGET_MAX_CENTS = 2_000_000_000
OLDEST_BIRTH_DATE = date(1900, 1, 1)

_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{2,31}$")


def _has_control(value: str, allow_newlines: bool) -> bool:
    for ch in value:
        if allow_newlines and ch in "\n\r\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\u200d":
            return True
    return False


def text(field: str, value: str, *, max_length: int, required: bool = True, multiline: bool = False) -> str:
    value = value.strip() if not multiline else value
    if required and not value.strip():
        raise BadInput(field, "must not be empty")
    if len(value) > max_length:
        raise BadInput(field, f"must be at most {max_length} characters")
    if _has_control(value, allow_newlines=multiline):
        raise BadInput(field, "must not contain control characters")
    return value


def optional_text(field: str, value: str | None, *, max_length: int, multiline: bool = False) -> str | None:
    if value is None:
        return None
    cleaned = text(field, value, max_length=max_length, required=False, multiline=multiline)
    return cleaned if cleaned.strip() else None


def name(field: str, value: str) -> str:
    return text(field, value, max_length=NAME_MAX)


def email(field: str, value: str) -> str:
    value = text(field, value, max_length=EMAIL_MAX)
    if not _EMAIL.match(value):
        raise BadInput(field, "is not a valid email address")
    return value.lower()


def optional_email(field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return email(field, value)


def optional_phone(field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = text(field, value, max_length=PHONE_MAX)
    if not _PHONE.match(value):
        raise BadInput(field, "is not a valid phone number (digits, spaces, + ( ) . - only)")
    return value


def birth_date(field: str, value: date | None, today: date) -> date | None:
    if value is None:
        return None
    if value > today:
        raise BadInput(field, "must not be in the future")
    if value < OLDEST_BIRTH_DATE:
        raise BadInput(field, f"must not be before {OLDEST_BIRTH_DATE.isoformat()}")
    return value


def count(field: str, value: int, *, minimum: int, maximum: int) -> int:
    if value < minimum:
        raise BadInput(field, f"must be at least {minimum}")
    if value > maximum:
        raise BadInput(field, f"must be at most {maximum}")
    return value


def budget(field: str, value: int | None) -> int | None:
    if value is None:
        return None
    return count(field, value, minimum=0, maximum=BUDGET_MAX_CENTS)


def date_range(departure: date | None, return_: date | None, field: str = "returnDate") -> None:
    if departure is not None and return_ is not None and return_ < departure:
        raise BadInput(field, "must not be before departureDate")


def url(field: str, value: str) -> str:
    return text(field, value, max_length=URL_MAX)


def web_page(field: str, value: str) -> str:
    """The URL of the page a form was sent from."""
    value = url(field, value)
    if not value.lower().startswith(("https://", "http://")):
        raise BadInput(field, "must be the form's http(s) URL")
    return value
