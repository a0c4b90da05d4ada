"""Bearer secrets: session tokens and API keys. Only their SHA-256 is stored; both carry 256 random bits."""

from __future__ import annotations

import hashlib
import secrets

SESSION_PREFIX = "alv_ses_"
API_KEY_PREFIX = "alv_key_"


def new_session_token() -> str:
    return SESSION_PREFIX + secrets.token_urlsafe(32)


def new_api_key_secret() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


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
