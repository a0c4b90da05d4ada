"""A streamed export's items built straight from rows: `subjectAccessExport { requests @stream { ... } }`.

SubjectAccessExport.requests reads the person's requests in chunks of plain rows, with their travelers
(schema.export.RequestStream). Item by item, each row becomes a TravelRequest object, its travelers Traveler
objects and its advisor a User, which are then completed field by field: for an export of tens of thousands of
requests, most of its time. When the items' selection is one the compiler knows (a request's scalar fields, its
advisor's and its travelers' scalar fields; no fragment, directive, argument or response name twice), it is
compiled once per operation into a function that builds an item's result from its row, its travelers' rows and its
advisor's row (schema.fastpath.compiled's writer: values serialised as graphql-core serialises them). Advisors are
read with the users loader's own query, once per advisor and stream.

Masking: the personal fields (schema.masking's, from auth.enforce's declarations) are null when the export's
compartment decision (RequestStream.visible) says so, as TravelRequest.of and Traveler.of null them, and the contact
counts as viewed by the same rule (schema.masking.note_viewed), noted before a chunk's items are queued. A row whose
item the function does not build (a value that does not serialise, an advisor not found) takes the object path,
errors and all (schema.fastpath.streaming).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from graphql import FieldNode, GraphQLSchema

from models.organisation import User
from resolvers.ids import encode_id
from resolvers.loaders import users_query
from schema.export import RequestStream
from schema.fastpath import compiled
from schema.fastpath.compiled import USER_LEAVES, _arguments, _Compiler, _fields, report_once
from schema.fastpath.compiled_source import Decline, Unsupported
from schema.fastpath.contact_page import agency_rows
from schema.fastpath.plans import SLOW
from schema.masking import COMPARTMENTS, note_viewed
from schema.types import Traveler, TravelRequest

TRAVELER_LEAVES = {
    "firstName": ("first_name", "r.first_name"),
    "lastName": ("last_name", "r.last_name"),
    "birthDate": ("birth_date", "r.birth_date"),
}


class Advisors(dict[int, Any]):
    """A stream's advisors' rows by id; an advisor not read declines the item (the object path reports it)."""

    def __missing__(self, key: int) -> Any:
        raise Decline


class ExportItemsPlan:
    """The compiled items: `build(row, traveler rows, visible, advisors)` is an item's result."""

    __slots__ = ("build", "filename", "user_columns")

    def __init__(self, build: Callable[..., Any], filename: str, user_columns: tuple[str, ...] | None) -> None:
        self.build, self.filename = build, filename
        self.user_columns = user_columns  # None: no advisor selected


def compile_items(schema: GraphQLSchema, nodes: list[FieldNode]) -> ExportItemsPlan | None:
    """The items of the `requests` field these nodes select, compiled; None when the compiler does not know them."""
    if len(nodes) != 1:
        return None
    compiler = _Compiler(schema)
    compiler.needs.columns["traveler"] = set()
    compiler.needs.columns["user"] = {"id"}  # advisors are read by id, not joined as on the page
    # Each of an export's ids is shown once: its requests neither use nor flush the ids the pages keep.
    compiler.writer.values["ENCODE_ID"] = encode_id.__wrapped__
    try:
        build = compiler.writer.function("r, ts, v, users", [], _request_fields(compiler, nodes[0]))
    except Unsupported:
        return None
    namespace, filename = compiled.load(compiler.writer)
    user_columns = tuple(sorted(compiler.needs.columns["user"])) if compiler.needs.advisors else None
    return ExportItemsPlan(namespace[build], filename, user_columns)


def _request_fields(compiler: _Compiler, node: FieldNode) -> dict[str, str]:
    """A request's, from its row `r`, its travelers' rows `ts`, the compartment decision `v` and the advisors' rows
    `users`."""

    def advisor(field: FieldNode) -> str:
        build = compiler.writer.function("r", [], compiler.leaves("User", field, USER_LEAVES, "user", "", "r"))
        return f"{build}(users[r.advisor_id])"

    def travelers(field: FieldNode) -> str:
        if "travelers" not in COMPARTMENTS[TravelRequest].personal_attributes:
            raise Unsupported("TravelRequest.travelers, not personal")
        traveler = compiler.writer.function("r, v", [], _traveler_fields(compiler, field))
        return f"([{traveler}(t, v) for t in ts] if v else None)"

    return compiler.request_fields(node, advisor, travelers)


def _traveler_fields(compiler: _Compiler, node: FieldNode) -> dict[str, str]:
    """A traveler's, from its row `r` (schema.types.Traveler.of's values)."""
    result = {}
    for field in _fields(node.selection_set):
        _arguments(field)
        name, key = field.name.value, (field.alias or field.name).value
        if name == "__typename":
            result[key] = compiler.writer.value("Traveler")
        elif name in TRAVELER_LEAVES:
            result[key] = compiler.subject_leaf(Traveler, "Traveler", name, TRAVELER_LEAVES[name], "traveler")
        else:
            raise Unsupported(f"Traveler.{name}")
    return result


async def prepare(
    plan: ExportItemsPlan, stream: RequestStream, rows: list[Any], travelers: dict[int, list[Any]], advisors: Advisors
) -> None:
    """Before a chunk's items are built: the advisors not read yet, and the contact noted as viewed as building
    the chunk's objects would note it."""
    if plan.user_columns is not None:
        missing = sorted({row.advisor_id for row in rows} - advisors.keys())
        if missing:
            agency_id = stream.info.context.viewer.agency_id
            # Should the read fail, their items decline: the object path's loader meets the failure and answers it.
            with suppress(Exception):
                advisors.update(await agency_rows("user", User, users_query, agency_id, missing, plan.user_columns))
    if stream.visible and rows:
        contact_id = stream.contact.id
        note_viewed(stream.info, contact_id, "TravelRequest")
        if any(travelers[row.id] for row in rows):
            note_viewed(stream.info, contact_id, "Traveler")


def build(plan: ExportItemsPlan, row: Any, travelers: list[Any], visible: bool, advisors: Advisors) -> Any:
    """The row's item, or SLOW when the object path must build it."""
    try:
        return plan.build(row, travelers, visible, advisors)
    except Decline:
        return SLOW
    except Exception as error:  # noqa: BLE001 - reported, then the object path meets it and answers it
        report_once(error, plan.filename)
        return SLOW
