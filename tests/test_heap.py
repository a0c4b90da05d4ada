"""app.heap: once the app has started, what start-up made is out of the cyclic collector's passes, and a page's
objects die by reference counting before a young collection sees them."""

from __future__ import annotations

import gc

from app import heap


async def test_the_collector_is_set_for_serving_once_the_app_has_started(client) -> None:
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
    frozen = gc.get_freeze_count()
    heap.settle()  # once per process: the apps tests make after the first change nothing
    assert gc.get_freeze_count() == frozen


async def test_cycles_made_while_serving_are_still_collected(client) -> None:
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1
