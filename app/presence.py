"""Which Alvéole processes have the database open: `alveole restore` refuses to run under them.

SQLite: every server and `retention apply` holds a shared lock on `<database>.in-use` for as long as it
runs (the kernel drops it when the process dies, even by kill -9); a restore takes it exclusively, so
that nothing starts on the database while it is being replaced. PostgreSQL: every Alvéole process names
its sessions "alveole" (app.database.APPLICATION_NAME), which pg_stat_activity lists.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from app.database import APPLICATION_NAME
from app.settings import Settings


class InUse(Exception):
    """Another Alvéole process has the database open; the message says which and how to stop it."""


HOW_TO_STOP = (
    "Stop it first: a server stops gracefully on SIGTERM (`systemctl stop alveole`, or `kill -TERM <pid>`), "
    "finishing its requests; let a running `alveole retention apply` or `alveole backup` end. Then run this again."
)


def _lock_file(settings: Settings) -> Path:
    path = settings.sqlite_path
    if path is None:
        raise RuntimeError("only a SQLite database has a lock file")
    return path.with_name(path.name + ".in-use")


@contextlib.contextmanager
def _locked(path: Path, mode: int) -> Iterator[bool]:
    """Yields whether the lock file's flock (LOCK_SH or LOCK_EX) was taken; it is held until the body ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


@contextlib.contextmanager
def holding(settings: Settings) -> Iterator[None]:
    """Held by a server or a CLI command for as long as it works on the database."""
    if not settings.is_sqlite:
        yield  # its sessions are named: nothing to hold
        return
    with _locked(_lock_file(settings), fcntl.LOCK_SH) as taken:
        if not taken:
            raise InUse(f"{settings.sqlite_path} is being restored: wait for `alveole restore` to finish")
        yield


def _holders(path: Path) -> list[int]:
    """Best effort, Linux: the processes with `path` open (read from /proc), for the message."""
    pids = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) == str(path) for fd in fd_dir.iterdir()):
                pids.append(int(fd_dir.parent.name))
    return sorted(pid for pid in pids if pid != os.getpid())


@contextlib.contextmanager
def alone(settings: Settings) -> Iterator[None]:
    """SQLite: excludes every other Alvéole process for the body's duration, or raises InUse."""
    path = _lock_file(settings).resolve()
    with _locked(path, fcntl.LOCK_EX) as taken:
        if not taken:
            pids = _holders(path)
            which = f" (process {', '.join(map(str, pids))})" if pids else ""
            raise InUse(f"An Alvéole server or command has {settings.sqlite_path} open{which}. {HOW_TO_STOP}")
        yield


async def postgres_sessions(dsn: str, password: str | None) -> list[str]:
    """The other sessions of Alvéole processes on the database, described for the message."""
    connection = await asyncpg.connect(dsn, password=password, server_settings={"application_name": "alveole-restore"})
    try:
        rows = await connection.fetch(
            "SELECT pid, client_addr, backend_start FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()",
            APPLICATION_NAME,
        )
    finally:
        await connection.close()
    return [
        f"session {row['pid']} from {row['client_addr'] or 'a local socket'} since {row['backend_start']:%H:%M:%S}"
        for row in rows
    ]
