"""Backups that remember erasures: `alveole backup` while the server runs, `alveole restore` refusing while it
runs, and the replay of the erasure journal that keeps the erased erased and the purged purged.

The whole story runs against live servers on SQLite (the raw bytes of the restored files are scanned) and on
a PostgreSQL of the test's own; the journal's content, its lock against backups and the CLI's refusals are
checked in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.connection import get_connection

from models import Contact, TravelRequest, Visibility
from resolvers import audit, deletion, journal
from tests.live_server import LiveServer, inspect, live_server, seed
from tests.test_cli import alveole
from tests.test_erasure import CONSENT, PERSON, REQUEST_NOTES, TRAVELERS, WORDING, assert_erased, table_dump
from tests.throwaway_postgres import throwaway_postgres
from tests.world import World, gid, make_contact, make_world, personal_values

ERASE = "mutation($id: ID!) { eraseContact(contactId: $id) { erasedAt } }"
PURGE = "mutation { applyRetention(dryRun: false) { requestCount contactCount } }"
VERIFY = "{ verifyAuditChain { ok checkedEvents } }"


async def _world_with_an_expired_contact() -> tuple[World, Contact]:
    world = await make_world()
    expired = await make_contact(world.agency, world.users["owner"], Visibility.AGENCY, "EXPIREDQ", age_days=4000)
    return world, expired


def call(server: LiveServer, token: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(
        server.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def _the_story(database_url: str, tmp_path: Path, env: dict[str, str]) -> tuple[World, Contact, str, str]:
    """Backs up while serving, then erases a person and purges an expired one; restore refuses meanwhile.
    Returns the world, the purged contact, the erased person's id and the backup's path."""
    world, expired = asyncio.run(seed(database_url, _world_with_an_expired_contact))
    backup = str(tmp_path / "backups" / "before.backup")
    Path(backup).parent.mkdir()
    with live_server(database_url, tmp_path, env=env) as server:
        owner, dpo = world.tokens["owner"], world.tokens["dpo"]
        person = call(server, owner, "mutation($i: ContactInput!) { createContact(input: $i) { id } }", {"i": PERSON})
        person_id = person["createContact"]["id"]
        request = {"contactId": person_id, "destination": "Zanzibar", "notes": REQUEST_NOTES, "travelers": TRAVELERS}
        call(
            server, owner, "mutation($i: TravelRequestInput!) { createTravelRequest(input: $i) { id } }", {"i": request}
        )
        call(server, owner, CONSENT, {"id": person_id, "w": WORDING})

        made = alveole("backup", backup, env=env)
        assert made.returncode == 0, made.stderr
        assert "Backup written" in made.stdout

        call(server, dpo, ERASE, {"id": person_id})
        purged = call(server, dpo, PURGE)["applyRetention"]
        assert (purged["requestCount"], purged["contactCount"]) == (1, 1)

        refused = alveole("restore", backup, env=env)
        assert refused.returncode == 1 and "SIGTERM" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
    return world, expired, person_id, backup


def _restore(backup: str, env: dict[str, str]) -> str:
    restored = alveole("restore", backup, env=env)
    assert restored.returncode == 0, restored.stderr
    # What it replayed: the erasure (one contact) and the purge (a request, then its contact).
    assert re.search(r"entries since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: 3\.", restored.stdout), restored.stdout
    assert "3 entries still had data in the backup: 2 contacts erased or purged, 1 travel requests" in restored.stdout
    return restored.stdout


def _served_again(database_url: str, tmp_path: Path, env: dict[str, str], world: World, person_id: str) -> None:
    with live_server(database_url, tmp_path, env=env) as server:
        dpo = world.tokens["dpo"]
        assert call(server, dpo, VERIFY)["verifyAuditChain"]["ok"]
        gone = httpx.post(
            server.graphql_url,
            json={"query": "query($id: ID!) { contact(id: $id) { id } }", "variables": {"id": person_id}},
            headers={"Authorization": f"Bearer {dpo}"},
        ).json()
        assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        log = call(server, dpo, '{ auditLog(action: "ERASE") { edges { node { actor contactId detail } } } }')
        replayed = [e["node"] for e in log["auditLog"]["edges"] if e["node"]["actor"] == "system"]
        assert replayed and "replayed from the erasure journal" in replayed[0]["detail"]


@pytest.mark.slow
def test_a_restored_sqlite_backup_forgets_what_was_erased_and_purged_since(tmp_path: Path) -> None:
    database = tmp_path / "restore.sqlite3"
    url = f"sqlite://{database}"
    env = {"ALVEOLE_DATABASE_URL": url, "ALVEOLE_SECRET_KEY": "s" * 40}
    world, expired, person_id, backup = _the_story(url, tmp_path, env)
    _restore(backup, env)
    # Not a byte of them in the database files, free pages and WAL included (the scan of tests/test_erasure).
    assert_erased(database)
    content = b"".join(p.read_bytes() for p in tmp_path.glob("restore.sqlite3*") if not p.name.endswith("journal"))
    for value in personal_values(expired):
        assert value.encode() not in content, value
    _served_again(url, tmp_path, env, world, person_id)


@pytest.mark.slow
def test_a_restored_postgres_backup_forgets_what_was_erased_and_purged_since(tmp_path: Path) -> None:
    with throwaway_postgres() as postgres:
        url = postgres.create_database("alveole")
        env = {
            "ALVEOLE_DATABASE_URL": url,
            "ALVEOLE_SECRET_KEY": "s" * 40,
            "ALVEOLE_ERASURE_JOURNAL": str(tmp_path / "erasure-journal"),
        }
        world, expired, person_id, backup = _the_story(url, tmp_path, env)
        _restore(backup, env)
        dump = asyncio.run(inspect(url, table_dump))
        for value in [*PERSON.values(), REQUEST_NOTES, WORDING, *personal_values(expired)]:
            assert value not in dump, value
        assert "PrenomXAGENCYQ" in dump  # control: the others are back
        _served_again(url, tmp_path, env, world, person_id)


# -- in-process: the journal itself ----------------------------------------------------------------------------


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def test_the_journal_holds_ids_and_times_only(client, world: World, settings) -> None:
    dpo = world.tokens["dpo"]
    erased = world.contacts[Visibility.ADVISOR]
    await client.data(ERASE, {"id": gid("Contact", erased.id)}, dpo)
    other = await TravelRequest.filter(contact_id=world.contacts[Visibility.TEAM].id).first()
    assert other is not None
    await client.data(
        "mutation($ids: [ID!]!) { deleteTravelRequests(ids: $ids) }", {"ids": [gid("TravelRequest", other.id)]}, dpo
    )
    expired = await make_contact(world.agency, world.users["owner"], Visibility.AGENCY, "JOURNALQ", age_days=4000)
    await client.data(PURGE, token=dpo)

    text = settings.erasure_journal_path.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert set(lines[0]) == {"journal", "format", "created"}
    entries = lines[1:]
    for entry in entries:
        assert set(entry) <= {"at", "by", "contact", "travel_request"}
        assert all(isinstance(i, int) for key in ("contact", "travel_request") for i in entry.get(key, ()))
    mine = [e for e in entries if e.get("contact") == [erased.id] or e.get("travel_request") == [other.id]]
    assert {e["by"] for e in mine} == {"erasure", "deletion"}
    assert any(expired.id in e.get("contact", ()) and e["by"] == "purge" for e in entries)
    for value in personal_values(erased) + personal_values(expired):
        assert value not in text


async def test_a_deletion_waits_for_a_backups_snapshot_then_answers_clearly(
    client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal, "SHARED_WAIT_SECONDS", 0.2)
    contact = world.contacts[Visibility.AGENCY]
    async with journal.current().exclusive():  # a backup taking its snapshot
        body = await client.post(ERASE, {"id": gid("Contact", contact.id)}, world.tokens["dpo"])
    error = body["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE" and "backup" in error["message"]
    assert await Contact.filter(id=contact.id).exists()  # nothing was erased
    await client.data(ERASE, {"id": gid("Contact", contact.id)}, world.tokens["dpo"])  # once it is done
    assert not await Contact.filter(id=contact.id).exists()


async def test_a_journal_line_that_cannot_be_written_refuses_the_erasure(
    client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The line is written before COMMIT: when it cannot be, nothing is deleted."""

    async def disk_full(self: journal.Writer, *args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal.Writer, "append", disk_full)
    contact = world.contacts[Visibility.AGENCY]
    assert (
        await client.error_code(ERASE, {"id": gid("Contact", contact.id)}, world.tokens["dpo"]) == "SERVICE_UNAVAILABLE"
    )
    assert await Contact.filter(id=contact.id).exists()
    assert await TravelRequest.filter(contact_id=contact.id).exists()
    assert (await audit.verify_chain(world.agency.id)).ok


# -- the CLI's refusals (no server) ------------------------------------------------------------------------------


def test_postgres_needs_a_journal_to_serve_purge_back_up_or_restore(tmp_path: Path) -> None:
    env = {"ALVEOLE_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "ALVEOLE_SECRET_KEY": "s" * 40}
    for command in (
        ("serve",),
        ("retention", "apply"),
        ("backup", str(tmp_path / "b")),
        ("restore", str(tmp_path / "b.dump")),
    ):
        result = alveole(*command, env=env)
        assert result.returncode == 1 and "ALVEOLE_ERASURE_JOURNAL must be set" in result.stderr, (command, result)
        assert "Traceback" not in result.stderr


def test_without_the_postgres_tools_backup_and_restore_say_so(tmp_path: Path) -> None:
    backup = tmp_path / "b.dump"
    backup.write_bytes(b"x")
    env = {
        "ALVEOLE_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "ALVEOLE_SECRET_KEY": "s" * 40,
        "ALVEOLE_ERASURE_JOURNAL": str(tmp_path / "journal"),
        "PATH": str(tmp_path),  # no pg_dump, no pg_restore
    }
    made = alveole("backup", str(tmp_path / "new.dump"), env=env)
    assert made.returncode == 1 and "pg_dump was not found" in made.stderr and "postgresql-client" in made.stderr
    restored = alveole("restore", str(backup), env=env)
    assert restored.returncode == 1 and "pg_restore was not found" in restored.stderr


def test_restore_refuses_what_is_not_a_backup_and_backup_an_existing_file(tmp_path: Path) -> None:
    env = {"ALVEOLE_DATABASE_URL": f"sqlite://{tmp_path / 'db.sqlite3'}", "ALVEOLE_SECRET_KEY": "s" * 40}
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database")
    refused = alveole("restore", str(junk), env=env)
    assert refused.returncode == 1 and "is not" in refused.stderr and "Traceback" not in refused.stderr
    exists = alveole("backup", str(junk), env=env)
    assert exists.returncode == 1 and "already exists" in exists.stderr


def clear_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """A user's mistake: exit 1 and one line saying what is wrong, never a traceback."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    for words in expected:
        assert words in result.stderr, (words, result.stderr)


def test_a_users_mistakes_with_backup_and_restore_are_clear_errors(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    env = {"ALVEOLE_DATABASE_URL": f"sqlite://{database}", "ALVEOLE_SECRET_KEY": "s" * 40}
    clear_error(alveole("backup", str(tmp_path / "b.sqlite3"), env=env), "there is no database at")
    assert not database.exists()  # a backup does not create the database it was asked to copy
    asyncio.run(seed(f"sqlite://{database}", make_world))

    clear_error(alveole("backup", str(tmp_path / "missing" / "b.sqlite3"), env=env), "is not a folder")
    clear_error(alveole("backup", "/proc/alveole.backup", env=env), "could not write the backup")
    made = tmp_path / "good.sqlite3"
    assert alveole("backup", str(made), env=env).returncode == 0

    clear_error(alveole("restore", str(tmp_path / "nowhere.sqlite3"), env=env), "is not a file")
    clear_error(alveole("restore", str(tmp_path / "." / "db.sqlite3"), env=env), "is the database itself")
    truncated = tmp_path / "truncated.sqlite3"
    truncated.write_bytes(made.read_bytes()[: made.stat().st_size // 3])
    clear_error(alveole("restore", str(truncated), env=env), str(truncated))
    foreign = tmp_path / "foreign.sqlite3"
    with contextlib.closing(sqlite3.connect(foreign)) as other:
        other.execute("CREATE TABLE t (x)")
    clear_error(alveole("restore", str(foreign), env=env), "not an Alvéole backup")
    restored = alveole("restore", str(made), env=env)  # the refusals changed nothing: the good one restores
    assert restored.returncode == 0, restored.stderr


def test_a_database_that_cannot_be_reached_is_a_clear_error_for_every_command(tmp_path: Path) -> None:
    env = {
        "ALVEOLE_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "ALVEOLE_SECRET_KEY": "s" * 40,
        "ALVEOLE_ERASURE_JOURNAL": str(tmp_path / "journal"),
    }
    backup = tmp_path / "b.dump"
    backup.write_bytes(b"x")
    for command in (
        ("serve",),
        ("retention", "apply"),
        ("backup", str(tmp_path / "new.dump")),
        ("restore", str(backup)),
        ("outbox", "send"),
    ):
        clear_error(alveole(*command, env=env), "The database is unavailable")


def test_an_erasure_journal_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    asyncio.run(seed(f"sqlite://{database}", make_world))
    backup = tmp_path / "b.sqlite3"
    assert alveole("backup", str(backup), env={"ALVEOLE_DATABASE_URL": f"sqlite://{database}"}).returncode == 0
    for journal_path in (tmp_path, Path("/proc/no-such-folder/journal")):  # a folder; a place that cannot be
        env = {
            "ALVEOLE_DATABASE_URL": f"sqlite://{database}",
            "ALVEOLE_SECRET_KEY": "s" * 40,
            "ALVEOLE_ERASURE_JOURNAL": str(journal_path),
        }
        for command in (("serve",), ("backup", str(tmp_path / "new.sqlite3"))):
            clear_error(alveole(*command, env=env), "cannot open the erasure journal", "ALVEOLE_ERASURE_JOURNAL")
        # A restore says so too (or, before trying, that there is no journal there to replay).
        clear_error(alveole("restore", str(backup), env=env), "the erasure journal", "ALVEOLE_ERASURE_JOURNAL")
        purged = alveole("retention", "apply", env=env)
        assert purged.returncode == 1 and "Traceback" not in purged.stderr
        assert "FAILED (cannot open the erasure journal" in purged.stderr


def test_an_unmarked_backup_is_restored_only_when_told_it_is_of_this_database(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    url = f"sqlite://{database}"
    env = {"ALVEOLE_DATABASE_URL": url, "ALVEOLE_SECRET_KEY": "s" * 40}
    copy = tmp_path / "copied-by-hand.sqlite3"

    async def copy_then_erase() -> int:
        world = await make_world()
        await get_connection("default").execute_script("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(database, copy)  # a copy made by hand: no mark of the journal in it
        contact = world.contacts[Visibility.AGENCY]
        async with deletion.transaction("erasure") as erasing:
            await erasing.contacts([contact.id])
        return contact.id

    erased = asyncio.run(seed(url, copy_then_erase))

    async def look() -> bool:
        return await Contact.filter(id=erased).exists()

    refused = alveole("restore", str(copy), env=env)
    assert refused.returncode == 1 and "--replay-whole-journal" in refused.stderr
    nowhere = {**env, "ALVEOLE_ERASURE_JOURNAL": str(tmp_path / "no-journal-here")}
    clear_error(alveole("restore", str(copy), "--replay-whole-journal", env=nowhere), "does not exist")
    # Refused before anything was replaced: a server started now must not find the erased person back.
    assert not asyncio.run(inspect(url, look))
    told = alveole("restore", str(copy), "--replay-whole-journal", env=env)
    assert told.returncode == 0, told.stderr
    assert "1 entries still had data in the backup: 1 contacts" in told.stdout
    assert not asyncio.run(inspect(url, look))
    assert sorted(p.name for p in tmp_path.glob("copied-by-hand*")) == ["copied-by-hand.sqlite3"]  # left as it was


def test_a_backup_of_another_journal_is_refused_before_the_database_is_replaced(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    url = f"sqlite://{database}"
    env = {"ALVEOLE_DATABASE_URL": url, "ALVEOLE_SECRET_KEY": "s" * 40}
    asyncio.run(seed(url, make_world))
    backup = tmp_path / "monday.sqlite3"
    assert alveole("backup", str(backup), env=env).returncode == 0
    made_since = asyncio.run(seed(url, lambda: make_contact_in_first_agency("SINCEQ")))

    mistyped = tmp_path / "a-new-journal"
    lost = {**env, "ALVEOLE_ERASURE_JOURNAL": str(mistyped)}  # the journal's path mistyped: no file there
    clear_error(alveole("restore", str(backup), env=lost), f"{mistyped} does not exist", "nothing was changed")
    assert not mistyped.exists()  # a restore never starts a journal afresh
    mistyped.write_text('{"journal": "00000000-0000-0000-0000-000000000000", "format": 1}\n')  # another journal
    clear_error(alveole("restore", str(backup), env=lost), "point ALVEOLE_ERASURE_JOURNAL at the right file")

    async def still_there() -> bool:
        return await Contact.filter(id=made_since).exists()

    assert asyncio.run(inspect(url, still_there))  # the database was not replaced
    restored = alveole("restore", str(backup), env=env)
    assert restored.returncode == 0, restored.stderr
    assert not asyncio.run(inspect(url, still_there))
    assert sorted(p.name for p in tmp_path.glob("monday*")) == ["monday.sqlite3"]  # one file, left as it was


async def make_contact_in_first_agency(marker: str) -> int:
    from models import Agency, User

    agency = await Agency.all().order_by("id").first()
    owner = await User.filter(agency=agency).order_by("id").first()
    assert agency is not None and owner is not None
    return (await make_contact(agency, owner, Visibility.AGENCY, marker)).id
