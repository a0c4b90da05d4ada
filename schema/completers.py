"""Objects whose selected fields are all plain are completed by one function generated for the selection.

schema.execution's loop asks, for every field of every object, what kind of field it is. For a
selection made only of plain fields (a streamed export's requests with their travelers and advisor,
a page's owners and teams), the answer is the same for every object: it is written once into a
function that reads the attributes, checks and serialises each value and builds the object's
result in one go, about three times faster than the loop.

All or nothing: when any value is not the plain, valid case (a null where null is not allowed, a
value of another Python type, an Int out of range, a relation not loaded yet), the function returns
SLOW and the object is completed field by field by the loop, so errors, nulls and their paths stay
graphql-core's. Reading an attribute twice has no effect of its own: relations resolve from the
request's loaders, and wrap their objects once per request (schema.prefetch).

The generated source holds no name from the query: response names (aliases) and types are passed
in as values; attribute names are the Python fields' own identifiers.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from typing import Any

from graphql import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT, GraphQLObjectType

from schema.field_plans import SLOW, FieldPlan, int32
from schema.prefetch import PENDING, Relation

Completer = Callable[[Any], Any]  # an object -> its result dict, or SLOW


def _listed(complete: Completer, nullable_items: bool, items: list[Any]) -> Any:
    completed = []
    for item in items:
        if item is None:
            if not nullable_items:
                return SLOW
            completed.append(None)
            continue
        result = complete(item)
        if result is SLOW:
            return SLOW
        completed.append(result)
    return completed


class _Source:
    def __init__(self) -> None:
        self.lines = ["def complete(source):"]
        self.values: dict[str, Any] = {
            "SLOW": SLOW,
            "PENDING": PENDING,
            "Relation": Relation,
            "MIN_INT": GRAPHQL_MIN_INT,
            "MAX_INT": GRAPHQL_MAX_INT,
        }

    def value(self, name: str, value: Any) -> str:
        self.values[name] = value
        return name

    def add(self, *lines: str) -> None:
        self.lines.extend("    " + line for line in lines)

    def leaf(self, v: str, plan: FieldPlan, index: int) -> bool:
        if plan.exact is None:
            return False
        self.add(f"if {v} is None:", "    pass" if plan.nullable else "    return SLOW")
        exact = self.value(f"EXACT{index}", plan.exact)
        if plan.convert is None:
            self.add(f"elif type({v}) is not {exact}:", "    return SLOW")
        elif plan.convert is int32:
            self.add(f"elif type({v}) is not int or not MIN_INT <= {v} <= MAX_INT:", "    return SLOW")
        else:
            convert = self.value(f"CONVERT{index}", plan.convert)
            self.add(
                f"elif type({v}) is {exact}:",
                f"    {v} = {convert}({v})",
                f"    if {v} is SLOW:",
                "        return SLOW",
                "else:",
                "    return SLOW",
            )
        return True

    def objects(self, v: str, plan: FieldPlan, index: int, complete: Completer) -> None:
        self.add(
            f"if type({v}) is Relation:", f"    {v} = {v}.resolved()", f"    if {v} is PENDING:", "        return SLOW"
        )
        self.add(f"if {v} is None:", "    pass" if plan.nullable else "    return SLOW")
        if plan.listed:
            listed = self.value(f"LISTED{index}", complete)
            self.add(f"elif type({v}) is list:", f"    {v} = _listed({listed}, {plan.item_nullable}, {v})")
        else:
            self.add("else:", f"    {v} = {self.value(f'COMPLETE{index}', complete)}({v})")
        self.add(f"    if {v} is SLOW:", "        return SLOW")
        if plan.listed:
            self.add("else:", "    return SLOW")


Field = tuple[str, FieldPlan, Completer | None]  # response name, plan, the completer of its objects (None: a leaf)


def generate(object_type: GraphQLObjectType, fields: list[Field]) -> Completer | None:
    """The completer of these plain fields of this type, in this order, or None when one cannot be written."""
    source = _Source()
    source.values["_listed"] = _listed
    results = []
    for index, (response_name, plan, complete) in enumerate(fields):
        if not plan.attribute.isidentifier() or keyword.iskeyword(plan.attribute):
            return None
        v = f"v{index}"
        source.add(f"{v} = source.{plan.attribute}")
        if complete is None:
            if not source.leaf(v, plan, index):
                return None
        else:
            source.objects(v, plan, index, complete)
        results.append(f"{source.value(f'NAME{index}', response_name)}: {v}")
    source.add("return {" + ", ".join(results) + "}")
    namespace = dict(source.values)
    code = compile("\n".join(source.lines), f"<completer of {object_type.name}>", "exec")
    exec(code, namespace)  # noqa: S102 - generated above from the schema's plans; no text from the query
    return namespace["complete"]  # type: ignore[no-any-return]


def run(complete: Completer, value: Any) -> Any:
    """The completed value, or SLOW when it is not the plain case (or reading it raised: graphql-core's
    path meets the same error again and reports it as it does)."""
    try:
        return complete(value)
    except Exception:  # noqa: BLE001
        return SLOW
