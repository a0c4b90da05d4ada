"""Compiled operations: a contacts page whose document is known answered straight from rows, without GraphQL objects.

For a document registered as trusted, or seen COMPILE_AFTER times, whose one root field is `contacts` and whose
selection is one the compiler knows (the connection's edges, cursors and pageInfo; a contact's scalar fields, owner,
team, consents and first page of requests, with their scalars and advisor), the operation is compiled once into
functions generated for its selection, which turn the page's rows straight into the response's dictionaries.
schema.fastpath.contact_page reads the rows. Anything else, a fragment, a directive, an alias used twice, a field
or argument not listed here, is declined at compile time, and the operation keeps graphql-core's path; a run that
meets what its compiled code does not handle (a value that does not serialise, a missing owner, an argument the
field would refuse) declines before it has changed anything, and graphql-core's path answers.

Masking is not decided here: a contact's personal fields are those schema.masking marked personal on the
Strawberry type (auth.enforce's declarations), nulled when auth.enforce.sees_personal_data says so for the row,
and the contacts revealed are those schema.masking would note (its own walk of the selection decides which
types' personal fields are asked for).
"""

from __future__ import annotations

import itertools
import linecache
import logging
import re
from collections import deque
from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

from schema.fastpath.compiled_source import Unsupported, Writer
from schema.masking import COMPARTMENTS, personal_types_below
from schema.types import Contact, TravelRequest

log = logging.getLogger("alveole.fastpath")

COMPILE_AFTER = 2  # a document's text seen this many times (a trusted one at once) is compiled

_serial = itertools.count(1)
_FILENAME = "<compiled operation"
MAX_REGISTERED = 512  # generated sources kept for tracebacks (operation plans are remembered for 256 texts)
_registered: deque[str] = deque()
_reported: set[tuple[str, str]] = set()  # (exception type, compiled operation): logged already


def report_once(error: Exception, filename: str) -> None:
    """An unexpected exception in a compiled run, logged with its traceback once per type and operation; graphql-core's
    path then meets it again and answers it."""
    key = (type(error).__name__, filename)
    if key not in _reported:
        if len(_reported) >= MAX_REGISTERED:
            _reported.clear()
        _reported.add(key)
        log.error("%s raised in %s; its requests take graphql-core's path", key[0], filename, exc_info=error)


# GraphQL field -> (the Strawberry type's attribute, the source of its value from the row `r`), as the types'
# `of` constructors (schema.types) set them. The attribute says whether the field is personal (schema.masking).
CONTACT_LEAVES = {
    "id": ("id", "ENCODE_ID('Contact', r.id)"),
    "kind": ("kind", "KINDS[r.kind]"),
    "visibility": ("visibility", "VISIBILITIES[r.visibility]"),
    "createdAt": ("created_at", "r.created_at"),
    "lastActivityAt": ("last_activity_at", "r.last_activity_at"),
    "restricted": ("restricted", "bool(r.restricted)"),
    "personalDataVisible": ("personal_data_visible", "v"),
    "firstName": ("first_name", "r.first_name"),
    "lastName": ("last_name", "r.last_name"),
    "email": ("email", "r.email"),
    "phone": ("phone", "r.phone"),
    "birthDate": ("birth_date", "r.birth_date"),
    "address": ("address", "r.address"),
    "notes": ("notes", "r.notes"),
}
REQUEST_LEAVES = {
    "id": ("id", "ENCODE_ID('TravelRequest', r.id)"),
    "status": ("status", "STATUSES[r.status]"),
    "destination": ("destination", "r.destination"),
    "departureDate": ("departure_date", "r.departure_date"),
    "returnDate": ("return_date", "r.return_date"),
    "travelerCount": ("traveler_count", "r.traveler_count"),
    "budgetCents": ("budget_cents", "r.budget_cents"),
    "createdAt": ("created_at", "r.created_at"),
    "lastActivityAt": ("last_activity_at", "r.last_activity_at"),
    "notes": ("notes", "r.notes"),
}
# Staff and consent states are not data subjects' types: nothing of theirs is masked.
USER_LEAVES = {
    "id": "ENCODE_ID('User', r.id)",
    "email": "r.email",
    "name": "r.name",
    "role": "ROLES[r.role]",
    "active": "bool(r.active)",
}
TEAM_LEAVES = {"id": "ENCODE_ID('Team', r.id)", "name": "r.name"}
CONSENT_STATE_LEAVES = {"purpose": "PURPOSES[r.purpose]", "granted": "bool(r.granted)", "since": "r.recorded_at"}
PAGE_INFO_LEAVES = {"hasNextPage": "r.has_next_page", "endCursor": "r.end_cursor"}
_ROW = re.compile(r"\br\.")


class Needs:
    """What the compiled page reads, besides the contacts: what schema.prefetch would load for the same selection."""

    __slots__ = (
        "advisors",
        "columns",
        "consents",
        "contact_viewed",
        "owners",
        "request_total",
        "request_viewed",
        "requests",
        "requests_field",
        "teams",
    )

    def __init__(self) -> None:
        self.owners = self.teams = self.consents = self.advisors = False
        self.requests: FieldNode | None = None  # the `requests` field: its arguments are read per run
        self.requests_field: Any = None
        # The columns each statement's rows need: the compartment decision's and the selected fields' (by table);
        # an owner's, team's or advisor's are joined to their contact's or request's row (`owner__name`...).
        self.columns: dict[str, set[str]] = {
            "contact": {"id", "agency_id", "owner_id", "team_id", "visibility"},
            "request": {"id", "contact_id"},
            "consent": {"id", "contact_id", "purpose", "recorded_at"},
        }
        self.contact_viewed = self.request_viewed = False
        self.request_total = False  # each contact's count of requests (totalCount) is read


class ContactPagePlan:
    """A compiled `contacts` page: the root field's node, what to read, and the generated `build(page)`."""

    __slots__ = ("build", "field", "filename", "needs", "node", "response_name")

    def __init__(
        self, node: FieldNode, field: Any, response_name: str, needs: Needs, build: Callable[..., Any], filename: str
    ) -> None:
        self.node, self.field, self.response_name, self.needs = node, field, response_name, needs
        self.build, self.filename = build, filename


def _fields(selection_set: SelectionSetNode | None) -> list[FieldNode]:
    """The selection's fields, when it is only fields without directives and no response name twice."""
    if selection_set is None:
        raise Unsupported("a selection")
    fields = []
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            raise Unsupported("fragments and directives")
        fields.append(selection)
    names = [(f.alias or f.name).value for f in fields]
    if len(set(names)) != len(names):
        raise Unsupported("a response name twice")
    return fields


def _arguments(node: FieldNode, allowed: frozenset[str] = frozenset()) -> None:
    if any(argument.name.value not in allowed for argument in node.arguments or ()):
        raise Unsupported("arguments")


class _Compiler:
    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.writer = Writer(schema)
        self.needs = Needs()

    def object_type(self, name: str) -> GraphQLObjectType:
        found = self.schema.get_type(name)
        if not isinstance(found, GraphQLObjectType):
            raise Unsupported(name)
        return found

    def leaves(
        self, type_name: str, node: FieldNode, sources: dict[str, str], table: str | None, joined: str, row: str
    ) -> dict[str, str]:
        """A staff, team, consent state or page info object's fields: leaves only, read from the variable `row`
        (`table`'s rows, the columns of the relation `joined` to them when given)."""
        graphql_type, result = self.object_type(type_name), {}
        columns = self.needs.columns[table] if table is not None else None
        if joined and columns is not None:
            sources = {name: _ROW.sub(f"r.{joined}__", source) for name, source in sources.items()}
            # Its id and agency: contact_page declines a row whose relation is missing or of another agency.
            columns.update((f"{joined}__id", f"{joined}__agency_id"))
        if row != "r":
            sources = {name: _ROW.sub(f"{row}.", source) for name, source in sources.items()}
        for field in _fields(node.selection_set):
            _arguments(field)
            name, key = field.name.value, (field.alias or field.name).value
            if name == "__typename":
                result[key] = self.writer.value(type_name)
            elif name in sources:
                result[key] = self.writer.leaf(sources[name], graphql_type.fields[name].type, columns)
            else:
                raise Unsupported(f"{type_name}.{name}")
        return result

    def object(
        self,
        type_name: str,
        node: FieldNode,
        sources: dict[str, str],
        table: str | None = None,
        joined: str = "",
        row: str = "r",
    ) -> str:
        """The object's expression, inlined where it is used (a call per object was a fifth of the build's time)."""
        return self.writer.dictionary(self.leaves(type_name, node, sources, table, joined, row))

    def subject_leaf(self, cls: type, type_name: str, name: str, source: tuple[str, str], table: str) -> str:
        attribute, expression = source
        graphql_type = self.object_type(type_name)
        value = self.writer.leaf(expression, graphql_type.fields[name].type, self.needs.columns[table])
        personal = attribute in COMPARTMENTS[cls].personal_attributes
        return f"({value} if v else None)" if personal else value

    def request_fields(
        self,
        node: FieldNode,
        advisor: Callable[[FieldNode], str],
        travelers: Callable[[FieldNode], str] | None = None,
    ) -> dict[str, str]:
        """A request's response names and their expressions, from its row `r` and the compartment decision `v`
        (schema.types.TravelRequest.of's values); its advisor's and travelers' expressions are the caller's, which
        reads them from where it has them (joined on a page, read by id in an export)."""
        result = {}
        for field in _fields(node.selection_set):
            _arguments(field)
            name, key = field.name.value, (field.alias or field.name).value
            if name == "__typename":
                result[key] = self.writer.value("TravelRequest")
            elif name in REQUEST_LEAVES:
                result[key] = self.subject_leaf(TravelRequest, "TravelRequest", name, REQUEST_LEAVES[name], "request")
            elif name == "advisor":
                self.needs.advisors = True
                result[key] = advisor(field)
            elif name == "travelers" and travelers is not None:
                result[key] = travelers(field)
            else:
                raise Unsupported(f"TravelRequest.{name}")
        return result

    def request_node(self, node: FieldNode) -> str:
        joined = self.request_fields(node, lambda field: self.object("User", field, USER_LEAVES, "request", "advisor"))
        return self.writer.dictionary(joined)

    def requests(self, node: FieldNode) -> str:
        """Contact.requests without a cursor: the page page_of_head makes of the contact's head (schema.types)."""
        _arguments(node, frozenset({"first", "after"}))
        self.needs.requests, self.needs.requests_field = node, self.object_type("Contact").fields["requests"]
        requests_type = self.object_type("TravelRequestConnection")
        self.needs.request_viewed = "TravelRequest" in personal_types_below(
            self.schema, {}, requests_type, node.selection_set
        )
        result, paged = {}, False
        for field in _fields(node.selection_set):
            _arguments(field)
            name, key = field.name.value, (field.alias or field.name).value
            if name == "__typename":
                result[key] = self.writer.value("TravelRequestConnection")
            elif name == "totalCount":
                self.needs.request_total = True
                result[key] = self.writer.leaf("head.total", requests_type.fields[name].type)
            elif name == "pageInfo":
                result[key], paged = self.object("PageInfo", field, PAGE_INFO_LEAVES, row="p"), True
            elif name == "edges":
                edge, cursor = self.edge("TravelRequestEdge", field, self.request_node)
                result[key] = f"[{edge} for r, c in zip(items, p.cursors)]" if cursor else f"[{edge} for r in items]"
                paged = paged or cursor
            else:
                raise Unsupported(f"TravelRequestConnection.{name}")
        body = ["head = page.heads[r.id]"]
        if paged:
            body += ["p = PAGE_OF_HEAD(head, page.request_first, kind='TravelRequest')", "items = p.items"]
        else:  # page_of_head's items, without the cursors and page nothing reads
            body.append("items = head.items[: page.request_size]")
        return self.writer.function("r, v, page", body, result)

    def contact_node(self, node: FieldNode) -> str:
        result = {}
        for field in _fields(node.selection_set):
            name, key = field.name.value, (field.alias or field.name).value
            if name == "requests":
                result[key] = f"{self.requests(field)}(r, v, page)"
                continue
            _arguments(field)
            if name == "__typename":
                result[key] = self.writer.value("Contact")
            elif name in CONTACT_LEAVES:
                result[key] = self.subject_leaf(Contact, "Contact", name, CONTACT_LEAVES[name], "contact")
            elif name == "owner":
                self.needs.owners = True
                result[key] = self.object("User", field, USER_LEAVES, "contact", "owner")
            elif name == "team":
                self.needs.teams = True
                team = self.object("Team", field, TEAM_LEAVES, "contact", "team")
                result[key] = f"({team} if r.team__id is not None else None)"
            elif name == "consents" and "consents" in COMPARTMENTS[Contact].personal_attributes:
                self.needs.consents = True
                state = self.object("ConsentState", field, CONSENT_STATE_LEAVES, "consent")
                # The comprehension's `r` is a consent row; its iterable is read where `r` is the contact.
                result[key] = f"([{state} for r in CURRENT_STATE(page.consents.get(r.id, ()))] if v else None)"
            else:
                raise Unsupported(f"Contact.{name}")
        return self.writer.dictionary(result)

    def edge(self, type_name: str, node: FieldNode, node_expression: Callable[[FieldNode], str]) -> tuple[str, bool]:
        """The edge's expression (of `r`, `v`, `c` and `page`), and whether it reads its cursor `c`."""
        result, reads_cursor = {}, False
        for field in _fields(node.selection_set):
            _arguments(field)
            name, key = field.name.value, (field.alias or field.name).value
            if name == "__typename":
                result[key] = self.writer.value(type_name)
            elif name == "cursor":
                result[key], reads_cursor = self.writer.leaf("c", self.object_type(type_name).fields[name].type), True
            elif name == "node":
                result[key] = node_expression(field)
            else:
                raise Unsupported(f"{type_name}.{name}")
        return self.writer.dictionary(result), reads_cursor

    def contacts(self, node: FieldNode) -> str:
        _arguments(node, frozenset({"first", "after", "search"}))
        connection = self.object_type("ContactConnection")
        self.needs.contact_viewed = "Contact" in personal_types_below(self.schema, {}, connection, node.selection_set)
        result = {}
        for field in _fields(node.selection_set):
            _arguments(field)
            name, key = field.name.value, (field.alias or field.name).value
            if name == "__typename":
                result[key] = self.writer.value("ContactConnection")
            elif name == "pageInfo":
                result[key] = self.object("PageInfo", field, PAGE_INFO_LEAVES, row="p")
            elif name == "edges":
                edge, cursor = self.edge("ContactEdge", field, self.contact_node)
                rows = "r, v, c" if cursor else "r, v"
                cursors = ", p.cursors" if cursor else ""
                result[key] = f"[{edge} for {rows} in zip(p.items, page.visible{cursors})]"
            else:
                raise Unsupported(f"ContactConnection.{name}")
        return self.writer.function("p, page", [], result)


def compile_contact_page(schema: GraphQLSchema, operation: OperationDefinitionNode) -> ContactPagePlan | None:
    """The operation's compiled plan, or None when it is not a contacts page the compiler knows."""
    if operation.operation is not OperationType.QUERY or operation.directives:
        return None
    query_type = schema.query_type
    try:
        fields = _fields(operation.selection_set)
        if len(fields) != 1 or fields[0].name.value != "contacts" or query_type is None:
            return None
        compiler = _Compiler(schema)
        build = compiler.contacts(fields[0])
    except Unsupported:
        return None
    namespace, filename = load(compiler.writer)
    node = fields[0]
    return ContactPagePlan(
        node, query_type.fields["contacts"], (node.alias or node.name).value, compiler.needs, namespace[build], filename
    )


def load(writer: Writer) -> tuple[dict[str, Any], str]:
    """The writer's functions, run, and the file name their code carries in tracebacks."""
    source = "\n".join(writer.lines) + "\n"
    filename = f"{_FILENAME} {next(_serial)}>"
    # Tracebacks through the generated code show its lines (mtime None: never dropped by checkcache).
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    _registered.append(filename)
    if len(_registered) > MAX_REGISTERED:  # endless distinct documents: the oldest sources are dropped
        linecache.cache.pop(_registered.popleft(), None)
    namespace = dict(writer.values)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - generated from the schema; no text from the query
    return namespace, filename
