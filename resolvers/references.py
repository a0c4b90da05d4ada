"""Public references of subject requests, e.g. DSR-7Q4K-M2XD: short enough to read out, too many to guess."""

from __future__ import annotations

import secrets

# Crockford's base 32: no I, L, O or U, so a reference read over the phone is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8  # 40 random bits


def new_reference() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"DSR-{code[:4]}-{code[4:]}"
