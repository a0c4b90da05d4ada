"""The erasure journal: a file outside the database recording every erasure and purge, so that restoring a
backup can never bring back what was deleted after it (resolvers.journal_replay replays it).

Format: JSON lines. The first names the journal ({"journal": "<uuid>", ...}); each other line is one
deleting transaction: {"at": "<ISO time>", "by": "erasure" | "purge" | "deletion", "contact": [ids],
"travel_request": [ids]}. Ids and times only: no personal data, nothing a reader could identify anyone
by without the database. Append-only: never edit it, keep it as long as the oldest backup you may
restore, and back it up apart from the database.

Ordering against the commit (resolvers.deletion): a transaction appends its line, fsynced, as its last
step before COMMIT. A crash between the two leaves a line whose deletion did not commit; the next replay
deletes it then (the decision stands). The reverse, a deletion committed but not journaled, cannot
happen.

A lock on the file orders deletions against backups: a deleting transaction holds it shared from before
its BEGIN until after its COMMIT; a backup (and a replay) holds it exclusive while it notes the journal's
length in the database and takes its snapshot. So every line before that length is in the snapshot (or
never committed), and every deletion the snapshot lacks is journaled after it. Several processes (the
server, the cron purge, a backup) share it through the file system: all must name the same file.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from auth.errors import ServiceUnavailable
from resolvers.clock import now
from resolvers.faults import unavailable

FORMAT = 1
# A deletion waits this long for a backup to take its snapshot, then answers SERVICE_UNAVAILABLE.
SHARED_WAIT_SECONDS = 10.0
# A backup or a replay waits this long for the deletions in flight to commit.
EXCLUSIVE_WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.02

CONTACT = "contact"
TRAVEL_REQUEST = "travel_request"


class JournalError(Exception):
    """The journal is missing, unreadable, or not the one the database was marked with."""


@dataclass(frozen=True)
class Entry:
    offset: int  # where its line starts in the file
    at: datetime
    by: str
    contact: tuple[int, ...] = ()
    travel_request: tuple[int, ...] = ()


@dataclass(frozen=True)
class Locked:
    """The journal under its exclusive lock: nothing is appended while this is held."""

    fd: int
    journal_id: str
    end: int  # the position after the last complete line

    def entries(self, start: int) -> list[Entry]:
        """The entries whose line starts at `start` or later (a position noted earlier by `end`)."""
        data = os.pread(self.fd, max(0, self.end - start), start)
        entries, offset = [], start
        for line in data.split(b"\n")[:-1]:
            begin, offset = offset, offset + len(line) + 1
            entry = _parse(begin, line)
            if entry is not None:
                entries.append(entry)
        return entries


async def _lock(fd: int, mode: int, wait_seconds: float) -> bool:
    """flock without blocking a thread: polled, so that a cancelled request never leaves a lock behind."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(_POLL_SECONDS)


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _open(self) -> int:
        """The file, created with its header line when new (under an exclusive lock, so only once)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as error:
            if unavailable(error) is not None:
                raise  # a full or read-only file system: SERVICE_UNAVAILABLE, as for the database
            # A path that cannot be a journal (a folder, a missing mount, no permission): the operator's to fix.
            raise JournalError(
                f"cannot open the erasure journal {self.path} ({error.strerror}): check ALVEOLE_ERASURE_JOURNAL"
            ) from None
        try:
            if os.fstat(fd).st_size == 0:
                # Only a new file waits here, for another process writing the same header: a moment.
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    if os.fstat(fd).st_size == 0:
                        header = {"journal": str(uuid.uuid4()), "format": FORMAT, "created": now().isoformat()}
                        os.write(fd, json.dumps(header).encode() + b"\n")
                        os.fsync(fd)
                        _fsync_directory(self.path.parent)
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        except BaseException:
            os.close(fd)
            raise
        return fd

    # -- deleting transactions: shared -------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def shared(self) -> AsyncIterator[Writer]:
        fd = await asyncio.to_thread(self._open)
        try:
            if not await _lock(fd, fcntl.LOCK_SH, SHARED_WAIT_SECONDS):
                raise ServiceUnavailable("A backup is being taken; try the deletion again shortly", 5)
            yield Writer(fd)
        finally:
            os.close(fd)  # releases the lock

    # -- backups and replays: exclusive ---------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[Locked]:
        """Holds off every deletion while the body notes the journal's length and takes its snapshot."""
        fd = await asyncio.to_thread(self._open)
        try:
            if not await _lock(fd, fcntl.LOCK_EX, EXCLUSIVE_WAIT_SECONDS):
                raise JournalError(
                    f"deletions kept the erasure journal {self.path} locked for {EXCLUSIVE_WAIT_SECONDS:.0f} s"
                )
            yield _locked(fd)
        finally:
            os.close(fd)


@dataclass
class Writer:
    fd: int

    async def append(self, by: str, contacts: Iterable[int], travel_requests: Iterable[int]) -> None:
        entry: dict[str, object] = {"at": now().isoformat(), "by": by}
        if contacts:
            entry[CONTACT] = sorted(contacts)
        if travel_requests:
            entry[TRAVEL_REQUEST] = sorted(travel_requests)
        await asyncio.to_thread(self._write, json.dumps(entry, separators=(",", ":")).encode() + b"\n")

    def _write(self, line: bytes) -> None:
        size = os.fstat(self.fd).st_size
        if size and os.pread(self.fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # a line torn by a crash stays alone (and is skipped: it never committed)
        os.write(self.fd, line)
        os.fsync(self.fd)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _locked(fd: int) -> Locked:
    size = os.fstat(fd).st_size
    first = os.pread(fd, min(size, 4096), 0).split(b"\n", 1)[0]
    try:
        journal_id = str(json.loads(first)["journal"])
    except (ValueError, KeyError, TypeError):
        raise JournalError("the erasure journal's first line is not its header: is it the right file?") from None
    tail_start = max(0, size - 1_000_000)
    tail = os.pread(fd, size - tail_start, tail_start)
    return Locked(fd=fd, journal_id=journal_id, end=tail_start + tail.rfind(b"\n") + 1)


def _parse(offset: int, line: bytes) -> Entry | None:
    try:
        raw = json.loads(line)
        if "at" not in raw:
            return None  # the header
        return Entry(
            offset=offset,
            at=datetime.fromisoformat(raw["at"]),
            by=str(raw["by"]),
            contact=tuple(int(i) for i in raw.get(CONTACT, ())),
            travel_request=tuple(int(i) for i in raw.get(TRAVEL_REQUEST, ())),
        )
    except (ValueError, KeyError, TypeError):
        return None  # an empty or torn line: a crash while writing it, before its transaction committed


_journal: Journal | None = None


def configure(path: Path | None) -> None:
    global _journal
    _journal = None if path is None else Journal(path)


def current() -> Journal:
    if _journal is None:
        raise JournalError(
            "no erasure journal is configured (ALVEOLE_ERASURE_JOURNAL): nothing may be erased or purged without it"
        )
    return _journal
