"""Notes hygiene through the API: every write of free text is checked, its findings stored, masked and audited."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from tortoise.backends.base.executor import EXECUTOR_CACHE

from app.cli import main
from app.database import close_database, open_database
from models import (
    Agency,
    AuditEvent,
    NoteFinding,
    Role,
    SubjectRequest,
    SubjectRequestStatus,
    TravelRequest,
    Visibility,
)
from resolvers import self_service
from resolvers.clock import now
from resolvers.ids import decode_id
from tests.conftest import SECRET, copy_sqlite_template, make_settings
from tests.test_intake import FORM, make_key, submit
from tests.world import World, gid, make_contact, make_user, make_world

UPDATE_CONTACT = "mutation($id: ID!, $n: String) { updateContact(id: $id, patch: {notes: $n}) { id } }"
CREATE_CONTACT = """mutation($n: String) {
  createContact(input: {firstName: "Amina", lastName: "Notes", notes: $n, visibility: ADVISOR}) {
    id noteFindings { field category excerpt covered }
  }
}"""
CREATE_REQUEST = """mutation($c: ID!, $n: String) {
  createTravelRequest(input: {contactId: $c, destination: "Agadir", notes: $n}) {
    id noteFindings { field category excerpt covered }
  }
}"""
OWNER = "query($id: ID!) { contact(id: $id) { owner { email } } }"
UPDATE_REQUEST = "mutation($id: ID!, $n: String) { updateTravelRequest(id: $id, patch: {notes: $n}) { id } }"
FINDINGS = """query($id: ID!) {
  contact(id: $id) { personalDataVisible notes noteFindings { field category excerpt covered } }
}"""
CONSENT = """mutation($id: ID!, $g: Boolean!) {
  recordConsent(input: {contactId: $id, purpose: SPECIAL_CATEGORY_DATA, granted: $g, source: "agency desk",
                        wording: "J'accepte que l'agence conserve mes informations de santé pour mon voyage."}) { id }
}"""
SENSITIVE = """query($cat: SensitiveCategory, $covered: Boolean, $first: Int, $after: String) {
  sensitiveNotes(category: $cat, coveredOnly: $covered, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { contact { id lastName } travelRequest { id destination }
                          findings { field category excerpt covered } } }
  }
}"""


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def flagged_events() -> list[tuple[str, str | None, str]]:
    return [(e.actor, e.contact_ref, e.detail) for e in await AuditEvent.filter(action="NOTE_FLAGGED").order_by("id")]


async def test_contact_notes_are_checked_on_create_and_update(client, world: World) -> None:
    owner = world.tokens["owner"]
    note = "Cliente diabétique, repas MOML. Pénible au téléphone."
    created = (await client.data(CREATE_CONTACT, {"n": note}, owner))["createContact"]
    assert created["noteFindings"] == [
        {"field": "Contact.notes", "category": "HEALTH", "excerpt": "diabétique", "covered": False},
        {"field": "Contact.notes", "category": "RELIGION", "excerpt": "MOML", "covered": False},
        {"field": "Contact.notes", "category": "JUDGEMENT", "excerpt": "Pénible", "covered": False},
    ]
    # The audit names the field and the category, never the words.
    email = world.users["owner"].email
    assert await flagged_events() == [
        (email, created["id"], "Contact.notes: HEALTH"),
        (email, created["id"], "Contact.notes: JUDGEMENT"),
        (email, created["id"], "Contact.notes: RELIGION"),
    ]
    assert "diab" not in json.dumps([e.detail for e in await AuditEvent.all()])

    # Rewritten with the text: a new note replaces the findings, an empty one clears them.
    await client.data(UPDATE_CONTACT, {"id": created["id"], "n": "Syndicaliste CGT"}, owner)
    found = (await client.data(FINDINGS, {"id": created["id"]}, owner))["contact"]["noteFindings"]
    assert [(f["category"], f["excerpt"]) for f in found] == [("TRADE_UNION", "Syndicaliste"), ("TRADE_UNION", "CGT")]
    await client.data(UPDATE_CONTACT, {"id": created["id"], "n": "Préfère les vols du matin"}, owner)
    assert (await client.data(FINDINGS, {"id": created["id"]}, owner))["contact"]["noteFindings"] == []
    assert await NoteFinding.all().count() == 0
    assert len(await flagged_events()) == 4  # the write still succeeded each time; only findings are flagged


async def test_request_notes_and_intake_messages_are_checked(client, world: World) -> None:
    contact = world.contacts[Visibility.TEAM]
    owner = world.tokens["owner"]
    created = (
        await client.data(CREATE_REQUEST, {"c": gid("Contact", contact.id), "n": "Voyage en fauteuil roulant"}, owner)
    )["createTravelRequest"]
    assert created["noteFindings"] == [
        {"field": "TravelRequest.notes", "category": "HEALTH", "excerpt": "fauteuil roulant", "covered": False}
    ]
    await client.data(UPDATE_REQUEST, {"id": created["id"], "n": "Client radin"}, owner)
    contact_view = (await client.data(FINDINGS, {"id": gid("Contact", contact.id)}, owner))["contact"]
    assert [(f["field"], f["category"]) for f in contact_view["noteFindings"]] == [("TravelRequest.notes", "JUDGEMENT")]
    request_number = decode_id("TravelRequest", created["id"])
    assert (await flagged_events())[-1][2] == f"TravelRequest.notes (request {request_number}): JUDGEMENT"

    # A website's contact form: the message is checked too, under the API key's name.
    secret = (await make_key(client, world, ["INTAKE"], name="Site"))["secret"]
    form = copy.deepcopy(FORM)
    form["message"] = "Nous sommes un couple de femmes, repas halal svp."
    request_id = await submit(client, secret, form)
    rows = await NoteFinding.filter(travel_request_id=request_id).order_by("id").values_list("field", "category")
    assert rows == [("TravelRequest.notes", "SEXUAL_ORIENTATION"), ("TravelRequest.notes", "RELIGION")]
    assert {e[0] for e in (await flagged_events())[-2:]} == {"api-key:Site"}
    # The prospect is its owner's (the agency's default visibility is ADVISOR): masked for the others.
    prospect = gid("Contact", (await TravelRequest.get(id=request_id)).contact_id)
    owner_email = (await client.data(OWNER, {"id": prospect}, world.tokens["dpo"]))["contact"]["owner"]["email"]
    insider = next(p for p, u in world.users.items() if u.email == owner_email)
    outsider = next(p for p in ("owner", "mate", "other_team", "no_team") if p != insider)
    seen = (await client.data(FINDINGS, {"id": prospect}, world.tokens[insider]))["contact"]["noteFindings"]
    assert [f["category"] for f in seen] == ["SEXUAL_ORIENTATION", "RELIGION"]
    hidden = (await client.data(FINDINGS, {"id": prospect}, world.tokens[outsider]))["contact"]
    assert hidden["noteFindings"] is None and hidden["personalDataVisible"] is False


async def test_explicit_consent_covers_art_9_findings_only_while_granted(client, world: World) -> None:
    contact = world.contacts[Visibility.ADVISOR]
    contact_id = gid("Contact", contact.id)
    owner = world.tokens["owner"]
    await client.data(UPDATE_CONTACT, {"id": contact_id, "n": "Enceinte de 5 mois. Menteuse."}, owner)

    def covered(data: dict) -> dict[str, bool]:
        return {f["category"]: f["covered"] for f in data["contact"]["noteFindings"]}

    assert covered(await client.data(FINDINGS, {"id": contact_id}, owner)) == {"HEALTH": False, "JUDGEMENT": False}
    await client.data(CONSENT, {"id": contact_id, "g": True}, owner)
    assert covered(await client.data(FINDINGS, {"id": contact_id}, owner)) == {"HEALTH": True, "JUDGEMENT": False}
    await client.data(CONSENT, {"id": contact_id, "g": False}, owner)  # withdrawn: at once
    assert covered(await client.data(FINDINGS, {"id": contact_id}, owner)) == {"HEALTH": False, "JUDGEMENT": False}


async def test_findings_are_masked_outside_the_compartment(client, world: World) -> None:
    contact = world.contacts[Visibility.ADVISOR]
    contact_id = gid("Contact", contact.id)
    await client.data(UPDATE_CONTACT, {"id": contact_id, "n": "Séropositif, sous trithérapie"}, world.tokens["owner"])
    for outsider in ("mate", "other_team", "no_team", "admin"):
        data = (await client.data(FINDINGS, {"id": contact_id}, world.tokens[outsider]))["contact"]
        assert data == {"personalDataVisible": False, "notes": None, "noteFindings": None}, outsider
    for stranger in ("foreign_dpo", "foreign_advisor"):
        assert await client.error_code(FINDINGS, {"id": contact_id}, world.tokens[stranger]) == "NOT_FOUND"
    assert await client.error_code(FINDINGS, {"id": contact_id}) == "UNAUTHENTICATED"
    shown = (await client.data(FINDINGS, {"id": contact_id}, world.tokens["dpo"]))["contact"]["noteFindings"]
    assert [f["excerpt"] for f in shown] == ["Séropositif"]
    # A partner key reads AGENCY contacts only: the hidden contact is not there at all.
    secret = (await make_key(client, world, ["READ_CONTACTS"], name="Partner"))["secret"]
    assert await client.error_code(FINDINGS, {"id": contact_id}, secret) == "NOT_FOUND"


async def test_sensitive_notes_lists_flagged_records_for_the_dpo_only(client, world: World) -> None:
    owner = world.tokens["owner"]
    advisor_only = world.contacts[Visibility.ADVISOR]
    agency_wide = world.contacts[Visibility.AGENCY]
    await client.data(UPDATE_CONTACT, {"id": gid("Contact", advisor_only.id), "n": "Diabétique"}, owner)
    await client.data(UPDATE_CONTACT, {"id": gid("Contact", agency_wide.id), "n": "Vieux schnock"}, owner)
    request = await agency_wide.requests.all().first()
    await client.data(UPDATE_REQUEST, {"id": gid("TravelRequest", request.id), "n": "Repas casher"}, owner)
    await client.data(CONSENT, {"id": gid("Contact", advisor_only.id), "g": True}, owner)

    dpo = world.tokens["dpo"]
    listing = (await client.data(SENSITIVE, {}, dpo))["sensitiveNotes"]
    assert listing["totalCount"] == 3
    nodes = [edge["node"] for edge in listing["edges"]]
    assert [(n["contact"]["lastName"], n["travelRequest"] and n["travelRequest"]["destination"]) for n in nodes] == [
        (agency_wide.last_name, "Destination0"),
        (agency_wide.last_name, None),
        (advisor_only.last_name, None),
    ]
    assert [f["category"] for n in nodes for f in n["findings"]] == ["RELIGION", "JUDGEMENT", "HEALTH"]

    by_category = (await client.data(SENSITIVE, {"cat": "HEALTH"}, dpo))["sensitiveNotes"]
    assert [e["node"]["contact"]["id"] for e in by_category["edges"]] == [gid("Contact", advisor_only.id)]
    covered = (await client.data(SENSITIVE, {"covered": True}, dpo))["sensitiveNotes"]
    assert [e["node"]["findings"][0]["covered"] for e in covered["edges"]] == [True]
    # Pages by cursor, newest first.
    first = (await client.data(SENSITIVE, {"first": 2}, dpo))["sensitiveNotes"]
    assert first["pageInfo"]["hasNextPage"]
    rest = (await client.data(SENSITIVE, {"first": 2, "after": first["pageInfo"]["endCursor"]}, dpo))["sensitiveNotes"]
    assert [e["node"]["contact"]["lastName"] for e in rest["edges"]] == [advisor_only.last_name]
    assert (
        await AuditEvent.filter(action="VIEW_PERSONAL", actor=world.users["dpo"].email).count() >= 2
    )  # the DPO's reading is audited like any view of personal data

    # Nobody else: not advisors, the admin, a key, another agency's DPO or the anonymous.
    for position in ("owner", "admin"):
        assert await client.error_code(SENSITIVE, {}, world.tokens[position]) == "FORBIDDEN"
    secret = (await make_key(client, world, ["READ_CONTACTS"], name="Partner"))["secret"]
    assert await client.error_code(SENSITIVE, {}, secret) == "FORBIDDEN"
    assert await client.error_code(SENSITIVE, {}) == "UNAUTHENTICATED"
    assert (await client.data(SENSITIVE, {}, world.tokens["foreign_dpo"]))["sensitiveNotes"]["totalCount"] == 0


async def test_erasure_takes_the_findings_with_the_person(client, world: World) -> None:
    contact = world.contacts[Visibility.AGENCY]
    await client.data(UPDATE_CONTACT, {"id": gid("Contact", contact.id), "n": "Épileptique"}, world.tokens["owner"])
    assert await NoteFinding.filter(contact_id=contact.id).count() == 1
    erase = "mutation($id: ID!) { eraseContact(contactId: $id) { requestsDeleted } }"
    await client.data(erase, {"id": gid("Contact", contact.id)}, world.tokens["dpo"])
    assert await NoteFinding.filter(contact_id=contact.id).count() == 0


# -- `alveole notes scan`: the whole database through the current rules, as an operator runs it ---------------


@pytest.fixture
def scan_database(tmp_path: Path, sqlite_template: Path) -> str:
    url = copy_sqlite_template(sqlite_template, tmp_path / "scan.sqlite3")

    async def prepare() -> None:
        EXECUTOR_CACHE.clear()
        await open_database(make_settings(url))
        try:
            for name in ("Agence Nord", "Agence Sud"):
                agency = await Agency.create(name=name)
                owner, _ = await make_user(agency, f"advisor@{agency.id}.test", Role.ADVISOR)
                contact = await make_contact(agency, owner, Visibility.AGENCY, f"{name[-3:]}Q")
                # Written before the rules knew these words (straight to the database, as an old release would).
                contact.notes = "Client épileptique, très radin"
                await contact.save(update_fields=["notes"])
                await TravelRequest.filter(contact_id=contact.id).update(notes="Repas KSML")
        finally:
            await close_database()

    asyncio.run(prepare())
    return url


def findings_in(url: str) -> list[tuple[str, str, str]]:
    async def read() -> list[tuple[str, str, str]]:
        await open_database(make_settings(url), run_migrations=False)
        try:
            rows = await NoteFinding.all().order_by("id").values_list("agency__name", "field", "category")
            events = await AuditEvent.filter(action="NOTE_FLAGGED").values_list("actor", flat=True)
            assert set(events) <= {"system"}
            return rows
        finally:
            await close_database()

    return asyncio.run(read())


def test_notes_scan_applies_the_current_rules_to_one_agency_then_all(
    scan_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    import app.notes_cli

    monkeypatch.setattr(app.notes_cli, "Console", lambda: Console(force_terminal=True, width=100))
    env = {"ALVEOLE_DATABASE_URL": scan_database, "ALVEOLE_SECRET_KEY": SECRET}
    one = CliRunner(env=env).invoke(main, ["notes", "scan", "--agency", "Agence Sud"])
    assert one.exit_code == 0, one.output
    assert "Agence Sud: 2 texts scanned, 2 flagged, 3 new findings" in one.output and "Nord" not in one.output
    assert findings_in(scan_database) == [
        ("Agence Sud", "Contact.notes", "HEALTH"),
        ("Agence Sud", "Contact.notes", "JUDGEMENT"),
        ("Agence Sud", "TravelRequest.notes", "RELIGION"),
    ]
    everything = CliRunner(env=env).invoke(main, ["notes", "scan"])
    assert everything.exit_code == 0, everything.output
    assert "Agence Nord: 2 texts scanned, 2 flagged, 3 new findings" in everything.output
    assert "Agence Sud: 2 texts scanned, 2 flagged, 0 new findings" in everything.output  # nothing new: no new event
    assert len(findings_in(scan_database)) == 6
    unknown = CliRunner(env=env).invoke(main, ["notes", "scan", "--agency", "Agence Ouest"])
    assert unknown.exit_code == 1 and "Unknown agency: 'Agence Ouest'" in unknown.output


async def test_rights_requests_from_the_website_are_checked_and_follow_their_contact(client, world: World) -> None:
    from tests.test_self_service import FORM as RIGHTS_FORM
    from tests.test_self_service import LINK, SUBMIT, intake_key

    key = await intake_key(client, world)
    message = "Je suis en fauteuil roulant et sous chimio, effacez tout."
    await client.data(SUBMIT, {"input": {**RIGHTS_FORM, "message": message}}, key)
    dpo = world.tokens["dpo"]
    listing = "{ subjectRequests { id message noteFindings { field category excerpt covered } } }"
    [request] = (await client.data(listing, token=dpo))["subjectRequests"]
    assert [(f["field"], f["category"], f["excerpt"]) for f in request["noteFindings"]] == [
        ("SubjectRequest.message", "HEALTH", "fauteuil roulant"),
        ("SubjectRequest.message", "HEALTH", "chimio"),
    ]
    number = decode_id("SubjectRequest", request["id"])
    [(actor, contact_ref, detail)] = await flagged_events()
    assert actor.startswith("api-key:") and contact_ref is None
    assert detail == f"SubjectRequest.message (subject request {number}): HEALTH"
    for position in ("owner", "admin"):  # the requests, and what was found in them, are the DPO's only
        assert await client.error_code(listing, token=world.tokens[position]) == "FORBIDDEN"
    # Not a contact's record yet: sensitiveNotes lists records of contacts.
    assert (await client.data(SENSITIVE, {}, dpo))["sensitiveNotes"]["totalCount"] == 0

    # Linked (once its address is confirmed): the findings are that person's.
    await SubjectRequest.filter(id=number).update(verified=True)
    contact = world.contacts[Visibility.TEAM]
    await client.data(LINK, {"id": request["id"], "c": gid("Contact", contact.id)}, dpo)
    found = (await client.data(FINDINGS, {"id": gid("Contact", contact.id)}, dpo))["contact"]["noteFindings"]
    assert {f["field"] for f in found} == {"SubjectRequest.message"}
    assert (await client.data(SENSITIVE, {}, dpo))["sensitiveNotes"]["totalCount"] == 1

    # Wiped with the message, 30 days after the request is closed.
    await SubjectRequest.filter(id=number).update(
        status=SubjectRequestStatus.DONE, closed_at=now() - timedelta(days=31)
    )
    await self_service.housekeeping()
    assert await NoteFinding.filter(subject_request_id=number).count() == 0
