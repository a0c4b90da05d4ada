"""The breach register: recordBreach computes, from the audit log, whose data a suspected actor reached."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

import resolvers.audit
from app import dispatcher
from models import AuditEvent, Contact, OutboxMessage, Visibility
from models.breaches import Breach
from resolvers import outbox
from resolvers.clock import now
from tests.conftest import make_settings
from tests.mailbox import smtp_server
from tests.test_export import path_of
from tests.world import World, gid, make_contact, make_world

VIEW = "query($id: ID!) { contact(id: $id) { firstName email } }"
RECORD = """mutation($input: BreachInput!) {
  recordBreach(input: $input) {
    id recordedAt discoveredAt description notifyAuthorityBy affectedContactCount categories notificationDraft
    affectedContacts(first: 200) { totalCount edges { node { id lastName } } }
  }
}"""
LIST = "{ breaches { id description affectedContactCount affectedContacts(first: 5) { totalCount } } }"
NOTIFY = "mutation($id: ID!) { notifyBreachSubjects(id: $id) }"
KEY = "mutation($n: String!) { createApiKey(name: $n, scopes: [READ_CONTACTS]) { secret apiKey { id } } }"


@pytest.fixture
async def world(client) -> World:
    return await make_world()


def iso(at: datetime) -> str:
    return at.isoformat()


async def view_at(client, monkeypatch: pytest.MonkeyPatch, at: datetime, token: str, contacts: list) -> None:
    """Views each contact with the audit log's clock set to `at`: the window's edges never depend on timing."""
    monkeypatch.setattr(resolvers.audit, "now", lambda: at)
    for contact in contacts:
        await client.data(VIEW, {"id": gid("Contact", contact.id)}, token)
    monkeypatch.undo()


async def breach_of_views(client, world: World, people: list, description: str) -> str:
    """The owner's account viewed `people` just now; the DPO records its breach over that window."""
    owner = world.users["owner"]
    start = now() - timedelta(minutes=5)
    for person in people:
        await client.data(VIEW, {"id": gid("Contact", person.id)}, world.tokens["owner"])
    window = {"from": iso(start), "to": iso(now() + timedelta(minutes=5)), "discoveredAt": iso(now())}
    recorded = await client.data(
        RECORD, {"input": {**window, "description": description, "actorEmail": owner.email}}, world.tokens["dpo"]
    )
    assert recorded["recordBreach"]["affectedContactCount"] == len(people)
    return recorded["recordBreach"]["id"]


async def test_a_leaked_advisor_account_exposed_exactly_the_twelve_it_viewed_in_the_window(
    client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = world.users["owner"]
    contacts = [await make_contact(world.agency, owner, Visibility.AGENCY, f"B{i}Q") for i in range(16)]
    viewed, before, after = contacts[:12], contacts[12:14], contacts[14:]
    start = now().replace(microsecond=0) - timedelta(days=2)
    end = start + timedelta(hours=6)
    token = world.tokens["owner"]
    await view_at(client, monkeypatch, start - timedelta(minutes=1), token, before)  # before the window
    await view_at(client, monkeypatch, start, token, viewed[:6])  # its first instant counts
    await view_at(client, monkeypatch, start + timedelta(hours=3), token, viewed[6:] + viewed[:2])  # twice: once
    await view_at(client, monkeypatch, end, token, viewed[11:])  # its last instant counts
    await view_at(client, monkeypatch, end + timedelta(minutes=1), token, after)  # after it
    # Others looked at other people in the window: not this actor's doing.
    await view_at(client, monkeypatch, start + timedelta(hours=1), world.tokens["mate"], before + after)
    await view_at(client, monkeypatch, start + timedelta(hours=1), world.tokens["dpo"], before)
    assert await AuditEvent.filter(action="EXPORT").count() == 0  # the account exported nothing

    discovered = end + timedelta(hours=5)
    breach = (
        await client.data(
            RECORD,
            {
                "input": {
                    "discoveredAt": iso(discovered),
                    "description": "Phished password of an advisor; logins from an unknown country.",
                    "actorEmail": owner.email.upper(),
                    "from": iso(start),
                    "to": iso(end),
                }
            },
            world.tokens["dpo"],
        )
    )["recordBreach"]
    assert breach["affectedContactCount"] == 12
    listed = breach["affectedContacts"]
    assert listed["totalCount"] == 12
    assert {edge["node"]["id"] for edge in listed["edges"]} == {gid("Contact", c.id) for c in viewed}
    assert datetime.fromisoformat(breach["notifyAuthorityBy"]) == discovered + timedelta(hours=72)
    assert {"identity", "contact", "birth date", "free text", "travel companions"} <= set(breach["categories"])
    draft = breach["notificationDraft"]
    for expected in (
        "Art. 33",
        "Approximate number of people concerned: 12.",
        "Approximate number of records concerned: 15 accesses",
        owner.email,
        world.users["dpo"].email,  # (b) the DPO's contact details
        "(c) Likely consequences",
        "(d) Measures taken or proposed",
    ):
        assert expected in draft, expected
    register = (await client.data(LIST, token=world.tokens["dpo"]))["breaches"]
    assert [(b["id"], b["affectedContactCount"], b["affectedContacts"]["totalCount"]) for b in register] == [
        (breach["id"], 12, 12)
    ]


async def test_an_api_key_breach_and_special_categories_in_the_draft(client, world: World) -> None:
    made = (await client.data(KEY, {"n": "Comparateur"}, world.tokens["admin"]))["createApiKey"]
    start = now() - timedelta(minutes=5)
    shared = world.contacts[Visibility.AGENCY]
    note = 'mutation($id: ID!) { updateContact(id: $id, patch: {notes: "Client diabétique"}) { id } }'
    await client.data(note, {"id": gid("Contact", shared.id)}, world.tokens["owner"])
    await client.data(VIEW, {"id": gid("Contact", shared.id)}, made["secret"])
    discovered = datetime(2026, 3, 2, 11, 30, tzinfo=timezone(timedelta(hours=2)))  # told in Paris' summer time
    window = {"from": iso(start), "to": iso(now() + timedelta(minutes=5)), "discoveredAt": iso(discovered)}
    breach = (
        await client.data(
            RECORD,
            {"input": {**window, "description": "Key published on a forum.", "apiKeyId": made["apiKey"]["id"]}},
            world.tokens["dpo"],
        )
    )["recordBreach"]
    assert breach["affectedContactCount"] == 1
    assert [e["node"]["lastName"] for e in breach["affectedContacts"]["edges"]] == [shared.last_name]
    assert "api-key:Comparateur" in breach["notificationDraft"] and "HEALTH" in breach["notificationDraft"]
    # The draft's times are UTC, whatever offset they were given in.
    assert "Discovered: 2026-03-02 09:30 UTC." in breach["notificationDraft"]
    assert "before 2026-03-05 09:30 UTC" in breach["notificationDraft"]


async def test_recording_a_breach_is_for_the_dpo_with_clear_errors(client, world: World) -> None:
    window = {"from": iso(now() - timedelta(hours=1)), "to": iso(now()), "discoveredAt": iso(now())}
    good = {**window, "description": "x", "actorEmail": world.users["owner"].email}
    for position in ("owner", "admin"):
        assert await client.error_code(RECORD, {"input": good}, world.tokens[position]) == "FORBIDDEN"
    assert await client.error_code(RECORD, {"input": good}) == "UNAUTHENTICATED"
    assert await client.error_code(LIST, token=world.tokens["owner"]) == "FORBIDDEN"
    dpo = world.tokens["dpo"]
    body = await client.post(RECORD, {"input": {**window, "description": "x"}}, dpo)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["message"].startswith("actorEmail:")
    reversed_window = {**good, "from": window["to"], "to": window["from"]}
    body = await client.post(RECORD, {"input": reversed_window}, dpo)
    assert body["errors"][0]["message"] == "to: must not be before from"
    unknown_key = {**window, "description": "x", "apiKeyId": gid("ApiKey", 999)}
    assert await client.error_code(RECORD, {"input": unknown_key}, dpo) == "NOT_FOUND"
    assert await client.error_code(RECORD, {"input": {**unknown_key, "apiKeyId": "not-an-id"}}, dpo) == "NOT_FOUND"
    # A mistyped email would enter the register for good as a breach of nobody.
    typo = {**good, "actorEmail": "0" + world.users["owner"].email}
    body = await client.post(RECORD, {"input": typo}, dpo)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "actorEmail"}
    assert "no user of this agency" in body["errors"][0]["message"]
    foreign = {**good, "actorEmail": world.users["foreign_dpo"].email}  # another agency's staff: not ours
    assert (await client.post(RECORD, {"input": foreign}, dpo))["errors"][0]["extensions"]["field"] == "actorEmail"
    bad_email = {**good, "actorEmail": "not an email"}
    assert await client.error_code(RECORD, {"input": bad_email}, dpo) == "BAD_USER_INPUT"
    assert await client.error_code(RECORD, {"input": {**good, "description": "  "}}, dpo) == "BAD_USER_INPUT"
    # Times: with an offset, on the calendar, and a discovery that has happened.
    for field, value, reason in (
        ("from", "2026-11-01T00:00:00", "must include a UTC offset"),  # beside an aware `to`
        ("discoveredAt", "9999-12-31T23:00:00Z", "must not be in the future"),  # + 72 h would overflow
        ("to", "9999-12-31T23:00:00-03:00", "is out of range"),
        ("from", "0001-01-01T00:00:00+05:00", "is out of range"),
    ):
        body = await client.post(RECORD, {"input": {**good, field: value}}, dpo)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, body
        assert reason in body["errors"][0]["message"]
    assert await Breach.all().count() == 0  # nothing entered the register
    # Another agency's DPO sees an empty register.
    await client.data(RECORD, {"input": good}, dpo)
    assert (await client.data(LIST, token=world.tokens["foreign_dpo"]))["breaches"] == []


async def test_notify_breach_subjects_sends_one_letter_per_affected_person_with_an_email(
    client, world: World, database_url: str
) -> None:
    owner = world.users["owner"]
    people = [await make_contact(world.agency, owner, Visibility.AGENCY, f"N{i}Q") for i in range(3)]
    await Contact.filter(id=people[2].id).update(email=None)  # no address: no letter, still in the register
    breach_id = await breach_of_views(client, world, people, "Stolen laptop.")
    dpo = world.tokens["dpo"]

    assert (await client.data(NOTIFY, {"id": breach_id}, dpo))["notifyBreachSubjects"] == 2
    letters = await OutboxMessage.all().order_by("id")
    assert [(m.recipient, m.contact_id) for m in letters] == [(p.email, p.id) for p in people[:2]]
    with smtp_server() as mailbox:
        report = await outbox.send_due(dispatcher.transports(make_settings(database_url, smtp=mailbox.server)))
        assert report.sent == 2
        received = mailbox.wait_for(2)
    letter = mailbox.to(people[0].email)[0]
    body = letter.get_content()
    assert letter["Subject"] == f"Information sur une violation de vos données personnelles ({world.agency.name})"
    for expected in (people[0].first_name, "article 34", "GDPR Article 34", world.users["dpo"].email, "CNIL"):
        assert expected in body, expected
    assert owner.email not in body  # the letter says an account was used, not whose
    assert "au moyen d'un compte de l'agence" in body and "vos nom et prénom" in body
    assert "informations sensibles" not in body  # nothing was found in this person's notes
    assert len(received) == 2

    # Once per breach; the register says when.
    body = await client.post(NOTIFY, {"id": breach_id}, dpo)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await client.data("{ breaches { subjectsNotifiedAt } }", token=dpo))["breaches"][0]["subjectsNotifiedAt"]
    assert await client.error_code(NOTIFY, {"id": breach_id}, world.tokens["owner"]) == "FORBIDDEN"
    assert await client.error_code(NOTIFY, {"id": gid("Breach", 999)}, dpo) == "NOT_FOUND"
    event = await AuditEvent.get(action="NOTIFY_BREACH_SUBJECTS")
    assert event.detail.endswith(": 2 letters queued")


async def test_two_notifications_at_once_queue_the_letters_once(client, world: World) -> None:
    owner = world.users["owner"]
    people = [await make_contact(world.agency, owner, Visibility.AGENCY, f"R{i}Q") for i in range(2)]
    breach_id = await breach_of_views(client, world, people, "Lost phone.")
    dpo = world.tokens["dpo"]
    # Both read "not notified yet" before either writes: only the claim inside the transaction tells them apart.
    answers = await asyncio.gather(*(client.post(NOTIFY, {"id": breach_id}, dpo) for _ in range(2)))
    assert sorted("errors" in a for a in answers) == [False, True], answers
    assert [a["data"]["notifyBreachSubjects"] for a in answers if "errors" not in a] == [2]
    assert await OutboxMessage.all().count() == 2


async def test_exports_and_downloads_expose_people_too(client, world: World) -> None:
    """A leaked DPO account: what it exported (the links) and downloaded (the files) is exposed, not only
    what it viewed."""
    dpo, dpo_user = world.tokens["dpo"], world.users["dpo"]
    start = now() - timedelta(minutes=5)
    exported, downloaded = world.contacts[Visibility.ADVISOR], world.contacts[Visibility.TEAM]
    links = "query($id: ID!) { subjectAccessExport(contactId: $id) { csvUrl } }"
    await client.data(links, {"id": gid("Contact", exported.id)}, dpo)
    url = (await client.data(links, {"id": gid("Contact", downloaded.id)}, dpo))["subjectAccessExport"]["csvUrl"]
    assert (await client.http.get(path_of(url))).status_code == 200  # the download: no token needed
    # Two export events (the links) and one for the download: the records the draft counts.
    exposing = ("EXPORT", "VIEW_PERSONAL", "DELIVERY_DOWNLOADED")
    events = await AuditEvent.filter(actor=dpo_user.email, action__in=exposing, at__gte=start).count()
    assert events == await AuditEvent.filter(actor=dpo_user.email, action="EXPORT").count() == 3
    window = {"from": iso(start), "to": iso(now() + timedelta(minutes=5)), "discoveredAt": iso(now())}
    breach = (
        await client.data(
            RECORD, {"input": {**window, "description": "DPO laptop stolen.", "actorEmail": dpo_user.email}}, dpo
        )
    )["recordBreach"]
    assert {e["node"]["id"] for e in breach["affectedContacts"]["edges"]} == {
        gid("Contact", exported.id),
        gid("Contact", downloaded.id),
    }
    assert breach["affectedContactCount"] == 2
    assert "Approximate number of records concerned: 3 accesses" in breach["notificationDraft"]
