"""Storage faults, recognised: which exceptions mean "the database cannot serve this now" rather than a bug.

They become one domain error, ServiceUnavailable (SERVICE_UNAVAILABLE, with a retry delay), whether they
surface inside a resolver (schema.errors), before GraphQL runs (app.faults, for authentication and the
downloads) or in the journal of erasures (an OSError of its file). Everything else stays unexpected.

What each looks like underneath:
- PostgreSQL down or restarting: the connection is refused (OSError), reset, or closed by the server
  (asyncpg's ConnectionDoesNotExistError), or the server answers a connection-class SQLSTATE (08...),
  "shutting down" / "starting up" (57P01-57P03), or runs out of resources (53...: disk full 53100).
- SQLite: SQLITE_BUSY / SQLITE_LOCKED after busy_timeout, SQLITE_READONLY, SQLITE_FULL, SQLITE_IOERR,
  SQLITE_CANTOPEN, read through Python's sqlite_errorcode (Tortoise wraps them in its own errors).
- A file system that is full or read-only (ENOSPC, EDQUOT, EROFS, EFBIG), wherever we write a file.
"""

from __future__ import annotations

import errno
import socket
import sqlite3

import asyncpg

from auth.errors import ServiceUnavailable

# (message, seconds after which a retry may succeed)
Fault = tuple[str, int]
DOWN: Fault = ("The database is unavailable; try again shortly", 5)
BUSY: Fault = ("The database is busy; try again shortly", 2)
READ_ONLY: Fault = ("The database is read-only: changes are refused until an operator makes it writable again", 60)
FULL: Fault = ("The database's storage is full: changes are refused until an operator frees space", 60)

_SQLITE = {
    sqlite3.SQLITE_BUSY: BUSY,
    sqlite3.SQLITE_LOCKED: BUSY,
    sqlite3.SQLITE_PROTOCOL: BUSY,
    sqlite3.SQLITE_READONLY: READ_ONLY,
    sqlite3.SQLITE_FULL: FULL,
    sqlite3.SQLITE_IOERR: DOWN,
    sqlite3.SQLITE_CANTOPEN: DOWN,
}
_ERRNO = {
    errno.ENOSPC: FULL,
    errno.EDQUOT: FULL,
    errno.EFBIG: FULL,
    errno.EROFS: READ_ONLY,
    errno.EIO: DOWN,
    errno.ENETUNREACH: DOWN,
    errno.EHOSTUNREACH: DOWN,
    errno.ENETDOWN: DOWN,
    errno.EHOSTDOWN: DOWN,
    errno.ETIMEDOUT: DOWN,
}
_POSTGRES_SQLSTATE = {"53100": FULL, "25006": READ_ONLY}  # disk full; read-only transaction (a standby)
# Connection exceptions (the connection lost included), operator intervention (shutting down, starting
# up), insufficient resources, system errors (I/O).
_POSTGRES_DOWN_CLASSES = ("08", "57P", "53", "58")


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it wraps: Tortoise re-raises driver errors as its own, with the original as an
    argument or as the exception's context."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [error]
    while pending and len(seen) < 10:
        current = pending.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        pending.extend(c for c in (current.__cause__, current.__context__) if c is not None)
        pending.extend(a for a in current.args[:1] if isinstance(a, BaseException))
    return seen


def _classify(error: BaseException) -> Fault | None:
    if isinstance(error, ServiceUnavailable):
        return error.message, error.retry_after_seconds
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return None if code is None else _SQLITE.get(code & 0xFF)
    if isinstance(error, asyncpg.PostgresError):
        sqlstate = error.sqlstate or ""
        if sqlstate in _POSTGRES_SQLSTATE:
            return _POSTGRES_SQLSTATE[sqlstate]
        return DOWN if sqlstate.startswith(_POSTGRES_DOWN_CLASSES) else None
    if isinstance(error, asyncpg.ClientCannotConnectError):
        return DOWN
    if isinstance(error, asyncpg.InterfaceError) and "connection is closed" in str(error):
        return DOWN
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return DOWN  # refused, reset, aborted; a connect timeout; the database's host name unknown
    if isinstance(error, OSError):
        return _ERRNO.get(error.errno or 0)
    return None


def unavailable(error: BaseException) -> ServiceUnavailable | None:
    """The ServiceUnavailable that `error` amounts to, or None when it is not a storage fault."""
    for cause in _causes(error):
        fault = _classify(cause)
        if fault is not None:
            return ServiceUnavailable(*fault)
    return None
