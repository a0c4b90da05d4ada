"""The cost guard counts what will run: `first` as given, as a provided variable, as the variable's default or as the
argument's default, and every plain list at its bound (schema/list_bounds.py); a non-integer where an Int is expected
is refused before any cost is computed. The subject access export's lists, counted once (one person's whole record),
are left out of the property: tests/test_list_bounds.py checks how their rows are capped."""

from __future__ import annotations

import asyncio
import json
from typing import Any, TypeVar

import pytest
from graphql import parse
from hypothesis import given, settings
from hypothesis import strategies as st

from models import (
    ConsentPurpose,
    ConsentRecord,
    Contact,
    NoteFinding,
    OutboxMessage,
    Traveler,
    TravelRequest,
    Visibility,
)
from resolvers import list_caps, validation
from resolvers.clock import now
from schema import build_schema
from schema.guards import Caller, Limits, problem_with
from tests.properties import AGAINST_THE_APP, in_loop
from tests.test_list_bounds import fill_team_a, request_with_every_link
from tests.world import World, gid, make_world

T = TypeVar("T")
NESTED = (
    "query($n: Int = 200) { contacts(first: $n) { edges { node { requests(first: $n) { edges { node { %s } } } } } } }"
)
EXTRA_CONTACTS = 57  # with the world's, more contacts than the default page of 50
EXTRA_REQUESTS = 55  # on one contact: more than a default page of its requests
EXAMPLES = 80


@pytest.fixture
async def world(client) -> World:
    return await make_world()


def refusal(body: dict) -> str:
    assert "data" not in body, body  # refused before execution: a request error
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return error["message"]


async def test_a_variable_left_to_its_default_costs_its_default(client, world: World) -> None:
    token = world.tokens["dpo"]
    query = NESTED % "travelers { firstName }"
    assert "cost" in refusal(await client.post(query, token=token))  # 200 x 200, nothing given
    assert "cost" in refusal(await client.post(query, {"n": 200}, token))
    assert "cost" in refusal(await client.post(query.replace("= 200", "= null"), {"n": 200}, token))
    assert "contacts" in await client.data(query, {"n": 2}, token)
    # A variable neither given nor defaulted leaves the argument's own default (50): 50 x 50 runs, but not with
    # 50 travelers counted under each request.
    undefaulted = (NESTED % "id").replace("$n: Int = 200", "$n: Int")
    assert "contacts" in await client.data(undefaulted, token=token)
    assert "cost" in refusal(await client.post(query.replace("$n: Int = 200", "$n: Int"), token=token))


@pytest.mark.parametrize(
    ("variables", "where"),
    [({"n": 200.0}, "variable $n"), ({"n": 2.0}, "variable $n"), ({"n": True}, "variable $n"), ({"n": "2"}, "$n")],
)
async def test_a_non_integer_where_an_int_is_expected_is_refused(client, world: World, variables, where) -> None:
    message = refusal(await client.post(NESTED % "id", variables, world.tokens["dpo"]))
    assert where in message and "cost" not in message


async def test_non_integers_inside_inputs_are_refused_and_write_nothing(client, world: World) -> None:
    contact = gid("Contact", world.contacts[Visibility.AGENCY].id)
    create = "mutation($i: TravelRequestInput!) { createTravelRequest(input: $i) { id } }"
    before = await TravelRequest.all().count()
    body = await client.post(
        create, {"i": {"contactId": contact, "destination": "Oslo", "travelerCount": 2.0}}, world.tokens["dpo"]
    )
    assert "variable $i.travelerCount: must be a whole number" in refusal(body)
    inline = (
        'mutation { createTravelRequest(input: {contactId: "%s", destination: "Oslo", travelerCount: 2.5}) { id } }'
    )
    assert await client.error_code(inline % contact, token=world.tokens["dpo"]) == "BAD_USER_INPUT"
    assert await TravelRequest.all().count() == before


# -- property: over random documents with variables and defaults, the guard's cost is never below what runs -----

PAGES = [0, 1, 2, 3, 49, 50, 51, 60, 199, 200, 201, 1000]


@st.composite
def first_argument(draw: st.DrawFn, variables: dict[str, Any], definitions: list[str]) -> str:
    """`first` in one of the ways a client may give it (or not); variables and their definitions are collected."""
    page = st.sampled_from(PAGES)
    how = draw(
        st.sampled_from(["absent", "literal", "null", "given", "default", "default+given", "undefined", "given-null"])
    )
    if how == "absent":
        return ""
    if how == "literal":
        return f"(first: {draw(page)})"
    if how == "null":
        return "(first: null)"
    name = f"n{len(definitions)}"
    default = f" = {draw(page)}" if how.startswith("default") else ""
    definitions.append(f"${name}: Int{default}")
    if how in ("given", "default+given"):
        variables[name] = draw(page)
    elif how == "given-null":
        variables[name] = None
    return f"(first: ${name})"


REPORT_LISTS = [
    "subjectRequestsByStatus { count }",
    "contactsByVisibility { count }",
    "consentsByMonth { month granted }",
    "retentionForecast { count }",
    "personalDataViews { actor total }",
    "noteFindingsByCategory { category }",
    "mailByStatus { status }",
]


@st.composite
def documents(draw: st.DrawFn, busy: str) -> tuple[str, dict[str, Any]]:
    """Connections and plain lists nested in each other; `busy`, the id of the contact whose lists are long."""
    variables: dict[str, Any] = {}
    definitions: list[str] = []

    def pick(*options: str) -> str:
        return draw(st.sampled_from(options))

    def page() -> str:
        return draw(first_argument(variables, definitions))

    def user(depth: int) -> str:
        fields = pick("name", "id", "team { name }", "team { id }")
        if depth < 2 and draw(st.booleans()):
            fields += f" team {{ members {{ {user(depth + 1)} }} }}"
        return fields

    def request_fields(depth: int) -> str:
        inner = pick(
            "id",
            f"id advisor {{ {user(1)} }}",
            "travelers { firstName }",
            "noteFindings { category }",
            "destination travelers { lastName } noteFindings { excerpt }",
        )
        if depth < 2 and draw(st.booleans()):
            inner += f" contact {{ id {contact_fields(depth + 1)} }}"
        return inner

    def requests(depth: int) -> str:
        tail = pick("", "pageInfo { hasNextPage }", "totalCount")
        return f"requests{page()} {{ edges {{ node {{ {request_fields(depth)} }} }} {tail} }}"

    def contact_fields(depth: int) -> str:
        fields = pick(
            "id",
            f"owner {{ {user(1)} }}",
            "team { name members { id } }",
            "visibility",
            "consents { purpose granted }",
            "noteFindings { category }",
        )
        if depth < 2 and draw(st.booleans()):
            fields += " " + requests(depth)
        return fields

    root = pick(
        "contacts", "travelRequests", "auditLog", "users", "teams", "subjectRequests", "consentHistory", "other"
    )
    if root == "contacts":
        body = f"contacts{page()} {{ edges {{ cursor node {{ {contact_fields(0)} }} }} }}"
    elif root == "travelRequests":
        body = f"travelRequests{page()} {{ edges {{ node {{ {request_fields(1)} }} }} }}"
    elif root == "auditLog":
        body = f"auditLog{page()} {{ edges {{ node {{ id action }} }} }}"
    elif root == "users":
        body = f"users {{ {user(0)} }}"
    elif root == "teams":
        body = f"teams {{ name members {{ {user(1)} }} }}"
    elif root == "subjectRequests":
        inner = pick("deliveries { id }", "noteFindings { category }", "deliveries { id } noteFindings { excerpt }")
        body = f"subjectRequests {{ id {inner} contact {{ {contact_fields(1)} }} }}"
    elif root == "consentHistory":
        definitions.append("$c: ID!")
        variables["c"] = busy
        body = "consentHistory(contactId: $c) { purpose granted }"
    elif draw(st.booleans()):
        body = f"outbox{page()} {{ id status }}"
    elif draw(st.booleans()):
        body = "personalDataInventory { entity field }"
    else:
        lists = draw(st.lists(st.sampled_from(REPORT_LISTS), min_size=1, max_size=3, unique=True))
        body = f"complianceReport {{ generatedAt {' '.join(lists)} }}"
    header = f"query({', '.join(definitions)})" if definitions else "query"
    return f"{header} {{ {body} }}", variables


def completed_objects(value: Any) -> int:
    """Objects the response holds: what the server completed (a connection, each edge, each node, each relation)."""
    if isinstance(value, list):
        return sum(completed_objects(item) for item in value)
    if isinstance(value, dict):
        return 1 + sum(completed_objects(item) for item in value.values())
    return 0


async def long_lists(world: World) -> Contact:
    """Every list as long as its bound lets it be (or long enough to matter): more contacts than a page, a busy
    contact with more requests than a page, each with the most travelers a request may have, findings, every
    consent purpose, rights requests with the most download links; team A full; mails past a page."""
    owner, at = world.users["owner"], now()
    await Contact.bulk_create(
        [
            Contact(
                agency=world.agency,
                owner=owner,
                team_id=owner.team_id,
                visibility=Visibility.AGENCY,
                first_name="Bulk",
                last_name=str(i),
                created_at=at,
                last_activity_at=at,
            )
            for i in range(EXTRA_CONTACTS)
        ]
    )
    busy = world.contacts[Visibility.AGENCY]
    await TravelRequest.bulk_create(
        [
            TravelRequest(
                agency=world.agency,
                contact=busy,
                advisor=owner,
                destination=f"D{i}",
                created_at=at,
                last_activity_at=at,
            )
            for i in range(EXTRA_REQUESTS)
        ]
    )
    request_ids = await TravelRequest.filter(contact=busy).order_by("-id").values_list("id", flat=True)
    await Traveler.bulk_create(
        [
            Traveler(request_id=r, position=i, first_name="T", last_name=str(i))
            for r in request_ids
            for i in range(validation.TRAVELERS_MAX)
        ]
    )
    await fill_team_a(world)
    await ConsentRecord.bulk_create(
        [
            ConsentRecord(
                contact=busy, purpose=p, granted=i % 2 == 0, recorded_at=at, source="s", wording="w", recorded_by="x"
            )
            for p in ConsentPurpose
            for i in range(4)
        ]
    )

    def findings(**where: Any) -> list[NoteFinding]:
        return [
            NoteFinding(agency=world.agency, field="f", category="HEALTH", excerpt=f"e{i}", found_at=at, **where)
            for i in range(list_caps.TEXT_FINDINGS)
        ]

    # The contact's findings are its own text's and its requests': as many as Contact.noteFindings answers.
    texts = list_caps.CONTACT_FINDINGS // list_caps.TEXT_FINDINGS
    rows = findings(contact=busy) + [
        f for r in request_ids[: texts - 1] for f in findings(contact=busy, travel_request_id=r)
    ]
    await NoteFinding.bulk_create(rows)
    for tag in "abc":
        request = await request_with_every_link(world, busy, tag)
        await NoteFinding.bulk_create(findings(subject_request=request))
    await OutboxMessage.bulk_create(
        [
            OutboxMessage(
                agency=world.agency,
                transport="mail",
                recipient="x@example.org",
                subject="s",
                body="b",
                created_at=at,
                next_attempt_at=at,
            )
            for _ in range(EXTRA_CONTACTS)
        ]
    )
    return busy


async def test_the_measured_cost_is_never_below_what_executes(client) -> None:
    world = await make_world()
    busy = await long_lists(world)
    schema = build_schema()._schema
    run = in_loop(asyncio.get_running_loop())
    seen = {"ran": 0, "refused": 0, "largest": 0}

    @given(document=documents(gid("Contact", busy.id)))
    @settings(AGAINST_THE_APP, max_examples=EXAMPLES)
    def cost_covers_execution(document: tuple[str, dict[str, Any]]) -> None:
        query, variables = document
        body = run(client.post(query, variables, token=world.tokens["dpo"]))
        if body.get("errors"):
            assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
            message = body["errors"][0]["message"]
            assert "cost" in message or "depth" in message, body
            seen["refused"] += "cost" in message
            return
        executed = completed_objects(body["data"]) - 1  # the root itself is not a field
        seen["ran"] += 1
        seen["largest"] = max(seen["largest"], executed)
        # The guard, asked with a limit just below what ran, refuses: its cost is at least what ran.
        tighter = Limits(max_depth=12, max_aliases=30, max_directives=50, max_cost=executed - 1)
        verdict = problem_with(parse(query), schema, variables, tighter, Caller.USER)
        assert verdict is not None and "cost" in verdict.message, (query, variables, executed, json.dumps(body)[:500])

    await asyncio.to_thread(cost_covers_execution)
    # Not vacuous: most documents ran, some were refused, and some ran pages past the default of 50.
    assert seen["ran"] >= EXAMPLES // 2 and seen["refused"] > 0 and seen["largest"] > 2 * 60, seen
