"""Bearer secrets: session tokens, API keys, mailed links. Only their SHA-256 is stored; each has 256 random bits."""

from __future__ import annotations

import hashlib
import secrets

SESSION_PREFIX = "alv_ses_"
API_KEY_PREFIX = "alv_key_"
LINK_TOKEN_MAX = 100


def new_session_token() -> str:
    return SESSION_PREFIX + secrets.token_urlsafe(32)


def new_api_key_secret() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def new_link_token() -> str:
    """The secret of a link mailed to a person (verification, delivery)."""
    return secrets.token_urlsafe(32)


def link_token_is_plausible(token: str) -> bool:
    """Junk is turned away before any hashing or query."""
    return 0 < len(token) <= LINK_TOKEN_MAX and token.isascii()


def secret_hash(secret: str) -> str:
    # A fast hash is right here: the secrets are random and long, so there is nothing to brute-force.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def bearer_secret(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
