"""A bounded memo for what is worked out per document text (parsing, validation, the guards' verdict).

A frontend sends the same few texts again and again; a client sending endless distinct texts only
evicts the oldest entries, so memory stays bounded.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MISSING = object()


class BoundedMemo(Generic[K, V]):
    """At most `size` entries; the least recently used goes first."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | object:
        """The remembered value, or MISSING (a remembered None is a value)."""
        if key not in self._entries:
            return MISSING
        self._entries.move_to_end(key)
        return self._entries[key]

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The remembered value, else make's, remembered."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        value = make()
        self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
