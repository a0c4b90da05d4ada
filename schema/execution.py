"""Fields are resolved without Strawberry's wrappers where they add nothing, and completed without
graphql-core's per-field bookkeeping when nothing can go wrong.

A contacts page resolves some 1,700 fields, nearly all of them read off an attribute (`firstName`,
`status`, `owner { name }`, `edges { node }`...). For each, Strawberry calls three layers of wrappers
before reading the attribute, and graphql-core builds a resolve-info object, a path and runs its
generic completion: together most of the page's CPU time.

- `resolve_directly` gives every field that Strawberry would answer with `getattr` (no resolver, no
  extension, no arguments) a one-line reader, which also resolves a schema.prefetch.Relation held
  in the attribute; and every resolver that needs no argument conversion and has no field
  extension a direct call (`Contact.requests(first: 5)`, fifty times a page).
- `AttributeExecutor.execute_fields` completes an object whose selected fields are all plain with
  the selection's generated completer (schema.completers); otherwise it completes the plain fields
  itself when their value is ready and plainly valid: a null where null is allowed, a scalar or
  enum that serialises, or an object (or a list of objects) whose own fields it then completes the
  same way. Anything else (a resolver, arguments, directives, a null where it is not allowed, a
  pending relation, a value that does not serialise) goes through graphql-core's own
  `execute_field`, so errors, nullability and incremental delivery stay its own. Errors raised
  below a completed object are handled as graphql-core handles them (tests/test_execution.py
  compares the two).
- Streamed items with a completer skip graphql-core's per-item sub-executor (schema.streaming).

Masking is unaffected: compartmented types null their personal attributes when they are built
(schema.masking), before any field is read.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import strawberry
from graphql import GraphQLNonNull, GraphQLObjectType, Undefined
from graphql.pyutils import Path
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

from schema.completers import Completer, generate, run
from schema.field_plans import SLOW, Attributes, FieldPlan, FieldPlans
from schema.memo import MISSING, BoundedMemo
from schema.prefetch import PENDING, Relation
from schema.streaming import stream_item_queue


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
    function, with_self = resolver.wrapped_func, resolver.self_parameter is not None
    sources = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    info_class = config.info_class

    def call(source: Any, info: Any, **arguments: Any) -> Any:
        kwargs = {names[name]: value for name, value in arguments.items()}
        for name in sources:
            kwargs[name] = source
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=field)
        return function(source, **kwargs) if with_self else function(**kwargs)

    return call


def resolve_directly(schema: strawberry.Schema) -> Attributes:
    """Gives every plain attribute field a direct reader, and every resolver that needs no conversion a
    direct call (a contacts page calls `requests(first: 5)` fifty times); returns the attribute fields."""
    attributes: Attributes = {}
    for entry in schema.schema_converter.type_map.values():
        definition, implementation = entry.definition, entry.implementation
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
            elif not schema.schema_converter._get_field_exception_handlers(field):
                call = _caller(field, schema.config)
                if call is not None:
                    graphql_field.resolve = call
    return attributes


async def gathered(container: Any, pending: list[Any]) -> Any:
    """The container (a field map or a list) with its awaitable entries at `pending` awaited together."""
    awaited = await gather_with_cancel(*(container[key] for key in pending))
    for key, value in zip(pending, awaited, strict=True):
        container[key] = value
    return container


Selection = tuple[Hashable, Completer]  # its shape (the same in every request for the same fields) and completer


def executor_for(schema: strawberry.Schema, attributes: Attributes) -> type[StrawberryGraphQLCoreExecutionContext]:
    field_plans = FieldPlans(attributes)
    # (type, its fields: response name, plan, the shape of their objects' selection) -> completer
    generated: BoundedMemo[Hashable, Completer | None] = BoundedMemo(512)

    class AttributeExecutor(StrawberryGraphQLCoreExecutionContext):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # Field middleware (a schema extension with a `resolve` hook) must see every field.
            self.plain = not (self.middleware_manager and self.middleware_manager.middlewares)
            # graphql-core collects each selection once per type and hands the same field set to every
            # object of a list: the plans are made once per field set.
            self.plans: dict[tuple[str, int], list[tuple[str, Any, FieldPlan | None]]] = {}
            self.selections: dict[tuple[str, int], Selection | None] = {}
            self.kept: list[Any] = []  # the field sets keyed by id() above stay alive as long as the plans

        def __copy__(self) -> Any:
            # graphql-core copies the executor for every streamed item (create_sub_executor): the
            # same shallow copy as copy.copy's, without its generic protocol.
            clone = object.__new__(type(self))
            clone.__dict__.update(self.__dict__)
            return clone

        def plans_for(
            self, parent_type: GraphQLObjectType, grouped_field_set: Any
        ) -> list[tuple[str, Any, FieldPlan | None]]:
            key = (parent_type.name, id(grouped_field_set))
            plans = self.plans.get(key)
            if plans is None:
                self.kept.append(grouped_field_set)
                plans = self.plans[key] = [
                    (name, fields, field_plans.plan_for(parent_type, fields))
                    for name, fields in grouped_field_set.items()
                ]
            return plans

        def completer_for(self, object_type: GraphQLObjectType, grouped_field_set: Any) -> Completer | None:
            selection = self.selection(object_type, grouped_field_set)
            return selection[1] if selection is not None else None

        def selection(self, object_type: GraphQLObjectType, grouped_field_set: Any) -> Selection | None:
            """The selection's shape and completer when all its fields are plain, to any depth; else None."""
            key = (object_type.name, id(grouped_field_set))
            if key not in self.selections:
                self.selections[key] = self.new_selection(object_type, grouped_field_set)
            return self.selections[key]

        def new_selection(self, object_type: GraphQLObjectType, grouped_field_set: Any) -> Selection | None:
            fields, shape = [], []
            for name, field_details_list, plan in self.plans_for(object_type, grouped_field_set):
                if plan is None:
                    return None
                sub = None
                if plan.leaf is None:
                    subfields, new_defer_usages, _forbidden = self.collect_subfields(
                        plan.object_type, field_details_list
                    )
                    sub = None if new_defer_usages else self.selection(plan.object_type, subfields)
                    if sub is None:
                        return None
                fields.append((name, plan, sub[1] if sub is not None else None))
                shape.append((name, plan, sub[0] if sub is not None else None))
            # The same shape, in any request, is completed by the same code: it is generated once.
            signature = (object_type.name, tuple(shape))
            completer = generated.get(signature)
            if completer is MISSING:
                completer = generate(object_type, fields)
                generated.put(signature, completer)
            return (signature, completer) if completer is not None else None

        def build_stream_item_queue(
            self,
            initial_index: int,
            stream_path: Any,
            iterator: Any,
            field_details_list: Any,
            info: Any,
            item_type: Any,
            is_async: bool,
        ) -> Any:
            if not is_async or not self.plain:
                return super().build_stream_item_queue(
                    initial_index, stream_path, iterator, field_details_list, info, item_type, is_async
                )
            return stream_item_queue(
                self, self.complete_at_once, initial_index, stream_path, iterator, field_details_list, info, item_type
            )

        def complete_at_once(self, return_type: Any, field_details_list: Any, value: Any) -> Any:
            """An object value completed by its selection's completer, or SLOW."""
            object_type = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
            if (
                not self.plain
                or value is None
                or not isinstance(object_type, GraphQLObjectType)
                or object_type.is_type_of
                or self.is_awaitable(value)
            ):
                return SLOW
            subfields, new_defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
            completer = None if new_defer_usages else self.completer_for(object_type, subfields)
            return SLOW if completer is None else run(completer, value)

        def execute_fields(
            self, parent_type: Any, source_value: Any, path: Any, grouped_field_set: Any, position_context: Any
        ) -> Any:
            if position_context is not None or not self.plain:  # deferred fragments: graphql-core's own way
                return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
            completer = self.completer_for(parent_type, grouped_field_set)
            if completer is not None:
                completed = run(completer, source_value)
                if completed is not SLOW:
                    return completed
            results: dict[str, Any] = {}
            awaitable_fields: list[str] = []
            is_awaitable = self.is_awaitable
            try:
                for response_name, field_details_list, plan in self.plans_for(parent_type, grouped_field_set):
                    result = SLOW
                    if plan is not None:
                        leaf = plan.leaf
                        if leaf is not None:  # inline: most fields are leaves
                            value = getattr(source_value, plan.attribute, None)
                            if value is None:
                                if plan.nullable:  # masked personal fields are null: common
                                    results[response_name] = None
                                    continue
                            elif type(value) is plan.exact:
                                convert = plan.convert
                                result = value if convert is None else convert(value)
                                if result is not SLOW:
                                    results[response_name] = result
                                    continue
                            else:
                                result = self.complete_leaf(leaf, value)
                        else:
                            result = self.complete_objects(
                                plan, parent_type, source_value, path, response_name, field_details_list
                            )
                    if result is SLOW:
                        field_path = Path(path, response_name, parent_type.name)
                        result = self.execute_field(parent_type, source_value, field_details_list, field_path, None)
                        if result is Undefined:
                            continue
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
            except Exception:
                self.settle(results, awaitable_fields)
                raise
            return gathered(results, awaitable_fields) if awaitable_fields else results

        @staticmethod
        def complete_leaf(leaf: Any, value: Any) -> Any:
            if type(value) is Relation:
                return SLOW
            try:
                coerced = leaf.coerce_output_value(value)
            except Exception:  # noqa: BLE001 - graphql-core's path reports it properly
                return SLOW
            return SLOW if coerced is None or coerced is Undefined else coerced

        def complete_objects(
            self, plan: FieldPlan, parent_type: Any, source: Any, path: Any, response_name: str, field_details_list: Any
        ) -> Any:
            value = getattr(source, plan.attribute, None)
            if type(value) is Relation:
                value = value.resolved()
                if value is PENDING:
                    return SLOW  # graphql-core's path awaits the loader
            if value is None:
                return None if plan.nullable else SLOW
            object_type = plan.object_type
            subfields, new_defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
            if new_defer_usages:
                return SLOW
            field_path = Path(path, response_name, parent_type.name)
            if not plan.listed:
                return self.complete_object(
                    object_type, value, field_path, subfields, plan.return_type, field_details_list
                )
            if not isinstance(value, (list, tuple)) or (not plan.item_nullable and any(i is None for i in value)):
                return SLOW
            try:
                completed = self.complete_items(plan, object_type, value, field_path, subfields, field_details_list)
            except Exception as raw_error:
                self.handle_field_error(raw_error, plan.return_type, field_details_list, field_path)
                return None
            return self.guard_later(completed, plan.return_type, field_details_list, field_path)

        def complete_object(
            self, object_type: Any, value: Any, path: Any, subfields: Any, return_type: Any, field_details_list: Any
        ) -> Any:
            """An object's fields, with graphql-core's error handling for a field (or list item) of this type."""
            try:
                completed = self.execute_fields(object_type, value, path, subfields, None)
            except Exception as raw_error:
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None
            return self.guard_later(completed, return_type, field_details_list, path)

        def complete_items(
            self, plan: FieldPlan, object_type: Any, items: Any, path: Any, subfields: Any, field_details_list: Any
        ) -> Any:
            completed: list[Any] = []
            awaitable_indices: list[int] = []
            is_awaitable = self.is_awaitable
            try:
                for index, item in enumerate(items):
                    if item is None:
                        completed.append(None)
                        continue
                    result = self.complete_object(
                        object_type, item, path.add_key(index, None), subfields, plan.item_type, field_details_list
                    )
                    completed.append(result)
                    if is_awaitable(result):
                        awaitable_indices.append(index)
            except Exception:
                self.settle(completed, awaitable_indices)
                raise
            return gathered(completed, awaitable_indices) if awaitable_indices else completed

        def settle(self, container: Any, pending: list[Any]) -> None:
            """Before an error propagates: the awaitables already made still run to their end, in the background."""
            if pending:
                self.settle_in_background([container[key] for key in pending])

        def guard_later(self, completed: Any, return_type: Any, field_details_list: Any, path: Any) -> Any:
            """An awaitable result gets the same error handling when it is awaited."""
            if not self.is_awaitable(completed):
                return completed

            async def await_completed() -> Any:
                try:
                    return await completed
                except Exception as raw_error:
                    self.handle_field_error(raw_error, return_type, field_details_list, path)
                    return None

            return await_completed()

    return AttributeExecutor
