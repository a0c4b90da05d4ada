"""A bounded load test: 40 concurrent clients read and write against a live server, on loopback only.

Zero 5xx, zero error of any kind on these well-formed operations, no "database is locked" anywhere,
every acknowledged write readable afterwards, and the audit chain still verifies. SQLite runs one
server process (its one writer); PostgreSQL, when configured, two workers.
Deselect with `-m "not load"`.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live_server import live_server, seed
from tests.world import World, make_world

pytestmark = [pytest.mark.load, pytest.mark.slow]

CLIENTS = 40
SECONDS = 15
USERS = ("owner", "mate", "other_team", "no_team", "admin", "dpo")
BATCH = 25  # aliases per read-back query (the server allows 30)

CONTACTS_PAGE = "{ contacts(first: 20) { totalCount edges { node { id firstName lastName visibility } } } }"
SEARCH = "query($s: String) { contacts(search: $s, first: 10) { totalCount edges { node { id email } } } }"
REQUESTS_PAGE = "{ travelRequests(first: 20) { totalCount edges { node { id destination status contact { id } } } } }"
CREATE_CONTACT = "mutation($input: ContactInput!) { createContact(input: $input) { id firstName } }"
CREATE_REQUEST = "mutation($input: TravelRequestInput!) { createTravelRequest(input: $input) { id destination } }"
UPDATE_CONTACT = "mutation($id: ID!, $notes: String) { updateContact(id: $id, patch: {notes: $notes}) { id notes } }"
VERIFY_CHAIN = "{ verifyAuditChain { ok checkedEvents firstBrokenEventId } }"


@dataclass
class Client:
    number: int
    token: str
    contacts: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> acknowledged values
    requests: dict[str, str] = field(default_factory=dict)  # id -> destination
    sent: int = 0


@dataclass
class Tally:
    problems: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def problem(self, what: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(what)


async def post(
    http: httpx.AsyncClient, tally: Tally, client: Client, query: str, variables: dict[str, Any]
) -> dict[str, Any] | None:
    started = time.perf_counter()
    try:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {client.token}"},
        )
    except httpx.HTTPError as error:
        tally.problem(f"client {client.number}: {type(error).__name__} on {query[:60]}")
        return None
    tally.latencies.append(time.perf_counter() - started)
    client.sent += 1
    if response.status_code >= 500 or "database is locked" in response.text:
        tally.problem(f"client {client.number}: {response.status_code} {response.text[:300]} on {query[:60]}")
        return None
    body = response.json()
    if body.get("errors"):  # every operation here is well-formed and allowed: any error is a failure
        tally.problem(f"client {client.number}: {json.dumps(body['errors'])[:300]} on {query[:60]}")
        return None
    return body["data"]


async def work(http: httpx.AsyncClient, tally: Tally, client: Client, deadline: float) -> None:
    rng = random.Random(client.number)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        roll = rng.random()
        if roll < 0.2:
            await post(http, tally, client, CONTACTS_PAGE, {})
        elif roll < 0.4:
            await post(http, tally, client, SEARCH, {"s": rng.choice(["prenom", "mail", "load", "nom", "x"])})
        elif roll < 0.6:
            await post(http, tally, client, REQUESTS_PAGE, {})
        elif roll < 0.75 or not client.contacts:
            first = f"Load{client.number}n{n}"
            data = await post(
                http,
                tally,
                client,
                CREATE_CONTACT,
                {"input": {"firstName": first, "lastName": "Charge", "email": f"load{client.number}.{n}@example.org"}},
            )
            if data:
                client.contacts[data["createContact"]["id"]] = {"firstName": first, "notes": ""}
        elif roll < 0.9:
            contact_id = rng.choice(sorted(client.contacts))
            destination = f"Dest{client.number}n{n}"
            data = await post(
                http,
                tally,
                client,
                CREATE_REQUEST,
                {"input": {"contactId": contact_id, "destination": destination, "travelerCount": 2}},
            )
            if data:
                client.requests[data["createTravelRequest"]["id"]] = destination
        else:
            contact_id = rng.choice(sorted(client.contacts))
            notes = f"notes {client.number} {n}"
            if await post(http, tally, client, UPDATE_CONTACT, {"id": contact_id, "notes": notes}):
                client.contacts[contact_id]["notes"] = notes


async def read_back(http: httpx.AsyncClient, tally: Tally, client: Client) -> int:
    """Every acknowledged write, read by its author: returns how many were checked."""
    checked = 0
    contact_ids, request_ids = sorted(client.contacts), sorted(client.requests)
    for start in range(0, len(contact_ids), BATCH):
        chunk = contact_ids[start : start + BATCH]
        query = (
            "{ "
            + " ".join(f'c{i}: contact(id: "{cid}") {{ id firstName notes }}' for i, cid in enumerate(chunk))
            + " }"
        )
        data = await post(http, tally, client, query, {}) or {}
        for i, cid in enumerate(chunk):
            got, want = data.get(f"c{i}"), client.contacts[cid]
            if not got or got["firstName"] != want["firstName"] or (got["notes"] or "") != want["notes"]:
                tally.problem(f"client {client.number}: contact {cid} reads back as {got}, acknowledged {want}")
            checked += 1
    for start in range(0, len(request_ids), BATCH):
        chunk = request_ids[start : start + BATCH]
        query = (
            "{ "
            + " ".join(f'r{i}: travelRequest(id: "{rid}") {{ id destination }}' for i, rid in enumerate(chunk))
            + " }"
        )
        data = await post(http, tally, client, query, {}) or {}
        for i, rid in enumerate(chunk):
            got = data.get(f"r{i}")
            if not got or got["destination"] != client.requests[rid]:
                tally.problem(
                    f"client {client.number}: request {rid} reads back as {got}, acknowledged {client.requests[rid]}"
                )
            checked += 1
    return checked


async def test_forty_clients_reading_and_writing(database_url: str, tmp_path: Path) -> None:
    world: World = await seed(database_url, make_world)
    workers = 1 if database_url.startswith("sqlite") else 2
    with live_server(database_url, tmp_path, workers=workers) as server:
        clients = [Client(i, world.tokens[USERS[i % len(USERS)]]) for i in range(CLIENTS)]
        tally = Tally()
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as http:
            deadline = time.monotonic() + SECONDS
            await asyncio.gather(*(work(http, tally, client, deadline) for client in clients))
            sent = sum(c.sent for c in clients)
            writes = sum(len(c.contacts) + len(c.requests) for c in clients)
            checked = sum([await read_back(http, tally, client) for client in clients])
            dpo = Client(-1, world.tokens["dpo"])
            chain = await post(http, tally, dpo, VERIFY_CHAIN, {})
        logs = server.logs()

    latencies = sorted(tally.latencies) or [0.0]
    summary = (
        f"{sent} requests in {SECONDS} s ({sent / SECONDS:.0f}/s), {writes} writes, "
        f"p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, p99 {latencies[int(len(latencies) * 0.99)] * 1000:.0f} ms"
    )
    print(f"\nload on {database_url.split(':')[0]} ({workers} worker(s)): {summary}")
    assert not tally.problems, "\n".join(tally.problems)
    assert checked == writes and writes >= CLIENTS, summary  # the load did write, and every write was checked
    assert chain and chain["verifyAuditChain"]["ok"], chain
    assert "database is locked" not in logs
    assert "Traceback" not in logs and "unexpected " not in logs, logs[-3000:]
