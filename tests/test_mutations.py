"""Writes: who may do what, input validation naming the field, nothing written on refusal, masked surprises."""

from __future__ import annotations

import pytest

from models import Contact, TravelRequest, User, Visibility
from tests.world import World, gid, make_world

CREATE = (
    "mutation($i: ContactInput!) { createContact(input: $i) "
    "{ id firstName visibility owner { email } personalDataVisible } }"
)
CREATE_REQUEST = (
    "mutation($i: TravelRequestInput!) { createTravelRequest(input: $i) { id travelers { firstName } travelerCount } }"
)


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def test_create_contact_defaults_to_viewer_and_agency_visibility(client, world: World) -> None:
    data = await client.data(
        CREATE, {"i": {"firstName": "Éloïse", "lastName": "Müller", "email": "E@Example.org"}}, world.tokens["mate"]
    )
    created = data["createContact"]
    assert created["owner"]["email"] == world.users["mate"].email
    assert created["visibility"] == "ADVISOR"  # the agency default: privacy by default
    assert created["personalDataVisible"] is True
    # Accent- and case-insensitive search finds it for the owner only.
    query = "query($s: String) { contacts(search: $s) { totalCount } }"
    assert (await client.data(query, {"s": "eloise muller"}, world.tokens["mate"]))["contacts"]["totalCount"] == 1
    assert (await client.data(query, {"s": "eloise"}, world.tokens["owner"]))["contacts"]["totalCount"] == 0


async def test_agency_default_visibility_is_applied(client, world: World) -> None:
    await client.data(
        "mutation { updateAgencySettings(defaultVisibility: TEAM, retentionMonths: 24) { retentionMonths } }",
        token=world.tokens["dpo"],
    )
    data = await client.data(CREATE, {"i": {"firstName": "A", "lastName": "B"}}, world.tokens["owner"])
    assert data["createContact"]["visibility"] == "TEAM"
    agency = await client.data("{ agency { retentionMonths defaultVisibility } }", token=world.tokens["owner"])
    assert agency["agency"] == {"retentionMonths": 24, "defaultVisibility": "TEAM"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"firstName": "", "lastName": "B"}, "firstName"),
        ({"firstName": "A" * 101, "lastName": "B"}, "firstName"),
        ({"firstName": "A\u0000", "lastName": "B"}, "firstName"),
        ({"firstName": "A", "lastName": "B", "email": "not-an-email"}, "email"),
        ({"firstName": "A", "lastName": "B", "phone": "call me"}, "phone"),
        ({"firstName": "A", "lastName": "B", "birthDate": "2999-01-01"}, "birthDate"),
        ({"firstName": "A", "lastName": "B", "notes": "x" * 10_001}, "notes"),
    ],
)
async def test_bad_contact_input_names_the_field_and_writes_nothing(
    client, world: World, payload: dict, field: str
) -> None:
    before = await Contact.all().count()
    body = await client.post(CREATE, {"i": payload}, world.tokens["owner"])
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert field in error["message"]
    assert await Contact.all().count() == before


async def test_unknown_enum_and_wrong_types_are_bad_user_input(client, world: World) -> None:
    for payload in ({"firstName": "A", "lastName": "B", "visibility": "EVERYONE"}, {"firstName": 3, "lastName": "B"}):
        assert await client.error_code(CREATE, {"i": payload}, world.tokens["owner"]) == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"travelerCount": -1}, "travelerCount"),
        ({"budgetCents": -5}, "budgetCents"),
        ({"departureDate": "2030-05-10", "returnDate": "2030-05-01"}, "returnDate"),
        ({"destination": "  "}, "destination"),
        ({"travelers": [{"firstName": "", "lastName": "X"}]}, "travelers[0].firstName"),
    ],
)
async def test_bad_request_input(client, world: World, payload: dict, field: str) -> None:
    contact = world.contacts[Visibility.ADVISOR]
    before = await TravelRequest.all().count()
    body = await client.post(
        CREATE_REQUEST,
        {"i": {"contactId": gid("Contact", contact.id), "destination": "Oslo", **payload}},
        world.tokens["owner"],
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert field in body["errors"][0]["message"]
    assert await TravelRequest.all().count() == before


async def test_request_lifecycle_updates_activity(client, world: World) -> None:
    contact = world.contacts[Visibility.TEAM]
    data = await client.data(
        CREATE_REQUEST,
        {
            "i": {
                "contactId": gid("Contact", contact.id),
                "destination": "Oslo",
                "travelerCount": 2,
                "travelers": [{"firstName": "Léon", "lastName": "Nom", "birthDate": "2016-02-29"}],
            }
        },
        world.tokens["mate"],
    )
    request_id = data["createTravelRequest"]["id"]
    assert data["createTravelRequest"]["travelers"] == [{"firstName": "Léon"}]
    updated = await client.data(
        "mutation($id: ID!) { updateTravelRequest(id: $id, patch: {status: QUOTED, travelers: []}) "
        "{ status travelers { firstName } lastActivityAt contact { lastActivityAt } } }",
        {"id": request_id},
        world.tokens["owner"],
    )
    assert updated["updateTravelRequest"]["status"] == "QUOTED"
    assert updated["updateTravelRequest"]["travelers"] == []
    assert (
        updated["updateTravelRequest"]["contact"]["lastActivityAt"] == updated["updateTravelRequest"]["lastActivityAt"]
    )


async def test_update_contact_needs_visibility(client, world: World) -> None:
    contact = world.contacts[Visibility.TEAM]
    mutation = (
        'mutation($id: ID!) { updateContact(id: $id, patch: {email: "new@example.org", notes: null}) { email notes } }'
    )
    variables = {"id": gid("Contact", contact.id)}
    assert await client.error_code(mutation, variables, world.tokens["other_team"]) == "FORBIDDEN"
    data = await client.data(mutation, variables, world.tokens["mate"])
    assert data["updateContact"] == {"email": "new@example.org", "notes": None}


async def test_only_owner_or_dpo_share_and_transfer(client, world: World) -> None:
    contact = world.contacts[Visibility.AGENCY]
    share = "mutation($id: ID!) { setContactVisibility(id: $id, visibility: TEAM) { visibility } }"
    variables = {"id": gid("Contact", contact.id)}
    for position in ("mate", "admin", "other_team"):
        assert await client.error_code(share, variables, world.tokens[position]) == "FORBIDDEN"
    assert (await client.data(share, variables, world.tokens["dpo"]))["setContactVisibility"]["visibility"] == "TEAM"
    transfer = "mutation($id: ID!, $o: ID!) { transferContact(id: $id, ownerId: $o) { owner { email } } }"
    foreign = {"id": gid("Contact", contact.id), "o": gid("User", world.users["foreign_advisor"].id)}
    assert await client.error_code(transfer, foreign, world.tokens["owner"]) == "NOT_FOUND"


async def test_team_and_user_management_is_admin_only(client, world: World) -> None:
    create_user = (
        'mutation($t: ID) { createUser(email: "new@a.test", name: "New", password: "a-long-enough-passphrase", '
        "role: ADVISOR, teamId: $t) { email role team { name } } }"
    )
    variables = {"t": gid("Team", world.team_a.id)}
    for position in ("owner", "dpo"):
        assert await client.error_code(create_user, variables, world.tokens[position]) == "FORBIDDEN"
        assert (
            await client.error_code('mutation { createTeam(name: "T") { id } }', token=world.tokens[position])
            == "FORBIDDEN"
        )
    data = await client.data(create_user, variables, world.tokens["admin"])
    assert data["createUser"] == {"email": "new@a.test", "role": "ADVISOR", "team": {"name": "Team A"}}
    assert await client.error_code(create_user, variables, world.tokens["admin"]) == "BAD_USER_INPUT"  # duplicate
    weak = create_user.replace("a-long-enough-passphrase", "password1234").replace("new@a.test", "other@a.test")
    assert await client.error_code(weak, variables, world.tokens["admin"]) == "BAD_USER_INPUT"
    assert not await User.filter(email="other@a.test").exists()
    team = await client.data(
        'mutation { createTeam(name: "Nord") { name members { email } } }', token=world.tokens["admin"]
    )
    assert team["createTeam"] == {"name": "Nord", "members": []}
    assert (
        await client.error_code(
            "mutation { updateAgencySettings(retentionMonths: 1) { id } }", token=world.tokens["admin"]
        )
        == "FORBIDDEN"
    )
    assert (
        await client.error_code(
            "mutation { updateAgencySettings(retentionMonths: 0) { id } }", token=world.tokens["dpo"]
        )
        == "BAD_USER_INPUT"
    )


@pytest.mark.parametrize("bad_id", ["", "nope", "Q29udGFjdDp4", "VXNlcjox", "Q29udGFjdDo5OTk5OTk"])
async def test_malformed_and_unknown_ids_are_not_found(client, world: World, bad_id: str) -> None:
    assert (
        await client.error_code("query($id: ID!) { contact(id: $id) { id } }", {"id": bad_id}, world.tokens["dpo"])
        == "NOT_FOUND"
    )


async def test_bad_cursor_and_page_size(client, world: World) -> None:
    token = world.tokens["dpo"]
    assert await client.error_code('{ contacts(after: "zzz") { totalCount } }', token=token) == "BAD_USER_INPUT"
    assert await client.error_code("{ contacts(first: -1) { totalCount } }", token=token) == "BAD_USER_INPUT"
    page = await client.data(
        "{ contacts(first: 2) { edges { cursor } pageInfo { hasNextPage endCursor } } }", token=token
    )
    after = page["contacts"]["pageInfo"]["endCursor"]
    rest = await client.data(
        "query($a: String) { contacts(first: 2, after: $a) { edges { cursor } pageInfo { hasNextPage } } }",
        {"a": after},
        token,
    )
    assert page["contacts"]["pageInfo"]["hasNextPage"] is True
    assert len(rest["contacts"]["edges"]) == 1 and rest["contacts"]["pageInfo"]["hasNextPage"] is False


async def test_unexpected_errors_are_masked(client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from resolvers import organisation

    async def broken(principal):
        raise RuntimeError('SELECT * FROM contact WHERE last_name = "Dupont"')

    monkeypatch.setattr(organisation, "teams", broken)
    body = await client.post("{ teams { name } }", token=world.tokens["owner"])
    assert body["errors"][0]["message"] == "Unexpected error"
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "Dupont" not in str(body)
