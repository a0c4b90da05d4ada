"""@stream of plain objects: each item completed at once, without a sub-executor of its own.

graphql-core (3.3) completes every streamed item on a fresh copy of the executor, so that the item's
errors and the incremental work it starts (a nested @defer or @stream) stay its own, and wraps the
result with both. A streamed export sends tens of thousands of requests: for an item that a
generated completer completes, there can be neither, and that bookkeeping was a sixth of the
export's time. Such items go onto graphql-core's own queue as they are; any other item (SLOW)
takes graphql-core's way exactly, on its own sub-executor. A streamed export whose items' selection
schema.fastpath.export_stream compiles goes further: its items are built from the rows, not from
objects (`export_item_queue`).

The only module coupled to graphql-core's incremental delivery (its queue and item types, through
schema.fastpath._compat): `build_stream_item_queue` mirrors graphql-core 3.3's for asynchronous
sources, the only kind the schema streams; synchronous ones are left to graphql-core.
"""

from __future__ import annotations

from asyncio import ensure_future
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from typing import Any

from graphql import located_error

from schema.export import RequestStream
from schema.fastpath import _compat, export_stream
from schema.fastpath.executor import FastExecutor
from schema.fastpath.export_stream import ExportItemsPlan
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
        if isinstance(iterator, RequestStream):
            plan = self.operation_plan.export_items_plan(self.schema, _compat.to_nodes(field_details_list))
            if plan is not None:
                return export_item_queue(
                    self, initial_index, stream_path, iterator, field_details_list, info, item_type, plan
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
    push_object = _object_pusher(executor, stream_path, field_details_list, info, item_type)

    async def produce(queue: Any) -> None:
        index = initial_index
        while True:
            try:
                item = await anext(iterator)
            except StopAsyncIteration:
                return
            except Exception as raw_error:
                raise _located(raw_error, field_details_list, stream_path) from raw_error
            await push_object(queue, item, index)
            index += 1

    return _compat.StreamItemQueue(produce, _closing(iterator), eager=executor.enable_early_execution)


def export_item_queue(
    executor: FastExecutor,
    initial_index: int,
    stream_path: Any,
    stream: RequestStream,
    field_details_list: Any,
    info: Any,
    item_type: Any,
    plan: ExportItemsPlan,
) -> Any:
    """A streamed export's items built from their rows (schema.fastpath.export_stream); a row it does not build
    becomes its object, which takes stream_item_queue's way."""
    push_object = _object_pusher(executor, stream_path, field_details_list, info, item_type)
    chunks = stream.rest()

    async def produce(queue: Any) -> None:
        index, advisors, visible = initial_index, export_stream.Advisors(), stream.visible
        while True:
            try:
                rows, travelers = await anext(chunks)
                await export_stream.prepare(plan, stream, rows, travelers, advisors)
            except StopAsyncIteration:
                return
            except Exception as raw_error:
                raise _located(raw_error, field_details_list, stream_path) from raw_error
            for row in rows:
                built = export_stream.build(plan, row, travelers[row.id], visible, advisors)
                if built is not SLOW:
                    await queue.push(_compat.WorkResult(_compat.StreamItemValue(built)))
                else:
                    try:
                        item = stream.item(row, travelers[row.id])
                    except Exception as raw_error:  # as when RequestStream gives the object
                        raise _located(raw_error, field_details_list, stream_path) from raw_error
                    await push_object(queue, item, index)
                index += 1

    closing = _closing(chunks)

    async def on_abort(reason: BaseException | None) -> None:
        await closing(reason)
        await _closing(stream)(reason)

    return _compat.StreamItemQueue(produce, on_abort, eager=executor.enable_early_execution)


def _located(raw_error: Exception, field_details_list: Any, stream_path: Any) -> Exception:
    """An error of the stream's source, as graphql-core reports it: at the stream's path."""
    return located_error(raw_error, _compat.to_nodes(field_details_list), stream_path.as_list())


def _object_pusher(
    executor: FastExecutor, stream_path: Any, field_details_list: Any, info: Any, item_type: Any
) -> Callable[[Any, Any, int], Awaitable[None]]:
    """What queues an item object: completed at once by its generated completer, else on a sub-executor."""
    early = executor.enable_early_execution
    is_awaitable = executor.is_awaitable

    async def push(queue: Any, item: Any, index: int) -> None:
        completed = executor.complete_at_once(item_type, field_details_list, item)
        if completed is not SLOW:
            await queue.push(_compat.WorkResult(_compat.StreamItemValue(completed)))
            return
        path = stream_path.add_key(index, None)
        result = _compat.complete_stream_item(executor, path, item, field_details_list, info, item_type)
        if is_awaitable(result):
            await queue.push(ensure_future(result) if early else await result)
        else:
            await queue.push(result)

    return push


def _closing(iterator: Any) -> Callable[[BaseException | None], Awaitable[None]]:
    """The queue's abort callback: the source closed."""

    async def on_abort(_reason: BaseException | None) -> None:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            with suppress(Exception):
                await aclose()

    return on_abort
