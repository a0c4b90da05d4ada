"""eraseContact (Art. 17): the rows go, the receipt and audit event hold counts only, and no byte survives on disk."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from app.main import create_app
from models import AuditEvent, ConsentRecord, Contact, SubjectRequest, Traveler, TravelRequest, Visibility
from models.enums import SubjectRightKind
from resolvers import deletion
from resolvers.clock import now
from resolvers.deletion import TOUCHED_TABLES
from resolvers.search import fold
from tests.conftest import make_settings
from tests.world import GraphQLClient, World, gid, make_contact, make_world, personal_values

ERASE = "mutation($id: ID!) { eraseContact(contactId: $id) { erasedAt requestsDeleted consentRecordsDeleted } }"
OPEN = "mutation($id: ID!) { openSubjectRequest(contactId: $id, kind: ERASURE) { id } }"
CONSENT = """mutation($id: ID!, $w: String!) {
  recordConsent(input: {contactId: $id, purpose: MARKETING_SMS, granted: true, source: "phone call", wording: $w}) {
    id
  }
}"""


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def table_dump() -> str:
    """Every row of every table that held the person's data, plus the audit trail, as one string."""
    connection = get_connection("default")
    rows = {t: await connection.execute_query_dict(f'SELECT * FROM "{t}"') for t in (*TOUCHED_TABLES, "audit_event")}
    return json.dumps(rows, default=str, ensure_ascii=False)


async def test_erasure_deletes_every_row_of_the_person(client, world: World) -> None:
    contact = world.contacts[Visibility.ADVISOR]
    # make_contact's phones can coincide between contacts: this one must be unique to be searched for.
    contact.phone = "+41 79 555 01 23"
    await contact.save(update_fields=["phone"])
    contact_id = gid("Contact", contact.id)
    secrets = personal_values(contact)
    await client.data(CONSENT, {"id": contact_id, "w": "SMS promos WordingXADVISORQ"}, world.tokens["owner"])
    subject_request = (await client.data(OPEN, {"id": contact_id}, world.tokens["dpo"]))["openSubjectRequest"]["id"]
    request_ids = await TravelRequest.filter(contact_id=contact.id).values_list("id", flat=True)
    others = await Contact.exclude(id=contact.id).count()

    receipt = (await client.data(ERASE, {"id": contact_id}, world.tokens["dpo"]))["eraseContact"]
    assert receipt["requestsDeleted"] == 1 and receipt["consentRecordsDeleted"] == 2
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$", receipt["erasedAt"])

    assert not await Contact.filter(id=contact.id).exists()
    assert not await TravelRequest.filter(id__in=request_ids).exists()
    assert not await Traveler.filter(request_id__in=request_ids).exists()
    assert not await ConsentRecord.filter(contact_id=contact.id).exists()
    assert await Contact.all().count() == others  # nobody else's
    dump = await table_dump()
    for value in secrets:
        assert value not in dump, value

    # The deadline record stays, unlinked; the audit event names the person by opaque id only.
    listed = (
        await client.data("{ subjectRequests { id contact { id } status closedAt } }", token=world.tokens["dpo"])
    )["subjectRequests"]
    assert len(listed) == 1 and listed[0]["id"] == subject_request and listed[0]["contact"] is None
    assert listed[0]["status"] == "DONE" and listed[0]["closedAt"]  # the erasure fulfilled the erasure request
    event = await AuditEvent.get(action="ERASE")
    assert (event.actor, event.contact_ref, event.detail) == (
        world.users["dpo"].email,
        contact_id,
        "requests 1, consent records 2, erasure requests closed 1",
    )
    read = "query($id: ID!) { contact(id: $id) { id } }"
    assert await client.error_code(read, {"id": contact_id}, world.tokens["dpo"]) == "NOT_FOUND"
    assert await client.error_code(ERASE, {"id": contact_id}, world.tokens["dpo"]) == "NOT_FOUND"


async def test_only_the_dpo_erases(client, world: World) -> None:
    contact = world.contacts[Visibility.AGENCY]
    for position in ("owner", "mate", "other_team", "no_team", "admin"):  # the owner included
        assert await client.error_code(ERASE, {"id": gid("Contact", contact.id)}, world.tokens[position]) == "FORBIDDEN"
    assert await Contact.filter(id=contact.id).exists()
    assert not await AuditEvent.filter(action="ERASE").exists()


async def test_keys_and_other_agencies_may_not_erase(client, world: World) -> None:
    contact = world.contacts[Visibility.AGENCY]
    variables = {"id": gid("Contact", contact.id)}
    key = await client.data(
        'mutation { createApiKey(name: "k", scopes: [READ_CONTACTS, INTAKE]) { secret } }', token=world.tokens["admin"]
    )
    assert await client.error_code(ERASE, variables, key["createApiKey"]["secret"]) == "FORBIDDEN"
    assert await client.error_code(ERASE, variables, world.tokens["foreign_dpo"]) == "NOT_FOUND"
    assert await client.error_code(ERASE, variables) == "UNAUTHENTICATED"
    assert await Contact.filter(id=contact.id).exists()
    assert not await AuditEvent.filter(action="ERASE").exists()


async def test_deleting_several_contacts_at_once_takes_all_of_theirs_and_nothing_else(client, world: World) -> None:
    """As a purge batch does: the ids go in one statement per table (one array parameter on PostgreSQL)."""
    owner = world.users["owner"]
    doomed = [await make_contact(world.agency, owner, Visibility.TEAM, f"MANY{i}Q", requests=i) for i in range(4)]
    ids = [c.id for c in doomed]
    request_ids = await TravelRequest.filter(contact_id__in=ids).values_list("id", flat=True)
    assert len(request_ids) == 6 and await Traveler.filter(request_id__in=request_ids).count() == 6
    subject = await SubjectRequest.create(
        agency=world.agency, contact=doomed[3], kind=SubjectRightKind.ACCESS, received_at=now(), due_at=now()
    )
    before = {
        c.id: (await TravelRequest.filter(contact_id=c.id).count(), await ConsentRecord.filter(contact_id=c.id).count())
        for c in world.contacts.values()
    }

    async with in_transaction() as conn:
        assert await deletion.delete_contacts([], conn) == (0, 0)
        assert await deletion.delete_contacts(ids, conn) == (6, 4)  # requests 0 + 1 + 2 + 3, one consent each
    await deletion.scrub_free_space()

    assert not await Contact.filter(id__in=ids).exists()
    assert not await TravelRequest.filter(id__in=request_ids).exists()
    assert not await Traveler.filter(request_id__in=request_ids).exists()
    assert not await ConsentRecord.filter(contact_id__in=ids).exists()
    assert (await SubjectRequest.get(id=subject.id)).contact_id is None
    after = {
        c.id: (await TravelRequest.filter(contact_id=c.id).count(), await ConsentRecord.filter(contact_id=c.id).count())
        for c in world.contacts.values()
    }
    assert after == before
    dump = await table_dump()
    for contact in doomed:
        for value in personal_values(contact):
            assert value not in dump, value


# -- on disk (SQLite) -------------------------------------------------------------------------------------


@asynccontextmanager
async def sqlite_app(path: Path) -> AsyncIterator[GraphQLClient]:
    """The real app on a SQLite file, closed on exit, so the test can then read the files it leaves."""
    EXECUTOR_CACHE.clear()
    app = create_app(make_settings(f"sqlite://{path}"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQLClient(http)


PERSON = {
    "firstName": "Wenceslas",
    "lastName": "Quarterbridge",
    "email": "w.quarterbridge@erasure-probe.example",
    "phone": "+33 7 81 92 03 64",
    "address": "17 impasse Zephyrine, Trouville",
    "notes": "Allergique aux kumquats",
}
RECTIFIED_EMAIL = "wenceslas.q@rectified-probe.example"
REQUEST_NOTES = "Lune de miel, surprise pour Philomene"
TRAVELERS = [{"firstName": "Philomene", "lastName": "Quarterbridge-Oyelaran"}]
WORDING = "Je veux recevoir les offres Xylophage par SMS"


def probes() -> list[bytes]:
    """Each erased value as SQLite could hold it: as typed, lower-cased, folded for search, phone digits."""
    values = [*PERSON.values(), RECTIFIED_EMAIL, REQUEST_NOTES, WORDING, *(v for t in TRAVELERS for v in t.values())]
    forms = {form for v in values for form in (v, v.lower(), fold(v))}
    forms.add(re.sub(r"\D", "", PERSON["phone"]))
    return [form.encode("utf-8") for form in forms]


async def test_scrubs_run_one_at_a_time_and_those_waiting_share_the_next(client, monkeypatch) -> None:
    """Side by side, PostgreSQL's VACUUMs of one table make each other wait out its 5 s truncation timeout."""
    real, runs, running, most = deletion._scrub, [], [0], [0]
    first_began, first_may_end = asyncio.Event(), asyncio.Event()

    async def scrub(connection) -> None:
        runs.append(len(runs) + 1)
        running[0] += 1
        most[0] = max(most[0], running[0])
        if len(runs) == 1:
            first_began.set()
            await first_may_end.wait()
        await real(connection)
        running[0] -= 1

    monkeypatch.setattr(deletion, "_scrub", scrub)
    first = asyncio.create_task(deletion.scrub_free_space())
    await first_began.wait()
    # Their deletions committed while the first scrub ran (and maybe after it read a table): each needs a scrub
    # that begins after its call, and one is enough for all three.
    waiting = [asyncio.create_task(deletion.scrub_free_space()) for _ in range(3)]
    await asyncio.sleep(0)
    first_may_end.set()
    await asyncio.gather(first, *waiting)
    assert runs == [1, 2] and most[0] == 1
    await deletion.scrub_free_space()  # alone, a caller gets its own
    assert runs == [1, 2, 3]


async def test_erased_values_leave_no_bytes_in_the_sqlite_files(tmp_path: Path) -> None:
    database = tmp_path / "erase.sqlite3"
    async with sqlite_app(database) as client:
        world = await make_world()
        owner, dpo = world.tokens["owner"], world.tokens["dpo"]
        created = await client.data(
            "mutation($i: ContactInput!) { createContact(input: $i) { id } }", {"i": PERSON}, owner
        )
        contact_id = created["createContact"]["id"]
        # A rectification first: the old email's cell must not survive in a free page either.
        await client.data(
            "mutation($id: ID!, $e: String) { updateContact(id: $id, patch: {email: $e}) { id } }",
            {"id": contact_id, "e": RECTIFIED_EMAIL},
            owner,
        )
        await client.data(
            "mutation($i: TravelRequestInput!) { createTravelRequest(input: $i) { id } }",
            {"i": {"contactId": contact_id, "destination": "Zanzibar", "notes": REQUEST_NOTES, "travelers": TRAVELERS}},
            owner,
        )
        await client.data(CONSENT, {"id": contact_id, "w": WORDING}, owner)
        # Read by the DPO too, so the values went through every path before the erasure.
        await client.data("query($id: ID!) { contact(id: $id) { firstName email } }", {"id": contact_id}, dpo)

        receipt = (await client.data(ERASE, {"id": contact_id}, dpo))["eraseContact"]
        assert (receipt["requestsDeleted"], receipt["consentRecordsDeleted"]) == (1, 1)
        # Still running: the WAL must already be scrubbed, not only once the last connection closes.
        assert_erased(database)

    assert_erased(database)


def assert_erased(database: Path) -> None:
    files = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    content = {p.name: p.read_bytes() for p in files if p.name.endswith(("sqlite3", "-wal", "-shm"))}
    assert database.name in content
    for name, data in content.items():
        for probe in probes():
            assert probe not in data, f"{probe!r} survives in {name}"
    # Control: the scan does find what was not erased.
    assert b"PrenomXAGENCYQ" in content[database.name]
