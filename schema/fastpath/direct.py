"""Fields resolved without Strawberry's per-call wrappers where they add nothing.

A contacts page resolves some 1,700 fields, nearly all of them read off an attribute. For each,
Strawberry calls three layers of wrappers before reading the attribute. `resolve_directly` gives
every field that Strawberry would answer with `getattr` (no resolver, no extension, no arguments) a
one-line reader, which also resolves a schema.prefetch.Relation held in the attribute; and every
resolver that needs no argument conversion and has no field extension a direct call
(`Contact.requests(first: 5)`, fifty times a page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

from schema.fastpath import _compat
from schema.fastpath.plans import Attributes
from schema.prefetch import Relation


def _reader(attribute: str) -> Callable[[Any, Any], Any]:
    def read(source: Any, _info: Any) -> Any:
        value = getattr(source, attribute)
        return value() if type(value) is Relation else value

    return read


# What Strawberry passes to a resolver unchanged (convert_argument): these need no conversion.
_PASSED_AS_IS = (int, str, bool, float, strawberry.ID)


def _caller(field: StrawberryField, config: StrawberryConfig) -> Callable[..., Any] | None:
    """A resolver calling the field's Python function as Strawberry would, when that needs nothing but
    renaming: no field extension (masking, authorisation), and only arguments Strawberry passes as they come."""
    resolver = field.base_resolver
    if resolver is None or type(field) is not StrawberryField or field.extensions:
        return None
    names = {}
    for argument in field.arguments:
        kind = argument.type.of_type if isinstance(argument.type, StrawberryOptional) else argument.type
        if kind not in _PASSED_AS_IS:
            return None
        names[config.name_converter.from_argument(argument)] = argument.python_name
    function: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment] # a staticmethod's function
    with_self = resolver.self_parameter is not None
    sources = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    info_class = config.info_class

    def call(source: Any, info: Any, **arguments: Any) -> Any:
        kwargs = {names[name]: value for name, value in arguments.items()}
        for name in sources:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = _compat.strawberry_info(info_class, info, field)
        return function(source, **kwargs) if with_self else function(**kwargs)

    return call


def resolve_directly(schema: strawberry.Schema) -> Attributes:
    """Gives every plain attribute field a direct reader, and every resolver that needs no conversion a
    direct call; returns the attribute fields."""
    attributes: Attributes = {}
    for definition, implementation in _compat.strawberry_types(schema):
        if getattr(definition, "is_input", True) or not hasattr(implementation, "fields"):
            continue
        for field in definition.fields:
            name = schema.config.name_converter.from_field(field)
            graphql_field = implementation.fields.get(name)
            if graphql_field is None:  # strawberry.Private: not in the schema
                continue
            if field.is_basic_field and not field.arguments:
                graphql_field.resolve = _reader(field.python_name)
                attributes[(implementation.name, name)] = field.python_name
            elif not _compat.has_exception_handlers(schema, field):
                call = _caller(field, schema.config)
                if call is not None:
                    graphql_field.resolve = call
    return attributes
