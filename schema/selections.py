"""The one walk over a document's selections: the fields a selection set selects, fragments flattened.

Masking (which compartmented types' personal fields a selection asks for), the guards (depth, cost,
duplicated fields, the root fields an anonymous caller asks for) and the prefetch (what a contacts page
will ask for) all read selections this way.
Directives are not evaluated: a field under `@skip(if: true)` is selected here, so each reader errs on
the side of counting more. A fragment spread inside itself (refused by validation, but the guards
run before it) is entered once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


class Selected(NamedTuple):
    node: FieldNode
    # The innermost fragment type condition the field sits under; None: the selection set's own type.
    type_condition: str | None
    # The named fragments entered on the way, for a walk that goes on below this field.
    seen: frozenset[str]


def selected_fields(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
    type_condition: str | None = None,
) -> Iterator[Selected]:
    for selection in (selection_set.selections or ()) if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            yield Selected(selection, type_condition, seen)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else type_condition
            yield from selected_fields(selection.selection_set, fragments, seen, condition)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                condition = fragment.type_condition.name.value
                yield from selected_fields(fragment.selection_set, fragments, seen | {name}, condition)


def fields_by_name(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode]
) -> dict[str, FieldNode]:
    """The fields selected in a selection set by field name (not alias): the first of same-named fields wins."""
    found: dict[str, FieldNode] = {}
    for selected in selected_fields(selection_set, fragments):
        found.setdefault(selected.node.name.value, selected.node)
    return found


def resolve_info(info: Any) -> Any:
    """graphql-core's resolve info behind a strawberry.Info: the field's nodes, the fragments, the schema and the
    coerced variables, which Strawberry's public Info only offers converted (and re-converted per call)."""
    return info._raw_info
