"""Every list of objects is counted at its bound (schema/list_bounds.py): a list without one is refused when the schema
is built; abusive nestings of lists are refused, the documents the console, the dashboard and the bench send still
run; the bounds hold in the data (written past: refused) or in the answers (past a cap: an error, never a list cut
short)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema as build_sdl
from graphql import parse

from auth.credentials import secret_hash
from bench.page import PAGE_QUERY
from models import (
    ConsentPurpose,
    ConsentRecord,
    Contact,
    ExportDelivery,
    NoteFinding,
    Role,
    SubjectRequest,
    User,
    Visibility,
)
from resolvers import list_caps, validation
from resolvers.clock import now
from resolvers.sensitive_notes import detect
from schema import build_schema, print_sdl
from schema.guards import Caller, Limits, problem_with
from schema.list_bounds import UnboundedList, check
from tests.conftest import make_settings
from tests.world import World, gid, make_web_request, make_world, password_hash

STATIC = Path(__file__).parent.parent / "app" / "static"
DEFAULTS = make_settings("sqlite://:memory:")
LIMITS = Limits(DEFAULTS.max_query_depth, DEFAULTS.max_aliases, DEFAULTS.max_directives, DEFAULTS.max_query_cost)
WELL_UNDER = Limits(LIMITS.max_depth, LIMITS.max_aliases, LIMITS.max_directives, LIMITS.max_cost // 2)


@pytest.fixture
async def world(client) -> World:
    return await make_world()


def js_documents(path: Path, array: str) -> list[str]:
    """The GraphQL documents a script writes as arrays of JSON-compatible strings, `<array> [ ... ].join`."""
    text = path.read_text()
    found = [
        "\n".join(json.loads("[" + body.rstrip().rstrip(",") + "]"))
        for body in re.findall(array + r"\s*\[(.*?)\]\.join", text, re.S)
    ]
    assert found, f"no document found in {path}"
    return found


EXAMPLES = js_documents(STATIC / "graphiql" / "examples.js", "query:")
(DASHBOARD,) = js_documents(STATIC / "dpo" / "dashboard.js", "var QUERY =")


def verdict(document: str, limits: Limits = LIMITS) -> str | None:
    refusal = problem_with(parse(document), build_schema()._schema, {}, limits, Caller.USER)
    return refusal.message if refusal else None


# -- default deny -------------------------------------------------------------------------------------------------


def test_the_served_schema_has_a_bound_for_every_list() -> None:
    check(build_schema()._schema)


@pytest.mark.parametrize(
    ("extension", "named"),
    [
        ("extend type Query { partners: [Partner!]! } type Partner { id: ID! }", "Query.partners lists objects"),
        ("extend type Team { leads: [User] }", "Team.leads lists objects"),
        ("extend type Query { everyone: ContactConnection! }", "Query.everyone returns ContactConnection without"),
    ],
)
def test_a_new_list_without_a_bound_is_refused(extension: str, named: str) -> None:
    with pytest.raises(UnboundedList, match=re.escape(named)):
        check(build_sdl(print_sdl() + extension))


def test_a_bound_for_a_list_that_is_gone_is_refused() -> None:
    sdl = print_sdl().replace("  members: [User!]!\n", "")
    with pytest.raises(UnboundedList, match=re.escape("Team.members has a bound but is no list of objects")):
        check(build_sdl(sdl))


# -- abusive nestings are refused, normal documents pass -----------------------------------------------------------

ABUSIVE = [
    "{ users { team { members { team { members { id } } } } } }",
    "{ users { team { members { name } } } }",
    "{ teams { members { team { members { id } } } } }",
    "{ contacts { edges { node { team { members { team { members { id } } } } } } } }",
    "{ contacts { edges { node { requests { edges { node { travelers { firstName } } } } } } } }",
    "{ travelRequests(first: 200) { edges { node { travelers { lastName } contact { noteFindings { field } } } } } }",
    "{ subjectRequests { deliveries { id } noteFindings { category } contact { noteFindings { category } } } }",
    "{ breaches { affectedContacts { edges { node { consents { purpose } } } } } }",
]


@pytest.mark.parametrize("document", ABUSIVE)
def test_nested_lists_are_refused_by_their_cost(document: str) -> None:
    assert "query cost exceeds the limit" in (verdict(document) or "")


def test_under_a_whole_record_each_row_is_capped() -> None:
    export = 'query { subjectAccessExport(contactId: "x") { requests { %s } } }'
    message = verdict(export % "id contact { requests { edges { node { id } } } }") or ""
    assert "SubjectAccessExport.requests lists a whole record" in message and "at most 100" in message
    assert verdict(export % "id advisor { name } travelers { firstName } noteFindings { category }") is None


@pytest.mark.parametrize("document", [*EXAMPLES, DASHBOARD, PAGE_QUERY], ids=lambda d: d.split("\n")[0][:40])
def test_the_documents_of_the_console_the_dashboard_and_the_bench_cost_under_half_the_limit(document: str) -> None:
    assert verdict(document, WELL_UNDER) is None


async def post(client: Any, document: str, variables: dict[str, Any], token: str, operation: str) -> dict[str, Any]:
    body = {"query": document, "variables": variables, "operationName": operation}
    answer = (await client.http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})).json()
    assert "errors" not in answer, answer
    return answer["data"]


async def test_the_console_examples_the_dashboard_and_the_bench_page_run(client, world: World) -> None:
    dpo, contact = world.tokens["dpo"], world.contacts[Visibility.AGENCY]
    find, export, _restrict, retention, door = EXAMPLES
    found = await post(client, find, {"search": contact.last_name}, dpo, "FindAndExport")
    assert found["contacts"]["edges"][0]["node"]["requests"]["edges"][0]["node"]["travelers"]
    assert await post(client, export, {"contactId": gid("Contact", contact.id)}, dpo, "SubjectAccessExport")
    assert await post(client, retention, {"cutoff": now().isoformat()}, dpo, "RetentionPreview")
    assert "subjectRequests" in await post(client, door, {}, dpo, "VerifiedRequests")
    assert "outbox" in await post(client, door, {}, dpo, "Outbox")
    assert await post(client, DASHBOARD, {}, dpo, "DpoDashboard")
    assert len((await client.data(PAGE_QUERY, token=world.tokens["owner"]))["contacts"]["edges"]) == 3


# -- the bounds hold -------------------------------------------------------------------------------------------------


async def test_a_request_holds_at_most_its_bound_of_travelers(client, world: World) -> None:
    dpo, contact = world.tokens["dpo"], gid("Contact", world.contacts[Visibility.AGENCY].id)
    travelers = [{"firstName": "T", "lastName": str(i)} for i in range(validation.TRAVELERS_MAX + 1)]
    create = "mutation($i: TravelRequestInput!) { createTravelRequest(input: $i) { id travelers { lastName } } }"
    body = await client.post(create, {"i": {"contactId": contact, "destination": "Oslo", "travelers": travelers}}, dpo)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "travelers"}
    most = {"contactId": contact, "destination": "Oslo", "travelers": travelers[:-1]}
    request = (await client.data(create, {"i": most}, dpo))["createTravelRequest"]
    assert len(request["travelers"]) == validation.TRAVELERS_MAX
    update = "mutation($id: ID!, $p: TravelRequestPatch!) { updateTravelRequest(id: $id, patch: $p) { id } }"
    body = await client.post(update, {"id": request["id"], "p": {"travelers": travelers}}, dpo)
    assert body["errors"][0]["extensions"]["field"] == "travelers"


async def fill_team_a(world: World) -> None:
    """As many members as a team may have."""
    room = list_caps.TEAM_MEMBERS - await User.filter(team=world.team_a).count()
    await User.bulk_create(
        [
            User(
                agency=world.agency,
                email=f"m{i}@t.test",
                name=f"M{i}",
                role=Role.ADVISOR,
                team=world.team_a,
                password_hash=password_hash(),
            )
            for i in range(room)
        ]
    )


async def request_with_every_link(world: World, contact: Contact, tag: str) -> SubjectRequest:
    """A confirmed web request of the contact's, with as many download links as a request may have."""
    request = await make_web_request(world.agency, f"{tag}@example.org", "P", "message", "mail")
    request.contact = contact
    await request.save()
    at = now()
    await ExportDelivery.bulk_create(
        [
            ExportDelivery(
                agency=world.agency,
                subject_request=request,
                contact=contact,
                token_hash=secret_hash(f"{tag}{i}"),
                created_at=at,
                expires_at=at,
                max_downloads=5,
            )
            for i in range(list_caps.DELIVERIES)
        ]
    )
    return request


async def test_a_full_team_takes_no_one_more(client, world: World) -> None:
    admin, team = world.tokens["admin"], gid("Team", world.team_a.id)
    await fill_team_a(world)
    create = """mutation($t: ID, $p: String!) {
      createUser(email: "new@t.test", name: "New", password: $p, role: ADVISOR, teamId: $t) { id }
    }"""
    body = await client.post(create, {"t": team, "p": "a-long-enough-passphrase"}, admin)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "teamId"}
    assert f"has {list_caps.TEAM_MEMBERS} members" in body["errors"][0]["message"]
    move = "mutation($u: ID!, $t: ID) { setUserTeam(userId: $u, teamId: $t) { id } }"
    body = await client.post(move, {"u": gid("User", world.users["no_team"].id), "t": team}, admin)
    assert body["errors"][0]["extensions"]["field"] == "teamId"
    assert await User.filter(team=world.team_a).count() == list_caps.TEAM_MEMBERS
    assert not await User.filter(email="new@t.test").exists()
    members = "{ teams { name members { id } } }"
    teams = {t["name"]: t["members"] for t in (await client.data(members, token=admin))["teams"]}
    assert len(teams[world.team_a.name]) == list_caps.TEAM_MEMBERS


async def test_a_rights_request_takes_at_most_its_bound_of_download_links(client, world: World) -> None:
    request = await request_with_every_link(world, world.contacts[Visibility.AGENCY], "p")
    deliver = "mutation($id: ID!) { deliverSubjectAccessExport(requestId: $id) { id } }"
    body = await client.post(deliver, {"id": gid("SubjectRequest", request.id)}, world.tokens["dpo"])
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "requestId"}
    assert await ExportDelivery.filter(subject_request=request).count() == list_caps.DELIVERIES


async def test_a_text_keeps_its_first_findings_with_every_category(client, world: World) -> None:
    notes = (
        "diabétique, épileptique, asthmatique, cardiaque, musulman, juif, catholique, syndicaliste, homosexuel, "
        "casier judiciaire, condamné, alcoolique, dépressif, cancer, VIH, enceinte, handicapé, fauteuil roulant, "
        "aveugle, sourd, autiste, schizophrène, bipolaire, vieux con, radin"
    )
    found = detect(notes)
    assert len(found) > list_caps.TEXT_FINDINGS  # the note says more than a text keeps
    contact = world.contacts[Visibility.AGENCY]
    update = (
        "mutation($id: ID!, $n: String) { updateContact(id: $id, patch: {notes: $n}) { noteFindings { category } } }"
    )
    data = await client.data(update, {"id": gid("Contact", contact.id), "n": notes}, world.tokens["dpo"])
    kept = data["updateContact"]["noteFindings"]
    assert len(kept) == list_caps.TEXT_FINDINGS
    assert {f["category"] for f in kept} == {f.category for f in found}


async def test_past_its_cap_a_list_is_an_error_never_a_shorter_list(client, world: World) -> None:
    dpo, contact = world.tokens["dpo"], world.contacts[Visibility.AGENCY]
    contact_id, at = gid("Contact", contact.id), now()
    already = await ConsentRecord.filter(contact=contact).count()
    await ConsentRecord.bulk_create(
        [
            ConsentRecord(
                contact=contact,
                purpose=ConsentPurpose.NEWSLETTER,
                granted=i % 2 == 0,
                recorded_at=at,
                source="s",
                wording="w",
                recorded_by="x",
            )
            for i in range(list_caps.CONSENT_DECISIONS + 1 - already)
        ]
    )
    body = await client.post("query($c: ID!) { consentHistory(contactId: $c) { granted } }", {"c": contact_id}, dpo)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and body["data"] is None
    assert error["message"].startswith(f"consentHistory: more than {list_caps.CONSENT_DECISIONS}")
    # The export is the person's whole record: every decision.
    export = "query($c: ID!) { subjectAccessExport(contactId: $c) { consentHistory { granted } } }"
    whole = (await client.data(export, {"c": contact_id}, dpo))["subjectAccessExport"]["consentHistory"]
    assert len(whole) == list_caps.CONSENT_DECISIONS + 1

    await NoteFinding.bulk_create(
        [
            NoteFinding(
                agency=world.agency, contact=contact, field="f", category="HEALTH", excerpt=f"e{i}", found_at=at
            )
            for i in range(list_caps.CONTACT_FINDINGS + 1)
        ]
    )
    query = "query($c: ID!) { contact(id: $c) { lastName noteFindings { category } } }"
    body = await client.post(query, {"c": contact_id}, dpo)
    assert body["data"]["contact"] == {"lastName": contact.last_name, "noteFindings": None}
    (error,) = body["errors"]
    assert error["path"] == ["contact", "noteFindings"] and error["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"more than {list_caps.CONTACT_FINDINGS}" in error["message"] and "sensitiveNotes" in error["message"]
