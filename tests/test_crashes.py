"""kill -9 in the middle of things, on SQLite and PostgreSQL: a burst of writes, a streamed export, a burst of
erasures (live servers), and `alveole retention apply`. After a restart: every acknowledged write is there,
no contact is half-erased or half-purged, every deletion that committed is in the erasure journal, the
audit chain verifies, and the purge run again finishes the job.

The kill points are observed, not timed: after N acknowledged answers, after the first streamed part, once
the purge's first batches show in the database.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.connection import get_connection

from models import AuditEvent, ConsentRecord, Contact, OutboxMessage, Traveler, TravelRequest, Visibility, Webhook
from resolvers import audit
from resolvers.clock import now
from resolvers.ids import decode_id
from tests.conftest import SECRET
from tests.live_server import ROOT, LiveServer, inspect, live_server, seed, send_buffer_max
from tests.world import World, gid, make_contact, make_long_export, make_world

pytestmark = pytest.mark.slow

CREATE = "mutation($i: ContactInput!) { createContact(input: $i) { id } }"
CREATE_REQUEST = "mutation($i: TravelRequestInput!) { createTravelRequest(input: $i) { id } }"
ERASE = "mutation($id: ID!) { eraseContact(contactId: $id) { erasedAt } }"
STREAMED = """query($id: ID!) { subjectAccessExport(contactId: $id) {
  contact { lastName } requests @stream(initialCount: 1) { destination notes travelers { firstName } } } }"""


def kill(server: LiveServer) -> None:
    os.killpg(server.process.pid, signal.SIGKILL)  # the whole group: nothing gets to clean up
    server.process.wait(timeout=30)


def journal_path(database_url: str, logs: Path) -> Path:
    if database_url.startswith("sqlite"):
        return Path(database_url.split("://", 1)[1] + ".erasure-journal")
    return logs / "erasure-journal"  # tests.live_server's, for PostgreSQL


def journaled(path: Path) -> tuple[set[int], set[int]]:
    """(contact ids, travel request ids) the journal records as deleted."""
    contacts: set[int] = set()
    requests: set[int] = set()
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        contacts.update(entry.get("contact", ()))
        requests.update(entry.get("travel_request", ()))
    return contacts, requests


async def chain_ok(agency_id: int) -> bool:
    return (await audit.verify_chain(agency_id)).ok


async def post(http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any] | None:
    """The answer's data, or None when the request failed in any way (the server died under it, say)."""
    try:
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
        )
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    return None if body.get("errors") else body.get("data")


# -- a burst of writes ------------------------------------------------------------------------------------------


async def _burst_until_killed(server: LiveServer, token: str, kill_after: int) -> dict[str, tuple[str, str]]:
    """Eight writers create contacts, each with a request of two travelers; the server is killed once
    `kill_after` of those writes were acknowledged, with others in flight. Returns what was acknowledged:
    contact id -> (first name, the acknowledged request's destination or "")."""
    acknowledged: dict[str, tuple[str, str]] = {}
    killed = asyncio.Event()

    async def writer(number: int, http: httpx.AsyncClient) -> None:
        n = 0
        while not killed.is_set():
            n += 1
            name = f"Rafale{number}x{n}"
            created = await post(http, token, CREATE, {"i": {"firstName": name, "lastName": "Crash"}})
            if created is None:
                return
            contact_id = created["createContact"]["id"]
            acknowledged[contact_id] = (name, "")
            destination = f"Dest{number}x{n}"
            travelers = [{"firstName": "Un", "lastName": "Crash"}, {"firstName": "Deux", "lastName": "Crash"}]
            request = {"contactId": contact_id, "destination": destination, "travelerCount": 2, "travelers": travelers}
            if await post(http, token, CREATE_REQUEST, {"i": request}) is None:
                return
            acknowledged[contact_id] = (name, destination)
            if len(acknowledged) >= kill_after and not killed.is_set():
                killed.set()
                kill(server)

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await asyncio.gather(*(writer(i, http) for i in range(8)))
    return acknowledged


async def test_kill_during_a_burst_of_writes_loses_no_acknowledged_write(database_url: str, tmp_path: Path) -> None:
    world: World = await seed(database_url, make_world)
    with live_server(database_url, tmp_path) as server:
        acknowledged = await _burst_until_killed(server, world.tokens["owner"], 40)
    assert len(acknowledged) >= 40

    async def look() -> None:
        names = dict(await Contact.filter(last_name="Crash").values_list("id", "first_name"))
        for contact_id, (name, destination) in acknowledged.items():
            assert names.get(decode_id("Contact", contact_id)) == name, f"acknowledged contact {name} is missing"
            if destination:
                request = await TravelRequest.get(destination=destination)
                assert await Traveler.filter(request_id=request.id).count() == 2
        # Whatever committed, acknowledged or not, is whole: no request without its two travelers.
        for request in await TravelRequest.filter(contact__last_name="Crash"):
            assert await Traveler.filter(request_id=request.id).count() == 2
        assert await chain_ok(world.agency.id)

    with live_server(database_url, tmp_path):  # the restart itself must go well
        pass
    await inspect(database_url, look)


# -- a streamed export -----------------------------------------------------------------------------------------


STREAMED_REQUESTS = 3000
# Notes long enough that the export is several times what the server's socket buffers hold: when the reader
# stops after the first part, the server is still writing the rest when it is killed.
NOTE_LENGTH = max(1000, 3 * send_buffer_max() // STREAMED_REQUESTS)


async def _person_with_requests(count: int) -> tuple[World, Contact]:
    world = await make_world()
    return world, await make_long_export(world, "STREAMQ", count, NOTE_LENGTH)


async def test_kill_during_a_streamed_export_leaves_the_data_whole(database_url: str, tmp_path: Path) -> None:
    world, person = await seed(database_url, lambda: _person_with_requests(STREAMED_REQUESTS))
    variables = {"id": gid("Contact", person.id)}
    headers = {
        "Authorization": f"Bearer {world.tokens['dpo']}",
        "Accept": "multipart/mixed;deferSpec=20220824, application/json",
    }
    with live_server(database_url, tmp_path) as server:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=30) as http,
            http.stream("POST", "/graphql", json={"query": STREAMED, "variables": variables}, headers=headers) as part,
        ):
            received, chunks = b"", part.aiter_bytes()
            async for chunk in chunks:
                received += chunk
                if b"STREAMQ" in received:
                    break  # the first part is here; the server is writing the rest, held up by this reader
            kill(server)
            with pytest.raises(httpx.HTTPError):  # the rest never comes whole
                async for _chunk in chunks:
                    pass

    with live_server(database_url, tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            response = await http.post("/graphql", json={"query": STREAMED, "variables": variables}, headers=headers)
            assert response.status_code == 200 and response.text.count("Destination") == STREAMED_REQUESTS

    async def look() -> None:
        assert await TravelRequest.filter(contact_id=person.id).count() == STREAMED_REQUESTS
        assert await Traveler.filter(request__contact_id=person.id).count() == STREAMED_REQUESTS
        assert await chain_ok(world.agency.id)

    await inspect(database_url, look)


# -- a burst of erasures ---------------------------------------------------------------------------------------


async def _people(count: int) -> tuple[World, list[int]]:
    world = await make_world()
    people = [
        await make_contact(world.agency, world.users["owner"], Visibility.AGENCY, f"ERASE{i}Q", requests=3)
        for i in range(count)
    ]
    return world, [p.id for p in people]


async def test_kill_during_erasures_leaves_nobody_half_erased(database_url: str, tmp_path: Path) -> None:
    world, people = await seed(database_url, lambda: _people(16))
    acknowledged: list[int] = []
    with live_server(database_url, tmp_path) as server:
        queue = list(people)
        killed = asyncio.Event()

        async def eraser(http: httpx.AsyncClient) -> None:
            while queue and not killed.is_set():
                contact_id = queue.pop(0)
                if await post(http, world.tokens["dpo"], ERASE, {"id": gid("Contact", contact_id)}) is None:
                    return
                acknowledged.append(contact_id)
                if len(acknowledged) >= 5 and not killed.is_set():
                    killed.set()
                    kill(server)

        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await asyncio.gather(*(eraser(http) for _ in range(4)))
    assert len(acknowledged) >= 5
    # The restart replays the journal first: an erasure journaled but not committed is completed.
    with live_server(database_url, tmp_path):
        pass

    async def look() -> set[int]:
        gone = set()
        for contact_id in people:
            present = await Contact.filter(id=contact_id).exists()
            requests = await TravelRequest.filter(contact_id=contact_id).count()
            travelers = await Traveler.filter(request__contact_id=contact_id).count()
            consents = await ConsentRecord.filter(contact_id=contact_id).count()
            if present:
                assert (requests, travelers, consents) == (3, 3, 1), f"contact {contact_id} is half-erased"
            else:
                assert (requests, travelers, consents) == (0, 0, 0), f"contact {contact_id} is half-erased"
                gone.add(contact_id)
        connection = get_connection("default")
        refs = {
            row["contact_ref"]
            for row in await connection.execute_query_dict("SELECT contact_ref FROM audit_event WHERE action = 'ERASE'")
        }
        assert {gid("Contact", c) for c in gone} <= refs  # every erasure is on record
        assert await chain_ok(world.agency.id)
        return gone

    gone = await inspect(database_url, look)
    assert set(acknowledged) <= gone
    assert gone <= journaled(journal_path(database_url, tmp_path))[0]  # committed => journaled


# -- the retention purge -----------------------------------------------------------------------------------------


EXPIRED_PEOPLE = 12
EXPIRED_EACH = 500  # 6,000 expired requests: twelve batches, so the purge is seen under way long before its end


async def _expired_world() -> tuple[World, int]:
    world = await make_world()
    for i in range(EXPIRED_PEOPLE):
        await make_long_export(world, f"OLD{i}Q", EXPIRED_EACH, age_days=4000)
    # A recipient to tell of each purged person (made as createWebhook makes it; nothing is sent here).
    await Webhook.create(
        agency=world.agency, url="https://partner.example/h", events="CONTACT_ERASED", secret_salt="s", created_at=now()
    )
    return world, EXPIRED_PEOPLE * EXPIRED_EACH


async def _expired_ids() -> tuple[set[int], set[int]]:
    """The ids of the expired people's requests, and of the people, still there."""
    return (
        set(await TravelRequest.filter(contact__last_name__startswith="NomOLD").values_list("id", flat=True)),
        set(await Contact.filter(last_name__startswith="NomOLD").values_list("id", flat=True)),
    )


async def _counts(database_url: str) -> int:
    """Travel requests left, read on a connection of its own while the purge runs."""
    if database_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(database_url.split("://", 1)[1]) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM travel_request").fetchone()[0])
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        return int(await connection.fetchval("SELECT COUNT(*) FROM travel_request"))
    finally:
        await connection.close()


def _retention_apply(database_url: str, logs: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ALVEOLE_DATABASE_URL": database_url, "ALVEOLE_SECRET_KEY": SECRET}
    env["ALVEOLE_ERASURE_JOURNAL"] = str(journal_path(database_url, logs))
    with (logs / "purge.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "retention", "apply"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


async def test_kill_during_a_purge_and_the_next_run_finishes_it(database_url: str, tmp_path: Path) -> None:
    world, expired = await seed(database_url, _expired_world)
    total = await _counts(database_url)
    expired_ids = await inspect(database_url, _expired_ids)
    purge = _retention_apply(database_url, tmp_path)
    deadline = time.monotonic() + 120
    while await _counts(database_url) == total:  # until its first batches have committed
        assert purge.poll() is None, (tmp_path / "purge.log").read_text()
        assert time.monotonic() < deadline, "the purge never started"
        await asyncio.sleep(0.005)
    os.killpg(purge.pid, signal.SIGKILL)
    purge.wait(timeout=30)
    left = await _counts(database_url)
    assert total - expired < left < total, "the purge was not killed half-way"

    async def look() -> tuple[set[int], set[int]]:  # the requests and contacts of the expired people left
        connection = get_connection("default")
        orphans = await connection.execute_query_dict(
            "SELECT COUNT(*) AS n FROM travel_request r"
            " WHERE NOT EXISTS (SELECT 1 FROM traveler t WHERE t.request_id = r.id)"
        )
        assert orphans[0]["n"] == 0, "a request lost its travelers without being deleted"
        unconsented = await connection.execute_query_dict(
            "SELECT COUNT(*) AS n FROM contact c"
            " WHERE NOT EXISTS (SELECT 1 FROM consent_record r WHERE r.contact_id = c.id)"
        )
        assert unconsented[0]["n"] == 0, "a contact lost its consent records without being deleted"
        assert await chain_ok(world.agency.id)
        return await _expired_ids()

    remaining_requests, remaining_contacts = await inspect(database_url, look)
    journaled_contacts, journaled_requests = journaled(journal_path(database_url, tmp_path))
    # Committed => journaled: every request and contact the killed run deleted is in the journal.
    assert expired_ids[0] - remaining_requests <= journaled_requests
    assert expired_ids[1] - remaining_contacts <= journaled_contacts

    again = _retention_apply(database_url, tmp_path)
    assert again.wait(timeout=300) == 0, (tmp_path / "purge.log").read_text()

    async def finished() -> None:
        assert not await TravelRequest.filter(contact__last_name__startswith="NomOLD").exists()
        assert not await Contact.filter(last_name__startswith="NomOLD").exists()
        # Each purged person named once in the audit log and told once to the recipient, across both runs.
        people = sorted(gid("Contact", contact_id) for contact_id in expired_ids[1])
        traces = await AuditEvent.filter(action="PURGE", contact_ref__isnull=False).values_list(
            "contact_ref", flat=True
        )
        notices = await OutboxMessage.filter(transport="webhook").values_list("body", flat=True)
        assert sorted(traces) == people
        assert sorted(json.loads(body)["data"]["contactId"] for body in notices) == people
        assert await Contact.filter(id__in=[c.id for c in world.contacts.values()]).count() == len(world.contacts)
        assert await chain_ok(world.agency.id)

    await inspect(database_url, finished)
