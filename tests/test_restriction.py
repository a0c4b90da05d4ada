"""restrictProcessing (Art. 18): only the DPO sets it; while set, the contact's data and requests stay as they are."""

from __future__ import annotations

import pytest

from models import AuditEvent, ConsentRecord, Contact, TravelRequest, Visibility
from tests.world import World, gid, make_world

RESTRICT = """mutation($id: ID!, $r: Boolean!) {
  restrictProcessing(contactId: $id, restricted: $r) { id restricted firstName }
}"""
UPDATE = 'mutation($id: ID!) { updateContact(id: $id, patch: {notes: "changed"}) { notes } }'
NEW_REQUEST = 'mutation($id: ID!) { createTravelRequest(input: {contactId: $id, destination: "Oslo"}) { id } }'
UPDATE_REQUEST = 'mutation($id: ID!) { updateTravelRequest(id: $id, patch: {notes: "changed"}) { notes } }'
CONSENT = """mutation($id: ID!, $g: Boolean!) {
  recordConsent(
    input: {contactId: $id, purpose: NEWSLETTER, granted: $g, source: "phone call", wording: "Newsletter"}
  ) {
    purpose granted recordedBy
  }
}"""
REFUSED = ("owner", "mate", "other_team", "no_team", "admin")  # everyone but the DPO, the contact's owner included


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def refusal(client, query: str, variables: dict, token: str) -> str:
    body = await client.post(query, variables, token)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN", body
    return error["message"]


async def test_while_restricted_only_withdrawal_goes_through(client, world: World) -> None:
    contact = world.contacts[Visibility.TEAM]
    contact_id = gid("Contact", contact.id)
    request = await TravelRequest.get(contact_id=contact.id)
    data = await client.data(RESTRICT, {"id": contact_id, "r": True}, world.tokens["dpo"])
    assert data["restrictProcessing"] == {"id": contact_id, "restricted": True, "firstName": "PrenomXTEAMQ"}

    for position in ("owner", "mate", "dpo"):  # those who may otherwise edit it, the DPO included
        token = world.tokens[position]
        for query, variables in [
            (UPDATE, {"id": contact_id}),
            (NEW_REQUEST, {"id": contact_id}),
            (UPDATE_REQUEST, {"id": gid("TravelRequest", request.id)}),
            (CONSENT, {"id": contact_id, "g": True}),
        ]:
            message = await refusal(client, query, variables, token)
            assert "restricted (Art. 18)" in message and "until the DPO lifts it" in message, message

    # Withdrawing consent only narrows processing: still allowed.
    withdrawn = await client.data(CONSENT, {"id": contact_id, "g": False}, world.tokens["owner"])
    assert withdrawn["recordConsent"] == {
        "purpose": "NEWSLETTER",
        "granted": False,
        "recordedBy": world.users["owner"].email,
    }

    await contact.refresh_from_db()
    await request.refresh_from_db()
    assert (contact.notes, request.notes) == ("NoteXTEAMQ", "ReqNoteXTEAMQ0")
    assert await TravelRequest.filter(contact_id=contact.id).count() == 1
    assert await ConsentRecord.filter(contact_id=contact.id).values_list("granted", flat=True) == [True, False]
    query = "query($id: ID!) { contact(id: $id) { restricted } }"
    shown = await client.data(query, {"id": contact_id}, world.tokens["other_team"])
    assert shown["contact"]["restricted"] is True  # public: everyone sees the record is frozen

    lifted = await client.data(RESTRICT, {"id": contact_id, "r": False}, world.tokens["dpo"])
    assert lifted["restrictProcessing"]["restricted"] is False
    assert (await client.data(UPDATE, {"id": contact_id}, world.tokens["owner"]))["updateContact"]["notes"] == "changed"
    assert await client.data(NEW_REQUEST, {"id": contact_id}, world.tokens["owner"])

    events = await AuditEvent.filter(contact_ref=contact_id, action__in=["RESTRICT", "UNRESTRICT"]).order_by("id")
    assert [(e.action, e.actor) for e in events] == [
        ("RESTRICT", world.users["dpo"].email),
        ("UNRESTRICT", world.users["dpo"].email),
    ]


async def test_repeating_a_restriction_is_harmless(client, world: World) -> None:
    contact_id = gid("Contact", world.contacts[Visibility.ADVISOR].id)
    for _ in range(2):
        data = await client.data(RESTRICT, {"id": contact_id, "r": True}, world.tokens["dpo"])
        assert data["restrictProcessing"]["restricted"] is True
    assert await AuditEvent.filter(contact_ref=contact_id, action="RESTRICT").count() == 1


async def test_only_the_dpo_restricts(client, world: World) -> None:
    contact = world.contacts[Visibility.AGENCY]
    for position in REFUSED:
        code = await client.error_code(RESTRICT, {"id": gid("Contact", contact.id), "r": True}, world.tokens[position])
        assert code == "FORBIDDEN", position
    await contact.refresh_from_db()
    assert contact.restricted is False


async def test_keys_and_other_agencies_may_not_restrict(client, world: World) -> None:
    contact = world.contacts[Visibility.AGENCY]
    variables = {"id": gid("Contact", contact.id), "r": True}
    key = await client.data(
        'mutation { createApiKey(name: "k", scopes: [READ_CONTACTS, INTAKE]) { secret } }', token=world.tokens["dpo"]
    )
    assert await client.error_code(RESTRICT, variables, key["createApiKey"]["secret"]) == "FORBIDDEN"
    assert await client.error_code(RESTRICT, variables, world.tokens["foreign_dpo"]) == "NOT_FOUND"
    assert await client.error_code(RESTRICT, variables) == "UNAUTHENTICATED"
    assert not await Contact.filter(restricted=True).exists()
