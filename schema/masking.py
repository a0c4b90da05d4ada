"""Applies auth.enforce's decision to the data subjects' GraphQL types, and notes which contacts a response reveals.

Every field of a compartmented type that auth.enforce.public_fields does not list is null when the
viewer is outside the record's compartment: a new field is personal by default.

- Plain fields (attributes) are nulled when the object is built: `build` is the only way the types
  make one, so resolving them costs graphql-core's attribute read, not a resolver call each.
- Fields with a resolver (relations) are wrapped by MaskOutsideCompartment.

A contact counts as viewed (one VIEW_PERSONAL event, schema.view_log) when an object of theirs is
built inside the compartment for a selection that asks for a personal field of its type, in a
fragment or at any depth below. Directives are not evaluated: a field under `@skip(if: true)`
counts, so the log may say more than was sent, never less.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, TypeVar

from graphql import GraphQLNamedType, GraphQLObjectType, get_named_type
from strawberry.extensions import FieldExtension
from strawberry.types import get_object_definition
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.private import is_private
from strawberry.utils.str_converters import to_camel_case

from auth import enforce
from schema.selections import resolve_info, selected_fields

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")  # a Strawberry type is a dataclass

# GraphQL type name -> the GraphQL names of its personal fields (attributes and resolvers alike).
PERSONAL_FIELDS: dict[str, frozenset[str]] = {}


@dataclasses.dataclass(frozen=True, slots=True)
class Compartment:
    """What `compartmented` worked out for a type, for `build`."""

    type_name: str  # the GraphQL type's
    personal_attributes: tuple[str, ...]  # the plain fields nulled outside the compartment
    init_fields: frozenset[str]  # what `build` is given, all of them


# Compartmented class -> its Compartment.
COMPARTMENTS: dict[type, Compartment] = {}


class MaskOutsideCompartment(FieldExtension):
    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        if not source.personal_data_visible:
            return None
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any) -> Any:
        if not source.personal_data_visible:
            return None
        result = next_(source, info, **kwargs)
        if isawaitable(result):
            result = await result
        return result


def _is_private(field: StrawberryField) -> bool:
    return field.type_annotation is not None and is_private(field.type_annotation.resolve())


def compartmented(type_name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator, applied after @strawberry.type. The class must have personal_data_visible;
    instances are made with `build`."""
    public = enforce.public_fields(type_name)

    def decorate(cls: type[T]) -> type[T]:
        fields = get_object_definition(cls, strict=True).fields
        attributes, names = [], set()
        for field in fields:
            if field.python_name in public or _is_private(field):
                continue
            if not isinstance(field.type, StrawberryOptional):
                raise TypeError(f"{type_name}.{field.python_name} is personal, so it must be nullable")
            names.add(field.graphql_name or to_camel_case(field.python_name))
            if field.base_resolver is None:
                attributes.append(field.python_name)
            else:
                field.extensions.append(MaskOutsideCompartment())
        init_fields = frozenset(f.name for f in dataclasses.fields(cls) if f.init)
        COMPARTMENTS[cls] = Compartment(type_name, tuple(attributes), init_fields)
        PERSONAL_FIELDS[type_name] = frozenset(names)
        return cls

    return decorate


def audited(type_name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator, applied after @strawberry.type, for a type holding a data subject's personal data that is
    only ever served inside the compartment (its root fields check it), so nothing is masked: its fields not
    declared public are personal, and its objects are made with `note_viewed`."""
    public = enforce.public_fields(type_name)

    def decorate(cls: type[T]) -> type[T]:
        fields = get_object_definition(cls, strict=True).fields
        PERSONAL_FIELDS[type_name] = frozenset(
            field.graphql_name or to_camel_case(field.python_name)
            for field in fields
            if field.python_name not in public and not _is_private(field)
        )
        return cls

    return decorate


def note_viewed(info: Any, contact_id: int, type_name: str) -> None:
    """The contact counts as viewed (one VIEW_PERSONAL event) when the selection asks for personal fields of this
    type, at any depth below the field being resolved."""
    context = info.context
    # Once noted (or logged), a contact's other objects (a streamed export's thousands of requests)
    # need no look at the selection.
    if (
        contact_id not in context.viewed_contacts
        and contact_id not in context.logged_contacts
        and type_name in _personal_types_selected(info)
    ):
        context.viewed_contacts.add(contact_id)


def build(cls: type[T], info: Any, contact_id: int, visible: bool, values: dict[str, Any], /) -> T:
    """An instance of a compartmented type from all its fields' values: personal attributes nulled outside
    the compartment, the contact noted as viewed inside it when the selection asks for personal fields
    of this type."""
    compartment = COMPARTMENTS[cls]
    if values.keys() != compartment.init_fields:
        raise TypeError(f"{cls.__name__} is built from exactly {sorted(compartment.init_fields)}")
    if visible:
        note_viewed(info, contact_id, compartment.type_name)
    else:
        for name in compartment.personal_attributes:
            values[name] = None
    # What the dataclass __init__ does for these types (every field given, checked above, no
    # __post_init__), at a quarter of its cost: an export builds tens of thousands of them.
    instance = object.__new__(cls)
    instance.__dict__.update(values)
    return instance


def _personal_types_selected(info: Any) -> frozenset[str]:
    """Compartmented types whose personal fields the field being resolved selects below it (per request, cached:
    every row of a page asks the same)."""
    raw = resolve_info(info)
    key = tuple(map(id, raw.field_nodes))
    cache: dict[tuple[int, ...], frozenset[str]] = info.context.personal_selections
    found = cache.get(key)
    if found is None:
        parent = get_named_type(raw.return_type)
        found = cache[key] = frozenset(
            name
            for node in raw.field_nodes
            for name in personal_types_below(raw.schema, raw.fragments, parent, node.selection_set)
        )
    return found


def personal_types_below(schema: Any, fragments: Any, parent: GraphQLNamedType, selection_set: Any) -> set[str]:
    found: set[str] = set()
    pending = [(parent, selection_set, frozenset[str]())]
    while pending:
        parent, selection_set, seen = pending.pop()
        for node, type_condition, now_seen in selected_fields(selection_set, fragments, seen):
            owner = (schema.get_type(type_condition) or parent) if type_condition else parent
            name = node.name.value
            if not isinstance(owner, GraphQLObjectType):  # an interface or union (none today): wherever it is personal
                found.update(t for t, names in PERSONAL_FIELDS.items() if name in names)
                continue
            if name in PERSONAL_FIELDS.get(owner.name, ()):
                found.add(owner.name)
            field = owner.fields.get(name)
            if field is not None and node.selection_set is not None:
                pending.append((get_named_type(field.type), node.selection_set, now_seen))
    return found
