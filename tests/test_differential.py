"""Both executors, the real schema: every query document of tests/ (and every root query of the leak tests, and the
benchmark's page) answers byte for byte the same with schema.fastpath and with Strawberry's and graphql-core's own
executor, as several viewers, on the same data.

The two runs replay the same requests on two copies of one database with the clock stopped, so the state they
read (audit events appended by the previous answers included) is the same in both.
"""

from __future__ import annotations

import ast
import shutil
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
from bench.page import PAGE_QUERY
from models import TravelRequest, Visibility
from schema import build_schema
from tests.conftest import copy_sqlite_template, make_settings
from tests.test_leaks import PROBE_COST, root_queries
from tests.world import World, gid, make_world

TESTS = Path(__file__).resolve().parent
VIEWERS = ("owner", "other_team", "admin", "dpo", "foreign_advisor")
STOPPED_CLOCK = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def query_documents() -> list[str]:
    """Every string of tests/*.py that is a valid query document of the served schema."""
    schema = build_schema()._schema  # type: ignore[attr-defined]
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


async def _answers(url: str, requests: list[tuple[str, dict[str, Any], str]], fast_execution: bool) -> list[bytes]:
    EXECUTOR_CACHE.clear()
    # The leak probes run whole, as in tests/test_leaks.py: refused by the cost guard, they would compare nothing.
    app = create_app(make_settings(url, fast_execution=fast_execution, max_query_cost=PROBE_COST))
    answers = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4242))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for query, variables, token in requests:
                response = await http.post(
                    "/graphql",
                    content=orjson.dumps({"query": query, "variables": variables}),
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                )
                answers.append(response.content)
    return answers


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
    assert request is not None
    documents = query_documents()
    assert len(documents) >= 40, "the collector found the tests' documents"
    contact_id = gid("Contact", contact.id)
    arguments = {
        "*": {"id": contact_id, "contactId": contact_id},
        "travelRequest": {"id": gid("TravelRequest", request.id)},
        "contacts": {"search": contact.last_name},
        "travelRequests": {"filter": None},
    }
    leak_documents = root_queries(build_schema()._schema, arguments)  # type: ignore[attr-defined]
    texts = [*documents, *leak_documents.values(), PAGE_QUERY]
    requests = [(text, variables_for(text, world), world.tokens[viewer]) for text in texts for viewer in VIEWERS]

    # Export links carry a random nonce: the same one in both runs.
    monkeypatch.setattr(export_links, "os", SimpleNamespace(urandom=lambda size: b"n" * size))
    runs = {}
    for fast in (True, False):
        copy = tmp_path / f"{'fast' if fast else 'stock'}.sqlite3"
        shutil.copyfile(base, copy)
        runs[fast] = await _answers(f"sqlite://{copy}", requests, fast_execution=fast)
    differing = [
        (text[:120], fast)
        for (text, _, _), fast, stock in zip(requests, runs[True], runs[False], strict=True)
        if fast != stock
    ]
    assert not differing
    answered = [orjson.loads(body) for body in runs[True] if body.startswith(b"{")]  # @stream answers: multipart
    # Not vacuous: most answers carry data, personal data included, and some carry errors.
    assert sum(1 for a in answered if a.get("data")) > len(answered) // 2
    assert any(b"PrenomXTEAMQ" in body for body in runs[True]) and any("errors" in a for a in answered)
