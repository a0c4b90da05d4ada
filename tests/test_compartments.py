"""The compartment matrix: every viewer position x every visibility x every personal field, through every path."""

from __future__ import annotations

import pytest

from models import Visibility
from tests.world import EXPECTED_VISIBLE, POSITIONS, World, gid, make_world

CONTACT_PERSONAL = ["firstName", "lastName", "email", "phone", "birthDate", "address", "notes", "consents"]
CONTACT_FIELDS = "id personalDataVisible visibility owner { email } team { name } " + " ".join(
    f if f != "consents" else "consents { purpose granted since }" for f in CONTACT_PERSONAL
)
REQUEST_FIELDS = "id destination status notes travelers { firstName lastName birthDate }"


def assert_contact(node: dict, visible: bool) -> None:
    assert node["personalDataVisible"] is visible
    for name in CONTACT_PERSONAL:
        if visible:
            assert node[name] not in (None, []), name
        else:
            assert node[name] is None, name


def assert_request(node: dict, visible: bool) -> None:
    assert node["destination"].startswith("Destination")
    if visible:
        assert node["notes"] and node["travelers"][0]["firstName"]
    else:
        assert node["notes"] is None and node["travelers"] is None


@pytest.fixture
async def world(client) -> World:
    return await make_world()


@pytest.mark.parametrize("position", [p for p in POSITIONS if not p.startswith("foreign")])
async def test_contact_paths_follow_the_policy(client, world: World, position: str) -> None:
    token = world.tokens[position]
    for visibility, contact in world.contacts.items():
        visible = position in EXPECTED_VISIBLE[visibility]
        data = await client.data(
            f"query($id: ID!) {{ contact(id: $id) {{ {CONTACT_FIELDS} requests(first: 5) {{ totalCount edges {{ "
            f"node {{ {REQUEST_FIELDS} contact {{ {CONTACT_FIELDS} requests(first: 5) {{ edges {{ node {{ "
            f"{REQUEST_FIELDS} }} }} }} }} }} }} }} }} }}",
            {"id": gid("Contact", contact.id)},
            token,
        )
        node = data["contact"]
        assert_contact(node, visible)
        assert node["requests"]["totalCount"] == 1
        inner = node["requests"]["edges"][0]["node"]
        assert_request(inner, visible)
        assert_contact(inner["contact"], visible)
        assert_request(inner["contact"]["requests"]["edges"][0]["node"], visible)


@pytest.mark.parametrize("position", [p for p in POSITIONS if not p.startswith("foreign")])
async def test_lists_follow_the_policy(client, world: World, position: str) -> None:
    token = world.tokens[position]
    data = await client.data(
        f"{{ contacts {{ totalCount edges {{ node {{ {CONTACT_FIELDS} }} }} }} "
        f"travelRequests {{ totalCount edges {{ node {{ {REQUEST_FIELDS} contact {{ {CONTACT_FIELDS} }} }} }} }} }}",
        token=token,
    )
    by_id = {gid("Contact", c.id): v for v, c in world.contacts.items()}
    assert data["contacts"]["totalCount"] == 3  # the other agency's contact never counts
    for edge in data["contacts"]["edges"]:
        assert_contact(edge["node"], position in EXPECTED_VISIBLE[by_id[edge["node"]["id"]]])
    assert data["travelRequests"]["totalCount"] == 3
    for edge in data["travelRequests"]["edges"]:
        visible = position in EXPECTED_VISIBLE[by_id[edge["node"]["contact"]["id"]]]
        assert_request(edge["node"], visible)
        assert_contact(edge["node"]["contact"], visible)


async def test_aliases_and_fragments_do_not_bypass_masking(client, world: World) -> None:
    contact = world.contacts[Visibility.ADVISOR]
    data = await client.data(
        """query($id: ID!) {
             a: contact(id: $id) { ...F x: firstName }
             b: contacts { edges { node { ... on Contact { id y: email z: notes } } } }
           }
           fragment F on Contact { n: lastName p: phone }""",
        {"id": gid("Contact", contact.id)},
        world.tokens["other_team"],
    )
    assert data["a"] == {"n": None, "p": None, "x": None}
    hidden = [e["node"] for e in data["b"]["edges"] if e["node"]["id"] == gid("Contact", contact.id)]
    assert hidden == [{"id": gid("Contact", contact.id), "y": None, "z": None}]


@pytest.mark.parametrize("position", ["foreign_dpo", "foreign_advisor"])
async def test_other_agencies_are_invisible(client, world: World, position: str) -> None:
    token = world.tokens[position]
    contact = world.contacts[Visibility.AGENCY]
    assert (
        await client.error_code(
            "query($id: ID!) { contact(id: $id) { id } }", {"id": gid("Contact", contact.id)}, token
        )
        == "NOT_FOUND"
    )
    request = await contact.requests.all().first()
    assert (
        await client.error_code(
            "query($id: ID!) { travelRequest(id: $id) { id } }", {"id": gid("TravelRequest", request.id)}, token
        )
        == "NOT_FOUND"
    )
    data = await client.data("{ contacts { totalCount } travelRequests { totalCount } }", token=token)
    assert data == {"contacts": {"totalCount": 1}, "travelRequests": {"totalCount": 1}}


async def test_team_scope_follows_the_owner(client, world: World) -> None:
    contact = world.contacts[Visibility.TEAM]
    query = "query($id: ID!) { contact(id: $id) { personalDataVisible team { name } } }"
    variables = {"id": gid("Contact", contact.id)}
    assert (await client.data(query, variables, world.tokens["mate"]))["contact"]["personalDataVisible"] is True
    await client.data(
        "mutation($u: ID!, $t: ID) { setUserTeam(userId: $u, teamId: $t) { team { name } } }",
        {"u": gid("User", world.users["owner"].id), "t": gid("Team", world.team_b.id)},
        world.tokens["admin"],
    )
    assert (await client.data(query, variables, world.tokens["mate"]))["contact"]["personalDataVisible"] is False
    moved = await client.data(query, variables, world.tokens["other_team"])
    assert moved["contact"] == {"personalDataVisible": True, "team": {"name": "Team B"}}


async def test_transfer_moves_the_team_scope(client, world: World) -> None:
    contact = world.contacts[Visibility.TEAM]
    data = await client.data(
        "mutation($id: ID!, $o: ID!) { transferContact(id: $id, ownerId: $o) "
        "{ owner { email } team { name } personalDataVisible } }",
        {"id": gid("Contact", contact.id), "o": gid("User", world.users["other_team"].id)},
        world.tokens["owner"],
    )
    # The former owner is now outside: TEAM scope is Team B's.
    assert data["transferContact"] == {"owner": None, "team": None, "personalDataVisible": False} or data[
        "transferContact"
    ]["team"] == {"name": "Team B"}
    check = await client.data(
        "query($id: ID!) { contact(id: $id) { personalDataVisible } }",
        {"id": gid("Contact", contact.id)},
        world.tokens["other_team"],
    )
    assert check["contact"]["personalDataVisible"] is True
