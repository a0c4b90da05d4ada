"""Opaque ids: what the API shows instead of row numbers, and whose type is checked on the way in."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from auth.errors import NotFound


@lru_cache(maxsize=16384)  # a page shows the same users, contacts and requests to every viewer, again and again
def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_id(type_name: str, value: str | None) -> int:
    """The row id, or NOT_FOUND for anything that is not an id of this type (wrong shape included)."""
    if value is None:
        raise NotFound(type_name)
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise NotFound(type_name) from None
    prefix, _, pk = raw.partition(":")
    if prefix != type_name or not pk.isdigit() or len(pk) > 12:
        raise NotFound(type_name)
    return int(pk)
