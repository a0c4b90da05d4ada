"""Loads what a page of contacts will ask for before its fields ask, through the same DataLoaders.

Batching alone already keeps the number of queries flat; this also lets the fields of a page
(owner, team, consents, requests, advisor) resolve synchronously from the loaders' caches, so
executing a 50-contact page does not create hundreds of asyncio tasks. It only ever loads through
the request's loaders, so what a field finds in the cache is exactly what it would have loaded;
personal data is only prefetched for contacts whose compartment the viewer is in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from graphql import FieldNode, NullValueNode, VariableNode
from strawberry.dataloader import DataLoader

import models
from auth import enforce
from resolvers.pagination import MAX_PAGE
from schema.context import Info
from schema.selections import fields_by_name, resolve_info

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")


PENDING = object()  # a Relation's value not given; Relation.resolved(): not loaded yet
MISSING = object()  # an argument not given


def _loaded(loader: DataLoader[K, V], key: K) -> Any:
    """The loader's settled future for this key (a value, no error), else None."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return future
    return None


def at_hand(loader: DataLoader[K, V], key: K, wrap: Callable[[V], R], made: dict[K, R] | None = None) -> Any:
    """`wrap(value)` when this request's loader already holds the value, else PENDING; starts no load.

    `made`: where to keep each key's wrapped object for the rest of the request, for objects the
    page repeats (the same advisor on every request of the page is one User, not hundreds)."""
    if made is not None and key in made:
        return made[key]
    future = _loaded(loader, key)
    return _wrapped(wrap, future.result(), made, key) if future is not None else PENDING


def _wrapped(wrap: Callable[[V], R], value: V, made: dict[K, R] | None, key: K) -> R:
    result = wrap(value)
    if made is not None:
        made[key] = result
    return result


def now_or_later(
    loader: DataLoader[K, V], key: K, wrap: Callable[[V], R], made: dict[K, R] | None = None
) -> R | Awaitable[R]:
    """at_hand's object at once when the loader holds the value, else an awaitable of it (batched)."""
    found = at_hand(loader, key, wrap, made)
    if found is not PENDING:
        return found

    async def later() -> R:
        return _wrapped(wrap, await loader.load(key), made, key)

    return later()


class Relation:
    """A related object as an attribute, read only if its field is selected (schema.fastpath reads it):
    at once when the caller had its value or the page prefetched it, else batched through the request's
    loader."""

    __slots__ = ("key", "loader", "made", "value", "wrap")

    def __init__(
        self,
        loader: DataLoader[Any, Any],
        key: Any,
        wrap: Callable[[Any], Any],
        made: dict[Any, Any] | None = None,
        value: Any = PENDING,
    ) -> None:
        self.loader, self.key, self.wrap, self.made, self.value = loader, key, wrap, made, value

    def __call__(self) -> Any:
        if self.value is not PENDING:
            return self.wrap(self.value)
        return now_or_later(self.loader, self.key, self.wrap, self.made)

    def resolved(self) -> Any:
        """The related object when it is at hand, else PENDING; starts no load."""
        if self.value is not PENDING:
            return self.wrap(self.value)
        return at_hand(self.loader, self.key, self.wrap, self.made)


def read_attribute(source: Any, name: str) -> Any:
    """Strawberry's default resolver for attribute fields (StrawberryConfig.default_resolver): getattr, with a
    Relation held in the attribute resolved."""
    value = getattr(source, name)
    return value() if type(value) is Relation else value


def _node_fields(field: FieldNode | None, fragments: Any) -> dict[str, FieldNode]:
    """A connection field's `edges { node { ... } }` selection, by field name."""
    if field is None:
        return {}
    edges = fields_by_name(field.selection_set, fragments).get("edges")
    node = fields_by_name(edges.selection_set, fragments).get("node") if edges is not None else None
    return fields_by_name(node.selection_set, fragments) if node is not None else {}


def _argument(field: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    """The argument's value as given: a literal's text (an Int's digits), a variable's coerced value, or MISSING."""
    for argument in field.arguments or ():
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, VariableNode):
                return variables.get(value.name.value)
            return None if isinstance(value, NullValueNode) else getattr(value, "value", MISSING)
    return MISSING


def _request_limit(requests: FieldNode, variables: dict[str, Any]) -> int | None:
    """The head size Contact.requests will load for these arguments, or None when it pages by cursor."""
    if _argument(requests, "after", variables) not in (None, MISSING):
        return None
    first = _argument(requests, "first", variables)
    if first is MISSING or first is None:
        first = 50
    if isinstance(first, str):  # a literal in the query comes as its text; a variable comes coerced
        first = int(first) if first.lstrip("-").isdigit() else None
    if not isinstance(first, int) or isinstance(first, bool) or first < 0:
        return None  # the field itself reports the bad argument
    return min(first, MAX_PAGE) + 1


async def prefetch_contact_page(info: Info, rows: list[models.Contact]) -> None:
    """For the `contacts` connection: owners, teams, consents, request heads and their advisors."""
    raw = resolve_info(info)
    if not rows or not raw.field_nodes:
        return
    node = _node_fields(raw.field_nodes[0], raw.fragments)
    if not node:
        return
    loaders, viewer = info.context.loaders, info.context.viewer
    jobs: list[Awaitable[Any]] = []
    if "team" in node:
        jobs.append(loaders.team.load_many(sorted({r.team_id for r in rows if r.team_id is not None})))
    if "consents" in node:
        jobs.append(loaders.consents.load_many([r.id for r in rows if enforce.sees_personal_data(viewer, r)]))
    requests = node.get("requests")
    limit = _request_limit(requests, raw.variable_values) if requests is not None else None
    heads: list[Any] = []
    if limit is not None:
        heads_job = loaders.request_heads.load_many([(r.id, limit) for r in rows])
        heads = (await asyncio.gather(heads_job, *jobs))[0]
    elif jobs:
        await asyncio.gather(*jobs)
    users: set[int] = {r.owner_id for r in rows} if "owner" in node else set()
    if requests is not None and "advisor" in _node_fields(requests, raw.fragments):
        users |= {request.advisor_id for head in heads for request in head.items}
    if users:
        # Owners and advisors in one batch: one query for both.
        await loaders.user.load_many(sorted(users))
