"""Every private name of graphql-core and Strawberry that the fast path uses, and the versions it was written for.

The fast path leans on internals that a minor release may change without notice: which executor
methods exist and what they return, Strawberry's type map and resolver wrappers, graphql-core's
incremental delivery queue. They are reached from here only, and only when the installed versions
are the ones this module was written for and tested with (the same ranges as pyproject.toml's pins):
outside them, `unsupported()` says why and schema.fastpath leaves the stock executor in place.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from importlib import metadata
from typing import Any

# (distribution, lowest supported release, first release not supported): final releases only.
SUPPORTED: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = (
    ("graphql-core", (3, 3, 2), (3, 4)),
    ("strawberry-graphql", (0, 341, 2), (0, 342)),
)


def _release(version: str) -> tuple[int, ...] | None:
    """(3, 3, 2) for "3.3.2"; None for a pre-release or anything unusual."""
    return tuple(int(part) for part in version.split(".")) if re.fullmatch(r"\d+(\.\d+)*", version) else None


def _spelled(low: tuple[int, ...], high: tuple[int, ...]) -> str:
    return f">={'.'.join(map(str, low))},<{'.'.join(map(str, high))}"


SUPPORTED_TEXT = ", ".join(f"{name} {_spelled(low, high)}" for name, low, high in SUPPORTED)


def _version_problem() -> str | None:
    for name, low, high in SUPPORTED:
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            return f"{name} is not installed as a distribution"
        release = _release(installed)
        if release is None or not low <= release < high:
            return f"{name} {installed} is not a version it was written for ({SUPPORTED_TEXT})"
    return None


try:
    from graphql.execution.executor import to_nodes
    from graphql.execution.incremental.incremental_executor import StreamItemValue
    from graphql.execution.incremental.stream_item_queue import StreamItemQueue
    from graphql.execution.incremental.work_queue import WorkResult
    from graphql.pyutils.gather_with_cancel import gather_with_cancel
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext as ExecutorBase
    from strawberry.schema.schema_converter import CustomGraphQLEnumType
    from strawberry.schema.types.base_scalars import isoformat

    _IMPORT_PROBLEM: str | None = None
except ImportError as error:  # pragma: no cover - only with versions outside SUPPORTED
    _IMPORT_PROBLEM = f"a private name moved ({error})"


def unsupported() -> str | None:
    """Why the fast path cannot run with the installed packages, or None when it can."""
    return _version_problem() or _IMPORT_PROBLEM


__all__ = [
    "SUPPORTED_TEXT",
    "CustomGraphQLEnumType",
    "ExecutorBase",
    "StreamItemQueue",
    "StreamItemValue",
    "WorkResult",
    "gather_with_cancel",
    "isoformat",
    "to_nodes",
    "unsupported",
]


# Strawberry


def graphql_schema(schema: Any) -> Any:
    """The graphql-core schema a Strawberry schema built."""
    return schema._schema


def strawberry_types(schema: Any) -> list[tuple[Any, Any]]:
    """(Strawberry definition, graphql-core type) of every type of the schema."""
    return [(entry.definition, entry.implementation) for entry in schema.schema_converter.type_map.values()]


def has_exception_handlers(schema: Any, field: Any) -> bool:
    """Whether Strawberry wraps the field's resolver to turn exceptions into errors of its own."""
    return bool(schema.schema_converter._get_field_exception_handlers(field))


def strawberry_info(info_class: type, raw_info: Any, field: Any) -> Any:
    """The strawberry.Info Strawberry would give the field's resolver."""
    return info_class(_raw_info=raw_info, _field=field)


# graphql-core's executor


def collect_subfields(executor: Any, object_type: Any, field_details_list: Any) -> Any:
    """The field set of an object's selection, or None when it starts deferred work (graphql-core's path)."""
    grouped_field_set, new_defer_usages, _forbidden = executor.collect_subfields(object_type, field_details_list)
    return None if new_defer_usages else grouped_field_set


def settle_in_background(executor: Any, awaitables: list[Awaitable[Any]]) -> None:
    """Lets started awaitables run to their end after an error made their result useless."""
    executor.settle_in_background(awaitables)


def complete_value(executor: Any, return_type: Any, field_details_list: Any, info: Any, path: Any, result: Any) -> Any:
    """graphql-core's completion of a resolved value (lists, leaves, abstract types, @stream), outside deferred work."""
    return executor.complete_value(return_type, field_details_list, info, path, result, None)


def complete_awaitable_value(
    executor: Any, return_type: Any, field_details_list: Any, info: Any, path: Any, result: Any
) -> Any:
    """graphql-core's completion of an awaitable resolver result, its errors handled at the field."""
    return executor.complete_awaitable_value(return_type, field_details_list, info, path, result, None)


def complete_stream_item(
    executor: Any, path: Any, item: Any, field_details_list: Any, info: Any, item_type: Any
) -> Any:
    """graphql-core's completion of one streamed item, on a sub-executor of its own (its errors stay the item's)."""
    return executor.create_sub_executor().complete_stream_item(path, item, field_details_list, info, item_type)
