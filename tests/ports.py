"""Free loopback ports for the servers tests start (alveole serve, SMTP, PostgreSQL).

The kernel's own choice (bind to port 0, then release it) can hand the same port to two pytest-xdist workers
between one finding it free and its server binding it. Each worker takes ports from a block of its own below
Linux's ephemeral range (32768 and up), where the kernel never picks one by itself either, from a random point
of the block on (two test runs at once, in two checkouts, rarely meet).
"""

from __future__ import annotations

import itertools
import os
import random
import socket

HOST = "127.0.0.1"
FIRST_PORT = 10_000
BLOCK = 3_600
BLOCKS = 6  # 10000-31599: workers beyond the sixth share blocks, each port checked free before use

_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_start = FIRST_PORT + (_worker % BLOCKS) * BLOCK
_offsets = itertools.count(random.randrange(BLOCK))


def free_port() -> int:
    for _ in range(BLOCK):
        port = _start + next(_offsets) % BLOCK
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:  # in use, or a closed connection's TIME_WAIT: the next one
                continue
            return port
    raise RuntimeError(f"no free port in {_start}-{_start + BLOCK - 1}")
