"""@stream / @defer answers as clients read them: 2022 multipart parts, or one complete JSON result.

graphql-core 3.3 produces the 2023 incremental format: `pending` announces each deferred fragment or
stream under an `id`, `incremental` entries name that `id` (with a `subPath` for fragments), and
`completed` closes it. The clients in use (Apollo Client, urql, GraphiQL) read the format that
`Accept: multipart/mixed;deferSpec=20220824` names, where every entry carries its full `path`, and a
stream's path ends with the index of its first item. `LegacyParts` translates frame by frame; it keeps
neither the streamed items nor their count beyond one number per stream, so memory stays flat however
long the stream. A client that does not accept multipart gets `complete_result`: every frame merged
into the one JSON result it asked for.

Masking, error codes and the VIEW_PERSONAL log are applied to the frames before they get here
(schema.incremental.later_frames).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ExperimentalIncrementalExecutionResults,
    GraphQLError,
    IncrementalDeferResult,
    IncrementalStreamResult,
    SubsequentIncrementalExecutionResult,
)
from graphql.execution.types import PendingResult

Path = tuple[str | int, ...]
_ABSENT = object()


def _walk(node: Any, keys: Iterable[str | int]) -> Any:
    """The value at `keys` below `node`, or _ABSENT."""
    for key in keys:
        in_object = isinstance(node, dict) and isinstance(key, str) and key in node
        in_list = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not (in_object or in_list):
            return _ABSENT
        node = node[key]
    return node


def _merge(target: dict[str, Any], data: dict[str, Any]) -> None:
    """A deferred fragment's fields into the object they belong to (fields already there merged deeply)."""
    for key, value in data.items():
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, dict):
            _merge(existing, value)
        elif isinstance(existing, list) and isinstance(value, list) and len(existing) == len(value):
            for old, new in zip(existing, value, strict=True):
                if isinstance(old, dict) and isinstance(new, dict):
                    _merge(old, new)
        else:
            target[key] = value


def _formatted(errors: list[GraphQLError] | None) -> dict[str, Any]:
    return {"errors": [error.formatted for error in errors]} if errors else {}


def _extensions(extensions: dict[str, Any] | None) -> dict[str, Any]:
    return {"extensions": extensions} if extensions else {}


@dataclass
class _Pending:
    path: Path
    label: str | None
    # A stream: the index its next item will have; None for a deferred fragment (or not located yet).
    next_index: int | None = None
    located: bool = False


@dataclass
class LegacyParts:
    """Turns graphql-core's frames into `deferSpec=20220824` parts, one dict per frame."""

    # The initial data with the deferred fragments merged in: where a stream's list is found when it is
    # announced (its length is the first streamed item's index). Streamed items are never kept.
    data: Any = None
    pending: dict[str, _Pending] = field(default_factory=dict)

    def initial(self, initial: Any) -> dict[str, Any]:
        self.data = initial.data
        self._register(initial.pending)
        self._locate_all(initial.pending, {})
        return {"data": initial.data, **_formatted(initial.errors), "hasNext": initial.has_next}

    def subsequent(self, frame: SubsequentIncrementalExecutionResult) -> dict[str, Any] | None:
        """The frame's part, or None when it only opens or closes entries (nothing a client would read)."""
        self._register(frame.pending or ())
        # What this frame delivers, by full path: where a stream announced in it may find its list.
        delivered: dict[Path, Any] = {}
        entries = [self._entry(result, delivered) for result in frame.incremental or ()]
        self._locate_all(frame.pending or (), delivered)
        for done in frame.completed or ():
            closed = self.pending.pop(done.id)
            if done.errors:  # the whole fragment or the rest of the stream failed
                entries.append(self._failed(closed, done.errors))
        part: dict[str, Any] = {}
        if entries:
            part["incremental"] = entries
        if not entries and frame.has_next:
            return None
        return {**part, "hasNext": frame.has_next, **_extensions(frame.extensions)}

    def _entry(
        self, result: IncrementalStreamResult | IncrementalDeferResult, delivered: dict[Path, Any]
    ) -> dict[str, Any]:
        entry = self.pending[result.id]
        if isinstance(result, IncrementalStreamResult):
            self._locate(entry, delivered)
            first = entry.next_index or 0
            entry.next_index = first + len(result.items)
            path = (*entry.path, first)
            for offset, item in enumerate(result.items):
                delivered[(*entry.path, first + offset)] = item
            body: dict[str, Any] = {"items": result.items, "path": list(path)}
        else:  # an IncrementalDeferResult
            path = (*entry.path, *(result.sub_path or ()))
            delivered[path] = result.data
            target = _walk(self.data, path)
            if isinstance(target, dict):
                _merge(target, result.data)
            body = {"data": result.data, "path": list(path)}
        if entry.label is not None:
            body["label"] = entry.label
        return {**body, **_formatted(result.errors), **_extensions(result.extensions)}

    def _failed(self, entry: _Pending, errors: list[GraphQLError]) -> dict[str, Any]:
        if entry.next_index is not None:
            body: dict[str, Any] = {"items": None, "path": [*entry.path, entry.next_index]}
        else:
            body = {"data": None, "path": list(entry.path)}
        if entry.label is not None:
            body["label"] = entry.label
        return {**body, **_formatted(errors)}

    def _register(self, announced: Iterable[PendingResult]) -> None:
        for result in announced:
            self.pending[result.id] = _Pending(tuple(result.path), result.label)

    def _locate_all(self, announced: Iterable[PendingResult], delivered: dict[Path, Any]) -> None:
        for result in announced:
            self._locate(self.pending[result.id], delivered)

    def _locate(self, entry: _Pending, delivered: dict[Path, Any]) -> None:
        """A stream's list is in the data sent so far; a deferred fragment's path leads to an object."""
        if entry.located:
            return
        found = _ABSENT
        for length in range(len(entry.path), -1, -1):  # the deepest value delivered in this frame first
            root = delivered.get(entry.path[:length], _ABSENT)
            if root is not _ABSENT:
                found = _walk(root, entry.path[length:])
                break
        if found is _ABSENT:
            found = _walk(self.data, entry.path)
        if found is not _ABSENT:
            entry.located = True
            if isinstance(found, list):
                entry.next_index = len(found)


async def legacy_parts(results: ExperimentalIncrementalExecutionResults) -> AsyncIterator[dict[str, Any]]:
    parts = LegacyParts()
    yield parts.initial(results.initial_result)
    async with aclosing(results.subsequent_results) as frames:
        async for frame in frames:
            part = parts.subsequent(frame)
            if part is not None:
                yield part


@dataclass(frozen=True)
class CompleteResult:
    data: dict[str, Any] | None
    errors: list[GraphQLError]


async def complete_result(results: ExperimentalIncrementalExecutionResults) -> CompleteResult:
    """Every frame merged into one result: what the same operation without @stream / @defer answers."""
    initial = results.initial_result
    data, errors = initial.data, list(initial.errors or ())
    paths = {p.id: tuple(p.path) for p in initial.pending}
    async with aclosing(results.subsequent_results) as frames:
        async for frame in frames:
            paths.update((p.id, tuple(p.path)) for p in frame.pending or ())
            for result in frame.incremental or ():
                errors += result.errors or ()
                path = paths[result.id]
                if isinstance(result, IncrementalStreamResult):
                    target = _walk(data, path)
                    if isinstance(target, list):
                        target.extend(result.items)
                else:
                    target = _walk(data, (*path, *(result.sub_path or ())))
                    if isinstance(target, dict):
                        _merge(target, result.data)
            for done in frame.completed or ():
                errors += done.errors or ()
    return CompleteResult(data, errors)
