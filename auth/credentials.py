"""Bearer secrets: session tokens, API keys, mailed links. Only their SHA-256 is stored; each has 256 random bits.
Webhooks' signing secrets are derived, never stored (webhook_secret)."""

from __future__ import annotations

import base64
import hashlib
import hmac
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


WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret: Standard Webhooks spells base64 keys so


def new_webhook_salt() -> str:
    return secrets.token_urlsafe(32)


def webhook_secret(server_key: str, salt: str) -> str:
    """A webhook's signing secret: HMAC-SHA256 of its stored salt under ALVEOLE_SECRET_KEY. The sender must
    sign each delivery, so the secret cannot be a one-way hash like the others; derived, it is stored
    nowhere, and the database alone cannot sign. Changing ALVEOLE_SECRET_KEY changes every webhook's secret."""
    key = hmac.new(server_key.encode("utf-8"), b"webhook:" + salt.encode("ascii"), hashlib.sha256).digest()
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(key).decode("ascii")


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
