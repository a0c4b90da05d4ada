"""Retention: what expires, what survives, counts that agree, purges that resume, bytes that are gone."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from tortoise.backends.base.executor import EXECUTOR_CACHE

from app.cli import main
from app.database import close_database, open_database
from app.settings import Settings
from models import (
    Agency,
    AuditEvent,
    ConsentRecord,
    Contact,
    Role,
    SubjectRequest,
    Traveler,
    TravelRequest,
    Visibility,
)
from models.enums import SubjectRightKind
from resolvers import retention
from resolvers.clock import now
from tests.conftest import SECRET, copy_sqlite_template, make_settings
from tests.world import World, gid, make_contact, make_user, make_world, personal_values

OLD = 2000  # days: well beyond the default 36 months
PREVIEW = "{ retentionPreview { cutoff dryRun requestCount contactCount } }"
APPLY = "mutation($d: Boolean!) { applyRetention(dryRun: $d) { cutoff dryRun requestCount contactCount } }"
DELETE = "mutation($ids: [ID!]!) { deleteTravelRequests(ids: $ids) }"


@dataclass
class Scenario:
    world: World
    expiring_contacts: list[Contact]
    surviving_contacts: list[Contact]
    expiring_requests: list[int]
    foreign_old: Contact


async def scenario() -> Scenario:
    world = await make_world()
    owner = world.users["owner"]
    agency = world.agency

    async def old(tag: str, requests: int = 1) -> Contact:
        return await make_contact(agency, owner, Visibility.AGENCY, tag, requests=requests, age_days=OLD)

    alone = await old("OLDALONEQ", requests=0)
    full = await old("OLDFULLQ", requests=2)
    # An old contact with one old request and one recent: the old request goes, the contact stays.
    mixed = await old("OLDMIXEDQ")
    mixed_old_request = await TravelRequest.get(contact_id=mixed.id)
    await TravelRequest.create(
        agency=agency, contact=mixed, advisor=owner, destination="Recent", created_at=now(), last_activity_at=now()
    )
    # A contact active recently (a call noted today) whose only request is old: the request goes.
    active = await old("OLDACTIVEQ")
    active_old_request = await TravelRequest.get(contact_id=active.id)
    await Contact.filter(id=active.id).update(last_activity_at=now())
    # Under restriction (Art. 18): kept whatever its age.
    restricted = await old("OLDRESTRICTEDQ")
    await Contact.filter(id=restricted.id).update(restricted=True)
    foreign_old = await make_contact(
        world.other_agency, world.users["foreign_advisor"], Visibility.AGENCY, "FOREIGNOLDQ", age_days=OLD
    )
    full_requests = await TravelRequest.filter(contact_id=full.id).values_list("id", flat=True)
    return Scenario(
        world=world,
        expiring_contacts=[alone, full],
        surviving_contacts=[*world.contacts.values(), mixed, active, restricted],
        expiring_requests=[*full_requests, mixed_old_request.id, active_old_request.id],  # type: ignore[list-item]
        foreign_old=foreign_old,
    )


async def counts(client, token: str) -> tuple[int, int]:
    report = (await client.data(PREVIEW, token=token))["retentionPreview"]
    assert report["dryRun"] is True
    return report["requestCount"], report["contactCount"]


async def assert_gone(contact: Contact) -> None:
    assert not await Contact.filter(id=contact.id).exists()
    assert not await TravelRequest.filter(contact_id=contact.id).exists()
    assert not await ConsentRecord.filter(contact_id=contact.id).exists()


def test_months_before_counts_calendar_months() -> None:
    utc = UTC
    assert retention.months_before(datetime(2026, 5, 10, 8, 30, tzinfo=utc), 36) == datetime(
        2023, 5, 10, 8, 30, tzinfo=utc
    )
    assert retention.months_before(datetime(2024, 3, 31, tzinfo=utc), 1) == datetime(2024, 2, 29, tzinfo=utc)
    assert retention.months_before(datetime(2023, 3, 31, tzinfo=utc), 1) == datetime(2023, 2, 28, tzinfo=utc)
    assert retention.months_before(datetime(2024, 1, 15, tzinfo=utc), 13) == datetime(2022, 12, 15, tzinfo=utc)
    assert retention.months_before(datetime(2024, 12, 31, tzinfo=utc), 12) == datetime(2023, 12, 31, tzinfo=utc)


async def test_preview_dry_run_and_purge_agree_and_only_the_expired_goes(client) -> None:
    s = await scenario()
    dpo = s.world.tokens["dpo"]
    expected = (len(s.expiring_requests), len(s.expiring_contacts))
    assert expected == (4, 2)
    assert await counts(client, dpo) == expected
    dry = (await client.data(APPLY, {"d": True}, dpo))["applyRetention"]
    assert (dry["dryRun"], dry["requestCount"], dry["contactCount"]) == (True, *expected)
    assert await Contact.all().count() == 10  # a dry run deletes nothing
    assert not await AuditEvent.filter(action="PURGE").exists()  # ...and purges nothing worth an event

    done = (await client.data(APPLY, {"d": False}, dpo))["applyRetention"]
    assert (done["dryRun"], done["requestCount"], done["contactCount"]) == (False, *expected)
    assert await counts(client, dpo) == (0, 0)
    for contact in s.expiring_contacts:
        await assert_gone(contact)
    assert not await TravelRequest.filter(id__in=s.expiring_requests).exists()
    assert not await Traveler.filter(request_id__in=s.expiring_requests).exists()
    for contact in [*s.surviving_contacts, s.foreign_old]:
        assert await Contact.filter(id=contact.id).exists(), contact.first_name
        assert await ConsentRecord.filter(contact_id=contact.id).count() == 1
    assert await TravelRequest.filter(contact_id=s.surviving_contacts[0].id).count() == 1
    assert await TravelRequest.filter(destination="Recent").count() == 1

    events = await AuditEvent.filter(action="PURGE", contact_ref=None).values("actor", "detail", "agency_id")
    assert len(events) == 1
    assert events[0]["actor"] == s.world.users["dpo"].email
    assert events[0]["agency_id"] == s.world.agency.id
    assert "4 requests, 2 contacts deleted; 0 recipients told" in events[0]["detail"]
    # And one per contact, naming it by opaque id only, as an erasure's (the partners read it as one).
    named = AuditEvent.filter(action="PURGE", contact_ref__isnull=False)
    assert sorted(await named.values_list("contact_ref", flat=True)) == sorted(
        gid("Contact", c.id) for c in s.expiring_contacts
    )
    assert set(await named.values_list("actor", flat=True)) == {s.world.users["dpo"].email}


async def test_recent_activity_on_a_request_keeps_it_and_its_contact(client) -> None:
    world = await make_world()
    contact = await make_contact(world.agency, world.users["owner"], Visibility.TEAM, "CHANGEDQ", age_days=OLD)
    request = await TravelRequest.get(contact_id=contact.id)
    dpo = world.tokens["dpo"]
    assert await counts(client, dpo) == (1, 1)
    await client.data(
        "mutation($id: ID!) { updateTravelRequest(id: $id, patch: {status: QUOTED}) { id } }",
        {"id": gid("TravelRequest", request.id)},
        world.tokens["owner"],
    )
    assert await counts(client, dpo) == (0, 0)
    # Only the request's own activity, not the contact's: the request still keeps the contact.
    await Contact.filter(id=contact.id).update(last_activity_at=now() - timedelta(days=OLD))
    assert await counts(client, dpo) == (0, 0)
    await client.data(APPLY, {"d": False}, dpo)
    assert await TravelRequest.filter(id=request.id).exists()


async def test_the_agency_period_sets_the_cutoff(client) -> None:
    world = await make_world()
    owner = world.users["owner"]
    older = await make_contact(world.agency, owner, Visibility.AGENCY, "FOURHUNDREDQ", age_days=400)
    await make_contact(world.agency, owner, Visibility.AGENCY, "THREEHUNDREDQ", age_days=300)
    dpo = world.tokens["dpo"]
    assert await counts(client, dpo) == (0, 0)
    await client.data("mutation { updateAgencySettings(retentionMonths: 12) { id } }", token=dpo)
    before = now()
    report = (await client.data(PREVIEW, token=dpo))["retentionPreview"]
    cutoff = datetime.fromisoformat(report["cutoff"])
    assert retention.months_before(before, 12) <= cutoff <= retention.months_before(now(), 12)
    assert (report["requestCount"], report["contactCount"]) == (1, 1)
    await client.data(APPLY, {"d": False}, dpo)
    await assert_gone(older)
    assert await Contact.filter(agency_id=world.agency.id).count() == 4


async def test_only_the_dpo_applies_retention(client) -> None:
    s = await scenario()
    one_request = {"ids": [gid("TravelRequest", s.expiring_requests[0])]}
    for viewer in ("owner", "admin"):
        token = s.world.tokens[viewer]
        assert await client.error_code(PREVIEW, token=token) == "FORBIDDEN", viewer
        assert await client.error_code(APPLY, {"d": False}, token) == "FORBIDDEN", viewer
        assert await client.error_code(DELETE, one_request, token) == "FORBIDDEN", viewer
    assert await TravelRequest.filter(id__in=s.expiring_requests).count() == 4


async def test_delete_travel_requests_is_all_or_nothing_within_the_agency(client) -> None:
    world = await make_world()
    dpo = world.tokens["dpo"]
    mine = [r.id for c in world.contacts.values() for r in await TravelRequest.filter(contact_id=c.id)]
    foreign = await TravelRequest.get(contact_id=world.foreign_contact.id)  # type: ignore[union-attr]
    for ids in ([mine[0], foreign.id], [mine[0], 999_999]):
        assert await client.error_code(DELETE, {"ids": [gid("TravelRequest", i) for i in ids]}, dpo) == "NOT_FOUND"
    assert await client.error_code(DELETE, {"ids": [gid("TravelRequest", mine[0]), "garbage"]}, dpo) == "NOT_FOUND"
    assert await client.error_code(DELETE, {"ids": [gid("Contact", mine[0])]}, dpo) == "NOT_FOUND"
    assert await TravelRequest.filter(id__in=[*mine, foreign.id]).count() == 4
    assert (
        await client.error_code(DELETE, {"ids": [gid("TravelRequest", foreign.id)]}, world.tokens["foreign_advisor"])
        == "FORBIDDEN"
    )

    chosen = [gid("TravelRequest", i) for i in mine[:2]]
    assert (await client.data(DELETE, {"ids": [*chosen, chosen[0]]}, dpo))["deleteTravelRequests"] == 2
    assert not await TravelRequest.filter(id__in=mine[:2]).exists()
    assert not await Traveler.filter(request_id__in=mine[:2]).exists()
    assert await TravelRequest.filter(id=mine[2]).exists() and await Contact.all().count() == 4
    events = await AuditEvent.filter(action="DELETE_REQUEST").order_by("id").values("actor", "detail", "contact_ref")
    assert [e["detail"] for e in events] == [f"request {i}" for i in mine[:2]]
    assert {e["actor"] for e in events} == {world.users["dpo"].email}
    assert (await client.data(DELETE, {"ids": []}, dpo))["deleteTravelRequests"] == 0


async def check_nothing_half_deleted(contact_ids: list[int], consents: int = 1) -> None:
    """Each contact is either whole (its consent proof, every request with its traveler) or entirely gone."""
    for contact_id in contact_ids:
        requests = await TravelRequest.filter(contact_id=contact_id).values_list("id", flat=True)
        if await Contact.filter(id=contact_id).exists():
            assert await ConsentRecord.filter(contact_id=contact_id).count() == consents
            for request_id in requests:
                assert await Traveler.filter(request_id=request_id).count() == 1
        else:
            assert not requests
            assert not await ConsentRecord.filter(contact_id=contact_id).exists()


@pytest.mark.parametrize("fail_after", [retention.REQUESTS, retention.CONTACTS])
async def test_an_interrupted_purge_resumes_without_half_deleted_contacts(client, fail_after: str) -> None:
    world = await make_world()
    owner = world.users["owner"]
    olds = [
        await make_contact(world.agency, owner, Visibility.ADVISOR, f"BATCH{i}Q", requests=i % 3, age_days=OLD)
        for i in range(5)
    ]
    kept = await make_contact(world.agency, owner, Visibility.ADVISOR, "KEPTQ", requests=1, age_days=OLD)
    recent = await TravelRequest.create(
        agency=world.agency, contact=kept, advisor=owner, destination="Recent", created_at=now(), last_activity_at=now()
    )
    await Traveler.create(request=recent, first_name="Recent", last_name="Traveler")
    agency = await Agency.get(id=world.agency.id)
    expected = await retention.preview(agency)
    assert (expected.request_count, expected.contact_count) == (5, 5)
    batches: list[tuple[str, int]] = []

    def power_cut(kind: str, count: int, _took: retention.Took) -> None:
        batches.append((kind, count))
        if kind == fail_after:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        await retention.purge(agency, "system", dry_run=False, batch_size=2, on_batch=power_cut)
    assert batches[-1] == (fail_after, 2) and all(count <= 2 for _, count in batches)
    all_ids = [c.id for c in [*olds, kept, *world.contacts.values()]]
    await check_nothing_half_deleted(all_ids)
    left = await retention.preview(agency)
    done_requests = expected.request_count - left.request_count
    done_contacts = expected.contact_count - left.contact_count
    assert (done_requests, done_contacts) == ((2, 0) if fail_after == retention.REQUESTS else (5, 2))
    interrupted = await AuditEvent.get(action="PURGE", contact_ref=None)
    assert f"{done_requests} requests, {done_contacts} contacts deleted (interrupted" in interrupted.detail

    report = await retention.purge(agency, "system", dry_run=False, batch_size=2)
    assert (report.request_count, report.contact_count) == (left.request_count, left.contact_count)
    assert (await retention.preview(agency)).request_count == 0
    await check_nothing_half_deleted(all_ids)
    for contact in olds:
        await assert_gone(contact)
    assert await TravelRequest.filter(contact_id=kept.id).count() == 1
    assert await AuditEvent.filter(action="PURGE", actor="system", contact_ref=None).count() == 2
    # Each purged contact named once, whichever run took it.
    assert await AuditEvent.filter(action="PURGE", contact_ref__isnull=False).count() == len(olds)


async def test_subject_requests_of_a_purged_contact_are_kept_unlinked(client) -> None:
    world = await make_world()
    contact = await make_contact(world.agency, world.users["owner"], Visibility.AGENCY, "SUBJECTQ", age_days=OLD)
    at = now() - timedelta(days=OLD)
    subject = await SubjectRequest.create(
        agency=world.agency,
        contact=contact,
        kind=SubjectRightKind.ACCESS,
        received_at=at,
        due_at=at + timedelta(days=30),
    )
    await retention.purge(world.agency, "system", dry_run=False)
    await assert_gone(contact)
    assert (await SubjectRequest.get(id=subject.id)).contact_id is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_purged_values_are_gone_from_the_sqlite_file(client, settings: Settings) -> None:
    s = await scenario()
    await client.data(APPLY, {"d": False}, s.world.tokens["dpo"])
    path = settings.sqlite_path
    assert path is not None
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.suffix != ".secret").lower()
    for contact in s.expiring_contacts:
        for value in personal_values(contact):
            assert value.lower().encode() not in raw, value
    # The scan does find what is still there: the surviving contacts' data.
    for value in personal_values(s.surviving_contacts[0])[:4]:
        assert value.lower().encode() in raw, value


# -- the CLI, as cron runs it: its own database connection on a SQLite file -----------------------------


@pytest.fixture
def cli_database(tmp_path: Path, sqlite_template: Path) -> str:
    url = copy_sqlite_template(sqlite_template, tmp_path / "cron.sqlite3")

    async def prepare() -> None:
        EXECUTOR_CACHE.clear()
        await open_database(make_settings(url))
        try:
            for name, old in (("Agence Nord", 2), ("Agence Sud", 1)):
                agency = await Agency.create(name=name)
                owner, _ = await make_user(agency, f"advisor@{agency.id}.test", Role.ADVISOR)
                for i in range(old):
                    await make_contact(agency, owner, Visibility.AGENCY, f"{name[-3:]}{i}Q", age_days=OLD)
                await make_contact(agency, owner, Visibility.AGENCY, f"{name[-3:]}RECENTQ")
        finally:
            await close_database()

    asyncio.run(prepare())
    return url


def run_cli(url: str, *args: str) -> object:
    env = {"ALVEOLE_DATABASE_URL": url, "ALVEOLE_SECRET_KEY": SECRET}
    return CliRunner(env=env).invoke(main, ["retention", "apply", *args])


def purge_events(url: str) -> list[dict]:
    async def read() -> list[dict]:
        await open_database(make_settings(url), run_migrations=False)
        try:
            summaries = AuditEvent.filter(action="PURGE", contact_ref=None)
            return await summaries.order_by("id").values("actor", "detail")
        finally:
            await close_database()

    return asyncio.run(read())


def test_cli_dry_run_then_one_agency_then_all(cli_database: str) -> None:
    dry = run_cli(cli_database, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Agence Nord: 2 requests, 2 contacts would be deleted" in dry.output
    assert "Agence Sud: 1 requests, 1 contacts would be deleted" in dry.output
    assert purge_events(cli_database) == []

    one = run_cli(cli_database, "--agency", "Agence Sud")
    assert one.exit_code == 0, one.output
    assert "Agence Sud: 1 requests, 1 contacts deleted" in one.output and "Nord" not in one.output
    assert run_cli(cli_database, "--dry-run").output.count("0 requests, 0 contacts") == 1

    everything = run_cli(cli_database)
    assert everything.exit_code == 0, everything.output
    assert "Agence Nord: 2 requests, 2 contacts deleted" in everything.output
    assert "Agence Sud: 0 requests, 0 contacts deleted" in everything.output
    events = purge_events(cli_database)
    assert [e["actor"] for e in events] == ["system"] * 3


def test_cli_refuses_an_unknown_agency(cli_database: str) -> None:
    result = run_cli(cli_database, "--agency", "Agence Ouest")
    assert result.exit_code == 1
    assert "Unknown agency: 'Agence Ouest'" in result.output and "Traceback" not in result.output


def test_cli_exits_non_zero_when_a_purge_fails(cli_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full near 'Nom0Q'")

    monkeypatch.setattr(retention, "purge", broken)
    result = run_cli(cli_database)
    assert result.exit_code == 1
    assert "Agence Nord: FAILED (RuntimeError)" in result.output and "Agence Sud: FAILED" in result.output
    assert "Nom0Q" not in result.output  # the error's text may quote data: only its type is shown


def test_cli_shows_a_progress_bar_on_a_terminal(cli_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    import app.retention_cli

    monkeypatch.setattr(app.retention_cli, "Console", lambda: Console(force_terminal=True, width=100))
    result = run_cli(cli_database)
    assert result.exit_code == 0, result.output
    assert "Agence Nord: 2 requests, 2 contacts deleted" in result.output
