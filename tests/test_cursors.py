"""Junk cursors of any kind are BAD_USER_INPUT, never an internal error, on every connection's `after` (found in the
schema itself, so a new connection is fuzzed too)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any, TypeVar

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema
from graphql.pyutils import Undefined
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from auth.errors import BadInput
from resolvers.pagination import decode_cursor
from schema import build_schema
from tests.properties import AGAINST_THE_APP, in_loop
from tests.world import World, make_world

T = TypeVar("T")
EXAMPLES_PER_FIELD = 40
# The rows each connection pages (what its cursors name).
ROWS = {
    "Query.contacts": "Contact",
    "Contact.requests": "TravelRequest",
    "Query.travelRequests": "TravelRequest",
    "Query.auditLog": "AuditEvent",
    "Query.staffChanges": "AuditEvent",
    "Query.sensitiveNotes": "SensitiveNote",
}
GENUINE = """{ contacts(first: 1) { edges { cursor node { requests(first: 1) { edges { cursor } } } } }
  travelRequests(first: 1) { edges { cursor } } auditLog(first: 1) { edges { cursor } } }"""


def _named(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _is_plain_list(type_: Any) -> bool:
    return isinstance(type_.of_type if isinstance(type_, GraphQLNonNull) else type_, GraphQLList)


def paths_to_after(schema: GraphQLSchema) -> dict[str, str]:
    """For every field taking `after`: a document reaching it from Query (through fields needing no argument),
    with `after: $a`. Breadth first, so each field gets its shortest path."""
    found: dict[str, str] = {}
    queue: list[tuple[GraphQLObjectType, str]] = [(schema.query_type, "{ @ }")]  # type: ignore[list-item]
    reached = {schema.query_type.name}  # type: ignore[union-attr]
    while queue:
        parent, template = queue.pop(0)
        for name, field in parent.fields.items():
            required = [
                a for a in field.args.values() if isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
            ]
            if required:
                continue
            if _is_plain_list(field.type) and name != "edges":
                continue  # a path through a plain list may well be empty: the fuzzed field would never run
            target = _named(field.type)
            if "after" in field.args and f"{parent.name}.{name}" not in found:
                found[f"{parent.name}.{name}"] = template.replace("@", f"{name}(first: 1, after: $a) {{ __typename }}")
            if isinstance(target, GraphQLObjectType) and target.name not in reached:
                reached.add(target.name)
                queue.append((target, template.replace("@", f"{name} {{ __typename @ }}")))
    return {key: "query($a: String) " + value.replace(" @", "") for key, value in found.items()}


def b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _genuine(cursor: Any, kind: str) -> bool:
    """Whether `cursor` happens to be a well-formed cursor of `kind` (the strategies below can build one)."""
    try:
        decode_cursor(kind, cursor)
    except BadInput:
        return False
    return True


def junk_cursors(others: list[str], kind: str) -> st.SearchStrategy[Any]:
    """Anything but a genuine cursor of the list (whose rows are `kind`): `others` are genuine cursors of other
    lists."""
    kinds = st.sampled_from(["Contact", "TravelRequest", "AuditEvent", "User", "k", "", "contact", "Contact "])
    digits = st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30).map(str), st.text("0123456789٣²", max_size=40)
    )
    return st.one_of(
        st.builds(lambda d: b64(f"k:{d}"), digits),  # the old shape, overflowing or not
        st.builds(lambda k, d: b64(f"c:{k}:{d}"), kinds, digits),  # the new shape, wrong kind or key
        st.sampled_from(others),  # another connection's genuine cursor
        st.binary(max_size=64).map(b64),  # random bytes, well encoded
        st.text(max_size=80),  # anything at all, base64 or not
        st.text(
            min_size=200, max_size=5000, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        ),
        st.sampled_from(
            ["", "=", "====", "a", "azo5OTk5OTk5OTk5OTk5OTk5OTk5OQ", b64("c:Contact:0"), b64("c:Contact:-1")]
        ),
        # Not a string at all: the variable's coercion refuses it.
        st.one_of(
            st.integers(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.booleans(),
            st.lists(st.integers(), max_size=3),
        ),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    ).filter(lambda cursor: not _genuine(cursor, kind))


def reads_as_cursor(kind: str, cursor: Any) -> bool:
    """Whether the app reads the cursor as one of these rows' (a key it may hold, even of no row)."""
    try:
        decode_cursor(kind, cursor)
    except BadInput:
        return False
    return True


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def test_every_connection_refuses_junk_cursors_as_bad_input(client, world: World) -> None:
    schema = build_schema()._schema
    documents = paths_to_after(schema)
    assert set(documents) == set(ROWS), "a new connection: say which rows it pages in ROWS"
    token = world.tokens["dpo"]
    pages = await client.data(GENUINE, token=token)
    genuine = {
        "Query.contacts": [e["cursor"] for e in pages["contacts"]["edges"]],
        "Contact.requests": [e["cursor"] for c in pages["contacts"]["edges"] for e in c["node"]["requests"]["edges"]],
        "Query.travelRequests": [e["cursor"] for e in pages["travelRequests"]["edges"]],
        "Query.auditLog": [e["cursor"] for e in pages["auditLog"]["edges"]],
    }
    run = in_loop(asyncio.get_running_loop())

    def fuzz(field: str, document: str, others: list[str]) -> None:
        field_name = field.split(".")[1]

        @given(cursor=junk_cursors(others, ROWS[field]))
        @settings(AGAINST_THE_APP, max_examples=EXAMPLES_PER_FIELD)
        def refused(cursor: Any) -> None:
            assume(
                not reads_as_cursor(ROWS[field], cursor)
            )  # `c:TravelRequest:1` is a real cursor of a contact's requests
            body = run(client.post(document, {"a": cursor}, token))
            codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
            assert codes == ["BAD_USER_INPUT"], (field, cursor, body)
            # The field itself refused it (or the variable's coercion did, before anything ran).
            assert body["errors"][0].get("path", [field_name])[-1] == field_name, (field, cursor, body)

        refused()

    for field, document in sorted(documents.items()):
        # Lists of the same rows take each other's cursors (auditLog and staffChanges, travelRequests and a
        # contact's requests); any other list's cursor is junk here.
        others = [cursor for name, cursors in genuine.items() if ROWS[name] != ROWS[field] for cursor in cursors]
        await asyncio.to_thread(fuzz, field, document, others)
    # Control: a genuine cursor of the same list pages on.
    data = await client.data(documents["Query.contacts"], {"a": genuine["Query.contacts"][0]}, token)
    assert data == {"contacts": {"__typename": "ContactConnection"}}
