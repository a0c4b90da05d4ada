"""The event loop the server runs on: asyncio's, started from a frame that reserves a roomy frame stack.

Why: CPython (3.11 to 3.13 at least) keeps Python frames in 16 KiB chunks and mmaps / munmaps a chunk
each time a call crosses a chunk's end. Executing a GraphQL page nests a thousand resolver calls
around one depth; when a chunk boundary happens to fall there, every call pays a system call pair
and page faults. Measured on the contacts page: about 2,700 mappings per request and 40% more CPU
under `alveole serve` than the same app started from a shallower stack (see README, Benchmark).

How: the loop runs inside one frame big enough (40,000 slots, ~320 KiB) that CPython gives it a
512 KiB chunk of its own; everything the loop calls then lives in the ~190 KiB left in that chunk,
so no boundary is crossed however deep a request goes (up to a few hundred frames).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

ROOMY_SLOTS = 40_000


def _compile_roomy(slots: int) -> Callable[..., Any]:
    names = "=".join(f"_{i}" for i in range(slots))
    source = f"def roomy(function, *args):\n    {names} = None\n    return function(*args)\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, "<app.serving.roomy>", "exec"), namespace)  # noqa: S102 - generated above, no input
    return namespace["roomy"]


roomy = _compile_roomy(ROOMY_SLOTS)


class RoomyEventLoop(asyncio.SelectorEventLoop):
    """Give to uvicorn as `loop="app.serving:RoomyEventLoop"` (one process or each of several workers)."""

    def run_forever(self) -> None:
        roomy(super().run_forever)


LOOP = "app.serving:RoomyEventLoop"
