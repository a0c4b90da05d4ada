"""A real `alveole serve` in a subprocess on a free loopback port, for tools that need a URL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tortoise.backends.base.executor import EXECUTOR_CACHE

from bench.servers import wait_for_health
from tests.conftest import SECRET
from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60
T = TypeVar("T")


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:PORT
    stdout: Path
    stderr: Path
    process: subprocess.Popen[bytes]

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def logs(self) -> str:
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")


@contextmanager
def live_server(
    database_url: str,
    logs_dir: Path,
    *,
    workers: int = 1,
    extra_args: tuple[str, ...] = (),
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Iterator[LiveServer]:
    port = free_port()
    overrides = env or {}
    env = {**os.environ, "ALVEOLE_DATABASE_URL": database_url, "ALVEOLE_SECRET_KEY": SECRET, **overrides}
    if not database_url.startswith("sqlite"):
        env.setdefault("ALVEOLE_ERASURE_JOURNAL", str(logs_dir / "erasure-journal"))
    stdout, stderr = logs_dir / f"server-{port}.out", logs_dir / f"server-{port}.err"
    command = [
        sys.executable,
        "-m",
        "app.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        *extra_args,
    ]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True
        )
    server = LiveServer(f"http://127.0.0.1:{port}", stdout, stderr, process)
    try:
        wait_for_health(
            server.url, process, STARTUP_SECONDS, interval=0.2, detail=lambda: ":\n" + server.logs()[-3000:]
        )
        yield server
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    # Its own session (start_new_session): with --workers the group holds the workers too.
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


async def seed(database_url: str, build: Callable[[], Awaitable[T]]) -> T:
    """Run `build` on an empty, migrated database (PostgreSQL is emptied first), before a server is started on it."""
    from app.database import close_database, open_database
    from tests.conftest import empty_postgres, make_settings, sqlite_template_file

    if not database_url.startswith("sqlite"):
        await empty_postgres(database_url)
    elif not (path := Path(database_url.removeprefix("sqlite://"))).exists():
        shutil.copyfile(await sqlite_template_file(), path)  # migrated already
    EXECUTOR_CACHE.clear()  # as conftest's client fixture: the backend may differ from the previous test's
    await open_database(make_settings(database_url))
    try:
        return await build()
    finally:
        await close_database()


def send_buffer_max() -> int:
    """How much a server's socket may hold for a reader that stops reading (Linux autotunes its send buffer up
    to tcp_wmem's maximum): a response several times larger keeps the server writing until it is read."""
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        return 4 * 1024 * 1024


async def inspect(database_url: str, look: Callable[[], Awaitable[T]], *, erasure_journal: Path | None = None) -> T:
    """Run `look` on the database as it is (nothing emptied, nothing migrated): what a crash left, say."""
    from app.database import close_database, open_database
    from tests.conftest import make_settings

    EXECUTOR_CACHE.clear()
    overrides = {"erasure_journal": erasure_journal} if erasure_journal is not None else {}
    await open_database(make_settings(database_url, **overrides), run_migrations=False)
    try:
        return await look()
    finally:
        await close_database()
