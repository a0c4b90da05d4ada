"""Objects whose selected fields are all plain are completed by one function generated for the selection.

The executor's loop asks, for every field of every object, what kind of field it is. For a
selection made only of plain fields (a streamed export's requests with their travelers and advisor,
a page's owners and teams), the answer is the same for every object: it is written once into a
function that reads the attributes, checks and serialises each value and builds the object's
result in one go, about three times faster than the loop.

All or nothing: when any value is not the plain, valid case (a null where null is not allowed, a
value of another Python type, an Int out of range, a relation not loaded yet), the function returns
SLOW and the object is completed field by field, so errors, nulls and their paths stay
graphql-core's. Reading an attribute twice has no effect of its own: relations resolve from the
request's loaders, and wrap their objects once per request (schema.prefetch). An exception raised
inside the generated code is not such a case: it is logged once per completer, with its traceback
(the source is registered with linecache), and the object then takes graphql-core's path, which
meets the same error and reports it.

The generated source holds no name from the query: response names (aliases) and types are passed
in as values; attribute names are the Python fields' own identifiers.
"""

from __future__ import annotations

import itertools
import keyword
import linecache
import logging
from collections.abc import Callable
from typing import Any

from graphql import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT, GraphQLObjectType

from schema.fastpath.plans import SLOW, FieldPlan, int32
from schema.prefetch import PENDING, Relation

log = logging.getLogger("alveole.fastpath")

Complete = Callable[[Any], Any]  # an object -> its result dict, or SLOW
_serial = itertools.count(1)


def _listed(complete: Complete, nullable_items: bool, items: list[Any]) -> Any:
    completed: list[Any] = []
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

    def objects(self, v: str, plan: FieldPlan, index: int, complete: Complete) -> None:
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


_FILENAME = "<fastpath completer"
_reported: set[tuple[str, str]] = set()  # (exception type, the generated code it came from): logged already


def _report(error: Exception) -> None:
    """Logs the error with its traceback, once per type and generated function it came from (an outer completer
    and the inner one that raised report it once)."""
    origin, trace = "", error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.startswith(_FILENAME):
            origin = trace.tb_frame.f_code.co_filename
        trace = trace.tb_next
    key = (type(error).__name__, origin)
    if key not in _reported:  # a bug here shows as an error in the log, not as mere slowness
        _reported.add(key)
        log.error("%s raised in %s; its objects take graphql-core's path", key[0], origin, exc_info=error)


class Completer:
    """A generated completer: `run(value)` is the completed object, or SLOW."""

    __slots__ = ("complete", "filename")

    def __init__(self, complete: Complete, filename: str) -> None:
        self.complete, self.filename = complete, filename

    def run(self, value: Any) -> Any:
        try:
            return self.complete(value)
        except Exception as error:  # noqa: BLE001 - reported, then graphql-core's path meets it and answers it
            _report(error)
            return SLOW


Field = tuple[str, FieldPlan, Completer | None]  # response name, plan, the completer of its objects (None: a leaf)


def generate(object_type: GraphQLObjectType, fields: list[Field]) -> Completer | None:
    """The completer of these plain fields of this type, in this order, or None when one cannot be written."""
    source = _Source()
    source.values["_listed"] = _listed
    results = []
    for index, (response_name, plan, completer) in enumerate(fields):
        if not plan.attribute.isidentifier() or keyword.iskeyword(plan.attribute):
            return None
        v = f"v{index}"
        source.add(f"{v} = source.{plan.attribute}")
        if completer is None:
            if not source.leaf(v, plan, index):
                return None
        else:
            source.objects(v, plan, index, completer.complete)
        results.append(f"{source.value(f'NAME{index}', response_name)}: {v}")
    source.add("return {" + ", ".join(results) + "}")
    text = "\n".join(source.lines) + "\n"
    filename = f"{_FILENAME} {next(_serial)} of {object_type.name}>"
    # Tracebacks through the generated code show its lines (mtime None: never dropped by checkcache).
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace = dict(source.values)
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102 - generated above from the schema's plans; no text from the query
    return Completer(namespace["complete"], filename)
