"""@stream of plain objects: each item completed at once, without a sub-executor of its own.

graphql-core (3.3) completes every streamed item on a fresh copy of the executor, so that the item's
errors and the incremental work it starts (a nested @defer or @stream) stay its own, and wraps the
result with both. A streamed export sends tens of thousands of requests: for an item that a
generated completer (schema.completers) completes, there can be neither, and that bookkeeping was a
sixth of the export's time. Such items go onto graphql-core's own queue as they are; any other item
(SLOW) takes graphql-core's way exactly, on its own sub-executor.

This mirrors IncrementalExecutor.build_stream_item_queue (graphql-core 3.3, pinned below 3.4 in
pyproject.toml) for asynchronous sources, the only kind the schema streams; synchronous ones are
left to graphql-core.
"""

from __future__ import annotations

from asyncio import ensure_future
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from typing import Any

from graphql import located_error
from graphql.execution.executor import to_nodes
from graphql.execution.incremental.incremental_executor import StreamItemValue
from graphql.execution.incremental.stream_item_queue import StreamItemQueue
from graphql.execution.incremental.work_queue import WorkResult

from schema.field_plans import SLOW

# (item type, field details, item) -> the completed item, or SLOW
CompleteAtOnce = Callable[[Any, Any, Any], Any]


def stream_item_queue(
    executor: Any,
    complete_at_once: CompleteAtOnce,
    initial_index: int,
    stream_path: Any,
    iterator: AsyncIterator[Any],
    field_details_list: Any,
    info: Any,
    item_type: Any,
) -> StreamItemQueue:
    early = executor.enable_early_execution
    is_awaitable = executor.is_awaitable

    async def produce(queue: StreamItemQueue) -> None:
        index = initial_index
        while True:
            try:
                item = await anext(iterator)
            except StopAsyncIteration:
                return
            except Exception as raw_error:
                raise located_error(raw_error, to_nodes(field_details_list), stream_path.as_list()) from raw_error
            completed = complete_at_once(item_type, field_details_list, item)
            if completed is not SLOW:
                await queue.push(WorkResult(StreamItemValue(completed)))
            else:
                sub_executor = executor.create_sub_executor()
                result = sub_executor.complete_stream_item(
                    stream_path.add_key(index, None), item, field_details_list, info, item_type
                )
                if is_awaitable(result):
                    await queue.push(ensure_future(result) if early else await result)
                else:
                    await queue.push(result)
            index += 1

    async def on_abort(_reason: BaseException | None) -> None:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            with suppress(Exception):
                await aclose()

    return StreamItemQueue(produce, on_abort, eager=early)
