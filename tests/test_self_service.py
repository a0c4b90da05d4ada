"""The data subject's door, end to end against a real SMTP server on loopback: the website's form, the
emailed confirmation (GET then POST), the DPO's link and delivery, the personal download link and its
limits, the answers on closing, rate limits, and no oracle."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from app import dispatcher
from app.settings import Settings
from models import AuditEvent, Contact, ExportDelivery, OutboxMessage, SubjectRequest, Visibility
from models.credentials import LoginFailure
from resolvers import outbox
from resolvers.clock import now
from resolvers.ids import decode_id
from tests.conftest import make_settings
from tests.mailbox import Mailbox, link_in, smtp_server, text_of
from tests.world import World, gid, make_world

SUBMIT = """mutation($input: SubjectRequestFormInput!) {
  submitSubjectRequest(input: $input) { reference receivedAt dueAt }
}"""
REQUESTS = """query($v: Boolean) { subjectRequests(verifiedOnly: $v) {
  id reference channel verified verifiedAt kind status requesterEmail requesterName message contact { id }
  deliveries { id createdAt expiresAt downloads maxDownloads revoked }
} }"""
LINK = "mutation($id: ID!, $c: ID!) { linkSubjectRequest(id: $id, contactId: $c) { id contact { id } } }"
DELIVER = "mutation($id: ID!) { deliverSubjectAccessExport(requestId: $id) { id downloads maxDownloads revoked } }"
REVOKE = "mutation($id: ID!) { revokeExportDelivery(id: $id) { id revoked } }"
CLOSE = """mutation($id: ID!, $s: SubjectRequestStatus!, $r: String) {
  closeSubjectRequest(id: $id, status: $s, reason: $r) { id status }
}"""
OUTBOX = "query($s: MailStatus) { outbox(status: $s) { id to subject status attempts createdAt sentAt lastError } }"
ACCESS_LOG = "query($id: ID!) { subjectAccessExport(contactId: $id) { accessLog { actor action detail } } }"
FORM: dict[str, Any] = {
    "kind": "ACCESS",
    "email": "Pierre.Martin@Example.ORG",
    "firstName": "Pierre",
    "lastName": "Martin",
    "message": "Je veux savoir tout ce que vous avez sur moi.",
    "sourceUrl": "https://agence-a.example/mes-droits",
}


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def settings(database_url: str, mailbox: Mailbox) -> Settings:
    return make_settings(database_url, smtp=mailbox.server, public_url="http://testserver")


@pytest.fixture
async def world(client) -> World:
    return await make_world()


_keys = itertools.count(1)


async def intake_key(client, world: World) -> str:
    created = await client.data(
        "mutation($n: String!) { createApiKey(name: $n, scopes: [INTAKE]) { secret } }",
        {"n": f"Site web {next(_keys)}"},
        world.tokens["admin"],
    )
    return created["createApiKey"]["secret"]


async def dispatch(settings: Settings) -> outbox.PassReport:
    """One pass of the dispatcher `alveole serve` runs, with the test's SMTP server."""
    return await outbox.send_due(dispatcher.transports(settings))


async def submit(client, key: str, **changes: Any) -> dict[str, Any]:
    return (await client.data(SUBMIT, {"input": {**FORM, **changes}}, key))["submitSubjectRequest"]


def path_of(link: str) -> str:
    assert link.startswith("http://testserver/"), link
    return link.removeprefix("http://testserver")


async def confirm_by_mail(client, mail_link: str) -> None:
    page = await client.http.get(path_of(mail_link))
    assert page.status_code == 200 and '<form method="post">' in page.text
    confirmed = await client.http.post(path_of(mail_link))
    assert confirmed.status_code == 200, confirmed.text


async def verified_request(client, world: World, settings: Settings, mailbox: Mailbox, **changes: Any) -> str:
    """Submitted, mailed and confirmed: the request's id."""
    key = await intake_key(client, world)
    await submit(client, key, **changes)
    await dispatch(settings)
    await confirm_by_mail(client, link_in(mailbox.wait_for(1)[-1]))
    listed = (await client.data(REQUESTS, {"v": True}, world.tokens["dpo"]))["subjectRequests"]
    return listed[-1]["id"]


async def test_the_whole_path_from_the_form_to_the_download(
    client, world: World, settings: Settings, mailbox: Mailbox
) -> None:
    dpo = world.tokens["dpo"]
    key = await intake_key(client, world)
    receipt = await submit(client, key)
    assert receipt["reference"].startswith("DSR-") and len(receipt["reference"]) == 13
    # Nothing is sent inside the request: the mail waits in the outbox, written with the request.
    assert mailbox.received() == []
    assert [m["status"] for m in (await client.data(OUTBOX, token=dpo))["outbox"]] == ["PENDING"]

    report = await dispatch(settings)
    assert (report.sent, report.errors) == (1, [])
    [mail] = mailbox.wait_for(1)
    assert mail["To"] == "pierre.martin@example.org" and receipt["reference"] in mail["Subject"]
    assert "Pierre Martin" in text_of(mail) and "72 heures" in text_of(mail)  # French by default
    confirm_link = link_in(mail)
    assert "/requests/confirm/" in confirm_link

    # GET only shows the button (a mail scanner's prefetch confirms nothing).
    page = await client.http.get(path_of(confirm_link))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<form method="post">' in page.text and "<script" not in page.text
    assert "form-action 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    [listed] = (await client.data(REQUESTS, {"v": False}, dpo))["subjectRequests"]
    assert listed["verified"] is False and listed["channel"] == "WEB_FORM"
    assert (await client.data(REQUESTS, {"v": True}, dpo))["subjectRequests"] == []

    confirmed = await client.http.post(path_of(confirm_link))
    assert confirmed.status_code == 200 and receipt["reference"] in confirmed.text
    for method in ("GET", "POST"):  # single use
        again = await client.http.request(method, path_of(confirm_link))
        assert again.status_code == 410 and "Traceback" not in again.text

    [listed] = (await client.data(REQUESTS, {"v": True}, dpo))["subjectRequests"]
    assert listed["verified"] is True and listed["verifiedAt"] and listed["contact"] is None  # nothing linked
    assert (listed["requesterEmail"], listed["requesterName"]) == ("pierre.martin@example.org", "Pierre Martin")
    assert listed["message"] == FORM["message"] and listed["reference"] == receipt["reference"]

    contact = world.contacts[Visibility.ADVISOR]
    contact_id = gid("Contact", contact.id)
    linked = (await client.data(LINK, {"id": listed["id"], "c": contact_id}, dpo))["linkSubjectRequest"]
    assert linked["contact"] == {"id": contact_id}
    delivery = (await client.data(DELIVER, {"id": listed["id"]}, dpo))["deliverSubjectAccessExport"]
    assert (delivery["downloads"], delivery["maxDownloads"], delivery["revoked"]) == (0, 5, False)
    await dispatch(settings)
    delivery_mail = mailbox.wait_for(2)[1]
    assert delivery_mail["To"] == "pierre.martin@example.org"
    delivery_link = path_of(link_in(delivery_mail))

    page = await client.http.get(delivery_link)
    assert page.status_code == 200 and "Vos droits" in page.text and "CNIL" in page.text
    assert page.text.count('<form class="inline" method="post"') == 2 and "<script" not in page.text
    csv_file = await client.http.post(delivery_link + "/csv")
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert contact.first_name in csv_file.text and "ReqNoteXADVISORQ0" in csv_file.text
    json_file = await client.http.post(delivery_link + "/json")
    assert json.loads(json_file.text)["contact"]["email"] == contact.email
    # The same files as the DPO's own links.
    links = await client.data(
        "query($id: ID!) { subjectAccessExport(contactId: $id) { jsonUrl } }", {"id": contact_id}, dpo
    )
    dpo_json = await client.http.get(links["subjectAccessExport"]["jsonUrl"].removeprefix("http://testserver"))
    mine, theirs = json.loads(json_file.text), json.loads(dpo_json.text)
    for part in ("contact", "requests", "consentHistory", "rightsNotice"):
        assert mine[part] == theirs[part], part

    [listed] = (await client.data(REQUESTS, {"v": True}, dpo))["subjectRequests"]
    assert listed["deliveries"][0]["downloads"] == 2
    # Each view and download is on the person's access log.
    log = (await client.data(ACCESS_LOG, {"id": contact_id}, dpo))["subjectAccessExport"]["accessLog"]
    actions = [(e["action"], e["actor"]) for e in log]
    subject_actor = f"data-subject:{receipt['reference']}"
    assert ("DELIVERY_VIEWED", subject_actor) in actions
    assert actions.count(("DELIVERY_DOWNLOADED", subject_actor)) == 2

    # The download limit: CSV and JSON counted together, then 410 with a page saying whom to ask.
    for _ in range(3):
        assert (await client.http.post(delivery_link + "/json")).status_code == 200
    for attempt in (client.http.post(delivery_link + "/csv"), client.http.get(delivery_link)):
        exhausted = await attempt
        assert exhausted.status_code == 410 and settings.mail_from in exhausted.text
    assert (await ExportDelivery.get()).downloads == 5


async def test_revoked_expired_and_erased_links(client, world: World, settings: Settings, mailbox: Mailbox) -> None:
    dpo = world.tokens["dpo"]
    request_id = await verified_request(client, world, settings, mailbox)
    contact = world.contacts[Visibility.TEAM]
    await client.data(LINK, {"id": request_id, "c": gid("Contact", contact.id)}, dpo)
    deliveries = [(await client.data(DELIVER, {"id": request_id}, dpo))["deliverSubjectAccessExport"] for _ in "abc"]
    await dispatch(settings)
    revoked_link, expired_link, erased_link = [path_of(link_in(m)) for m in mailbox.wait_for(4)[1:]]

    revoked = (await client.data(REVOKE, {"id": deliveries[0]["id"]}, dpo))["revokeExportDelivery"]
    assert revoked["revoked"] is True
    assert (await client.http.get(revoked_link)).status_code == 410
    assert (await client.http.post(revoked_link + "/csv")).status_code == 410

    await ExportDelivery.filter(id=decode_id("ExportDelivery", deliveries[1]["id"])).update(
        expires_at=now() - timedelta(seconds=1)
    )
    assert (await client.http.get(expired_link)).status_code == 410
    assert (await client.http.post(expired_link + "/json")).status_code == 410

    assert (await client.http.get(erased_link)).status_code == 200
    await client.data(
        "mutation($id: ID!) { eraseContact(contactId: $id) { erasedAt } }", {"id": gid("Contact", contact.id)}, dpo
    )
    for response in (await client.http.get(erased_link), await client.http.post(erased_link + "/csv")):
        assert response.status_code == 404 and "Traceback" not in response.text
    # Every mail about the person went with them; the request stays, unlinked and without their details.
    assert not await OutboxMessage.filter(subject_request_id__isnull=False).exists()
    row = await SubjectRequest.get()
    assert (row.contact_id, row.requester_email, row.requester_name, row.message) == (None, None, None, None)
    assert not await ExportDelivery.exists()


async def test_unknown_and_junk_links_answer_404_pages(client) -> None:
    for path in ("/requests/confirm/nope", "/delivery/nope", "/requests/confirm/" + "x" * 300, "/delivery/%00"):
        response = await client.http.get(path)
        assert response.status_code == 404 and "Unknown link" in response.text, path
    assert (await client.http.post("/delivery/nope/csv")).status_code == 404
    assert (await client.http.post("/delivery/nope/exe")).status_code == 404


async def test_the_receipt_is_the_same_for_a_known_and_an_unknown_address(client, world: World, mailbox) -> None:
    key = await intake_key(client, world)
    known = world.contacts[Visibility.AGENCY]
    first = await submit(client, key, email=known.email, firstName=known.first_name, lastName=known.last_name)
    second = await submit(client, key, email="nobody-here@example.net", firstName="Nobody", lastName="Here")
    assert first.keys() == second.keys() == {"reference", "receivedAt", "dueAt"}
    assert first["reference"] != second["reference"]
    # Nothing linked automatically, and a mail queued for each address alike.
    assert await SubjectRequest.filter(contact_id__isnull=True).count() == 2
    assert sorted(await OutboxMessage.all().values_list("recipient", flat=True)) == sorted(
        [known.email, "nobody-here@example.net"]
    )


async def test_rate_limits_per_address_and_per_email(client, world: World, mailbox) -> None:
    key = await intake_key(client, world)
    for _ in range(5):
        await submit(client, key)
    body = await client.post(SUBMIT, {"input": FORM}, key)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED" and 0 < error["extensions"]["retryAfterSeconds"] <= 86400
    # Another address from the same client: counted per client address too, 20 an hour.
    for i in range(15):
        await submit(client, key, email=f"someone{i}@example.net")
    body = await client.post(SUBMIT, {"input": {**FORM, "email": "one-more@example.net"}}, key)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED" and 0 < error["extensions"]["retryAfterSeconds"] <= 3600
    assert await SubjectRequest.all().count() == 20 and await OutboxMessage.all().count() == 20


async def test_rate_limits_are_per_agency_and_keep_no_address(client, world: World, mailbox) -> None:
    """Another agency's website cannot use up a person's requests here, nor learn that they wrote elsewhere."""
    foreign = await client.data(
        'mutation { createApiKey(name: "other site", scopes: [INTAKE]) { secret } }', token=world.tokens["foreign_dpo"]
    )
    foreign_key = foreign["createApiKey"]["secret"]
    for _ in range(5):
        await submit(client, foreign_key)
    assert await client.error_code(SUBMIT, {"input": FORM}, foreign_key) == "RATE_LIMITED"
    receipt = await submit(client, await intake_key(client, world))
    assert receipt["reference"].startswith("DSR-")
    keys = await LoginFailure.all().values_list("key", flat=True)
    assert len(keys) == 12
    for key in keys:
        assert "example" not in key.lower() and "203.0.113.7" not in key, key


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"firstName": "  "}, "firstName"),
        ({"lastName": ""}, "lastName"),
        ({"language": "de"}, "language"),
        ({"sourceUrl": "javascript:alert(1)"}, "sourceUrl"),
        ({"message": "x" * 10_001}, "message"),
    ],
)
async def test_bad_forms_name_the_field(client, world: World, changes: dict[str, str], field: str) -> None:
    key = await intake_key(client, world)
    body = await client.post(SUBMIT, {"input": {**FORM, **changes}}, key)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert not await SubjectRequest.exists() and not await OutboxMessage.exists()


async def test_unverified_requests_cannot_be_linked_or_delivered(client, world: World, mailbox) -> None:
    dpo = world.tokens["dpo"]
    await submit(client, await intake_key(client, world))
    [listed] = (await client.data(REQUESTS, token=dpo))["subjectRequests"]
    contact_id = gid("Contact", world.contacts[Visibility.AGENCY].id)
    assert await client.error_code(LINK, {"id": listed["id"], "c": contact_id}, dpo) == "FORBIDDEN"
    assert await client.error_code(DELIVER, {"id": listed["id"]}, dpo) == "FORBIDDEN"
    assert (await SubjectRequest.get()).contact_id is None


async def test_delivery_needs_a_linked_access_request(client, world: World, settings, mailbox) -> None:
    dpo = world.tokens["dpo"]
    request_id = await verified_request(client, world, settings, mailbox)
    body = await client.post(DELIVER, {"id": request_id}, dpo)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "requestId"}
    assert "linkSubjectRequest" in body["errors"][0]["message"]
    # A staff-opened request keeps working as before: STAFF, verified, with a reference, and no one to mail.
    opened = await client.data(
        "mutation($c: ID!) { openSubjectRequest(contactId: $c, kind: ACCESS) { id reference channel verified } }",
        {"c": gid("Contact", world.contacts[Visibility.AGENCY].id)},
        dpo,
    )
    staff = opened["openSubjectRequest"]
    assert staff["channel"] == "STAFF" and staff["verified"] is True and staff["reference"].startswith("DSR-")
    assert await client.error_code(DELIVER, {"id": staff["id"]}, dpo) == "BAD_USER_INPUT"
    await client.data(CLOSE, {"id": staff["id"], "s": "DONE"}, dpo)
    assert await OutboxMessage.all().count() == 1  # the first request's confirmation only


async def test_closing_a_web_request_answers_the_person_in_their_language(
    client, world: World, settings: Settings, mailbox: Mailbox
) -> None:
    dpo = world.tokens["dpo"]
    erasure = await verified_request(client, world, settings, mailbox, kind="ERASURE", language="en")
    contact = world.contacts[Visibility.ADVISOR]
    await client.data(LINK, {"id": erasure, "c": gid("Contact", contact.id)}, dpo)
    # Erasing the person fulfils (and closes) their erasure request: they are told, with their name only.
    await client.data(
        "mutation($id: ID!) { eraseContact(contactId: $id) { erasedAt } }", {"id": gid("Contact", contact.id)}, dpo
    )
    await dispatch(settings)
    done = mailbox.wait_for(2)[1]
    assert "Erasure done" in done["Subject"] and "Pierre Martin" in text_of(done)
    for value in (contact.first_name, contact.last_name, contact.email, FORM["message"]):
        assert value not in text_of(done) and value not in done["Subject"]
    row = await SubjectRequest.get(reference=done["Subject"].split()[-1])
    assert row.status == "DONE" and row.requester_email is None  # the mail was the last thing kept

    rejected = await verified_request(client, world, settings, mailbox, email="jeanne@example.net", firstName="Jeanne")
    await client.data(
        CLOSE, {"id": rejected, "s": "REJECTED", "r": "Nous ne détenons aucune donnée vous concernant."}, dpo
    )
    await dispatch(settings)
    answer = mailbox.to("jeanne@example.net")[-1]
    assert "Nous ne détenons aucune donnée" in text_of(answer) and "CNIL" in text_of(answer)
    assert "Réponse à votre demande" in answer["Subject"]


async def test_a_failure_leaves_neither_the_change_nor_its_mail(
    client, world: World, settings: Settings, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit append fails after the delivery and its mail were written, in the same transaction."""
    dpo = world.tokens["dpo"]
    request_id = await verified_request(client, world, settings, mailbox)
    await client.data(LINK, {"id": request_id, "c": gid("Contact", world.contacts[Visibility.AGENCY].id)}, dpo)
    mails = await OutboxMessage.all().count()

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("resolvers.deliveries.audit.record", broken)
    assert await client.error_code(DELIVER, {"id": request_id}, dpo) == "INTERNAL_SERVER_ERROR"
    assert not await ExportDelivery.exists() and await OutboxMessage.all().count() == mails


async def test_the_outbox_pages_as_every_list(client, world: World, mailbox) -> None:
    key = await intake_key(client, world)
    for i in range(3):
        await submit(client, key, email=f"person{i}@example.net")
    listed = "query($f: Int) { outbox(first: $f) { to } }"
    dpo = world.tokens["dpo"]
    assert len((await client.data(listed, {"f": 2}, dpo))["outbox"]) == 2
    assert len((await client.data(listed, {"f": None}, dpo))["outbox"]) == 3
    assert len((await client.data(listed, {"f": 0}, dpo))["outbox"]) == 0
    body = await client.post(listed, {"f": -1}, dpo)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}


async def test_keys_and_other_roles_cannot_use_the_dpo_side(client, world: World, settings, mailbox) -> None:
    request_id = await verified_request(client, world, settings, mailbox)
    contact_id = gid("Contact", world.contacts[Visibility.AGENCY].id)
    intake = await intake_key(client, world)
    reader = (
        await client.data(
            'mutation { createApiKey(name: "lecture", scopes: [READ_CONTACTS]) { secret } }', token=world.tokens["dpo"]
        )
    )["createApiKey"]["secret"]
    assert await client.error_code(SUBMIT, {"input": FORM}, reader) == "FORBIDDEN"
    assert await client.error_code(SUBMIT, {"input": FORM}, world.tokens["dpo"]) == "FORBIDDEN"
    assert await client.error_code(SUBMIT, {"input": FORM}) == "UNAUTHENTICATED"
    for token in (intake, reader, world.tokens["owner"], world.tokens["admin"]):
        assert await client.error_code(LINK, {"id": request_id, "c": contact_id}, token) == "FORBIDDEN"
        assert await client.error_code(DELIVER, {"id": request_id}, token) == "FORBIDDEN"
        assert await client.error_code(OUTBOX, token=token) == "FORBIDDEN"
    assert (
        await client.error_code(LINK, {"id": request_id, "c": contact_id}, world.tokens["foreign_dpo"]) == "NOT_FOUND"
    )
    assert await AuditEvent.filter(action="LINK_SUBJECT_REQUEST").count() == 0
    assert await Contact.filter(id=world.contacts[Visibility.AGENCY].id).exists()


async def test_an_expired_confirmation_link_and_an_unconfirmed_request_closed(
    client, world: World, settings: Settings, mailbox: Mailbox
) -> None:
    await submit(client, await intake_key(client, world))
    await dispatch(settings)
    confirm_link = path_of(link_in(mailbox.wait_for(1)[0]))
    await SubjectRequest.all().update(verification_expires_at=now() - timedelta(seconds=1))
    for method in ("GET", "POST"):
        expired = await client.http.request(method, confirm_link)
        assert expired.status_code == 410 and "expired" in expired.text
    assert (await SubjectRequest.get()).verified is False
    # Refused without confirmation: the address was never shown to be the requester's, so no mail goes to it.
    [listed] = (await client.data(REQUESTS, token=world.tokens["dpo"]))["subjectRequests"]
    reason = {"id": listed["id"], "s": "REJECTED", "r": "Identity not confirmed."}
    await client.data(CLOSE, reason, world.tokens["dpo"])
    assert await OutboxMessage.all().count() == 1
