"""Compiled operations (schema.fastpath.compiled): when a contacts page compiles, what it masks, logs and declines.

tests/test_differential.py compares their answers and audit chains with the other executors' byte for byte; these
check the policy through them directly, and when they run at all.
"""

from __future__ import annotations

import logging
import secrets
import sys
from typing import Any

import pytest
from tortoise import connections

from auth.credentials import new_api_key_secret, secret_hash
from models import ApiKey, AuditEvent, Contact, Visibility
from resolvers import trusted_documents
from resolvers.sql import spelled_for
from resolvers.trusted_documents import read_manifest, sha256_of
from schema.fastpath import compiled, contact_page
from tests.test_trusted_documents import codegen_manifest
from tests.world import EXPECTED_VISIBLE, POSITIONS, World, gid, make_world, personal_values

PAGE = """query Page($n: Int) { contacts(first: $n) { edges { cursor node { id visibility personalDataVisible
  firstName lastName email phone birthDate address notes owner { name } team { name } consents { purpose granted }
  requests(first: 5) { totalCount edges { node { id destination status notes advisor { name } } } } } }
  pageInfo { hasNextPage endCursor } } }"""
PERSONAL = ("firstName", "lastName", "email", "phone", "birthDate", "address", "notes", "consents")


@pytest.fixture
def fast_execution(request: pytest.FixtureRequest) -> bool:
    """Compiled operations belong to the fast path: these tests run it whatever ALVEOLE_FAST_EXECUTION says, but
    the one that asks for it off."""
    return bool(getattr(request, "param", True))


@pytest.fixture
def compiled_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many answers compiled operations gave (one entry each), every document compiling at first sight."""
    answered: list[int] = []
    run = contact_page.run

    async def counted(*args: Any) -> Any:
        answer = await run(*args)
        answered.append(1)
        return answer

    monkeypatch.setattr(contact_page, "run", counted)
    monkeypatch.setattr(compiled, "COMPILE_AFTER", 1)
    return answered


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def _api_key(world: World) -> str:
    secret = new_api_key_secret()
    await ApiKey.create(agency=world.agency, name="crm", secret_hash=secret_hash(secret), scopes="READ_CONTACTS")
    return secret


@pytest.mark.parametrize("position", POSITIONS)
async def test_a_compiled_page_masks_as_the_policy_says(
    client, world: World, compiled_runs: list[int], position: str
) -> None:
    response = await client.http.post(
        "/graphql", json={"query": PAGE}, headers={"Authorization": f"Bearer {world.tokens[position]}"}
    )
    assert compiled_runs == [1]
    edges = response.json()["data"]["contacts"]["edges"]
    by_id = {gid("Contact", c.id): (v, c) for v, c in world.contacts.items()}
    if position.startswith("foreign"):
        assert [edge["node"]["id"] for edge in edges] == [gid("Contact", world.foreign_contact.id)]  # type: ignore[union-attr]
        for contact in world.contacts.values():
            assert not any(value in response.text for value in personal_values(contact))
        return
    assert sorted(edge["node"]["id"] for edge in edges) == sorted(by_id)
    for edge in edges:
        node = edge["node"]
        visibility, contact = by_id[node["id"]]
        visible = position in EXPECTED_VISIBLE[visibility]
        assert node["personalDataVisible"] is visible
        request = node["requests"]["edges"][0]["node"]
        assert node["requests"]["totalCount"] == 1 and request["destination"].startswith("Destination")
        if visible:
            assert all(node[name] not in (None, []) for name in PERSONAL) and request["notes"]
        else:
            # An advisor outside the compartment gets nulls through the compiled code too, and no value anywhere.
            assert all(node[name] is None for name in PERSONAL) and request["notes"] is None
            assert not any(value in response.text for value in personal_values(contact))


async def test_an_api_key_reads_agency_contacts_only_through_a_compiled_page(
    client, world: World, compiled_runs: list[int]
) -> None:
    page = "{ contacts { edges { node { id firstName owner { name } team { name } } } } }"
    data = await client.data(page, token=await _api_key(world))
    assert compiled_runs == [1]
    shown = [edge["node"] for edge in data["contacts"]["edges"]]
    agency_contact = world.contacts[Visibility.AGENCY]
    assert [(node["id"], node["firstName"], node["team"]) for node in shown] == [
        (gid("Contact", agency_contact.id), agency_contact.first_name, {"name": world.team_a.name})
    ]


async def test_a_compiled_page_logs_the_contacts_it_reveals(client, world: World, compiled_runs: list[int]) -> None:
    await client.data(PAGE, token=world.tokens["other_team"])
    await client.data("{ contacts { edges { node { id visibility owner { name } } } } }", token=world.tokens["owner"])
    await client.data(
        "{ contacts { edges { node { id requests { edges { node { notes } } } } } } }", token=world.tokens["mate"]
    )
    assert len(compiled_runs) == 3
    events = await AuditEvent.filter(action="VIEW_PERSONAL").order_by("id").values_list("actor", "contact_ref")
    agency, team = world.contacts[Visibility.AGENCY], world.contacts[Visibility.TEAM]
    # other_team sees the AGENCY contact only; public fields reveal nothing; a request's notes reveal its contact.
    assert events == [
        (world.users["other_team"].email, gid("Contact", agency.id)),
        (world.users["mate"].email, gid("Contact", team.id)),
        (world.users["mate"].email, gid("Contact", agency.id)),
    ]


async def test_a_document_compiles_when_repeated_or_trusted(
    client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered: list[int] = []
    run = contact_page.run

    async def counted(*args: Any) -> Any:
        answered.append(1)
        return await run(*args)

    monkeypatch.setattr(contact_page, "run", counted)
    token = world.tokens["dpo"]
    # A text no other test sent (the schema, and what it remembers per document, is the process's).
    repeated = f"{{ page{secrets.token_hex(4)}: contacts {{ edges {{ node {{ id lastName }} }} }} }}"
    first = await client.post(repeated, token=token)
    assert answered == []  # seen once: graphql-core's path
    assert await client.post(repeated, token=token) == first and len(answered) == 1
    trusted = f"query Trusted{secrets.token_hex(4)} {{ contacts {{ edges {{ node {{ id email }} }} }} }}"
    await trusted_documents.store(read_manifest(codegen_manifest(trusted)), "web.json")
    response = await client.http.post(
        "/graphql",
        json={"documentId": f"sha256:{sha256_of(trusted)}"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert len(answered) == 2 and response.json()["data"]["contacts"]["edges"][0]["node"]["email"]


@pytest.mark.parametrize("fast_execution", [False], indirect=True)
async def test_no_compiled_operation_runs_with_fast_execution_off(
    client, world: World, compiled_runs: list[int]
) -> None:
    for _ in range(3):
        await client.data(PAGE, token=world.tokens["owner"])
    assert compiled_runs == []


async def test_an_unexpected_error_in_compiled_code_is_logged_and_answered_as_before(
    client, world: World, compiled_runs: list[int], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A kind no member has: schema.types meets it as a KeyError, and so does the compiled code.
    contact = world.contacts[Visibility.AGENCY]
    db = connections.get("default")
    await db.execute_query(spelled_for(db, "UPDATE contact SET kind = 'ALIEN' WHERE id = $1"), [contact.id])
    page = f"{{ page{secrets.token_hex(4)}: contacts {{ edges {{ node {{ id kind }} }} }} }}"  # reported once per text
    with caplog.at_level(logging.ERROR, logger="alveole.fastpath"):
        compiled_answer = await client.post(page, token=world.tokens["owner"])
        again = await client.post(page, token=world.tokens["owner"])
    monkeypatch.setattr(compiled, "COMPILE_AFTER", sys.maxsize)
    assert compiled_answer == again == await client.post(page, token=world.tokens["owner"])
    assert compiled_runs == []  # declined both times, answered by graphql-core's path
    reports = [r for r in caplog.records if "compiled operation" in r.getMessage()]
    assert len(reports) == 1 and reports[0].exc_info is not None  # once, with its traceback
    assert await Contact.filter(id=contact.id).count() == 1


@pytest.mark.parametrize(
    "column", ["contact.owner_id", "contact.team_id", "travel_request.advisor_id"], ids=["owner", "team", "advisor"]
)
async def test_a_relation_of_another_agency_declines_and_is_answered_as_before(
    client, world: World, compiled_runs: list[int], monkeypatch: pytest.MonkeyPatch, column: str
) -> None:
    # Owners, teams and advisors come joined to their rows: one of another agency (which the loaders, reading by id
    # in the viewer's agency, would not find) makes the run decline, and graphql-core's path answers.
    table, _, name = column.partition(".")
    foreign = world.users["foreign_advisor"]
    value = foreign.team_id if name == "team_id" else foreign.id
    contact = world.contacts[Visibility.AGENCY]
    key = "id" if table == "contact" else "contact_id"
    db = connections.get("default")
    await db.execute_query(spelled_for(db, f"UPDATE {table} SET {name} = $1 WHERE {key} = $2"), [value, contact.id])
    page = f"query Page{secrets.token_hex(4)}{PAGE.removeprefix('query Page')}"
    compiled_answer = await client.post(page, {"n": 10}, token=world.tokens["dpo"])
    monkeypatch.setattr(compiled, "COMPILE_AFTER", sys.maxsize)
    assert compiled_answer == await client.post(page, {"n": 10}, token=world.tokens["dpo"])
    assert compiled_runs == []
