"""A contact the retention purge deletes is erased for the recipients of its data (Art. 19), exactly as by
eraseContact: consentChanges lists it as an erasure, and every webhook that asked is told, signed, through the
outbox, in the purge's own transactions, with no personal value and one insert per batch whatever its size."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from tortoise.backends.base.executor import EXECUTOR_CACHE

from app.cli import main
from app.database import close_database, open_database
from app.settings import Settings
from models import AuditEvent, Contact, OutboxMessage, Visibility, Webhook
from resolvers import retention
from resolvers.clock import now
from tests.conftest import SECRET, make_settings
from tests.test_marketing_feed import CHANGES, make_key
from tests.test_query_count import counting_statements
from tests.test_webhooks import deliver, subscribe
from tests.webhook_receiver import Receiver, webhook_receiver
from tests.world import World, gid, make_contact, make_world, personal_values

OLD = 2000  # days: well beyond the default 36 months
APPLY = """mutation($d: Boolean!) {
  applyRetention(dryRun: $d) { dryRun requestCount contactCount recipientsToNotify } }"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, webhooks_allow_http=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


async def expired_contacts(world: World, count: int, tag: str = "OLD") -> list[Contact]:
    owner = world.users["owner"]
    return [
        await make_contact(world.agency, owner, Visibility.ADVISOR, f"{tag}{i}Q", requests=i % 2, age_days=OLD)
        for i in range(count)
    ]


async def test_a_purged_contact_is_an_erasure_for_every_recipient(
    client, receiver: Receiver, settings: Settings
) -> None:
    world = await make_world()
    dpo = world.tokens["dpo"]
    await subscribe(client, world, receiver, ["CONTACT_ERASED", "CONSENT_CHANGED"])
    with webhook_receiver() as consents_only:
        await subscribe(client, world, consents_only, ["CONSENT_CHANGED"])  # not told of erasures
        old = await expired_contacts(world, 2)
        key = await make_key(world)
        since = (now() - timedelta(seconds=1)).isoformat()

        dry = (await client.data(APPLY, {"d": True}, dpo))["applyRetention"]
        assert dry == {"dryRun": True, "requestCount": 1, "contactCount": 2, "recipientsToNotify": 1}
        assert not await OutboxMessage.filter(transport="webhook").exists()  # a dry run tells nobody

        done = (await client.data(APPLY, {"d": False}, dpo))["applyRetention"]
        assert done == {"dryRun": False, "requestCount": 1, "contactCount": 2, "recipientsToNotify": 1}

        changes = (await client.data(CHANGES, {"since": since}, key))["consentChanges"]["edges"]
        erased = [{k: v for k, v in e["node"].items() if k != "at"} for e in changes if e["node"]["erased"]]
        expected = [{"contactId": gid("Contact", c.id), "purpose": None, "granted": None, "erased": True} for c in old]
        assert sorted(erased, key=str) == sorted(expected, key=str)

        report = await deliver(settings)
        assert (report.sent, report.errors) == (2, [])
        assert receiver.refused == [] and consents_only.accepted == consents_only.refused == []

    told = sorted(receiver.accepted, key=lambda d: d.payload["data"]["contactId"])
    assert [(d.payload["type"], d.payload["data"]) for d in told] == sorted(
        [("CONTACT_ERASED", {"contactId": gid("Contact", c.id), "fields": []}) for c in old],
        key=lambda event: event[1]["contactId"],
    )
    for delivery in told:
        for value in [value for contact in old for value in personal_values(contact)]:
            assert value not in delivery.body.decode(), value
    summary = await AuditEvent.get(action="PURGE", contact_ref=None)
    assert "2 contacts deleted; 1 recipients told of the contacts' erasure" in summary.detail


async def test_purging_nothing_tells_nobody(client, receiver: Receiver) -> None:
    world = await make_world()
    await subscribe(client, world, receiver, ["CONTACT_ERASED"])
    await make_contact(world.agency, world.users["owner"], Visibility.ADVISOR, "OLDREQQ", requests=0)  # recent
    for dry_run in (True, False):
        report = (await client.data(APPLY, {"d": dry_run}, world.tokens["dpo"]))["applyRetention"]
        assert (report["contactCount"], report["recipientsToNotify"]) == (0, 0)
    assert not await OutboxMessage.filter(transport="webhook").exists()
    assert not await AuditEvent.filter(action="PURGE", contact_ref__isnull=False).exists()


async def test_a_batch_tells_its_recipients_in_one_insert_whatever_its_size(client, receiver: Receiver) -> None:
    """The purge's pace (bench: >= 0.5 x raw DELETEs) holds only if its trace costs per batch, not per person."""
    world = await make_world()
    await subscribe(client, world, receiver, ["CONTACT_ERASED"])
    with webhook_receiver() as second:
        await subscribe(client, world, second, ["CONTACT_ERASED"])
    statements = []
    for size in (2, 6):
        await expired_contacts(world, size, tag=f"SIZE{size}N")
        with counting_statements() as seen:
            report = await retention.purge(world.agency, "system", dry_run=False)
        assert (report.contact_count, report.recipients_to_notify) == (size, 2)
        statements.append(len(seen))
        inserts = [s.split("(")[0].replace('"', "").split()[-1] for s in seen if s.upper().startswith("INSERT")]
        assert inserts.count("outbox") == inserts.count("audit_event") - 1 == 1  # the run's summary is the other
    assert statements[0] == statements[1]
    assert await OutboxMessage.filter(transport="webhook").count() == 2 * (2 + 6)
    assert await AuditEvent.filter(action="PURGE", contact_ref__isnull=False).count() == 2 + 6


def test_the_cron_purge_tells_the_recipients_too(tmp_path: Path) -> None:
    """`alveole retention apply`, as cron runs it, in its own process's database connection."""
    url = f"sqlite://{tmp_path / 'cron.sqlite3'}"

    async def prepare() -> list[str]:
        EXECUTOR_CACHE.clear()
        await open_database(make_settings(url))
        try:
            world = await make_world()
            # Made as createWebhook makes it (its URL is checked there, not here: no DNS in tests).
            await Webhook.create(
                agency=world.agency,
                url="https://partner.example/h",
                events="CONTACT_ERASED",
                secret_salt="s",
                created_at=now(),
            )
            return [gid("Contact", c.id) for c in await expired_contacts(world, 3)]
        finally:
            await close_database()

    async def told() -> tuple[list[str], list[str]]:
        await open_database(make_settings(url), run_migrations=False)
        try:
            named = AuditEvent.filter(action="PURGE", contact_ref__isnull=False)
            bodies = await OutboxMessage.filter(transport="webhook").values_list("body", flat=True)
            return sorted(await named.values_list("contact_ref", flat=True)), sorted(
                json.loads(body)["data"]["contactId"] for body in bodies
            )
        finally:
            await close_database()

    purged = sorted(asyncio.run(prepare()))
    result = CliRunner(env={"ALVEOLE_DATABASE_URL": url, "ALVEOLE_SECRET_KEY": SECRET}).invoke(
        main, ["retention", "apply"]
    )
    assert result.exit_code == 0, result.output
    assert "1 requests, 3 contacts deleted" in result.output and "1 recipients told" in result.output
    assert asyncio.run(told()) == (purged, purged)
