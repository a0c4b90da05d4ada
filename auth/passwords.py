"""Password rules (OWASP ASVS 5.0 level 2) and argon2id hashing, by default with the library's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128


@dataclass(frozen=True)
class HashCost:
    """argon2id's parameters. The defaults are argon2-cffi's, RFC 9106's low-memory profile:
    t=3, m=64 MiB, p=4. Only tests lower them (a hash then costs a millisecond, not a fifth of a second)."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4


_cost = HashCost()
_hasher = PasswordHasher(time_cost=_cost.time_cost, memory_cost=_cost.memory_kib, parallelism=_cost.parallelism)


def configure(cost: HashCost) -> None:
    """Hash new passwords with these parameters; hashes made with others are rehashed at the next login."""
    global _cost, _hasher
    if cost != _cost:
        _cost = cost
        _hasher = PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism)
        _dummy_hash.cache_clear()


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("auth").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why this password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if password.lower() in _common_passwords():
        return "is too common; choose another"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("alveole-dummy-password-for-timing")


def verify_unknown_account(password: str) -> bool:
    """Does the work of a verification when the account does not exist, so both failures take as long."""
    verify_password(_dummy_hash(), password)
    return False
