"""Download links of a subject access export: short-lived, one person, no other credential, and opaque.

A token is AES-256-GCM authenticated encryption (the `cryptography` package) of what the link grants: the
agency, the contact, the DPO who generated it and the expiry, under a key derived with HKDF from the server's
secret. Whoever a link is forwarded to reads nothing from it (no email, no row number), and any change to it
fails authentication. Nothing is stored, so any process sharing the secret opens it; a link dies when it
expires, when the secret changes, or with the DPO's account or role (resolvers.export). The random nonce makes
every link distinct, even two made in the same second.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from auth.errors import Forbidden

# Domain separation: the key derived for links can never serve anything else the secret protects.
PURPOSE = b"alveole/export-link/v2"
SECRET_MIN = 32
NONCE_BYTES = 12  # AES-GCM's standard nonce; random, so never reused under one key in practice
TAG_BYTES = 16
TOKEN_MAX = 256
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{1,{TOKEN_MAX}}}")


@dataclass(frozen=True)
class ExportLink:
    agency_id: int
    contact_id: int
    user_id: int  # the DPO who generated the export: the link dies with their account or role


class InvalidLink(Forbidden):
    def __init__(self) -> None:
        super().__init__("This export link is invalid or has expired")


@lru_cache(maxsize=4)
def _cipher(secret: str) -> AESGCM:
    if len(secret) < SECRET_MIN:
        # An empty or short key would make links forgeable: refuse to seal or open with it.
        raise ValueError(f"export links need a secret key of at least {SECRET_MIN} characters")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(secret.encode("utf-8"))
    return AESGCM(key)


def sign(secret: str, link: ExportLink, *, issued_at: datetime, lifetime: timedelta) -> str:
    """A sealed token granting `link` until issued_at + lifetime."""
    expires = int((issued_at + lifetime).timestamp())
    payload = json.dumps([link.agency_id, link.contact_id, link.user_id, expires], separators=(",", ":"))
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + _cipher(secret).encrypt(nonce, payload.encode("ascii"), PURPOSE)
    return base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")


def verify(secret: str, token: str, *, at: datetime) -> ExportLink:
    """The link a token grants, or InvalidLink (FORBIDDEN) when it is malformed, tampered with or expired."""
    cipher = _cipher(secret)
    if not _TOKEN.fullmatch(token):
        raise InvalidLink()
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, binascii.Error):
        raise InvalidLink() from None
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise InvalidLink()
    try:
        payload = cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], PURPOSE)
        agency_id, contact_id, user_id, expires = (int(value) for value in json.loads(payload))
    except (InvalidTag, ValueError, TypeError):
        raise InvalidLink() from None
    if at.timestamp() >= expires:
        raise InvalidLink()
    return ExportLink(agency_id=agency_id, contact_id=contact_id, user_id=user_id)
