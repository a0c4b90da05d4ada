"""A PostgreSQL server of the test's own (initdb in a temporary folder, a free loopback port), so that a test
may stop it, crash it and start it again without disturbing anybody else's database."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ports import free_port


def binaries() -> Path | None:
    """Debian's PostgreSQL binaries (the newest version installed), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def skip_without_binaries() -> Path:
    bin_dir = binaries()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        pytest.skip("no PostgreSQL binaries under /usr/lib/postgresql/*/bin: the outage tests need their own server")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: initdb cannot run as the postgres user")
    return bin_dir


@dataclass
class ThrowawayPostgres:
    bin_dir: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.data / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """mode "fast" is an orderly shutdown that ends the sessions; "immediate" is a crash (no checkpoint)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc", f'CREATE DATABASE "{name}"')
        return self.database_url(name)


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    bin_dir = skip_without_binaries()
    # Its own folder under the system's temporary one: pytest's are private to the user running the tests,
    # and PostgreSQL runs as the postgres user when the tests run as root.
    data = Path(tempfile.mkdtemp(prefix="alveole-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    server = ThrowawayPostgres(bin_dir, data, free_port())
    try:
        # --no-sync: a scratch cluster need not survive a power cut of the test machine.
        server._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by the test, or never started
            server.stop("immediate")
        shutil.rmtree(data, ignore_errors=True)
