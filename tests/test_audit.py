"""The audit trail: what the existing writes record, who may read it, and the hash chain that proves it whole."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from models import Agency, AuditChainHead, AuditEvent, Contact, Visibility
from resolvers import audit, deletion
from tests.world import PASSWORD, World, gid, make_world, personal_values

AUDIT_LOG = """query($contactId: ID, $actor: String, $action: String, $first: Int, $after: String) {
  auditLog(contactId: $contactId, actorEmail: $actor, action: $action, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id at actor action contactId detail } }
  }
}"""
VERIFY = "{ verifyAuditChain { ok checkedEvents firstBrokenEventId } }"
CREATE = "mutation($i: ContactInput!) { createContact(input: $i) { id } }"
UPDATE = "mutation($id: ID!, $p: ContactPatch!) { updateContact(id: $id, patch: $p) { id } }"
CONSENT = "mutation($i: ConsentInput!) { recordConsent(input: $i) { id } }"
VISIBILITY = "mutation($id: ID!, $v: Visibility!) { setContactVisibility(id: $id, visibility: $v) { id } }"
TRANSFER = "mutation($id: ID!, $o: ID!) { transferContact(id: $id, ownerId: $o) { id } }"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def audit_log(client, world: World, viewer: str = "dpo", **variables: Any) -> list[dict]:
    data = await client.data(AUDIT_LOG, {"first": 200, **variables}, world.tokens[viewer])
    return [edge["node"] for edge in data["auditLog"]["edges"]]


async def some_activity(client, world: World) -> str:
    """A contact created, rectified, consented, shared and transferred; returns its id."""
    owner = world.tokens["owner"]
    created = await client.data(
        CREATE,
        {
            "i": {
                "firstName": "Zelda",
                "lastName": "Quaternion",
                "email": "zelda.q@example.org",
                "notes": "Secret wish ZQNOTE",
            }
        },
        owner,
    )
    contact_id = created["createContact"]["id"]
    await client.data(
        UPDATE, {"id": contact_id, "p": {"email": "zq.new@example.org", "phone": "+33 6 12 34 56 78"}}, owner
    )
    await client.data(
        CONSENT,
        {
            "i": {
                "contactId": contact_id,
                "purpose": "NEWSLETTER",
                "granted": True,
                "source": "phone call",
                "wording": "Yes to ZQWORDING",
            }
        },
        owner,
    )
    await client.data(VISIBILITY, {"id": contact_id, "v": "TEAM"}, owner)
    await client.data(TRANSFER, {"id": contact_id, "o": gid("User", world.users["mate"].id)}, world.tokens["dpo"])
    return contact_id


async def test_writes_are_audited_with_actor_and_field_names_only(client, world: World) -> None:
    contact_id = await some_activity(client, world)
    owner, dpo = world.users["owner"].email, world.users["dpo"].email
    events = await audit_log(client, world, contactId=contact_id)
    assert [(e["action"], e["actor"], e["detail"]) for e in reversed(events)] == [
        ("CREATE", owner, ""),
        ("UPDATE", owner, "fields: email,phone"),
        ("CONSENT", owner, "NEWSLETTER granted"),
        ("SET_VISIBILITY", owner, "ADVISOR -> TEAM"),
        ("TRANSFER", dpo, f"owner user {world.users['owner'].id} -> user {world.users['mate'].id}"),
    ]
    assert {e["contactId"] for e in events} == {contact_id}


async def test_logins_are_audited_with_the_account(client, world: World) -> None:
    await client.data(LOGIN, {"e": world.users["admin"].email, "p": PASSWORD})
    assert (
        await client.error_code(LOGIN, {"e": world.users["mate"].email, "p": "wrong-password-123"}) == "UNAUTHENTICATED"
    )
    assert await client.error_code(LOGIN, {"e": "nobody@nowhere.test", "p": "wrong-password-123"}) == "UNAUTHENTICATED"
    logins = await audit_log(client, world, action="LOGIN")
    failures = await audit_log(client, world, action="login_failed")  # action names are matched case-insensitively
    assert [(e["actor"], e["contactId"]) for e in logins] == [(world.users["admin"].email, None)]
    # An unknown email has no agency to log into: only the known account's failure is on record.
    assert [e["actor"] for e in failures] == [world.users["mate"].email]


async def test_views_of_personal_data_are_logged_once_per_contact_per_operation(client, world: World) -> None:
    advisor_only = gid("Contact", world.contacts[Visibility.ADVISOR].id)
    await client.data(
        "query($id: ID!) { contact(id: $id) { firstName email } contacts { edges { node { id lastName } } } }",
        {"id": advisor_only},
        world.tokens["dpo"],
    )
    views = await audit_log(client, world, action="VIEW_PERSONAL")
    expected = sorted(gid("Contact", c.id) for c in world.contacts.values())
    assert sorted(e["contactId"] for e in views) == expected
    assert len({e["at"] for e in views}) == 1  # one batch at the end of the operation
    assert {e["actor"] for e in views} == {world.users["dpo"].email}

    # other_team sees the personal data of the AGENCY contact only; public fields alone are no view.
    await client.data("{ contacts { edges { node { id firstName } } } }", token=world.tokens["other_team"])
    await client.data("{ contacts { edges { node { id visibility owner { email } } } } }", token=world.tokens["owner"])
    views = await audit_log(client, world, action="VIEW_PERSONAL", actor=world.users["other_team"].email)
    assert [e["contactId"] for e in views] == [gid("Contact", world.contacts[Visibility.AGENCY].id)]
    assert await audit_log(client, world, action="VIEW_PERSONAL", actor=world.users["owner"].email) == []

    # Request notes and travelers are the contact's data too.
    await client.data("{ travelRequests { edges { node { notes } } } }", token=world.tokens["owner"])
    views = await audit_log(client, world, action="VIEW_PERSONAL", actor=world.users["owner"].email)
    assert sorted(e["contactId"] for e in views) == expected


async def test_views_are_noted_through_fragments_and_nested_selections(client, world: World) -> None:
    """Which contacts a response reveals is read from the selection: fragments and nesting included."""

    def viewed(views: list[dict]) -> list[str]:
        return sorted(e["contactId"] for e in views)

    everyone = sorted(gid("Contact", c.id) for c in world.contacts.values())
    agency_only = [gid("Contact", world.contacts[Visibility.AGENCY].id)]
    cases = [
        # A named fragment on Contact, spread in the page.
        ("{ contacts { edges { node { ...Who } } } } fragment Who on Contact { id email }", everyone),
        # An inline fragment, and a personal field of the request's contact reached through the request.
        ("{ travelRequests { edges { node { ... on TravelRequest { contact { lastName } } } } } }", everyone),
        # Travelers are the contact's data too, two levels below.
        (
            "{ contacts { edges { node { requests(first: 5) { edges { node { travelers { firstName } } } } } } } }",
            everyone,
        ),
        # Public fields only, however deep: no view.
        ("{ contacts { edges { node { id visibility requests { edges { node { destination status } } } } } } }", []),
    ]
    for query, expected in cases:
        await client.data(query, token=world.tokens["dpo"])
        assert viewed(await audit_log(client, world, action="VIEW_PERSONAL")) == expected, query
        await AuditEvent.filter(action="VIEW_PERSONAL").delete()
    # Outside the compartment nothing personal is shown, so nothing is noted.
    await client.data(
        "{ contacts { edges { node { ...Who } } } } fragment Who on Contact { email }", token=world.tokens["other_team"]
    )
    views = await audit_log(client, world, action="VIEW_PERSONAL", actor=world.users["other_team"].email)
    assert viewed(views) == agency_only


async def test_only_the_dpo_reads_and_verifies_the_trail(client, world: World) -> None:
    for viewer in ("owner", "admin", None):
        token = world.tokens[viewer] if viewer else None
        expected = "UNAUTHENTICATED" if viewer is None else "FORBIDDEN"
        assert await client.error_code("{ auditLog { totalCount } }", token=token) == expected, viewer
        assert await client.error_code(VERIFY, token=token) == expected, viewer


async def test_the_trail_is_scoped_to_the_agency(client, world: World) -> None:
    contact_id = await some_activity(client, world)
    foreign = world.tokens["foreign_dpo"]
    await client.data("{ contacts { edges { node { firstName } } } }", token=foreign)
    events = await audit_log(client, world, "foreign_dpo")
    assert [(e["action"], e["contactId"]) for e in events] == [
        ("VIEW_PERSONAL", gid("Contact", world.foreign_contact.id))  # type: ignore[union-attr]
    ]
    assert await audit_log(client, world, "foreign_dpo", contactId=contact_id) == []
    assert all(e["action"] != "VIEW_PERSONAL" for e in await audit_log(client, world))
    verification = (await client.data(VERIFY, token=foreign))["verifyAuditChain"]
    assert verification == {"ok": True, "checkedEvents": 1, "firstBrokenEventId": None}


async def test_pages_newest_first_and_filters_combine(client, world: World) -> None:
    contact_id = await some_activity(client, world)
    first = await client.data(AUDIT_LOG, {"first": 2}, world.tokens["dpo"])
    page = first["auditLog"]
    assert page["totalCount"] == 5 and page["pageInfo"]["hasNextPage"] is True
    rest = await client.data(AUDIT_LOG, {"first": 10, "after": page["pageInfo"]["endCursor"]}, world.tokens["dpo"])
    nodes = [e["node"] for e in page["edges"] + rest["auditLog"]["edges"]]
    assert [n["action"] for n in nodes] == ["TRANSFER", "SET_VISIBILITY", "CONSENT", "UPDATE", "CREATE"]
    assert rest["auditLog"]["pageInfo"]["hasNextPage"] is False
    owner = world.users["owner"].email
    combined = await audit_log(client, world, contactId=contact_id, actor=owner.upper(), action="update")
    assert [e["detail"] for e in combined] == ["fields: email,phone"]
    assert await client.error_code(AUDIT_LOG, {"after": "not-a-cursor"}, world.tokens["dpo"]) == "BAD_USER_INPUT"
    assert await client.error_code(AUDIT_LOG, {"contactId": "bogus"}, world.tokens["dpo"]) == "NOT_FOUND"
    assert await client.error_code(AUDIT_LOG, {"action": "DROP TABLE"}, world.tokens["dpo"]) == "BAD_USER_INPUT"


async def test_the_chain_verifies_and_reports_the_first_tampered_event(client, world: World) -> None:
    await some_activity(client, world)
    await client.data(LOGIN, {"e": world.users["foreign_dpo"].email, "p": PASSWORD})  # the other agency's chain
    assert (await client.data(VERIFY, token=world.tokens["dpo"]))["verifyAuditChain"] == {
        "ok": True,
        "checkedEvents": 5,
        "firstBrokenEventId": None,
    }
    ids = await AuditEvent.filter(agency_id=world.agency.id).order_by("id").values_list("id", flat=True)
    tampered = ids[2]
    await get_connection("default").execute_query(
        f"UPDATE audit_event SET detail = 'nothing to see' WHERE id = {int(tampered)}"
    )
    result = (await client.data(VERIFY, token=world.tokens["dpo"]))["verifyAuditChain"]
    assert result == {"ok": False, "checkedEvents": 3, "firstBrokenEventId": gid("AuditEvent", tampered)}
    # One agency's tampering says nothing about another's chain.
    other = (await client.data(VERIFY, token=world.tokens["foreign_dpo"]))["verifyAuditChain"]
    assert other["ok"] is True


async def test_removing_an_event_breaks_the_chain_at_the_next_one(client, world: World) -> None:
    await some_activity(client, world)
    ids = await AuditEvent.filter(agency_id=world.agency.id).order_by("id").values_list("id", flat=True)
    await get_connection("default").execute_query(f"DELETE FROM audit_event WHERE id = {int(ids[1])}")
    result = (await client.data(VERIFY, token=world.tokens["dpo"]))["verifyAuditChain"]
    assert result == {"ok": False, "checkedEvents": 2, "firstBrokenEventId": gid("AuditEvent", ids[2])}


async def test_removing_the_newest_events_breaks_the_chain_at_its_end(client, world: World) -> None:
    """The chain's head (models.gdpr.AuditChainHead) remembers the last event: a trail cut short no longer verifies."""
    await some_activity(client, world)
    ids = await AuditEvent.filter(agency_id=world.agency.id).order_by("id").values_list("id", flat=True)
    await get_connection("default").execute_query(f"DELETE FROM audit_event WHERE id >= {int(ids[-2])}")
    result = (await client.data(VERIFY, token=world.tokens["dpo"]))["verifyAuditChain"]
    assert result == {"ok": False, "checkedEvents": len(ids) - 2, "firstBrokenEventId": None}


async def test_the_chain_survives_an_erased_contact(client, world: World) -> None:
    contact_id = await some_activity(client, world)
    await client.data("{ contacts { edges { node { firstName } } } }", token=world.tokens["dpo"])
    erased = [c.id for c in await Contact.filter(agency_id=world.agency.id)]
    async with in_transaction() as conn:
        await deletion.delete_contacts(erased, conn)
    await deletion.scrub_free_space()
    verification = (await client.data(VERIFY, token=world.tokens["dpo"]))["verifyAuditChain"]
    assert verification == {"ok": True, "checkedEvents": 9, "firstBrokenEventId": None}
    # The trail of an erased person stays readable by its opaque id.
    assert len(await audit_log(client, world, contactId=contact_id)) == 6  # five writes and one view
    assert (
        await client.error_code("query($id: ID!) { contact(id: $id) { id } }", {"id": contact_id}, world.tokens["dpo"])
        == "NOT_FOUND"
    )


async def test_no_personal_value_appears_in_any_audit_event(client, world: World) -> None:
    contact_id = await some_activity(client, world)
    request = await client.data(
        "mutation($i: TravelRequestInput!) { createTravelRequest(input: $i) { id } }",
        {
            "i": {
                "contactId": gid("Contact", world.contacts[Visibility.AGENCY].id),
                "destination": "Oslo",
                "notes": "ReqSecret ZQREQ",
                "travelers": [{"firstName": "Companion", "lastName": "ZQTRAVELER"}],
            }
        },
        world.tokens["owner"],
    )
    await client.data(
        "mutation($id: ID!, $p: TravelRequestPatch!) { updateTravelRequest(id: $id, patch: $p) { id } }",
        {"id": request["createTravelRequest"]["id"], "p": {"notes": "ZQREQ2 changed"}},
        world.tokens["owner"],
    )
    await client.data(
        "{ contacts { edges { node { firstName notes requests { edges { node { notes } } } } } } }",
        token=world.tokens["dpo"],
    )
    await client.data(UPDATE, {"id": contact_id, "p": {"lastName": "ZQRENAMED"}}, world.tokens["mate"])
    rows = await AuditEvent.all().values()
    assert {row["action"] for row in rows} >= {
        "CREATE",
        "UPDATE",
        "CONSENT",
        "SET_VISIBILITY",
        "TRANSFER",
        "CREATE_REQUEST",
        "VIEW_PERSONAL",
    }
    stored = "\n".join(str(value) for row in rows for value in row.values()).casefold()
    served = str(await audit_log(client, world)).casefold()
    secrets = [
        "Zelda",
        "Quaternion",
        "zelda.q@example.org",
        "zq.new@example.org",
        "12 34 56 78",
        "ZQNOTE",
        "ZQWORDING",
        "ZQREQ",
        "ZQTRAVELER",
        "ZQRENAMED",
        "Oslo",
    ]
    for contact in world.contacts.values():
        secrets += personal_values(contact)
    for value in secrets:
        assert value.casefold() not in stored, value
        assert value.casefold() not in served, value


async def test_appends_side_by_side_to_a_new_agency_keep_one_chain_and_its_head(client) -> None:
    """The first appends race to make the chain's head (models.gdpr.AuditChainHead): one makes it, the others wait
    for it and chain after."""
    agency = await Agency.create(name="Nouvelle agence")
    actors = [f"advisor{i}@new.test" for i in range(12)]
    await asyncio.gather(*(audit.record(None, "EXPORT", agency_id=agency.id, actor=actor) for actor in actors))
    verification = await audit.verify_chain(agency.id)
    assert verification.ok and verification.checked_events == len(actors)
    last = await AuditEvent.filter(agency_id=agency.id).order_by("-id").first()
    assert last is not None and (await AuditChainHead.get(agency_id=agency.id)).hash == last.hash
