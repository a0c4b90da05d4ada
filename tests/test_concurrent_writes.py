"""Concurrent writers: a hundred mutations at once, all acknowledged writes readable, no "database is locked".

On SQLite a second process (the cron purge, a CLI command) also writes meanwhile: SQLite has one
writer at a time, and the app must queue for it (BEGIN IMMEDIATE + busy_timeout), never fail.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from app.settings import Settings
from tests.world import World, gid, make_world

ROOT = Path(__file__).resolve().parent.parent
CREATE_CONTACT = "mutation($i: ContactInput!) { createContact(input: $i) { id } }"
CREATE_REQUEST = "mutation($i: TravelRequestInput!) { createTravelRequest(input: $i) { id } }"
WRITERS = ("owner", "mate", "other_team", "dpo")
EACH = 50

# Another process writing to the same SQLite file in short transactions, as the cron purge does.
OTHER_WRITER = """
import asyncio, sys, time
from app.database import close_database, open_database
from app.settings import Secret, Settings
from resolvers import audit

async def main(url: str, agency_id: int, seconds: float) -> None:
    await open_database(Settings(database_url=url, secret_key=Secret("x" * 40)), run_migrations=False)
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await audit.record(None, "OTHER_PROCESS", agency_id=agency_id, actor="cron")
    await close_database()

asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
"""


async def _start_other_writer(settings: Settings, agency_id: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        OTHER_WRITER,
        settings.database_url,
        str(agency_id),
        "4",
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    assert (await process.stdout.readline()).strip() == b"ready"
    return process


async def test_a_hundred_concurrent_writes_are_all_kept(client, settings: Settings) -> None:
    world: World = await make_world()
    target = gid("Contact", world.contacts[next(iter(world.contacts))].id)
    other = await _start_other_writer(settings, world.agency.id) if settings.is_sqlite else None

    async def contact(i: int) -> dict:
        writer = WRITERS[i % len(WRITERS)]
        variables = {
            "i": {
                "firstName": f"Parallèle{i}",
                "lastName": "Écriture",
                "email": f"p{i}@example.org",
                "visibility": "AGENCY",
            }
        }
        return await client.post(CREATE_CONTACT, variables, world.tokens[writer])

    async def request(i: int) -> dict:
        variables = {
            "i": {
                "contactId": target,
                "destination": f"Destination parallèle {i}",
                "travelers": [{"firstName": "Voyageur", "lastName": f"N{i}"}],
            }
        }
        return await client.post(CREATE_REQUEST, variables, world.tokens["owner"])

    writes = asyncio.gather(*[contact(i) for i in range(EACH)], *[request(i) for i in range(EACH)])
    try:
        answers = await asyncio.wait_for(writes, timeout=60)  # a writer stuck on the lock fails, not hangs
        if other is not None:
            assert await asyncio.wait_for(other.wait(), timeout=30) == 0, "the other process failed to write"
    finally:
        if other is not None and other.returncode is None:
            other.kill()
            await other.wait()

    errors = [answer["errors"] for answer in answers if answer.get("errors")]
    assert errors == [], errors[:3]
    contact_ids = [answer["data"]["createContact"]["id"] for answer in answers[:EACH]]
    request_ids = [answer["data"]["createTravelRequest"]["id"] for answer in answers[EACH:]]
    assert len(set(contact_ids)) == EACH and len(set(request_ids)) == EACH

    dpo = world.tokens["dpo"]
    for contact_id in contact_ids:
        found = await client.data("query($id: ID!) { contact(id: $id) { id firstName } }", {"id": contact_id}, dpo)
        assert found["contact"]["firstName"].startswith("Parallèle")
    listed = await client.data(
        "query($id: ID!) { contact(id: $id) { requests(first: 200) { totalCount edges { "
        "node { id travelers { lastName } } } } } }",
        {"id": target},
        dpo,
    )
    kept = {edge["node"]["id"] for edge in listed["contact"]["requests"]["edges"]}
    assert set(request_ids) <= kept
    assert listed["contact"]["requests"]["totalCount"] == EACH + 1  # and the world's own request
