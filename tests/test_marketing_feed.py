"""The purpose-bound marketing feed: consent is the lawful basis, not the compartment; nothing else leaks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest

from models import ApiScope, AuditEvent, ConsentPurpose, ConsentRecord, Contact, Visibility
from resolvers.clock import now
from tests.world import World, gid, make_contact, make_world, personal_values

AUDIENCE = """query($purpose: ConsentPurpose!, $first: Int, $after: String) {
  marketingAudience(purpose: $purpose, first: $first, after: $after) {
    edges { cursor node { id email firstName } } pageInfo { hasNextPage endCursor }
  } }"""
CHANGES = """query($since: DateTime!, $first: Int, $after: String) {
  consentChanges(since: $since, first: $first, after: $after) {
    edges { cursor node { contactId purpose granted erased at } } pageInfo { hasNextPage endCursor }
  } }"""


async def decide(contact: Contact, purpose: ConsentPurpose, granted: bool, minutes_ago: int) -> None:
    await ConsentRecord.create(
        contact=contact,
        purpose=purpose,
        granted=granted,
        recorded_at=now() - timedelta(minutes=minutes_ago),
        source="test",
        wording=f"Wording{contact.first_name}",
        recorded_by="test",
    )


@dataclass
class Feed:
    world: World
    key: str  # a MARKETING_AUDIENCE key's secret
    subscribed: list[Contact]  # NEWSLETTER granted now, not restricted: the audience, newest first
    others: list[Contact]  # the agency's other contacts

    @property
    def tokens(self) -> dict[str, str]:
        return self.world.tokens


@pytest.fixture
async def feed(client) -> Feed:
    """Every contact of make_contact consented to NEWSLETTER a while ago; then, per visibility and beyond:"""
    world = await make_world()
    await ConsentRecord.all().update(recorded_at=now() - timedelta(days=1))
    owner = world.users["owner"]
    advisor_only = world.contacts[Visibility.ADVISOR]  # stays subscribed: visibility does not matter here
    withdrew = world.contacts[Visibility.TEAM]
    await decide(withdrew, ConsentPurpose.NEWSLETTER, False, minutes_ago=5)
    restricted = world.contacts[Visibility.AGENCY]
    restricted.restricted = True
    await restricted.save()
    never = await make_contact(world.agency, owner, Visibility.AGENCY, "NEVERQ", requests=0)
    await ConsentRecord.filter(contact=never).delete()
    await decide(never, ConsentPurpose.MARKETING_EMAIL, True, minutes_ago=4)  # another purpose only
    late_withdrawal = await make_contact(world.agency, owner, Visibility.TEAM, "LATEQ", requests=0)
    await ConsentRecord.filter(contact=late_withdrawal).delete()
    await decide(late_withdrawal, ConsentPurpose.NEWSLETTER, True, minutes_ago=3)
    # Recorded after, but dated before the grant (a paper form typed in later): the grant stays current.
    await decide(late_withdrawal, ConsentPurpose.NEWSLETTER, False, minutes_ago=10)
    return Feed(world, await make_key(world), [late_withdrawal, advisor_only], [withdrew, restricted, never])


async def make_key(world: World) -> str:
    from resolvers import api_keys
    from resolvers.sessions import principal_for_user

    admin = principal_for_user(world.users["admin"])
    _, secret = await api_keys.create_key(admin, "Newsletter tool", [ApiScope.MARKETING_AUDIENCE])
    return secret


async def test_the_audience_is_who_consented_whatever_the_visibility(client, feed: Feed) -> None:
    data = await client.data(AUDIENCE, {"purpose": "NEWSLETTER"}, feed.key)
    nodes = [edge["node"] for edge in data["marketingAudience"]["edges"]]
    assert nodes == [
        {"id": gid("Contact", c.id), "email": c.email, "firstName": c.first_name} for c in feed.subscribed
    ]  # newest first
    other = await client.data(AUDIENCE, {"purpose": "MARKETING_EMAIL"}, feed.key)
    assert [e["node"]["firstName"] for e in other["marketingAudience"]["edges"]] == ["PrenomNEVERQ"]
    assert (await client.data(AUDIENCE, {"purpose": "PARTNER_SHARING"}, feed.key))["marketingAudience"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }


async def test_the_key_sees_no_contact_without_consent_and_no_other_field(client, feed: Feed) -> None:
    body = await client.post(AUDIENCE, {"purpose": "NEWSLETTER"}, feed.key)
    text = json.dumps(body, ensure_ascii=False)
    for contact in [*feed.others, feed.world.foreign_contact]:
        for value in personal_values(contact):
            assert value not in text, value
    for contact in feed.subscribed:
        revealed = {contact.email, contact.first_name}
        for value in personal_values(contact):
            assert value in revealed or value not in text, value
    # No other field exists on what it reads, and no other operation is open to it.
    wider = "{ marketingAudience(purpose: NEWSLETTER) { edges { node { id lastName phone } } } }"
    assert "Cannot query field 'lastName'" in (await client.post(wider, token=feed.key))["errors"][0]["message"]
    contact_id = gid("Contact", feed.subscribed[1].id)
    for document in (
        "{ contacts { edges { node { id firstName } } } }",
        f'{{ contact(id: "{contact_id}") {{ firstName }} }}',
        f'{{ consentHistory(contactId: "{contact_id}") {{ wording }} }}',
        f'{{ subjectAccessExport(contactId: "{contact_id}") {{ contact {{ lastName }} }} }}',
    ):
        body = await client.post(document, token=feed.key)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", document
        assert feed.subscribed[1].last_name not in json.dumps(body)


async def test_only_such_a_key_reads_the_feed(client, feed: Feed) -> None:
    for position in ("dpo", "admin", "owner"):
        assert await client.error_code(AUDIENCE, {"purpose": "NEWSLETTER"}, feed.tokens[position]) == "FORBIDDEN"
        since = {"since": now().isoformat()}
        assert await client.error_code(CHANGES, since, feed.tokens[position]) == "FORBIDDEN"
    reader = await client.data(
        'mutation { createApiKey(name: "Reader", scopes: [READ_CONTACTS]) { secret } }', token=feed.tokens["admin"]
    )
    secret = reader["createApiKey"]["secret"]
    assert await client.error_code(AUDIENCE, {"purpose": "NEWSLETTER"}, secret) == "FORBIDDEN"
    assert await client.error_code(AUDIENCE, {"purpose": "NEWSLETTER"}) == "UNAUTHENTICATED"


async def test_every_read_is_audited_in_the_keys_name(client, feed: Feed) -> None:
    await AuditEvent.filter(action="VIEW_PERSONAL").delete()
    await client.data(AUDIENCE, {"purpose": "NEWSLETTER", "first": 1}, feed.key)
    views = AuditEvent.filter(action="VIEW_PERSONAL").order_by("id")
    assert await views.values_list("actor", "contact_ref") == [
        ("api-key:Newsletter tool", gid("Contact", feed.subscribed[0].id))
    ]
    await AuditEvent.filter(action="VIEW_PERSONAL").delete()
    await client.data(CHANGES, {"since": (now() - timedelta(minutes=6)).isoformat()}, feed.key)
    revealed = {gid("Contact", c.id) for c in (feed.world.contacts[Visibility.TEAM], *feed.subscribed[:1])}
    revealed.add(gid("Contact", feed.others[2].id))  # its MARKETING_EMAIL grant
    assert set(await views.values_list("contact_ref", flat=True)) == revealed
    assert await views.count() == len(revealed)  # one per contact
    assert set(await views.values_list("actor", flat=True)) == {"api-key:Newsletter tool"}


async def test_changes_list_decisions_and_erasures_oldest_first(client, feed: Feed) -> None:
    since = (now() - timedelta(minutes=6)).isoformat()
    gone = feed.subscribed[1]
    erased = await client.data(
        "mutation($id: ID!) { eraseContact(contactId: $id) { requestsDeleted } }",
        {"id": gid("Contact", gone.id)},
        feed.tokens["dpo"],
    )
    assert erased["eraseContact"]["requestsDeleted"] == 1

    pages, after = [], None
    while True:  # two at a time: the cursor carries on across decisions and erasures
        data = await client.data(CHANGES, {"since": since, "first": 2, "after": after}, feed.key)
        pages.append(data["consentChanges"])
        after = data["consentChanges"]["pageInfo"]["endCursor"]
        if not data["consentChanges"]["pageInfo"]["hasNextPage"]:
            break
    nodes = [edge["node"] for page in pages for edge in page["edges"]]
    for node in nodes:
        node.pop("at")
    withdrew, never, late = feed.world.contacts[Visibility.TEAM], feed.others[2], feed.subscribed[0]
    assert nodes == [
        {"contactId": gid("Contact", withdrew.id), "purpose": "NEWSLETTER", "granted": False, "erased": False},
        {"contactId": gid("Contact", never.id), "purpose": "MARKETING_EMAIL", "granted": True, "erased": False},
        {"contactId": gid("Contact", late.id), "purpose": "NEWSLETTER", "granted": True, "erased": False},
        {"contactId": gid("Contact", gone.id), "purpose": None, "granted": None, "erased": True},
    ]
    assert len(pages) == 2
    later = await client.data(CHANGES, {"since": now().isoformat()}, feed.key)
    assert later["consentChanges"]["edges"] == []
    bad = await client.post(CHANGES, {"since": since, "after": "nonsense"}, feed.key)
    assert bad["errors"][0]["message"] == "after: is not a valid cursor for this list"
    contacts_cursor = (await client.data(AUDIENCE, {"purpose": "NEWSLETTER"}, feed.key))["marketingAudience"]
    other_list = await client.post(
        CHANGES, {"since": since, "after": contacts_cursor["pageInfo"]["endCursor"]}, feed.key
    )
    assert other_list["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_the_scope_opens_its_two_fields_and_no_other_root_field() -> None:
    """Over the whole schema: every root field is behind authorize(), which lets such a key call two of them."""
    from auth import enforce
    from auth.errors import Forbidden
    from auth.principal import Principal
    from schema import build_schema
    from schema.operations import Authorized

    schema = build_schema()
    key = Principal(
        agency_id=1, actor="api-key:Newsletter", api_key_id=1, scopes=frozenset({ApiScope.MARKETING_AUDIENCE})
    )
    allowed = []
    for root in ("Query", "Mutation"):
        definition = schema.get_type_by_name(root)
        for field in definition.fields:  # type: ignore[union-attr]
            name = schema.config.name_converter.get_graphql_name(field)
            assert any(isinstance(extension, Authorized) for extension in field.extensions), name
            try:
                enforce.authorize(key, name)
            except Forbidden:
                continue
            allowed.append(name)
    assert sorted(allowed) == ["consentChanges", "marketingAudience"]
