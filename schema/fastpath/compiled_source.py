"""The source of a compiled operation's generated functions (schema.fastpath.compiled): each leaf's expression.

A leaf is read from a row and serialised as graphql-core would: a value of the exact Python type its scalar or
enum serialises is converted inline (an enum's text to its member's name in one look-up); any other value goes
through the scalar's own serialisation, and where graphql-core would report an error (a null where null is not
allowed, a value that does not serialise) the run declines. The source holds no text from the query: response
names and types are passed in as values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT, GraphQLNonNull, GraphQLSchema, get_named_type

from models.enums import Role
from resolvers.consent import current_state
from resolvers.ids import encode_id
from resolvers.pagination import page_of_head
from schema.enums import ConsentPurpose
from schema.fastpath._compat import isoformat as strawberry_isoformat
from schema.fastpath.plans import SLOW, exact_leaf, int32
from schema.types import KINDS, STATUSES, VISIBILITIES


class Decline(Exception):
    """Not a case the compiled code answers: graphql-core's path answers it."""


class Unsupported(Exception):
    """A document the compiler does not know how to compile."""


# Enum members by the text a row holds, as schema.types reads them (Role(text), ConsentPurpose(text) for staff and
# consents, whose rows the ORM reads there).
ROLES = {member.value: member for member in Role}
PURPOSES = {member.value: member for member in ConsentPurpose}
_ENUM_TABLES: dict[str, dict[Any, Any]] = {
    "KINDS": KINDS,
    "VISIBILITIES": VISIBILITIES,
    "STATUSES": STATUSES,
    "ROLES": ROLES,
    "PURPOSES": PURPOSES,
}
_ENUM_SOURCE = re.compile(r"(\w+)\[r\.\w+\]")
_COLUMN = re.compile(r"\br\.(\w+)")


def _declining(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def converted(value: Any) -> Any:
        result = convert(value)
        if result is SLOW:
            raise Decline
        return result

    return converted


def _other_value(leaf: Any, nullable: bool) -> Callable[[Any], Any]:
    """A value not of the exact Python type: what graphql-core's leaf completion makes of it, or Decline where it
    would report an error."""

    def serialize(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise Decline
        try:
            result = leaf.coerce_output_value(value)
        except Exception:  # noqa: BLE001 - graphql-core's path reports it at the field
            raise Decline from None
        if result is None:
            raise Decline
        return result

    return serialize


class Writer:
    """The generated functions' source, and the values their names stand for (no text from the query in it)."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.lines: list[str] = []
        self.values: dict[str, Any] = {
            "ENCODE_ID": encode_id,
            "KINDS": KINDS,
            "VISIBILITIES": VISIBILITIES,
            "STATUSES": STATUSES,
            "ROLES": ROLES,
            "PURPOSES": PURPOSES,
            "CURRENT_STATE": current_state,
            "PAGE_OF_HEAD": page_of_head,
            "MIN_INT": GRAPHQL_MIN_INT,
            "MAX_INT": GRAPHQL_MAX_INT,
        }
        self.count = 0

    def value(self, value: Any) -> str:
        self.count += 1
        name = f"K{self.count}"
        self.values[name] = value
        return name

    def dictionary(self, result: dict[str, str]) -> str:
        """The expression of a response object: its response names (as values) to their sources."""
        return "{" + ", ".join(f"{self.value(key)}: {source}" for key, source in result.items()) + "}"

    def function(self, parameters: str, body: list[str], result: dict[str, str]) -> str:
        self.count += 1
        name = f"f{self.count}"
        self.lines.append(f"def {name}({parameters}):")
        self.lines.extend("    " + line for line in body)
        self.lines.append(f"    return {self.dictionary(result)}")
        self.lines.append("")
        return name

    def leaf(self, source: str, field_type: Any, columns: set[str] | None = None) -> str:
        """The expression of a leaf's serialised value; `columns` gets the row's columns it reads."""
        if columns is not None:
            columns.update(_COLUMN.findall(source))
        nullable = not isinstance(field_type, GraphQLNonNull)
        named = get_named_type(field_type)
        exact, convert = exact_leaf(named)
        if exact is None:
            raise Unsupported(named.name)
        enum = _ENUM_SOURCE.fullmatch(source)
        if enum is not None and enum.group(1) in _ENUM_TABLES and convert is not None and not nullable:
            # A row's text to the member's name in one look-up (an unknown text raises KeyError, as in schema.types).
            names = {text: convert(member) for text, member in _ENUM_TABLES[enum.group(1)].items()}
            if SLOW not in names.values():
                return f"{self.value(names)}{source.removeprefix(enum.group(1))}"
        other, exact_name = self.value(_other_value(named, nullable)), self.value(exact)
        # The commonest conversions are written inline: a call per value was a sixth of a streamed export's time.
        if convert is None:
            converted = "_x"
        elif convert is int32:
            converted, exact_name = "_x", f"{exact_name} and MIN_INT <= _x <= MAX_INT"
        elif convert is strawberry_isoformat:
            converted = "_x.isoformat()"
        else:
            converted = f"{self.value(_declining(convert))}(_x)"
        return f"({converted} if type(_x := {source}) is {exact_name} else {other}(_x))"
