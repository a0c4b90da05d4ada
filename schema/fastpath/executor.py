"""graphql-core's executor, with its `execute_fields` hook completing plain fields without per-field bookkeeping.

For each field, graphql-core builds a resolve-info object and a path and runs its generic completion:
on a contacts page (some 1,700 fields, nearly all read off an attribute) most of the CPU time.
`FastExecutor.execute_fields` overrides that hook (the one graphql-core's own tests customise):

- an object whose selected fields are all plain, to any depth, is completed by the selection's
  generated completer (schema.fastpath.completers);
- otherwise the loop completes the plain fields itself when their value is ready and plainly valid: a
  null where null is allowed, a scalar or enum that serialises, or an object (or a list of objects)
  whose own fields it then completes the same way;
- anything else (a resolver, arguments, directives, a null where it is not allowed, a pending
  relation, a value that does not serialise, deferred fragments) goes through graphql-core's own
  `execute_field`, so errors, nullability and incremental delivery stay its own. Errors raised below
  a completed object are handled as graphql-core handles them.

What depends only on the document (each selection's fields and their plans) is worked out once per
document text and operation (`OperationPlan`); which completer serves a selection depends on the
fields below it, which variables may change (@include, @skip), so it is looked up once per request and
selection, in a memo of completers by shape. Masking is unaffected: compartmented types null their
personal attributes when they are built (schema.masking), before any field is read.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLFieldResolver,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    Undefined,
)
from graphql.execution import get_argument_values
from graphql.pyutils import Path

from schema.fastpath import _compat, compiled, contact_page, export_stream
from schema.fastpath._compat import ExecutorBase
from schema.fastpath.compiled import ContactPagePlan, report_once
from schema.fastpath.compiled_source import Decline
from schema.fastpath.completers import Completer, generate
from schema.fastpath.export_stream import ExportItemsPlan
from schema.fastpath.plans import SLOW, Attributes, FieldPlan, FieldPlans
from schema.memo import BoundedMemo
from schema.prefetch import PENDING, Relation

Shape = Hashable  # a selection's fields and their plans, the same in every request that selects them
Selection = tuple[Shape, Completer]
FieldSetKey = tuple[str, tuple[tuple[str, tuple[int, ...]], ...]]  # type, (response name, its nodes' ids)...


class SchemaPlans:
    """What is the same for every request on one schema: its field plans, the completer of each shape and the
    plan of each operation."""

    def __init__(self, attributes: Attributes) -> None:
        self.fields = FieldPlans(attributes)
        self.completers: BoundedMemo[Shape, Completer | None] = BoundedMemo(512)
        self.operations: BoundedMemo[tuple[str, str | None], OperationPlan] = BoundedMemo(256)

    def operation_plan(self, operation: OperationDefinitionNode) -> OperationPlan:
        """The operation's plan, made once per document text and operation name (a parsed document is shared
        by every request with the same text: Strawberry's ParserCache)."""
        if operation.loc is None:
            return OperationPlan(operation)
        key = (operation.loc.source.body, operation.name.value if operation.name else None)
        plan = self.operations.get(key)
        if not isinstance(plan, OperationPlan) or plan.operation is not operation:
            plan = OperationPlan(operation)
            self.operations.put(key, plan)
        return plan

    def completer(self, object_type: GraphQLObjectType, fields: list[Any], shape: Shape) -> Completer | None:
        return self.completers.get_or_make(shape, lambda: generate(object_type, fields))


_schemas: WeakKeyDictionary[GraphQLSchema, SchemaPlans] = WeakKeyDictionary()


def register(graphql_schema: GraphQLSchema, attributes: Attributes) -> None:
    _schemas[graphql_schema] = SchemaPlans(attributes)


class OperationPlan:
    """What is the same in every request of one document and operation: per selection (a type and the field
    nodes graphql-core grouped for it), the fields' plans. It holds the operation, so the node ids in its keys
    stay those of live nodes."""

    __slots__ = ("compile_tried", "compiled_page", "export_items", "fields", "operation", "runs")

    def __init__(self, operation: OperationDefinitionNode) -> None:
        self.operation = operation
        self.fields: dict[FieldSetKey, list[FieldPlan | None]] = {}
        self.runs = 0
        self.compiled_page: ContactPagePlan | None = None
        self.compile_tried = False
        # A streamed export's items compiled (schema.fastpath.export_stream), by the id of the field's first node.
        self.export_items: dict[int, ExportItemsPlan | None] = {}

    def export_items_plan(self, schema: GraphQLSchema, nodes: list[FieldNode]) -> ExportItemsPlan | None:
        """The items of the export's `requests` field compiled, or None when the compiler does not know them. At
        once: a streamed export is thousands of items."""
        key = id(nodes[0])
        if key not in self.export_items:
            self.export_items[key] = export_stream.compile_items(schema, nodes)
        return self.export_items[key]

    def compiled_plan(self, schema: GraphQLSchema, trusted: bool) -> ContactPagePlan | None:
        """The operation compiled (schema.fastpath.compiled), once it is trusted or has been seen often enough;
        None until then, or when the compiler does not know its shape."""
        if not trusted and self.runs < compiled.COMPILE_AFTER:
            self.runs += 1
            if self.runs < compiled.COMPILE_AFTER:
                return None
        if not self.compile_tried:
            self.compiled_page = compiled.compile_contact_page(schema, self.operation)
            self.compile_tried = True
        return self.compiled_page


def _field_set_key(object_type: GraphQLObjectType, grouped_field_set: Any) -> FieldSetKey:
    return (
        object_type.name,
        tuple((name, tuple(id(d.node) for d in details)) for name, details in grouped_field_set.items()),
    )


_UNREADABLE = object()  # an attribute whose reading raised


class Call(NamedTuple):
    """What graphql-core's execute_field works out for every object, worked out once per request."""

    field: GraphQLField
    resolve: GraphQLFieldResolver  # the field's, checked not None
    arguments: dict[str, Any]
    nodes: list[FieldNode]
    object_type: GraphQLObjectType | None  # the named type when it is an object type with no is_type_of


PlannedFields = list[tuple[str, Any, FieldPlan | None]]  # response name, graphql-core's field details, plan


class FastExecutor(ExecutorBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Field middleware (a schema extension with a `resolve` hook) must see every field.
        self.plain = not (self.middleware_manager and self.middleware_manager.middlewares)
        self.schema_plans = _schemas[self.schema]
        self.operation_plan = self.schema_plans.operation_plan(self.operation)
        # graphql-core collects each selection once per request and hands the same field set to every
        # object of a list: what the operation plan holds for it is looked up once. The entry holds the
        # field set, so its id cannot be reused within the request.
        self.field_sets: dict[int, tuple[Any, PlannedFields, Selection | None]] = {}
        # The same for the fields graphql-core's execute_field resolves: per field details, held the same way.
        self.calls: dict[int, tuple[Any, Call | None]] = {}

    def planned(self, object_type: GraphQLObjectType, grouped_field_set: Any) -> tuple[PlannedFields, Selection | None]:
        """The field set's fields with their plans, and its selection when all its fields are plain, to any depth
        (per request: the fields below depend on the variables, through @include and @skip)."""
        found = self.field_sets.get(id(grouped_field_set))
        if found is None or found[0] is not grouped_field_set:
            plans = self.plans_of(object_type, grouped_field_set)
            planned = [
                (name, details, plan) for (name, details), plan in zip(grouped_field_set.items(), plans, strict=True)
            ]
            selection = self.new_selection(object_type, grouped_field_set, plans)
            found = self.field_sets[id(grouped_field_set)] = (grouped_field_set, planned, selection)
        return found[1], found[2]

    def plans_of(self, object_type: GraphQLObjectType, grouped_field_set: Any) -> list[FieldPlan | None]:
        key = _field_set_key(object_type, grouped_field_set)
        plans = self.operation_plan.fields.get(key)
        if plans is None:
            field_plans = self.schema_plans.fields
            plans = self.operation_plan.fields[key] = [
                field_plans.plan_for(object_type, details) for details in grouped_field_set.values()
            ]
        return plans

    def new_selection(
        self, object_type: GraphQLObjectType, grouped_field_set: Any, plans: list[FieldPlan | None]
    ) -> Selection | None:
        fields, shape = [], []
        for (name, details), plan in zip(grouped_field_set.items(), plans, strict=True):
            if plan is None:
                return None
            sub = None
            item_type = plan.object_type
            if plan.leaf is None and item_type is not None:
                subfields = _compat.collect_subfields(self, item_type, details)
                sub = self.planned(item_type, subfields)[1] if subfields is not None else None
                if sub is None:
                    return None
            fields.append((name, plan, sub[1] if sub is not None else None))
            shape.append((name, plan, sub[0] if sub is not None else None))
        # The same shape, in any document, is completed by the same code: it is generated once.
        signature = (object_type.name, tuple(shape))
        completer = self.schema_plans.completer(object_type, fields, signature)
        return (signature, completer) if completer is not None else None

    def execute_fields(
        self, parent_type: Any, source_value: Any, path: Any, grouped_field_set: Any, position_context: Any
    ) -> Any:
        if position_context is not None or not self.plain:  # deferred fragments, middleware: graphql-core's way
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        if path is None and parent_type is self.schema.query_type:
            trusted = getattr(self.context_value, "trusted_document", None) is not None
            plan = self.operation_plan.compiled_plan(self.schema, trusted)
            if plan is not None:
                return self.execute_compiled(plan, parent_type, source_value, grouped_field_set)
        return self.execute_planned_fields(parent_type, source_value, path, grouped_field_set)

    async def execute_compiled(
        self, plan: ContactPagePlan, parent_type: Any, source_value: Any, grouped_field_set: Any
    ) -> Any:
        """The root fields answered by the compiled operation; when it declines, by the loop below."""
        context = self.context_value
        try:
            value, viewed = await contact_page.run(plan, context.principal, self.variable_values)
        except Decline:
            value = SLOW
        except Exception as error:  # noqa: BLE001 - reported, then the loop meets it and answers it
            report_once(error, plan.filename)
            value = SLOW
        if value is SLOW:
            result = self.execute_planned_fields(parent_type, source_value, None, grouped_field_set)
            return await result if self.is_awaitable(result) else result
        context.viewed_contacts.update(viewed)
        return {plan.response_name: value}

    def execute_planned_fields(self, parent_type: Any, source_value: Any, path: Any, grouped_field_set: Any) -> Any:
        """The fields of one object: plain ones completed here (or by the selection's completer), others by
        graphql-core's execute_field."""
        planned, selection = self.planned(parent_type, grouped_field_set)
        if selection is not None:
            completed = selection[1].run(source_value)
            if completed is not SLOW:
                return completed
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for response_name, field_details_list, plan in planned:
                result = SLOW
                if plan is not None:
                    try:
                        value = getattr(source_value, plan.attribute, None)
                    except Exception:  # noqa: BLE001 - graphql-core's path meets it again and reports it at the field
                        value = _UNREADABLE
                    leaf = plan.leaf
                    if value is _UNREADABLE:
                        pass
                    elif leaf is not None:  # inline: most fields are leaves
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
                            plan, value, parent_type, path, response_name, field_details_list
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
        return self.gathered(results, awaitable_fields) if awaitable_fields else results

    def execute_field(
        self, parent_type: Any, source: Any, field_details_list: Any, path: Any, position_context: Any
    ) -> Any:
        """graphql-core's execute_field, with the field, its argument values and nodes worked out once per request
        (a contact's `requests(first: 5)`, fifty times a page), and an object result completed as execute_fields
        completes objects; anything else completes as graphql-core completes it."""
        found = self.calls.get(id(field_details_list))
        if found is None or found[0] is not field_details_list:
            found = self.calls[id(field_details_list)] = (
                field_details_list,
                self.call_of(parent_type, field_details_list, position_context),
            )
        call = found[1]
        if call is None or position_context is not None:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        return_type = call.field.type
        info = self.build_resolve_info(call.field, call.nodes, parent_type, path)
        try:
            result = call.resolve(source, info, **call.arguments)
            if self.is_awaitable(result):
                return _compat.complete_awaitable_value(self, return_type, field_details_list, info, path, result)
            object_type = call.object_type
            if object_type is not None and result is not None:
                subfields = _compat.collect_subfields(self, object_type, field_details_list)
                if subfields is not None:
                    return self.complete_object(object_type, result, path, subfields, return_type, field_details_list)
            completed = _compat.complete_value(self, return_type, field_details_list, info, path, result)
        except Exception as raw_error:  # noqa: BLE001 - handled as graphql-core handles a field error (it re-raises for non-null)
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return self.guard_later(completed, return_type, field_details_list, path)

    def call_of(self, parent_type: GraphQLObjectType, field_details_list: Any, position_context: Any) -> Call | None:
        """The field's call when it has a resolver and its arguments coerce; else None (graphql-core's own way)."""
        if position_context is not None or not self.plain:
            return None
        first = field_details_list[0]
        field = self.schema.get_field(parent_type, first.node.name.value)
        if field is None or field.resolve is None or any(d.node.directives for d in field_details_list):
            return None
        try:
            arguments = get_argument_values(
                field, first.node, self.variable_values, first.fragment_variable_values, self.hide_suggestions
            )
        except Exception:  # noqa: BLE001 - graphql-core's execute_field reports it, per object, as it does
            return None
        named = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        object_type = named if isinstance(named, GraphQLObjectType) and not named.is_type_of else None
        return Call(field, field.resolve, arguments, _compat.to_nodes(field_details_list), object_type)

    @staticmethod
    def complete_leaf(leaf: Any, value: Any) -> Any:
        if type(value) is Relation:
            return SLOW
        try:
            coerced = leaf.coerce_output_value(value)
        except Exception:  # noqa: BLE001 - not the plain case: graphql-core's path reports it
            return SLOW
        return SLOW if coerced is None or coerced is Undefined else coerced

    def complete_objects(
        self, plan: FieldPlan, value: Any, parent_type: Any, path: Any, response_name: str, field_details_list: Any
    ) -> Any:
        if type(value) is Relation:
            try:
                value = value.resolved()
            except Exception:  # noqa: BLE001 - graphql-core's path meets it again and reports it at the field
                return SLOW
            if value is PENDING:
                return SLOW  # graphql-core's path awaits the loader
        if value is None:
            return None if plan.nullable else SLOW
        object_type = plan.object_type
        subfields = _compat.collect_subfields(self, object_type, field_details_list)
        if subfields is None:
            return SLOW
        field_path = Path(path, response_name, parent_type.name)
        if not plan.listed:
            return self.complete_object(object_type, value, field_path, subfields, plan.return_type, field_details_list)
        if not isinstance(value, (list, tuple)) or (not plan.item_nullable and any(i is None for i in value)):
            return SLOW
        try:
            completed = self.complete_items(plan, object_type, value, field_path, subfields, field_details_list)
        except Exception as raw_error:  # noqa: BLE001 - handled as graphql-core handles a field error (it re-raises for non-null)
            self.handle_field_error(raw_error, plan.return_type, field_details_list, field_path)
            return None
        return self.guard_later(completed, plan.return_type, field_details_list, field_path)

    def complete_object(
        self, object_type: Any, value: Any, path: Any, subfields: Any, return_type: Any, field_details_list: Any
    ) -> Any:
        """An object's fields, with graphql-core's error handling for a field (or list item) of this type."""
        try:
            completed = self.execute_fields(object_type, value, path, subfields, None)
        except Exception as raw_error:  # noqa: BLE001 - handled as graphql-core handles a field error (it re-raises for non-null)
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
        return self.gathered(completed, awaitable_indices) if awaitable_indices else completed

    def complete_at_once(self, return_type: Any, field_details_list: Any, value: Any) -> Any:
        """An object value completed by its selection's completer, or SLOW (schema.fastpath.streaming)."""
        object_type = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if (
            not self.plain
            or value is None
            or not isinstance(object_type, GraphQLObjectType)
            or object_type.is_type_of
            or self.is_awaitable(value)
        ):
            return SLOW
        subfields = _compat.collect_subfields(self, object_type, field_details_list)
        selection = self.planned(object_type, subfields)[1] if subfields is not None else None
        return SLOW if selection is None else selection[1].run(value)

    def settle(self, container: Any, pending: list[Any]) -> None:
        """Before an error propagates: the awaitables already made still run to their end, in the background."""
        if pending:
            _compat.settle_in_background(self, [container[key] for key in pending])

    @staticmethod
    async def gathered(container: Any, pending: list[Any]) -> Any:
        """The container (a field map or a list) with its awaitable entries at `pending` awaited together."""
        awaited = await _compat.gather_with_cancel(*(container[key] for key in pending))
        for key, value in zip(pending, awaited, strict=True):
            container[key] = value
        return container

    def guard_later(self, completed: Any, return_type: Any, field_details_list: Any, path: Any) -> Any:
        """An awaitable result gets the same error handling when it is awaited."""
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:  # noqa: BLE001 - handled as graphql-core handles a field error (it re-raises for non-null)
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None

        return await_completed()
