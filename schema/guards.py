"""Limits checked on the parsed document before validation, each refused with ONE error naming it.

Refusing before graphql-core's validation means a hostile document (30 levels deep, 10 unknown
directives, 500 duplicated fields) costs one pass over its AST and yields one error, not hundreds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.language import DocumentNode, Visitor, visit
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from auth.errors import Unauthenticated
from auth.policy import ANYONE, OPERATIONS
from schema.memo import MISSING, BoundedMemo

CONNECTION_DEFAULT_PAGE = 50
MAX_DUPLICATE_FIELDS = 10
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
INTROSPECTION_REFUSED = "introspection needs authentication"
# Without credentials a document may only call the public operations (login). Anything else is refused
# before validation, with the same answer whether the field exists or not, and an invalid login
# document gets no detail: graphql-core's messages ("Field 'contacts' of type 'ContactConnection!'
# must have a selection of subfields") let a tool such as clairvoyance rebuild the whole schema.
PUBLIC_ROOT_FIELDS = frozenset({"__typename"} | {name for name, allowed in OPERATIONS.items() if allowed == ANYONE})
AUTHENTICATION_REQUIRED = Unauthenticated().message
ANONYMOUS_INVALID = "Refused: the document is not valid (sign in to see why)"


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_directives: int
    max_cost: int


class _Counter(Visitor):
    def __init__(self, known_directives: frozenset[str]) -> None:
        super().__init__()
        self.known_directives = known_directives
        self.aliases = 0
        self.directives = 0
        self.introspection = False
        self.directive_problem: str | None = None

    def enter(self, node: Any, *_: Any) -> None:
        self._check_repeats(node)

    def _check_repeats(self, node: Any) -> None:
        names = [d.name.value for d in getattr(node, "directives", None) or ()]
        if len(names) != len(set(names)) and self.directive_problem is None:
            self.directive_problem = "a directive is repeated on the same location"

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self._check_repeats(node)
        if node.alias is not None:
            self.aliases += 1
        if node.name.value in INTROSPECTION_FIELDS:
            self.introspection = True

    def enter_directive(self, node: Any, *_: Any) -> None:
        self.directives += 1
        if node.name.value not in self.known_directives and self.directive_problem is None:
            self.directive_problem = f"unknown directive @{node.name.value}"


class _Shape:
    """Depth, cost and duplicated fields, following fragments (a fragment cycle stops the walk)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def _selections(
        self, selection_set: SelectionSetNode | None, seen: frozenset[str]
    ) -> Iterator[tuple[FieldNode, frozenset[str]]]:
        for selection in (selection_set.selections or ()) if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection, seen
            elif isinstance(selection, InlineFragmentNode):
                yield from self._selections(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    yield from self._selections(fragment.selection_set, seen | {name})

    def _page(self, node: FieldNode, field_def: Any) -> int:
        if field_def is None or "first" not in field_def.args:
            return 1
        for argument in node.arguments or ():
            if argument.name.value == "first":
                value = argument.value
                if isinstance(value, IntValueNode):
                    return max(int(value.value), 1)
                if isinstance(value, VariableNode):
                    given = self.variables.get(value.name.value)
                    return max(int(given), 1) if isinstance(given, int) else CONNECTION_DEFAULT_PAGE
        default = field_def.args["first"].default_value
        return default if isinstance(default, int) else CONNECTION_DEFAULT_PAGE

    def measure(
        self, selection_set: SelectionSetNode | None, parent: Any, seen: frozenset[str], depth: int, limits: Limits
    ) -> tuple[int, int, str | None]:
        """(depth, cost, problem) of a selection set; stops at the first problem."""
        deepest, cost = depth, 0
        keys: dict[str, int] = {}
        for node, now_seen in self._selections(selection_set, seen):
            key = node.alias.value if node.alias else node.name.value
            keys[key] = keys.get(key, 0) + 1
            if keys[key] > MAX_DUPLICATE_FIELDS:
                return deepest, cost, f"field '{key}' is selected more than {MAX_DUPLICATE_FIELDS} times"
            if depth + 1 > limits.max_depth:
                return depth + 1, cost, f"query depth exceeds the limit of {limits.max_depth}"
            field_def = parent.fields.get(node.name.value) if isinstance(parent, GraphQLObjectType) else None
            child_type = get_named_type(field_def.type) if field_def is not None else None
            child_depth, child_cost, problem = (depth + 1, 0, None)
            if node.selection_set is not None:
                child_depth, child_cost, problem = self.measure(
                    node.selection_set, child_type, now_seen, depth + 1, limits
                )
            if problem:
                return child_depth, cost, problem
            if node.selection_set is not None:  # scalars are free; objects cost 1, times the page size
                cost += 1 + self._page(node, field_def) * child_cost
            deepest = max(deepest, child_depth)
            if cost > limits.max_cost:
                return (
                    deepest,
                    cost,
                    f"query cost exceeds the limit of {limits.max_cost} (each connection multiplies by its `first`)",
                )
        return deepest, cost, None


def problem_with(
    document: DocumentNode, schema: GraphQLSchema, variables: dict[str, Any], limits: Limits, anonymous: bool
) -> str | None:
    counter = _Counter(frozenset(d.name for d in schema.directives))
    visit(document, counter)
    if anonymous and counter.introspection:
        return INTROSPECTION_REFUSED
    if anonymous and not _root_fields(schema, document) <= PUBLIC_ROOT_FIELDS:
        return AUTHENTICATION_REQUIRED
    if counter.directive_problem:
        return counter.directive_problem
    if counter.aliases > limits.max_aliases:
        return f"the query uses {counter.aliases} aliases; the limit is {limits.max_aliases}"
    if counter.directives > limits.max_directives:
        return f"the query uses {counter.directives} directives; the limit is {limits.max_directives}"
    shape = _Shape(schema, document, variables)
    roots = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            _, _, problem = shape.measure(
                definition.selection_set, roots[definition.operation.value], frozenset(), 0, limits
            )
            if problem:
                return problem
    return None


def _root_fields(schema: GraphQLSchema, document: DocumentNode) -> set[str]:
    shape = _Shape(schema, document, {})
    return {
        node.name.value
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
        for node, _ in shape._selections(definition.selection_set, frozenset())
    }


class ValidationMemo:
    """graphql-core's validation of a document text, remembered: validating the contacts page costs about a
    tenth of answering it. Validation depends on the schema and the text only (never on variables or the
    caller), and the guards above still run on every request."""

    def __init__(self) -> None:
        self._errors: BoundedMemo[tuple[int, str], tuple[GraphQLError, ...]] = BoundedMemo()

    def errors(self, context: Any) -> list[GraphQLError]:
        trusted = context.context.trusted_document
        if trusted is not None:  # validated when this process first read it (schema.trusted_documents)
            return list(trusted.errors)
        key = (id(context.schema), context.query)
        found = self._errors.get(key) if context.query else MISSING
        if found is MISSING:
            found = tuple(validate_document(context.schema._schema, context.graphql_document, context.validation_rules))
            if context.query:
                self._errors.put(key, found)
        return list(found)  # type: ignore[call-overload]


VALIDATION = ValidationMemo()


class GuardMemo:
    """problem_with's verdict, remembered per document text, variables and caller kind (what it depends on:
    the limits are the process's settings)."""

    def __init__(self) -> None:
        self._verdicts: BoundedMemo[tuple[str, str, bool, Limits], str | None] = BoundedMemo()

    def problem(self, context: Any, limits: Limits, anonymous: bool) -> str | None:
        variables = context.variables or {}
        key = (context.query, json.dumps(variables, sort_keys=True, default=repr), anonymous, limits)
        verdict = self._verdicts.get(key) if context.query else MISSING
        if verdict is MISSING:
            verdict = problem_with(
                context.graphql_document, context.schema._schema, variables, limits, anonymous=anonymous
            )
            if context.query:
                self._verdicts.put(key, verdict)
        return verdict  # type: ignore[return-value]


GUARDS = GuardMemo()


class QueryGuards(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        settings = context.context.settings
        limits = Limits(
            settings.max_query_depth, settings.max_aliases, settings.max_directives, settings.max_query_cost
        )
        if context.graphql_document is not None:
            anonymous = context.context.principal is None
            problem = GUARDS.problem(context, limits, anonymous)
            if problem == AUTHENTICATION_REQUIRED:
                context.pre_execution_errors = [GraphQLError(problem, extensions={"code": "UNAUTHENTICATED"})]
            elif problem:
                code = "UNAUTHENTICATED" if problem == INTROSPECTION_REFUSED else "BAD_USER_INPUT"
                # Set before validation runs, so graphql-core's rules do not pile up more errors.
                context.pre_execution_errors = [GraphQLError(f"Refused: {problem}", extensions={"code": code})]
            elif anonymous:
                # The errors never reach an anonymous client: one vague error instead.
                invalid = VALIDATION.errors(context)
                context.pre_execution_errors = (
                    [GraphQLError(ANONYMOUS_INVALID, extensions={"code": "BAD_USER_INPUT"})] if invalid else []
                )
            else:
                # Setting pre_execution_errors ([] when valid) tells Strawberry validation is done.
                context.pre_execution_errors = VALIDATION.errors(context)
        yield
