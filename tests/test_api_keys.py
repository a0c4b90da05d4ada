"""Partner API keys: who may manage them, the secret shown once, revocation, and what a key may read."""

from __future__ import annotations

import pytest

from auth.credentials import secret_hash
from models import ApiKey, AuditEvent, Visibility
from tests.world import World, gid, make_world

CREATE = """mutation($name: String!, $scopes: [ApiScope!]!) {
  createApiKey(name: $name, scopes: $scopes) { secret apiKey { id name scopes createdAt revoked } }
}"""
REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) { id name revoked } }"
LIST = "{ apiKeys { id name scopes revoked } }"
CONTACTS = "{ contacts { totalCount edges { node { id visibility firstName email } } } }"
ADVISORS = ("owner", "mate", "other_team", "no_team")


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def create_key(
    client,
    world: World,
    scopes: list[str],
    name: str = "Site web",
    by: str = "admin",
) -> dict:
    return (await client.data(CREATE, {"name": name, "scopes": scopes}, world.tokens[by]))["createApiKey"]


async def first_error(client, query: str, variables: dict | None, token: str | None) -> dict:
    body = await client.post(query, variables, token)
    assert body.get("errors"), body
    return body["errors"][0]


@pytest.mark.parametrize("position", ["admin", "dpo"])
async def test_admin_and_dpo_create_a_key_whose_secret_is_shown_once(client, world: World, position: str) -> None:
    created = await create_key(client, world, ["READ_CONTACTS", "INTAKE", "INTAKE"], by=position)
    secret, key = created["secret"], created["apiKey"]
    assert secret.startswith("alv_key_") and len(secret) > 40
    assert key["name"] == "Site web" and key["scopes"] == ["INTAKE", "READ_CONTACTS"] and key["revoked"] is False

    row = await ApiKey.get(agency_id=world.agency.id)
    assert gid("ApiKey", row.id) == key["id"]
    assert row.secret_hash == secret_hash(secret)
    assert secret not in repr(await ApiKey.filter(id=row.id).values())  # only its hash is stored

    listed = (await client.data(LIST, token=world.tokens[position]))["apiKeys"]
    assert listed == [{"id": key["id"], "name": "Site web", "scopes": ["INTAKE", "READ_CONTACTS"], "revoked": False}]

    event = await AuditEvent.get(agency_id=world.agency.id, action="CREATE_API_KEY")
    assert event.actor == world.users[position].email
    assert event.detail == f"key {row.id} scopes INTAKE,READ_CONTACTS" and secret not in event.detail

    # The secret authenticates at once.
    assert (await client.data(CONTACTS, token=secret))["contacts"]["totalCount"] == 1


async def test_advisors_may_not_manage_keys(client, world: World) -> None:
    other = await create_key(client, world, ["INTAKE"], name="existing")
    for position in ADVISORS:
        token = world.tokens[position]
        mine = {"name": "mine", "scopes": ["READ_CONTACTS"]}
        assert await client.error_code(CREATE, mine, token) == "FORBIDDEN", position
        assert await client.error_code(LIST, token=token) == "FORBIDDEN", position
        assert await client.error_code(REVOKE, {"id": other["apiKey"]["id"]}, token) == "FORBIDDEN", position
    assert await ApiKey.filter(agency_id=world.agency.id).values_list("name", "revoked") == [("existing", False)]


async def test_a_key_may_not_manage_keys_and_anonymous_is_unauthenticated(client, world: World) -> None:
    key = await create_key(client, world, ["INTAKE", "READ_CONTACTS"])
    assert (
        await client.error_code(CREATE, {"name": "escalate", "scopes": ["READ_CONTACTS"]}, key["secret"]) == "FORBIDDEN"
    )
    assert await client.error_code(LIST, token=key["secret"]) == "FORBIDDEN"
    assert await client.error_code(REVOKE, {"id": key["apiKey"]["id"]}, key["secret"]) == "FORBIDDEN"
    assert await client.error_code(LIST) == "UNAUTHENTICATED"
    assert await client.error_code(CREATE, {"name": "anon", "scopes": ["INTAKE"]}) == "UNAUTHENTICATED"
    assert await ApiKey.filter(agency_id=world.agency.id).count() == 1


async def test_revocation_takes_effect_on_the_next_request(client, world: World) -> None:
    key = await create_key(client, world, ["READ_CONTACTS"])
    assert (await client.data(CONTACTS, token=key["secret"]))["contacts"]["totalCount"] == 1

    revoked = (await client.data(REVOKE, {"id": key["apiKey"]["id"]}, world.tokens["dpo"]))["revokeApiKey"]
    assert revoked == {"id": key["apiKey"]["id"], "name": "Site web", "revoked": True}
    assert await client.error_code(CONTACTS, token=key["secret"]) == "UNAUTHENTICATED"
    assert (await client.data(LIST, token=world.tokens["admin"]))["apiKeys"][0]["revoked"] is True

    # Revoking again changes nothing and is not recorded twice.
    assert (await client.data(REVOKE, {"id": key["apiKey"]["id"]}, world.tokens["admin"]))["revokeApiKey"]["revoked"]
    events = await AuditEvent.filter(agency_id=world.agency.id, action="REVOKE_API_KEY").values_list("actor", "detail")
    assert events == [(world.users["dpo"].email, f"key {(await ApiKey.get()).id}")]

    # A revoked key's name may be reused for its replacement.
    replacement = await create_key(client, world, ["READ_CONTACTS"])
    assert (await client.data(CONTACTS, token=replacement["secret"]))["contacts"]["totalCount"] == 1


async def test_keys_belong_to_their_agency(client, world: World) -> None:
    key = await create_key(client, world, ["READ_CONTACTS"])
    assert (await client.data(LIST, token=world.tokens["foreign_dpo"]))["apiKeys"] == []
    error = await first_error(client, REVOKE, {"id": key["apiKey"]["id"]}, world.tokens["foreign_dpo"])
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert (await client.data(CONTACTS, token=key["secret"]))["contacts"]["totalCount"] == 1
    # A contact's id is no key id.
    contact_id = gid("Contact", world.contacts[Visibility.AGENCY].id)
    assert await client.error_code(REVOKE, {"id": contact_id}, world.tokens["dpo"]) == "NOT_FOUND"


BAD_INPUTS = [
    ("  ", ["INTAKE"], "name"),
    ("x" * 201, ["INTAKE"], "name"),
    ("Site\u0000web", ["INTAKE"], "name"),
    ("Site web", [], "scopes"),
    ("Taken", ["INTAKE"], "name"),
]


async def test_bad_input_names_the_field_and_writes_nothing(client, world: World) -> None:
    await create_key(client, world, ["INTAKE"], name="Taken")
    for name, scopes, field in BAD_INPUTS:
        error = await first_error(client, CREATE, {"name": name, "scopes": scopes}, world.tokens["dpo"])
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, (name, scopes)
        assert error["message"].startswith(f"{field}: ")
    assert await ApiKey.filter(agency_id=world.agency.id).count() == 1
    assert await AuditEvent.filter(agency_id=world.agency.id, action="CREATE_API_KEY").count() == 1


async def test_read_contacts_key_reads_agency_contacts_only(client, world: World) -> None:
    secret = (await create_key(client, world, ["READ_CONTACTS"]))["secret"]
    shared = world.contacts[Visibility.AGENCY]
    data = await client.data(CONTACTS, token=secret)
    assert data["contacts"] == {
        "totalCount": 1,
        "edges": [
            {
                "node": {
                    "id": gid("Contact", shared.id),
                    "visibility": "AGENCY",
                    "firstName": "PrenomXAGENCYQ",
                    "email": "mailxagencyq@example.org",
                }
            }
        ],
    }
    one = "query($id: ID!) { contact(id: $id) { firstName requests { totalCount edges { node { notes } } } } }"
    shown = await client.data(one, {"id": gid("Contact", shared.id)}, secret)
    assert shown["contact"]["firstName"] == "PrenomXAGENCYQ"
    assert shown["contact"]["requests"]["edges"][0]["node"]["notes"] == "ReqNoteXAGENCYQ0"
    for hidden in (world.contacts[Visibility.ADVISOR], world.contacts[Visibility.TEAM], world.foreign_contact):
        assert await client.error_code(one, {"id": gid("Contact", hidden.id)}, secret) == "NOT_FOUND"
    searched = await client.data(
        "query($s: String) { contacts(search: $s) { totalCount } }", {"s": "PrenomXADVISORQ"}, secret
    )
    assert searched["contacts"]["totalCount"] == 0
    # Only contact and contacts: everything else is out of scope.
    assert await client.error_code("{ travelRequests { totalCount } }", token=secret) == "FORBIDDEN"
    update = 'mutation($id: ID!) { updateContact(id: $id, patch: {notes: "x"}) { id } }'
    assert await client.error_code(update, {"id": gid("Contact", shared.id)}, secret) == "FORBIDDEN"
    await shared.refresh_from_db()
    assert shared.notes == "NoteXAGENCYQ"


async def test_intake_key_reads_nothing(client, world: World) -> None:
    secret = (await create_key(client, world, ["INTAKE"]))["secret"]
    assert await client.error_code(CONTACTS, token=secret) == "FORBIDDEN"
    contact_id = gid("Contact", world.contacts[Visibility.AGENCY].id)
    assert (
        await client.error_code("query($id: ID!) { contact(id: $id) { id } }", {"id": contact_id}, secret)
        == "FORBIDDEN"
    )


STAFF = """{ contacts { edges { node { owner { id name team { id name members { id name } } }
  team { id name members { id name team { name } } }
  requests { edges { node { advisor { id name __typename } } } } } } } }"""


async def test_a_key_reads_staff_as_ids_and_names_only(client, world: World) -> None:
    secret = (await create_key(client, world, ["READ_CONTACTS"]))["secret"]
    owner = world.users["owner"]
    node = (await client.data(STAFF, token=secret))["contacts"]["edges"][0]["node"]
    assert node["owner"]["id"] == gid("User", owner.id) and node["owner"]["name"] == owner.name
    assert node["owner"]["team"]["name"] == "Team A"
    assert {m["name"] for m in node["team"]["members"]} == {owner.name, world.users["mate"].name}
    assert node["requests"]["edges"][0]["node"]["advisor"] == {
        "id": gid("User", owner.id),
        "name": owner.name,
        "__typename": "User",
    }
    # Any other staff field, however it is reached (nested, in a fragment, aliased), refuses the whole document.
    for document, field in [
        ("{ contacts { edges { node { owner { email } } } } }", "User.email"),
        ("{ contacts { edges { node { owner { id role } } } } }", "User.role"),
        ("{ contacts { edges { node { team { members { active } } } } } }", "User.active"),
        ("{ contacts { edges { node { requests { edges { node { advisor { mail: email } } } } } } } }", "User.email"),
        ("{ contacts { edges { node { owner { ...U } } } } } fragment U on User { name email }", "User.email"),
        ("{ contacts { edges { node { owner { ... on User { role } } } } } }", "User.role"),
        ("query($id: ID!) { contact(id: $id) { owner { email } } }", "User.email"),
    ]:
        variables = {"id": gid("Contact", world.contacts[Visibility.AGENCY].id)}
        body = await client.post(document, variables, secret)
        assert "data" not in body, document
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "FORBIDDEN"} and f"'{field}'" in error["message"], document
        assert owner.email not in str(body) and "ADVISOR" not in str(body)
    # Signed-in staff read the same fields as before.
    full = "{ contacts { edges { node { owner { email role active } } } } }"
    assert (await client.data(full, token=world.tokens["mate"]))["contacts"]["edges"][0]["node"]["owner"][
        "role"
    ] == "ADVISOR"
