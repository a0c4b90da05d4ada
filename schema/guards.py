"""Limits checked on the parsed document before validation, each refused with ONE error naming it.

Refusing before graphql-core's validation means a hostile document (30 levels deep, 10 unknown
directives, 500 duplicated fields) costs one pass over its AST and yields one error, not hundreds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_input_type,
    type_from_ast,
)
from graphql.language import DocumentNode, Visitor, visit
from strawberry.extensions import SchemaExtension, ValidationCache

from auth import enforce
from auth.errors import Unauthenticated
from auth.policy import ANYONE, OPERATIONS
from resolvers.pagination import DEFAULT_PAGE, MAX_PAGE
from schema.introspection import INTROSPECTION_FIELDS, introspection_problem
from schema.list_bounds import Per, bound, lists_objects
from schema.memo import BoundedMemo
from schema.selections import selected_fields

CONNECTION_DEFAULT_PAGE = DEFAULT_PAGE  # what a connection's resolver takes when `first` is null
MAX_DUPLICATE_FIELDS = 10
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


@dataclass(frozen=True)
class Refusal:
    message: str
    code: str = "BAD_USER_INPUT"


class _Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class Caller(str, Enum):
    ANONYMOUS = "anonymous"
    USER = "user"
    API_KEY = "api key"


class _Counter(Visitor):
    def __init__(self, known_directives: frozenset[str]) -> None:
        super().__init__()
        self.known_directives = known_directives
        self.aliases = 0
        self.directives = 0
        self.introspection_roots: list[FieldNode] = []
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
            self.introspection_roots.append(node)

    def enter_directive(self, node: Any, *_: Any) -> None:
        self.directives += 1
        if node.name.value not in self.known_directives and self.directive_problem is None:
            self.directive_problem = f"unknown directive @{node.name.value}"


class _NotWhole(Exception):
    pass


def _whole(value: Any) -> int | None:
    """An Int as graphql-core would take it, or _NotWhole: it also takes 200.0, which the cost must not miss."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _NotWhole


def _literal(node: ValueNode) -> int | None:
    if isinstance(node, NullValueNode):
        return None
    if isinstance(node, IntValueNode):
        return int(node.value)
    raise _NotWhole


def _not_whole(type_: GraphQLInputType, value: Any, where: str) -> str | None:
    """Where a variable's value has a non-integer in an Int position (inputs and lists included), or None."""
    if value is None:
        return None
    named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(named, GraphQLList):
        items = value if isinstance(value, list) else [value]  # a single value stands for a list of one
        return next((p for i, v in enumerate(items) if (p := _not_whole(named.of_type, v, f"{where}[{i}]"))), None)
    if isinstance(named, GraphQLInputObjectType) and isinstance(value, dict):
        fields = ((name, value[name], field.type) for name, field in named.fields.items() if name in value)
        return next((p for name, v, t in fields if (p := _not_whole(t, v, f"{where}.{name}"))), None)
    if named is GraphQLInt:
        try:
            _whole(value)
        except _NotWhole:
            return f"{where}: must be a whole number"
    return None


class _Shape:
    """Depth, cost and duplicated fields, following fragments (a fragment cycle stops the walk).

    Cost: one per object the answer may hold, plus what each selects. A connection multiplies what it selects by
    the page that will run: `first` as given inline, as a provided variable, as the variable's default, or as the
    argument's default (null: the resolvers' default page), capped as the resolvers cap it. A list multiplies
    each item by its bound in schema.list_bounds (the data's own, a cap the resolvers keep, or its page).
    """

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any], caller: Caller
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.caller = caller
        self.defaults: dict[str, ValueNode] = {}
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def operation(self, definition: OperationDefinitionNode) -> None:
        """Takes the operation's variables: their values must be whole numbers wherever an Int is expected."""
        self.defaults = {}
        for variable in definition.variable_definitions or ():
            name = variable.variable.name.value
            if variable.default_value is not None:
                self.defaults[name] = variable.default_value
            type_ = type_from_ast(self.schema, variable.type)
            if name in self.variables and is_input_type(type_):
                problem = _not_whole(type_, self.variables[name], f"variable ${name}")
                if problem:
                    raise _Refused(Refusal(problem))

    def _first(self, node: FieldNode, field_def: Any) -> int | None:
        """The `first` the resolver will get (None: not given, or null)."""
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if not isinstance(value, VariableNode):
                return _literal(value)
            name = value.name.value
            if name in self.variables:
                return _whole(self.variables[name])
            if name in self.defaults:
                return _literal(self.defaults[name])
            break  # a variable neither given nor defaulted: as if the argument were not there
        return _whole(field_def.args["first"].default_value)

    def _page(self, node: FieldNode, field_def: Any) -> int:
        if field_def is None or "first" not in field_def.args:
            return 1
        try:
            first = self._first(node, field_def)
        except (_NotWhole, ValueError):
            raise _Refused(Refusal(f"{node.name.value}(first:) must be a whole number")) from None
        return CONNECTION_DEFAULT_PAGE if first is None else min(max(first, 1), MAX_PAGE)

    def _objects(self, node: FieldNode, parent: Any, field_def: Any, each: int, limits: Limits) -> int:
        """What a field of objects costs: one per object it may complete, plus `each`, what one of them selects."""
        if field_def is None:  # not a field of this type: validation refuses it
            return 1 + each
        if not lists_objects(field_def.type):
            return 1 + self._page(node, field_def) * each  # a connection: a page of what it selects
        most = bound(parent.name, node.name.value).most
        if most is Per.WHOLE:
            # Counted once, however long the record: so each row may cost no more than a row of the largest page.
            row_max = limits.max_cost // MAX_PAGE
            if each > row_max:
                raise _Refused(
                    Refusal(
                        f"{parent.name}.{node.name.value} lists a whole record: each of its rows may cost at most "
                        f"{row_max}, this one costs {each} (select less under it)"
                    )
                )
            return 1 + each
        if most is Per.EDGES:
            return 1 + each
        items = self._page(node, field_def) if most is Per.PAGE else most
        return items * (1 + each)

    def measure(
        self, selection_set: SelectionSetNode | None, parent: Any, seen: frozenset[str], depth: int, limits: Limits
    ) -> tuple[int, int]:
        """(depth, cost) of a selection set, or _Refused at the first problem."""
        deepest, cost = depth, 0
        keys: dict[str, int] = {}
        for node, _type_condition, now_seen in selected_fields(selection_set, self.fragments, seen):
            key = node.alias.value if node.alias else node.name.value
            keys[key] = keys.get(key, 0) + 1
            if keys[key] > MAX_DUPLICATE_FIELDS:
                raise _Refused(Refusal(f"field '{key}' is selected more than {MAX_DUPLICATE_FIELDS} times"))
            if node.name.value in INTROSPECTION_FIELDS:
                continue  # exempt from depth and cost: bounded on its own (schema.introspection)
            if depth + 1 > limits.max_depth:
                raise _Refused(Refusal(f"query depth exceeds the limit of {limits.max_depth}"))
            is_object = isinstance(parent, GraphQLObjectType)
            if self.caller is Caller.API_KEY and is_object:
                reason = enforce.api_key_refused_field(parent.name, node.name.value)
                if reason:
                    raise _Refused(Refusal(reason, "FORBIDDEN"))
            field_def = parent.fields.get(node.name.value) if is_object else None
            child_type = get_named_type(field_def.type) if field_def is not None else None
            child_depth = depth + 1
            if node.selection_set is not None:  # scalars are free; objects cost 1, times their number
                child_depth, child_cost = self.measure(node.selection_set, child_type, now_seen, depth + 1, limits)
                cost += self._objects(node, parent, field_def, child_cost, limits)
            deepest = max(deepest, child_depth)
            if cost > limits.max_cost:
                raise _Refused(
                    Refusal(
                        f"query cost exceeds the limit of {limits.max_cost} (a connection multiplies by its `first`, "
                        "a list by its bound: see the README's Hardening)"
                    )
                )
        return deepest, cost


def problem_with(
    document: DocumentNode, schema: GraphQLSchema, variables: dict[str, Any], limits: Limits, caller: Caller
) -> Refusal | None:
    anonymous = caller is Caller.ANONYMOUS
    counter = _Counter(frozenset(d.name for d in schema.directives))
    visit(document, counter)
    if anonymous and counter.introspection_roots:
        return Refusal(INTROSPECTION_REFUSED, "UNAUTHENTICATED")
    if anonymous and not _root_fields(schema, document) <= PUBLIC_ROOT_FIELDS:
        return Refusal(AUTHENTICATION_REQUIRED, "UNAUTHENTICATED")
    if counter.directive_problem:
        return Refusal(counter.directive_problem)
    if counter.aliases > limits.max_aliases:
        return Refusal(f"the query uses {counter.aliases} aliases; the limit is {limits.max_aliases}")
    if counter.directives > limits.max_directives:
        return Refusal(f"the query uses {counter.directives} directives; the limit is {limits.max_directives}")
    if counter.introspection_roots:
        problem = introspection_problem(schema, document, counter.introspection_roots)
        if problem:
            return Refusal(problem)
    shape = _Shape(schema, document, variables, caller)
    roots = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}
    try:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                shape.operation(definition)
                shape.measure(definition.selection_set, roots[definition.operation.value], frozenset(), 0, limits)
    except _Refused as refused:
        return refused.refusal
    return None


def _root_fields(schema: GraphQLSchema, document: DocumentNode) -> set[str]:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return {
        selected.node.name.value
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
        for selected in selected_fields(definition.selection_set, fragments)
    }


class GuardMemo:
    """problem_with's verdict, remembered per document text, variables and caller kind (what it depends on:
    the limits are the process's settings)."""

    def __init__(self) -> None:
        self._verdicts: BoundedMemo[tuple[str, str, Caller, Limits], Refusal | None] = BoundedMemo()

    def problem(self, context: Any, limits: Limits, caller: Caller) -> Refusal | None:
        variables = context.variables or {}

        def verdict() -> Refusal | None:
            return problem_with(context.graphql_document, context.schema._schema, variables, limits, caller)

        if not context.query:
            return verdict()
        key = (context.query, json.dumps(variables, sort_keys=True, default=repr), caller, limits)
        return self._verdicts.get_or_make(key, verdict)


GUARDS = GuardMemo()


def _caller(principal: Any) -> Caller:
    if principal is None:
        return Caller.ANONYMOUS
    return Caller.API_KEY if principal.is_api_key else Caller.USER


class QueryGuards(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        settings = context.context.settings
        limits = Limits(
            settings.max_query_depth, settings.max_aliases, settings.max_directives, settings.max_query_cost
        )
        if context.graphql_document is not None:
            caller = _caller(context.context.principal)
            refusal = GUARDS.problem(context, limits, caller)
            if refusal is not None and refusal.message == AUTHENTICATION_REQUIRED:
                context.pre_execution_errors = [GraphQLError(refusal.message, extensions={"code": refusal.code})]
            elif refusal is not None:
                # Set before validation runs, so graphql-core's rules do not pile up more errors.
                message = f"Refused: {refusal.message}"
                context.pre_execution_errors = [GraphQLError(message, extensions={"code": refusal.code})]
        yield


class Validation(ValidationCache):
    """Strawberry's validation cache (validation depends on the schema and the document only, never on variables
    or the caller), run after QueryGuards: not at all when they refused the document, and with no detail for an
    anonymous caller (one vague error instead)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        trusted = context.context.trusted_document
        if context.pre_execution_errors is None and context.graphql_document is not None:
            if trusted is not None:  # validated when this process first read it (schema.trusted_documents)
                errors = list(trusted.errors)
            else:
                errors = self.cached_validate_document(
                    context.schema._schema, context.graphql_document, context.validation_rules
                )
            if errors and _caller(context.context.principal) is Caller.ANONYMOUS:
                errors = [GraphQLError(ANONYMOUS_INVALID, extensions={"code": "BAD_USER_INPUT"})]
            # A copy: the cached list is shared by every request with this document. Setting it ([] when
            # valid) tells Strawberry validation is done.
            context.pre_execution_errors = list(errors)
        yield
