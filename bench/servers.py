"""Server processes for the benchmark (the app, the baseline) on free loopback ports, and their memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)


def wait_for_health(
    url: str,
    process: subprocess.Popen[bytes],
    timeout: float,
    *,
    interval: float = 0.05,
    detail: Callable[[], str] = str,
) -> None:
    """Returns once GET {url}/health answers 200. RuntimeError when the process exits first or `timeout`
    seconds pass; `detail()` is appended to its message (where the server's output is)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}{detail()}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"the server at {url} did not answer /health within {timeout:.0f} s{detail()}")


def app_command(port: int) -> list[str]:
    """The real thing: `alveole serve` (its uvicorn settings, its event loop, its access log)."""
    return [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]


def baseline_command(port: int) -> list[str]:
    """The baseline under the same uvicorn settings as `alveole serve`."""
    from app.serving import LOOP

    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.baseline:app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "info",
        "--loop",
        LOOP,
    ]


@contextmanager
def serve(
    command: Callable[[int], list[str]], env: dict[str, str], log: Path, timeout: float = 90.0
) -> Iterator[Server]:
    """A server process on a free loopback port, its output in `log`; stopped on exit."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(command(port), env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, f"http://{HOST}:{port}")
    try:
        wait_for_health(server.url, process, timeout, detail=lambda: f"; its output is in {log}")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class PeakMemory:
    """Samples a process's resident memory every few milliseconds, on a thread, while in use."""

    def __init__(self, pid: int, interval: float = 0.005) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self.start = self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20
