"""What the property tests against the app share: Hypothesis' @given test is sync, so it runs in a worker thread
(asyncio.to_thread) while the test's event loop, which holds the app and its database connections, serves each
request handed to it with run_coroutine_threadsafe. One loop, one app, one database for the whole run;
derandomized, so every run asks the same examples."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, settings

T = TypeVar("T")

AGAINST_THE_APP = settings(
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def in_loop(loop: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, T]], T]:
    """Runs a coroutine on the test's loop from Hypothesis' thread, and waits for its result."""

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)

    return run
