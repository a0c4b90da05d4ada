"""Introspection's own bound, for signed-in callers (anonymous ones may not introspect: schema.guards).

The tools that read a schema from its URL (GraphQL Codegen, Python's gql, GraphiQL's Docs panel) send
graphql-js's getIntrospectionQuery, whose TypeRef fragment nests `ofType` 7 to 9 levels deep: the
`__schema` and `__type` subtrees are therefore exempt from the depth and cost limits (schema.guards),
and bounded here instead:
- one introspection root per document (a second `__schema` or `__type` only repeats the work);
- `ofType` nested at most 12 deep;
- `fields`, `interfaces`, `possibleTypes` and `inputFields` nested at most 3 deep: graphql-js's
  MaxIntrospectionDepthRule, without which `types { fields { type { fields { type ... } } } }` grows
  as the schema's size to the power of its nesting.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    validate,
)
from graphql.validation import MaxIntrospectionDepthRule

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
MAX_ROOTS = 1
MAX_OF_TYPE_DEPTH = 12


class _OfTypeDepth:
    """The deepest nesting of `ofType` below a selection set, each fragment measured once (a fragment
    spread many times costs nothing more; a cycle, refused by validation later, counts as nothing)."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.measured: dict[str, int] = {}

    def selection_set(self, selection_set: SelectionSetNode | None) -> int:
        deepest = 0
        for selection in selection_set.selections if selection_set is not None else ():
            if isinstance(selection, FieldNode):
                below = self.selection_set(selection.selection_set)
                deepest = max(deepest, below + (selection.name.value == "ofType"))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.selection_set(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self.fragment(selection.name.value))
        return deepest

    def fragment(self, name: str) -> int:
        if name not in self.measured:
            self.measured[name] = 0  # while it is measured: a cycle
            fragment = self.fragments.get(name)
            self.measured[name] = self.selection_set(fragment.selection_set) if fragment is not None else 0
        return self.measured[name]


def introspection_problem(schema: GraphQLSchema, document: DocumentNode, roots: list[FieldNode]) -> str | None:
    """Why the introspection in `document` (its `roots`: every `__schema` or `__type` field) is refused, or None."""
    if len(roots) > MAX_ROOTS:
        return "a document may hold one introspection root (__schema or __type)"
    depth = _OfTypeDepth(document)
    if any(depth.selection_set(root.selection_set) > MAX_OF_TYPE_DEPTH for root in roots):
        return f"introspection nests ofType more than {MAX_OF_TYPE_DEPTH} deep"
    if validate(schema, document, [MaxIntrospectionDepthRule]):
        return "introspection depth exceeds the limit (fields, interfaces, possibleTypes, inputFields: 3 deep)"
    return None
