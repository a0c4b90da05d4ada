"""Frontends and partners against a live `alveole serve`: what tools and partners see over real HTTP.

One server per database (on PostgreSQL, two workers: each reads the trusted documents by itself, and
each runs an outbox dispatcher), with every point checked in turn: introspection, GraphQL over HTTP, incremental
delivery, trusted documents registered by the CLI while the server runs, the marketing feed, and a
signed webhook sent to a real receiver on loopback by the server's own dispatcher.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_client_schema, build_schema, get_introspection_query, lexicographic_sort_schema, print_schema

from models import ApiScope, ConsentRecord, OutboxMessage, Visibility
from models.enums import OutboxStatus
from resolvers import api_keys
from resolvers.sessions import principal_for_user
from resolvers.trusted_documents import sha256_of
from schema import print_sdl
from tests.conftest import POSTGRES_URL, SECRET
from tests.live_server import ROOT, LiveServer, live_server, seed
from tests.webhook_receiver import Receiver, webhook_receiver
from tests.world import World, gid, make_contact, make_world

pytestmark = pytest.mark.slow  # live servers: the second stage of .ci/run

GRAPHQL_RESPONSE = "application/graphql-response+json"
MULTIPART = "multipart/mixed;deferSpec=20220824, application/json"
ME = "query Me { me { email role } }"


@dataclass
class Seeded:
    world: World
    marketing_key: str
    streamed_contact: str


async def build() -> Seeded:
    world = await make_world()
    person = await make_contact(world.agency, world.users["owner"], Visibility.ADVISOR, "LIVEQ", requests=3)
    await ConsentRecord.filter(contact_id__in=[c.id for c in world.contacts.values()]).delete()
    admin = principal_for_user(world.users["admin"])
    _, key = await api_keys.create_key(admin, "Newsletter", [ApiScope.MARKETING_AUDIENCE])
    return Seeded(world, key, gid("Contact", person.id))


async def sent_webhooks(database_url: str) -> list[tuple[OutboxStatus, int]]:
    """The webhook rows of the outbox, read once the server has stopped: (status, attempts)."""
    from app.database import close_database, open_database
    from tests.conftest import make_settings

    await open_database(make_settings(database_url), run_migrations=False)
    try:
        return await OutboxMessage.filter(transport="webhook").values_list("status", "attempts")
    finally:
        await close_database()


def post(
    server: LiveServer, body: dict[str, Any], token: str | None, accept: str = "application/json"
) -> httpx.Response:
    headers = {"Accept": accept, **({"Authorization": f"Bearer {token}"} if token else {})}
    return httpx.post(server.graphql_url, json=body, headers=headers, timeout=30)


def parts_of(response: httpx.Response) -> list[dict[str, Any]]:
    header = Message()
    header["content-type"] = response.headers["content-type"]
    boundary = "--" + str(header.get_param("boundary"))
    chunks = response.text.split(boundary)[1:-1]
    return [json.loads(chunk.split("\r\n\r\n", 1)[1].rstrip("\r\n")) for chunk in chunks]


def check_introspection(server: LiveServer, advisor: str) -> None:
    query = get_introspection_query(descriptions=True, input_value_deprecation=True, one_of=True)
    body = post(server, {"query": query}, advisor).json()
    rebuilt = print_schema(lexicographic_sort_schema(build_client_schema(body["data"])))
    assert rebuilt == print_schema(lexicographic_sort_schema(build_schema(print_sdl())))
    anonymous = post(server, {"query": query}, None, GRAPHQL_RESPONSE)
    assert anonymous.status_code == 401


def check_graphql_over_http(server: LiveServer, dpo: str) -> None:
    ok = post(server, {"query": "{ __typename }"}, dpo, GRAPHQL_RESPONSE)
    assert ok.status_code == 200 and ok.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    broken = post(server, {"query": "{"}, dpo, GRAPHQL_RESPONSE)
    assert broken.status_code == 400 and "data" not in broken.json()
    legacy = post(server, {"query": "{"}, dpo)
    assert legacy.status_code == 200 and "data" not in legacy.json()


def check_incremental_delivery(server: LiveServer, dpo: str, contact_id: str) -> None:
    query = (
        "query($id: ID!) { subjectAccessExport(contactId: $id) "
        "{ contact { firstName } requests @stream(initialCount: 1) { destination } } }"
    )
    body = {"query": query, "variables": {"id": contact_id}}
    parts = parts_of(post(server, body, dpo, MULTIPART))
    assert parts[0]["hasNext"] is True and "pending" not in parts[0]
    items = parts[0]["data"]["subjectAccessExport"]["requests"]
    for part in parts[1:]:
        for entry in part.get("incremental", []):
            assert entry["path"] == ["subjectAccessExport", "requests", len(items)]
            items += entry["items"]
    whole = post(server, body, dpo).json()
    assert whole["data"]["subjectAccessExport"]["requests"] == items and len(items) == 3


def check_trusted_documents(server: LiveServer, database_url: str, tmp_path: Path, owner: str) -> None:
    unknown = post(server, {"documentId": f"sha256:{sha256_of(ME)}"}, owner).json()
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    manifest = tmp_path / "web.json"
    manifest.write_text(json.dumps({sha256_of(ME): ME}))
    env = {**os.environ, "ALVEOLE_DATABASE_URL": database_url, "ALVEOLE_SECRET_KEY": SECRET}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "documents", "register", str(manifest)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for _ in range(6):  # on PostgreSQL, both workers: each reads the new document the first time it is asked
        known = post(server, {"documentId": f"sha256:{sha256_of(ME)}"}, owner).json()
        assert known["data"]["me"]["role"] == "ADVISOR"


def check_marketing_feed(server: LiveServer, key: str, world: World) -> None:
    owner = world.users["owner"]
    audience = "{ marketingAudience(purpose: NEWSLETTER) { edges { node { id email firstName } } } }"
    nodes = [e["node"] for e in post(server, {"query": audience}, key).json()["data"]["marketingAudience"]["edges"]]
    assert [n["firstName"] for n in nodes] == ["PrenomLIVEQ"]  # the only one still consenting
    assert owner.email not in json.dumps(nodes)


def check_webhooks(server: LiveServer, receiver: Receiver, dpo: str, contact_id: str) -> None:
    create = "mutation($u: String!) { createWebhook(url: $u, events: [CONTACT_ERASED]) { secret } }"
    receiver.secret = post(server, {"query": create, "variables": {"u": receiver.url}}, dpo).json()["data"][
        "createWebhook"
    ]["secret"]
    erase = "mutation($id: ID!) { eraseContact(contactId: $id) { recipientsToNotify } }"
    receipt = post(server, {"query": erase, "variables": {"id": contact_id}}, dpo).json()
    assert receipt["data"]["eraseContact"]["recipientsToNotify"] == 1
    deadline = time.monotonic() + 30  # the dispatchers poll every second
    while not receiver.accepted and time.monotonic() < deadline:
        time.sleep(0.1)
    assert receiver.refused == []
    (delivery,) = receiver.accepted
    assert delivery.payload["type"] == "CONTACT_ERASED" and delivery.payload["data"]["contactId"] == contact_id


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_frontends_and_partners_against_a_live_server(
    tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "postgres" and not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set ALVEOLE_TEST_POSTGRES_URL to run this on PostgreSQL")
    database_url = f"sqlite://{tmp_path / 'db.sqlite3'}" if backend == "sqlite" else str(POSTGRES_URL)
    seeded = await seed(database_url, build)
    tokens = seeded.world.tokens
    monkeypatch.setenv("ALVEOLE_WEBHOOKS_ALLOW_HTTP", "1")  # the receiver is on loopback, in plain http
    with (
        webhook_receiver() as receiver,
        live_server(database_url, tmp_path, workers=2 if backend == "postgres" else 1) as server,
    ):
        check_introspection(server, tokens["owner"])
        check_graphql_over_http(server, tokens["dpo"])
        check_incremental_delivery(server, tokens["dpo"], seeded.streamed_contact)
        check_trusted_documents(server, database_url, tmp_path, tokens["owner"])
        check_marketing_feed(server, seeded.marketing_key, seeded.world)
        check_webhooks(server, receiver, tokens["dpo"], seeded.streamed_contact)
    # Sent once, whichever worker's dispatcher took it.
    rows = await sent_webhooks(database_url)
    assert rows == [(OutboxStatus.SENT, 1)] and len(receiver.accepted) == 1
