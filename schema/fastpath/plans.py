"""How a plain attribute field is completed: what the executor and the generated completers both read.

A field is plain when Strawberry would answer it with `getattr` (no resolver, no extension, no
arguments) and its node carries no directive. Its plan says whether it is a leaf (and which Python
values serialise without graphql-core's help) or objects (and whether a list of them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    is_leaf_type,
)

from schema.fastpath._compat import CustomGraphQLEnumType
from schema.fastpath._compat import isoformat as strawberry_isoformat

SLOW = object()  # not the plain case: graphql-core's path completes it, errors and all

Attributes = dict[tuple[str, str], str]  # (GraphQL type, field) -> Python attribute


class FieldPlan:
    """How to complete one plain field: a leaf, or objects (a list of them when `listed`)."""

    __slots__ = (
        "attribute",
        "convert",
        "exact",
        "item_nullable",
        "item_type",
        "leaf",
        "listed",
        "nullable",
        "object_type",
        "return_type",
    )

    def __init__(self, attribute: str, return_type: Any) -> None:
        self.attribute, self.return_type = attribute, return_type
        self.nullable = not isinstance(return_type, GraphQLNonNull)
        inner = return_type.of_type if not self.nullable else return_type
        self.listed = isinstance(inner, GraphQLList)
        self.item_type = inner.of_type if self.listed else inner
        self.item_nullable = not isinstance(self.item_type, GraphQLNonNull)
        named = self.item_type.of_type if not self.item_nullable else self.item_type
        self.leaf = named if is_leaf_type(named) and not self.listed else None
        # A value of exactly this Python type is serialised by `convert` (None: passed through as it is;
        # SLOW when it cannot be), as graphql-core would; any other value takes graphql-core's path.
        self.exact, self.convert = exact_leaf(named) if self.leaf is not None else (None, None)
        # An is_type_of check (none today) is graphql-core's to run.
        self.object_type = named if isinstance(named, GraphQLObjectType) and not named.is_type_of else None


class FieldPlans:
    """The plans of a schema's plain fields, each made once: the same for every request."""

    def __init__(self, attributes: Attributes) -> None:
        self.attributes = attributes
        self.made: dict[tuple[str, str], FieldPlan | None] = {}

    def plan_for(self, parent_type: GraphQLObjectType, field_details_list: Any) -> FieldPlan | None:
        """The plan of this field as selected here, or None when it is not plain (or has arguments or directives)."""
        if any(d.node.arguments or d.node.directives for d in field_details_list):
            return None
        key = (parent_type.name, field_details_list[0].node.name.value)
        if key not in self.made:
            self.made[key] = self._plan(parent_type, key[1])
        return self.made[key]

    def _plan(self, parent_type: GraphQLObjectType, field_name: str) -> FieldPlan | None:
        attribute = self.attributes.get((parent_type.name, field_name))
        if attribute is None:
            return None
        plan = FieldPlan(attribute, parent_type.fields[field_name].type)
        return plan if plan.leaf is not None or plan.object_type is not None else None


_UNCHANGED = {GraphQLString.name: str, GraphQLID.name: str, GraphQLBoolean.name: bool}
_ISOFORMAT = {"Date": date, "DateTime": datetime}


def int32(value: int) -> Any:
    return value if GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT else SLOW


def exact_leaf(leaf: Any) -> tuple[type | None, Callable[[Any], Any] | None]:
    if leaf.name in _UNCHANGED:
        return _UNCHANGED[leaf.name], None
    if leaf.name == GraphQLInt.name:
        return int, int32
    if leaf.name in _ISOFORMAT and leaf.coerce_output_value is strawberry_isoformat:  # Strawberry's own scalars
        return _ISOFORMAT[leaf.name], strawberry_isoformat
    if isinstance(leaf, CustomGraphQLEnumType):  # a Python enum: each member's name, looked up once
        names: dict[Any, Any] = {}
        member: Any
        for member in leaf.wrapped_cls:
            try:
                names[member] = leaf.coerce_output_value(member)
            except Exception:  # noqa: BLE001, S112 - not in the schema: graphql-core's path reports it
                continue
        return leaf.wrapped_cls, lambda member: names.get(member, SLOW)
    return None, None
