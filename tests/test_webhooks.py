"""Signed webhooks (Art. 19): every recipient is told of consent changes, rectifications, restrictions and
erasures, through the transactional outbox, signed per Standard Webhooks, with no personal value."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest

from app import dispatcher
from app.settings import Settings
from auth.errors import BadInput
from models import AuditEvent, ConsentRecord, OutboxMessage, Visibility, Webhook
from models.enums import OutboxStatus
from resolvers import outbox, webhook_destination
from resolvers.clock import now
from tests.conftest import make_settings
from tests.test_intake import FORM, SUBMIT
from tests.webhook_receiver import Receiver, webhook_receiver
from tests.world import World, gid, make_world, personal_values

CREATE = """mutation($url: String!, $events: [WebhookEvent!]!) {
  createWebhook(url: $url, events: $events) { secret webhook { id url events createdAt } } }"""
ALL_EVENTS = ["CONSENT_CHANGED", "CONTACT_RECTIFIED", "PROCESSING_RESTRICTED", "CONTACT_ERASED"]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, webhooks_allow_http=True)


@pytest.fixture
async def world(client) -> World:
    return await make_world()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


async def subscribe(
    client, world: World, receiver: Receiver, events: list[str], by: str = "dpo", url: str | None = None
) -> str:
    variables = {"url": url or receiver.url, "events": events}
    created = (await client.data(CREATE, variables, world.tokens[by]))["createWebhook"]
    receiver.secret = created["secret"]
    return created["webhook"]["id"]


async def deliver(settings: Settings, *, ignore_backoff: bool = False) -> outbox.PassReport:
    """One pass of the outbox's dispatcher, as each server process runs every second."""
    return await outbox.send_due(dispatcher.transports(settings), ignore_backoff=ignore_backoff)


async def test_admin_and_dpo_manage_webhooks_whose_secret_is_shown_once(client, world: World, receiver) -> None:
    created = (await client.data(CREATE, {"url": receiver.url, "events": ["CONTACT_ERASED"]}, world.tokens["admin"]))[
        "createWebhook"
    ]
    assert created["secret"].startswith("whsec_")
    assert created["webhook"]["url"] == receiver.url and created["webhook"]["events"] == ["CONTACT_ERASED"]
    row = await Webhook.get(agency_id=world.agency.id)
    assert created["secret"] not in json.dumps(
        await Webhook.filter(id=row.id).values(), default=str
    )  # derived, never stored
    listed = await client.data("{ webhooks { id url events } }", token=world.tokens["dpo"])
    assert listed["webhooks"] == [{k: created["webhook"][k] for k in ("id", "url", "events")}]
    assert await AuditEvent.filter(action="CREATE_WEBHOOK", actor=world.users["admin"].email).exists()

    for position in ("owner", "mate", "other_team", "no_team"):
        assert await client.error_code("{ webhooks { id } }", token=world.tokens[position]) == "FORBIDDEN"
        variables = {"url": receiver.url, "events": ["CONSENT_CHANGED"]}
        assert await client.error_code(CREATE, variables, world.tokens[position]) == "FORBIDDEN"
    foreign = await client.post(
        "mutation($id: ID!) { deleteWebhook(id: $id) }", {"id": created["webhook"]["id"]}, world.tokens["foreign_dpo"]
    )
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    deleted = await client.data(
        "mutation($id: ID!) { deleteWebhook(id: $id) }", {"id": created["webhook"]["id"]}, world.tokens["dpo"]
    )
    assert deleted == {"deleteWebhook": True} and not await Webhook.exists()


def test_urls_are_https_except_loopback_when_allowed() -> None:
    allowed = {"https://partner.example/hooks": False, "http://127.0.0.1:8080/h": True, "http://[::1]/h": True}
    for url, needs_the_setting in allowed.items():
        assert webhook_destination.check_url(url, allow_http_loopback=True) == url
        if needs_the_setting:
            with pytest.raises(BadInput, match="url: must"):
                webhook_destination.check_url(url, allow_http_loopback=False)
        else:
            assert webhook_destination.check_url(url, allow_http_loopback=False) == url
    refused = {
        "http://partner.example/hooks": "must start with https://",
        "http://localhost/h": "must start with https://",
        "https://127.0.0.1/h": "loopback, private",
        "https://10.1.2.3/h": "loopback, private",
        "https://169.254.169.254/latest/meta-data": "loopback, private",
        "https://user:secret@partner.example/h": "no credentials",
        "ftp://partner.example/h": "must start with https://",
        "partner.example/h": "absolute URL",
        "https://partner.example:http/h": "not a valid URL",
    }
    for url, reason in refused.items():
        with pytest.raises(BadInput, match=reason):
            webhook_destination.check_url(url, allow_http_loopback=False)


# Private, shared, loopback, link-local (the cloud metadata service), unique-local, unspecified, IPv4-mapped
# loopback, multicast, documentation: no partner's endpoint has one, and each would reach inside.
INTERNAL = [
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "224.0.0.1", "192.0.2.1", "[::1]", "[fc00::1]", "[fd00:ec2::254]", "[fe80::1]",
    "[::]", "[::ffff:127.0.0.1]", "[::ffff:10.0.0.1]",
    "0.0.0.0",  # noqa: S104 - an address refused, not one bound to
]  # fmt: skip
CREATE_CODE = "mutation($url: String!) { createWebhook(url: $url, events: [CONTACT_ERASED]) { secret } }"


async def created(client, world: World, url: str) -> str | None:
    """The error code createWebhook answers for `url`, None if it accepted it."""
    body = await client.post(CREATE_CODE, {"url": url}, world.tokens["dpo"])
    return body["errors"][0]["extensions"]["code"] if "errors" in body else None


async def test_internal_addresses_are_refused_at_creation(client, world: World) -> None:
    """The app under test allows loopback (ALVEOLE_WEBHOOKS_ALLOW_HTTP=1): the other ranges stay refused."""
    for host in INTERNAL:
        loopback = host in ("127.0.0.1", "127.8.9.10", "[::1]")
        assert await created(client, world, f"https://{host}/hooks") == (None if loopback else "BAD_USER_INPUT"), host
        with pytest.raises(BadInput, match="must"):  # and without the setting, loopback too
            await webhook_destination.destination(f"https://{host}/hooks", allow_http_loopback=False)
    assert await Webhook.all().count() == 3
    with pytest.raises(BadInput, match="loopback, private"):  # localhost: the name, resolved (/etc/hosts)
        await webhook_destination.destination("https://localhost/hooks", allow_http_loopback=False)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The answers of a DNS we control (the machine has none): name -> addresses; other names resolve as usual."""
    answers: dict[str, list[str]] = {}
    resolve = webhook_destination.resolve

    async def controlled(host: str, port: int) -> list[webhook_destination.Address]:
        if host not in answers:
            return await resolve(host, port)
        if not answers[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(address) for address in answers[host]]

    monkeypatch.setattr(webhook_destination, "resolve", controlled)
    return answers


async def test_hostnames_are_resolved_at_creation(client, world: World, dns: dict[str, list[str]]) -> None:
    dns.update(
        {
            "partner.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
            "intranet.example": ["10.0.0.7"],
            "metadata.example": ["169.254.169.254"],
            "half.example": ["93.184.216.34", "192.168.0.10"],  # every address counts, not the first only
            "nowhere.example": [],
        }
    )
    assert await created(client, world, "https://partner.example/hooks") is None
    for name in ("intranet.example", "metadata.example", "half.example", "nowhere.example"):
        body = await client.post(CREATE_CODE, {"url": f"https://{name}/hooks"}, world.tokens["dpo"])
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", name
        assert body["errors"][0]["message"].startswith("url: "), body
    assert await Webhook.all().values_list("url", flat=True) == ["https://partner.example/hooks"]


async def test_a_dns_rebinding_cannot_reach_loopback(
    client, world: World, receiver: Receiver, dns: dict[str, list[str]], settings: Settings
) -> None:
    """Created while its name led to a public address, the webhook's name then leads to this machine, where a
    receiver listens: the delivery resolves again, checks again, and refuses without connecting."""
    port = receiver.url.split(":")[2].split("/")[0]
    dns["partner.example"] = ["93.184.216.34"]
    assert await created(client, world, f"https://partner.example:{port}/hooks/alveole") is None
    await client.data(
        "mutation($id: ID!) { eraseContact(contactId: $id) { recipientsToNotify } }",
        {"id": gid("Contact", world.contacts[Visibility.ADVISOR].id)},
        world.tokens["dpo"],
    )
    for rebound, allow_loopback in (("127.0.0.1", False), ("::1", False), ("10.0.0.7", True)):
        dns["partner.example"] = [rebound]
        report = await deliver(
            make_settings("sqlite://unused", webhooks_allow_http=allow_loopback), ignore_backoff=True
        )
        assert report.sent == 0 and "loopback, private" in report.errors[0][2], rebound
    assert receiver.paths == []  # never connected


async def test_the_connection_goes_to_the_address_checked(
    client, world: World, receiver: Receiver, dns: dict[str, list[str]], settings: Settings
) -> None:
    """A name only our DNS knows, leading to the receiver on loopback (allowed here): the delivery reaches it,
    so it connected to the address it resolved and checked, while naming the host it was given."""
    port = receiver.url.split(":")[2].split("/")[0]
    dns["hooks.partner.test"] = ["127.0.0.1"]
    await subscribe(client, world, receiver, ["CONTACT_ERASED"], url=f"http://hooks.partner.test:{port}/hooks/alveole")
    await client.data(
        "mutation($id: ID!) { eraseContact(contactId: $id) { recipientsToNotify } }",
        {"id": gid("Contact", world.contacts[Visibility.ADVISOR].id)},
        world.tokens["dpo"],
    )
    assert (await deliver(settings)).sent == 1
    (delivery,) = receiver.accepted
    assert delivery.headers["host"] == f"hooks.partner.test:{port}" and delivery.payload["type"] == "CONTACT_ERASED"


async def test_redirects_are_not_followed(client, world: World, receiver: Receiver, settings: Settings) -> None:
    await subscribe(client, world, receiver, ["CONTACT_ERASED"])
    receiver.answers = [307]
    await client.data(
        "mutation($id: ID!) { eraseContact(contactId: $id) { recipientsToNotify } }",
        {"id": gid("Contact", world.contacts[Visibility.ADVISOR].id)},
        world.tokens["dpo"],
    )
    report = await deliver(settings)
    assert (report.sent, report.errors[0][2]) == (0, "HTTP 307")
    assert receiver.paths == ["/hooks/alveole"]  # not to /elsewhere, where the 307 pointed


async def test_every_change_reaches_every_recipient_signed_without_personal_values(
    client, world: World, receiver: Receiver, settings: Settings
) -> None:
    await subscribe(client, world, receiver, ALL_EVENTS)
    with webhook_receiver() as erasures_only:
        await subscribe(client, world, erasures_only, ["CONTACT_ERASED"])
        contact = world.contacts[Visibility.AGENCY]
        contact_id = gid("Contact", contact.id)
        request = await contact.requests.all().first()
        dpo = world.tokens["dpo"]
        consent = '{contactId: $id, purpose: MARKETING_SMS, granted: false, source: "call", wording: "Plus de SMS"}'
        await client.data(f"mutation($id: ID!) {{ recordConsent(input: {consent}) {{ id }} }}", {"id": contact_id}, dpo)
        patch = 'patch: {email: "new@example.org", phone: "+33 6 00 00 00 01"}'
        await client.data(f"mutation($id: ID!) {{ updateContact(id: $id, {patch}) {{ id }} }}", {"id": contact_id}, dpo)
        await client.data(
            "mutation($id: ID!) { updateContact(id: $id, patch: {kind: CLIENT}) { id } }", {"id": contact_id}, dpo
        )
        await client.data(
            'mutation($id: ID!) { updateTravelRequest(id: $id, patch: {notes: "Hublot", destination: "Oslo"}) { id } }',
            {"id": gid("TravelRequest", request.id)},
            dpo,
        )
        restrict = "mutation($id: ID!, $r: Boolean!) { restrictProcessing(contactId: $id, restricted: $r) { id } }"
        await client.data(restrict, {"id": contact_id, "r": True}, dpo)
        await client.data(restrict, {"id": contact_id, "r": False}, dpo)  # lifting it tells nobody
        key = await client.data('mutation { createApiKey(name: "Site", scopes: [INTAKE]) { secret } }', token=dpo)
        request_id = (await client.data(SUBMIT, {"input": FORM}, key["createApiKey"]["secret"]))["submitContactForm"]
        receipt = await client.data(
            "mutation($id: ID!) { eraseContact(contactId: $id) { recipientsToNotify } }", {"id": contact_id}, dpo
        )
        assert receipt == {"eraseContact": {"recipientsToNotify": 2}}

        report = await deliver(settings)
        assert (report.sent, report.errors) == (7, [])  # six notices to one, the erasure to the other
        assert receiver.refused == erasures_only.refused == []

    events = [(d.payload["type"], d.payload["data"]["fields"]) for d in receiver.accepted]
    assert events == [
        ("CONSENT_CHANGED", ["consents.MARKETING_SMS"]),
        ("CONTACT_RECTIFIED", ["email", "phone"]),
        ("CONTACT_RECTIFIED", ["travelRequests.notes"]),  # the destination is not personal data
        ("PROCESSING_RESTRICTED", ["restricted"]),
        ("CONSENT_CHANGED", ["consents.MARKETING_EMAIL", "consents.PARTNER_SHARING"]),  # the web form's boxes
        ("CONTACT_ERASED", []),
    ]
    prospect = await OutboxMessage.filter(transport="webhook").order_by("id").offset(4).first()
    assert prospect is not None and json.loads(prospect.body)["data"]["contactId"] != contact_id
    assert {d.payload["data"]["contactId"] for d in receiver.accepted[:4]} | {
        receiver.accepted[5].payload["data"]["contactId"]
    } == {contact_id}
    assert [d.payload["type"] for d in erasures_only.accepted] == ["CONTACT_ERASED"]
    assert request_id
    for delivery in receiver.accepted:
        assert set(delivery.payload) == {"type", "timestamp", "data"} and set(delivery.payload["data"]) == {
            "contactId",
            "fields",
        }
        assert delivery.headers["content-type"] == "application/json"
        text = delivery.body.decode()
        for value in [*personal_values(contact), "new@example.org", "Hublot", FORM["lastName"], FORM["email"]]:
            assert value not in text, value
    ids = [d.headers["webhook-id"] for d in receiver.accepted + erasures_only.accepted]
    assert len(set(ids)) == len(ids) == 7


async def test_a_failing_receiver_is_retried_and_each_notice_arrives_once(
    client, world: World, receiver: Receiver, settings: Settings
) -> None:
    await subscribe(client, world, receiver, ["CONTACT_ERASED"])
    receiver.answers = [503]
    contact_id = gid("Contact", world.contacts[Visibility.TEAM].id)
    await client.data(
        "mutation($id: ID!) { eraseContact(contactId: $id) { erasedAt } }", {"id": contact_id}, world.tokens["dpo"]
    )

    first = await deliver(settings)
    assert (first.sent, first.retrying) == (0, 1) and first.errors[0][2] == "HTTP 503"
    row = await OutboxMessage.get(transport="webhook")
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, "HTTP 503")
    assert row.next_attempt_at > now()
    assert (await deliver(settings)).sent == 0  # not before its backoff
    # Queued long ago: the signature is made at each try, so the receiver's 5-minute window still holds.
    await OutboxMessage.filter(id=row.id).update(created_at=now() - timedelta(hours=1))
    assert (await deliver(settings, ignore_backoff=True)).sent == 1
    assert (await deliver(settings, ignore_backoff=True)).sent == 0  # never twice
    assert len(receiver.accepted) == 1 and receiver.refused == []
    assert receiver.accepted[0].headers["webhook-id"] == f"msg_{row.id}"
    assert (await OutboxMessage.get(id=row.id)).status == OutboxStatus.SENT


async def test_notices_commit_with_their_change_or_not_at_all(client, world: World, receiver, monkeypatch) -> None:
    await subscribe(client, world, receiver, ["CONSENT_CHANGED"])

    async def broken(*args, **kwargs):
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(outbox, "enqueue_webhooks", broken)
    consent = '{contactId: $id, purpose: NEWSLETTER, granted: false, source: "s", wording: "w"}'
    before = await ConsentRecord.all().count()
    body = await client.post(
        f"mutation($id: ID!) {{ recordConsent(input: {consent}) {{ id }} }}",
        {"id": gid("Contact", world.contacts[Visibility.AGENCY].id)},
        world.tokens["dpo"],
    )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await ConsentRecord.all().count() == before  # the change went with its notice


async def test_deleting_a_webhook_drops_what_it_was_not_sent(
    client, world: World, receiver: Receiver, settings: Settings
) -> None:
    webhook_id = await subscribe(client, world, receiver, ["CONTACT_ERASED"])
    await client.data(
        "mutation($id: ID!) { eraseContact(contactId: $id) { recipientsToNotify } }",
        {"id": gid("Contact", world.contacts[Visibility.ADVISOR].id)},
        world.tokens["dpo"],
    )
    assert await OutboxMessage.filter(transport="webhook").count() == 1
    await client.data("mutation($id: ID!) { deleteWebhook(id: $id) }", {"id": webhook_id}, world.tokens["admin"])
    assert await OutboxMessage.filter(transport="webhook").count() == 0
    assert (await deliver(settings)).sent == 0 and receiver.accepted == []


async def test_http_is_refused_without_the_setting(client, world: World, receiver: Receiver) -> None:
    """The app under test allows loopback http (ALVEOLE_WEBHOOKS_ALLOW_HTTP=1); without it, a pass refuses to
    send to such a URL, and createWebhook refuses it."""
    await subscribe(client, world, receiver, ["CONTACT_ERASED"])
    await client.data(
        "mutation($id: ID!) { eraseContact(contactId: $id) { recipientsToNotify } }",
        {"id": gid("Contact", world.contacts[Visibility.ADVISOR].id)},
        world.tokens["dpo"],
    )
    strict = make_settings("sqlite://unused", webhooks_allow_http=False)
    report = await deliver(strict)
    assert report.sent == 0 and "must start with https://" in report.errors[0][2]
    assert receiver.accepted == []
