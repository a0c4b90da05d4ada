"""Signed download links of a subject access export: short-lived, one person, no other credential.

A token is `<payload>.<signature>`: the payload (base64url JSON) names the agency, the contact, the
DPO who generated it and the expiry; the signature is HMAC-SHA256 of the payload under a key
derived from the server's secret. Nothing is stored: a link dies when it expires or the secret
changes. A random nonce makes every link distinct, even two made in the same second.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth.errors import Forbidden

# Domain separation: whatever else the secret signs can never be replayed as an export link.
PURPOSE = b"alveole/export-link/v1"
SECRET_MIN = 32
TOKEN_MAX = 1024


@dataclass(frozen=True)
class ExportLink:
    agency_id: int
    contact_id: int
    user_id: int  # the DPO who generated the export: the link dies with their role
    actor: str  # their email, written in the download's audit event


class InvalidLink(Forbidden):
    def __init__(self) -> None:
        super().__init__("This export link is invalid or has expired")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    if len(secret) < SECRET_MIN:
        # An empty or short key would make links forgeable: refuse to sign or verify with it.
        raise ValueError(f"export links need a secret key of at least {SECRET_MIN} characters")
    key = hmac.new(secret.encode("utf-8"), PURPOSE, hashlib.sha256).digest()
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def sign(secret: str, link: ExportLink, *, issued_at: datetime, lifetime: timedelta) -> str:
    body = {
        "a": link.agency_id,
        "c": link.contact_id,
        "u": link.user_id,
        "by": link.actor,
        "exp": int((issued_at + lifetime).timestamp()),
        "n": secrets.token_urlsafe(12),
    }
    payload = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_signature(secret, payload)}"


def verify(secret: str, token: str, *, at: datetime) -> ExportLink:
    """The link a token grants, or InvalidLink (FORBIDDEN) when it is malformed, tampered with or expired."""
    payload, dot, signature = token.partition(".")
    if not dot or len(token) > TOKEN_MAX or not payload.isascii() or not signature.isascii():
        raise InvalidLink()
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise InvalidLink()
    try:
        body = json.loads(_unb64(payload))
        link = ExportLink(
            agency_id=int(body["a"]), contact_id=int(body["c"]), user_id=int(body["u"]), actor=str(body["by"])
        )
        expires = int(body["exp"])
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise InvalidLink() from None
    if at.timestamp() >= expires:
        raise InvalidLink()
    return link
