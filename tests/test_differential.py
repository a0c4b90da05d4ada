"""Every executor, the real schema: every query document of tests/ (and every root query of the leak tests, and the
benchmark's page and variations of it) answers byte for byte the same with schema.fastpath's compiled operations,
with schema.fastpath without them and with Strawberry's and graphql-core's own executor, as several viewers, on the
same data.

The two runs replay the same requests on two copies of one database with the clock stopped, so the state they
read (audit events appended by the previous answers included) is the same in both.
"""

from __future__ import annotations

import ast
import shutil
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest
from graphql import (
    FieldNode,
    GraphQLError,
    NonNullTypeNode,
    OperationDefinitionNode,
    VariableNode,
    parse,
    print_ast,
    validate,
)
from tortoise import timezone
from tortoise.backends.base.executor import EXECUTOR_CACHE

from app.main import create_app
from auth import export_links
from auth.credentials import new_api_key_secret, secret_hash
from bench.page import PAGE_QUERY
from models import ApiKey, Contact, Traveler, TravelRequest, Visibility
from resolvers import export
from resolvers.pagination import encode_cursor
from schema import build_schema
from schema.fastpath import compiled, contact_page, export_stream
from schema.fastpath.plans import SLOW
from tests.conftest import copy_sqlite_template, make_settings
from tests.test_leaks import PROBE_COST, root_queries
from tests.world import World, gid, make_world

TESTS = Path(__file__).resolve().parent
VIEWERS = ("owner", "other_team", "admin", "dpo", "foreign_advisor")
# The contacts pages, which compile, are also read by a member of the owner's team and by an API key.
PAGE_VIEWERS = (*VIEWERS, "mate", "api_key")
STOPPED_CLOCK = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MODES = ("compiled", "fast", "stock")
MULTIPART = "multipart/mixed;deferSpec=20220824, application/json"

# A page with every field the compiler knows, paged by variables.
FULL_PAGE = """query Page($first: Int, $after: String, $n: Int) { contacts(first: $first, after: $after) {
  edges { cursor node { id kind visibility restricted personalDataVisible firstName lastName email phone birthDate
    address notes createdAt lastActivityAt owner { id name email role active } team { id name }
    consents { purpose granted since }
    requests(first: $n) { totalCount edges { cursor node { id status destination departureDate returnDate travelerCount
      budgetCents createdAt lastActivityAt notes advisor { id name } } } pageInfo { hasNextPage endCursor } } } }
  pageInfo { hasNextPage endCursor } } }"""
# Compiled too, each revealing contacts in its own way, or none.
SMALL_PAGES = (
    "{ contacts { edges { node { id visibility owner { name } team { id } } } } }",
    "{ contacts { edges { node { id requests { edges { node { notes destination } } } } } } }",
    "{ contacts { edges { node { requests(first: 0) { totalCount edges { node { notes } } } } } } }",
    """{ list: contacts(first: 10) { __typename info: pageInfo { __typename more: hasNextPage }
      edges { __typename at: cursor person: node { __typename key: id given: firstName family: lastName
      asks: requests(first: 1) { __typename all: totalCount edges { __typename n: node { __typename what: notes
      by: advisor { __typename who: name } } } } } } } }""",
)
# Not compiled: a search, a fragment, a directive, a cursor on the requests, two root fields.
DECLINED_PAGES = (
    '{ contacts(search: "Nom") { edges { node { id firstName } } } }',
    "{ contacts { ...F } } fragment F on ContactConnection { edges { node { id email } } }",
    "query($b: Boolean!) { contacts { edges { node { id email @include(if: $b) } } } }",
    "query($c: String) { contacts { edges { node { id requests(first: 1, after: $c) { edges { node { id } } } } } } }",
    "{ contacts(first: 1) { edges { node { id email } } } me { email } }",
)


def query_documents() -> list[str]:
    """Every string of tests/*.py that is a valid query document of the served schema."""
    schema = build_schema()._schema
    found: set[str] = set()
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and "{" in node.value):
                continue
            try:
                document = parse(node.value)
            except GraphQLError:
                continue
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if operations and all(o.operation.value == "query" for o in operations) and not validate(schema, document):
                found.add(node.value)
    return sorted(found)


def _id_for(field: str, argument: str, world: World) -> str:
    """An id of the kind the argument takes, of a contact some viewers may see and others not."""
    contact = world.contacts[Visibility.TEAM]
    owner = world.users["owner"]
    name = f"{field}.{argument}".lower()
    if "request" in name and "subject" not in name and "contact" not in argument.lower():
        return gid("TravelRequest", 1)
    if "user" in name:
        return gid("User", owner.id)
    if "team" in name:
        return gid("Team", world.team_a.id)
    return gid("Contact", contact.id)


def variables_for(text: str, world: World) -> dict[str, Any]:
    document = parse(text)
    used: dict[str, tuple[str, str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, FieldNode):
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    used[argument.value.name.value] = (node.name.value, argument.name.value)
        for key in getattr(node, "keys", ()):
            value = getattr(node, key, None)
            for child in value if isinstance(value, tuple | list) else (value,):
                if hasattr(child, "kind"):
                    walk(child)

    walk(document)
    variables: dict[str, Any] = {}
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        for definition in operation.variable_definitions or ():
            name, type_name = definition.variable.name.value, print_ast(definition.type).strip("!")
            required = isinstance(definition.type, NonNullTypeNode)
            if type_name == "ID":
                variables[name] = _id_for(*used.get(name, ("contact", name)), world)
            elif type_name == "Int":
                variables[name] = 3
            elif type_name == "Boolean":
                variables[name] = True
            elif type_name == "String":
                variables[name] = "Nom" if required or name in {"s", "search"} else None
    return variables


def page_requests(world: World, request_cursor: str) -> list[tuple[str, dict[str, Any]]]:
    """The contacts pages and their variables: pages with and without a cursor, empty pages, refused arguments."""
    ours = sorted(contact.id for contact in world.contacts.values())
    newest, oldest = encode_cursor("Contact", ours[-1]), encode_cursor("Contact", ours[0])
    full = [
        {},
        {"first": 2, "n": 1},
        {"first": 2, "after": newest, "n": 5},
        {"first": 0},
        {"after": oldest},
        {"n": 0},
        {"first": -1},
        {"after": "bm9wZQ"},
        {"n": -2},
        {"after": encode_cursor("TravelRequest", 1)},
    ]
    return [
        (PAGE_QUERY, {}),
        *((FULL_PAGE, variables) for variables in full),
        *((text, {}) for text in SMALL_PAGES),
        *((text, {"b": True, "c": request_cursor}) for text in DECLINED_PAGES),
    ]


def _audit_chain(database: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database)) as connection:
        query = "SELECT actor, action, contact_ref, detail, hash FROM audit_event ORDER BY id"
        return connection.execute(query).fetchall()


async def _answers(
    url: str, requests: list[tuple[str, dict[str, Any], str]], mode: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[bytes], int]:
    """The answers, and how many of them compiled operations gave."""
    EXECUTOR_CACHE.clear()
    compiled_answers = 0
    run = contact_page.run

    async def counted(*args: Any) -> Any:
        nonlocal compiled_answers
        answer = await run(*args)
        compiled_answers += 1
        return answer

    monkeypatch.setattr(contact_page, "run", counted)
    # Compiled: every document at first sight; fast: none (the documents are sent several times).
    monkeypatch.setattr(compiled, "COMPILE_AFTER", 1 if mode == "compiled" else sys.maxsize)
    # The leak probes run whole, as in tests/test_leaks.py: refused by the cost guard, they would compare nothing.
    app = create_app(make_settings(url, fast_execution=mode != "stock", max_query_cost=PROBE_COST))
    answers = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4242))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for query, variables, token in requests:
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                # Streams part by part: how their items are split into parts is compared too. Not with @defer: where a
                # deferred fragment's data lands among the parts differs between the executors (the parts merge into
                # the same answer, which the plain JSON answer compares).
                if "@stream" in query and "@defer" not in query:
                    headers["Accept"] = MULTIPART
                response = await http.post(
                    "/graphql", content=orjson.dumps({"query": query, "variables": variables}), headers=headers
                )
                answers.append(response.content)
    monkeypatch.setattr(contact_page, "run", run)
    return answers, compiled_answers


async def test_both_executors_answer_every_test_query_byte_for_byte(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: STOPPED_CLOCK)
    base = tmp_path / "world.sqlite3"
    url = copy_sqlite_template(sqlite_template, base)
    app = create_app(make_settings(url))
    async with app.router.lifespan_context(app):
        world = await make_world()
        contact = world.contacts[Visibility.TEAM]
        request = await TravelRequest.filter(contact_id=contact.id).order_by("id").first()
        # A restricted contact (Art. 18), and a partner's key reading the agency's AGENCY contacts.
        await Contact.filter(id=world.contacts[Visibility.AGENCY].id).update(restricted=True)
        secret = new_api_key_secret()
        await ApiKey.create(agency=world.agency, name="crm", secret_hash=secret_hash(secret), scopes="READ_CONTACTS")
        world.tokens["api_key"] = secret
        # The contact's streamed exports, in chunks of two (below): items built from their rows.
        for i in range(4):
            more = await TravelRequest.create(
                agency=world.agency,
                contact=contact,
                advisor=world.users["owner"],
                destination=f"Escale{i}",
                created_at=STOPPED_CLOCK,
                last_activity_at=STOPPED_CLOCK,
                traveler_count=1,
            )
            await Traveler.create(request=more, position=0, first_name=f"Escale{i}", last_name="Voyageur")
    assert request is not None
    monkeypatch.setattr(export, "ROW_CHUNK", 2)
    built, build = [], export_stream.build

    def counted(*args: Any) -> Any:
        built.append(build(*args))
        return built[-1]

    monkeypatch.setattr(export_stream, "build", counted)
    documents = query_documents()
    assert len(documents) >= 40, "the collector found the tests' documents"
    contact_id = gid("Contact", contact.id)
    arguments = {
        "*": {"id": contact_id, "contactId": contact_id},
        "travelRequest": {"id": gid("TravelRequest", request.id)},
        "contacts": {"search": contact.last_name},
        "travelRequests": {"filter": None},
    }
    leak_documents = root_queries(build_schema()._schema, arguments)
    texts = [*documents, *leak_documents.values(), PAGE_QUERY]
    requests = [(text, variables_for(text, world), world.tokens[viewer]) for text in texts for viewer in VIEWERS]
    pages = page_requests(world, encode_cursor("TravelRequest", request.id))
    requests += [(text, variables, world.tokens[viewer]) for text, variables in pages for viewer in PAGE_VIEWERS]

    # Export links carry a random nonce: the same one in both runs.
    monkeypatch.setattr(export_links, "os", SimpleNamespace(urandom=lambda size: b"n" * size))
    runs, compiled_answers, built_items = {}, {}, {}
    for mode in MODES:
        copy = tmp_path / f"{mode}.sqlite3"
        shutil.copyfile(base, copy)
        built.clear()
        runs[mode], compiled_answers[mode] = await _answers(f"sqlite://{copy}", requests, mode, monkeypatch)
        built_items[mode] = list(built)
    for mode in ("compiled", "fast"):
        differing = [
            (text[:120], variables, answer[:200], stock[:200])
            for (text, variables, _), answer, stock in zip(requests, runs[mode], runs["stock"], strict=True)
            if answer != stock
        ]
        assert not differing, (mode, differing)
    answered = [orjson.loads(body) for body in runs["stock"] if body.startswith(b"{")]  # not the multipart ones
    # Not vacuous: most answers carry data, personal data included, and some carry errors; the compiled operations
    # gave the pages' answers (all but the declined ones, the refused arguments and the API key's refused fields).
    assert sum(1 for a in answered if a.get("data")) > len(answered) // 2
    assert any(b"PrenomXTEAMQ" in body for body in runs["stock"]) and any("errors" in a for a in answered)
    # The same accountability: every copy holds the same audit chain (VIEW_PERSONAL events included).
    chains = {mode: _audit_chain(tmp_path / f"{mode}.sqlite3") for mode in MODES}
    assert chains["compiled"] == chains["stock"] == chains["fast"]
    assert sum(1 for event in chains["stock"] if event[1] == "VIEW_PERSONAL") > 100
    assert compiled_answers["fast"] == 0
    # The streamed exports' items were built from their rows on the fast path.
    for mode in ("compiled", "fast"):
        assert sum(1 for item in built_items[mode] if item is not SLOW) > 20
    assert not built_items["stock"]
    assert any(body.startswith(b"---") and b"Escale3" in body and b"birthDate" in body for body in runs["stock"])
    assert compiled_answers["compiled"] >= len(PAGE_VIEWERS) * (len(SMALL_PAGES) + 6)
