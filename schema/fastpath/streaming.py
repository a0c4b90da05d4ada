"""@stream of plain objects: each item completed at once, without a sub-executor of its own.

graphql-core (3.3) completes every streamed item on a fresh copy of the executor, so that the item's
errors and the incremental work it starts (a nested @defer or @stream) stay its own, and wraps the
result with both. A streamed export sends tens of thousands of requests: for an item that a
generated completer completes, there can be neither, and that bookkeeping was a sixth of the
export's time. Such items go onto graphql-core's own queue as they are; any other item (SLOW)
takes graphql-core's way exactly, on its own sub-executor.

The only module coupled to graphql-core's incremental delivery (its queue and item types, through
schema.fastpath._compat): `build_stream_item_queue` mirrors graphql-core 3.3's for asynchronous
sources, the only kind the schema streams; synchronous ones are left to graphql-core.
"""

from __future__ import annotations

from asyncio import ensure_future
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Any

from graphql import located_error

from schema.fastpath import _compat
from schema.fastpath.executor import FastExecutor
from schema.fastpath.plans import SLOW


class StreamingExecutor(FastExecutor):
    def build_stream_item_queue(
        self,
        initial_index: int,
        stream_path: Any,
        iterator: Any,
        field_details_list: Any,
        info: Any,
        item_type: Any,
        is_async: bool,
    ) -> Any:
        if not is_async or not self.plain:
            return super().build_stream_item_queue(
                initial_index, stream_path, iterator, field_details_list, info, item_type, is_async
            )
        return stream_item_queue(self, initial_index, stream_path, iterator, field_details_list, info, item_type)


def stream_item_queue(
    executor: FastExecutor,
    initial_index: int,
    stream_path: Any,
    iterator: AsyncIterator[Any],
    field_details_list: Any,
    info: Any,
    item_type: Any,
) -> Any:
    early = executor.enable_early_execution
    is_awaitable = executor.is_awaitable

    async def produce(queue: Any) -> None:
        index = initial_index
        while True:
            try:
                item = await anext(iterator)
            except StopAsyncIteration:
                return
            except Exception as raw_error:
                nodes = _compat.to_nodes(field_details_list)
                raise located_error(raw_error, nodes, stream_path.as_list()) from raw_error
            completed = executor.complete_at_once(item_type, field_details_list, item)
            if completed is not SLOW:
                await queue.push(_compat.WorkResult(_compat.StreamItemValue(completed)))
            else:
                path = stream_path.add_key(index, None)
                result = _compat.complete_stream_item(executor, path, item, field_details_list, info, item_type)
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

    return _compat.StreamItemQueue(produce, on_abort, eager=early)
