"""Plain attributes are read by graphql-core directly, without Strawberry's resolver layers.

A contacts page resolves some 1,700 fields, most of them read off an attribute (`firstName`,
`status`, `owner`...). For each, Strawberry would call three layers of wrappers before reading the
attribute. A field that Strawberry itself answers with `getattr` (no resolver, no extension, no
arguments) gets a one-line reader instead, which also resolves a schema.prefetch.Relation held in
the attribute; graphql-core still completes the value (serialisation, nullability, errors) as for
any field.

Masking is unaffected: compartmented types null their personal attributes when they are built
(schema.masking), before any field is read.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from schema.prefetch import Relation


def _reader(attribute: str) -> Callable[[Any, Any], Any]:
    def read(source: Any, _info: Any) -> Any:
        value = getattr(source, attribute)
        return value() if type(value) is Relation else value

    return read


def read_attributes_directly(schema: strawberry.Schema) -> int:
    """Gives every plain attribute field a direct reader; returns how many fields it changed."""
    changed = 0
    for entry in schema.schema_converter.type_map.values():
        definition, implementation = entry.definition, entry.implementation
        if getattr(definition, "is_input", True) or not hasattr(implementation, "fields"):
            continue
        for field in definition.fields:
            if not field.is_basic_field or field.arguments:
                continue
            graphql_field = implementation.fields.get(schema.config.name_converter.from_field(field))
            if graphql_field is None:  # strawberry.Private: not in the schema
                continue
            graphql_field.resolve = _reader(field.python_name)
            changed += 1
    return changed
