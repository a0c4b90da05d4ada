"""Frontends and partners against a live `alveole serve` (issue 12, point by point): what tools and partners see
over real HTTP.

One server per database (on PostgreSQL, two workers: each reads the trusted documents by itself, and each runs an
outbox dispatcher), with every point checked in turn: introspection, GraphQL over HTTP, incremental delivery,
trusted documents registered by the CLI while the server runs, the marketing feed, and signed webhooks sent to a
real receiver on loopback by the server's own dispatchers, for every event, the retention purge's included. Then
a server per ALVEOLE_TRUSTED_DOCUMENTS mode. The in-process suites check each rule in detail
(test_introspection, test_graphql_over_http, test_incremental_delivery, test_trusted_documents,
test_marketing_feed, test_webhooks, test_retention_recipients).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import build_client_schema, build_schema, get_introspection_query, lexicographic_sort_schema, print_schema

from models import ApiScope, AuditEvent, ConsentRecord, OutboxMessage, Visibility
from models.enums import OutboxStatus
from resolvers import api_keys
from resolvers.clock import now
from resolvers.sessions import principal_for_user
from resolvers.trusted_documents import sha256_of
from schema import print_sdl
from tests.conftest import POSTGRES_URL, SECRET
from tests.live_server import ROOT, LiveServer, inspect, live_server, seed
from tests.test_export import multipart_parts
from tests.test_incremental_delivery import assemble, assert_2022_format, without_incremental
from tests.test_introspection import EVERY_OPTION, nested
from tests.test_trusted_documents import apollo_manifest, codegen_manifest
from tests.webhook_receiver import Receiver, webhook_receiver
from tests.world import World, gid, make_contact, make_world, personal_values

pytestmark = pytest.mark.slow  # live servers: the second stage of .ci/run

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MULTIPART = "multipart/mixed;deferSpec=20220824, application/json"
ME = "query Me { me { email role } }"
CONTACTS = "query Contacts($n: Int!) { contacts(first: $n) { edges { node { id } } } }"
KEY_NAME = "Newsletter"
OLD = 2000  # days: expired under the default 36 months
ALL_EVENTS = "[CONSENT_CHANGED, CONTACT_RECTIFIED, PROCESSING_RESTRICTED, CONTACT_ERASED]"


@dataclass
class Seeded:
    world: World
    marketing_key: str
    streamed_contact: str  # consents to NEWSLETTER: the audience; erased at the end
    expired_contact: str  # the retention purge deletes it
    expired_values: list[str]


async def build() -> Seeded:
    world = await make_world()
    person = await make_contact(world.agency, world.users["owner"], Visibility.ADVISOR, "LIVEQ", requests=3)
    expired = await make_contact(world.agency, world.users["owner"], Visibility.AGENCY, "EXPIREDQ", age_days=OLD)
    await ConsentRecord.filter(contact_id__in=[expired.id, *(c.id for c in world.contacts.values())]).delete()
    admin = principal_for_user(world.users["admin"])
    _, key = await api_keys.create_key(admin, KEY_NAME, [ApiScope.MARKETING_AUDIENCE])
    return Seeded(world, key, gid("Contact", person.id), gid("Contact", expired.id), personal_values(expired))


def post(
    server: LiveServer,
    body: dict[str, Any],
    token: str | None,
    accept: str = JSON,
    content_type: str = JSON,
) -> httpx.Response:
    headers = {
        "Accept": accept,
        "Content-Type": content_type,
        **({"Authorization": f"Bearer {token}"} if token else {}),
    }
    return httpx.post(server.graphql_url, content=json.dumps(body).encode(), headers=headers, timeout=30)


def data(server: LiveServer, query: str, token: str, variables: dict[str, Any] | None = None) -> Any:
    body = post(server, {"query": query, "variables": variables or {}}, token).json()
    assert "errors" not in body, body
    return body["data"]


def request_error(response: httpx.Response, status: int, media_type: str = GRAPHQL_RESPONSE) -> dict[str, Any]:
    """A request error: its status, its media type with charset, errors, and no `data` key."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    body = response.json()
    assert "data" not in body and body["errors"], body
    return body["errors"][0]


def alveole(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALVEOLE_DATABASE_URL": database_url, "ALVEOLE_SECRET_KEY": SECRET}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# -- 1. introspection ----------------------------------------------------------------------------------------


async def check_introspection(server: LiveServer, tokens: dict[str, str]) -> None:
    """graphql-core's standard query, every option on, for the DPO and an advisor, and Python's gql client: the
    schema rebuilt from it prints what `alveole schema` prints (in a canonical order: strawberry prints its types
    in an order of its own); ofType 50 deep is refused; anonymous callers too."""
    query = get_introspection_query(**EVERY_OPTION)
    expected = print_schema(lexicographic_sort_schema(build_schema(print_sdl())))
    for position in ("dpo", "owner"):
        response = post(server, {"query": query}, tokens[position], GRAPHQL_RESPONSE)
        assert response.status_code == 200, response.text
        rebuilt = print_schema(lexicographic_sort_schema(build_client_schema(response.json()["data"])))
        assert rebuilt == expected, position
    # Python's gql, as the README shows it: the schema fetched by introspection, then a query checked against it.
    transport = HTTPXAsyncTransport(server.graphql_url, headers={"Authorization": f"Bearer {tokens['owner']}"})
    every_gql_option = {  # its own names; type_recursion_level 9 is graphql-js's TypeRef depth
        "descriptions": True,
        "specified_by_url": True,
        "directive_is_repeatable": True,
        "schema_description": True,
        "input_value_deprecation": True,
        "input_object_one_of": True,
        "type_recursion_level": 9,
    }
    client = Client(transport=transport, fetch_schema_from_transport=True, introspection_args=every_gql_option)
    async with client as session:
        assert (await session.execute(gql("{ me { role } }"))) == {"me": {"role": "ADVISOR"}}
    assert client.schema is not None
    assert print_schema(lexicographic_sort_schema(client.schema)) == expected
    deep = post(server, {"query": '{ __type(name: "Contact") { ' + nested("ofType", 50) + " } }"}, tokens["dpo"])
    assert "ofType more than 12 deep" in request_error(deep, 200, JSON)["message"]
    anonymous = post(server, {"query": query}, None, GRAPHQL_RESPONSE)
    assert "introspection needs authentication" in request_error(anonymous, 401)["message"]


# -- 2. GraphQL over HTTP --------------------------------------------------------------------------------------


def check_graphql_over_http(server: LiveServer, dpo: str) -> None:
    ok = post(server, {"query": "{ __typename }"}, dpo, GRAPHQL_RESPONSE)
    assert ok.status_code == 200 and ok.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert ok.json() == {"data": {"__typename": "Query"}}
    legacy_ok = post(server, {"query": "{ __typename }"}, dpo)
    assert legacy_ok.headers["content-type"] == f"{JSON}; charset=utf-8"
    request_errors = [
        {"query": "{"},
        {"query": "{ noSuchField }"},
        {"query": "query A { __typename }", "operationName": "B"},
        {"query": "query A { __typename } query B { me { role } }"},
    ]
    for body in request_errors:
        request_error(post(server, body, dpo, GRAPHQL_RESPONSE), 400)  # 4xx under the new media type
        request_error(post(server, body, dpo), 200, JSON)  # 200 under application/json, still no `data`
    named = {"query": "query A { __typename } query B { me { role } }", "operationName": "B"}
    assert post(server, named, dpo, GRAPHQL_RESPONSE).json() == {"data": {"me": {"role": "DPO"}}}
    for content_type in (GRAPHQL_RESPONSE, "text/plain"):
        request_error(post(server, {"query": "{ __typename }"}, dpo, GRAPHQL_RESPONSE, content_type), 415)
    refused_get = httpx.get(server.graphql_url, params={"query": "{ __typename }"}, headers={"Accept": JSON})
    assert refused_get.status_code == 405 and refused_get.headers["allow"] == "POST"


# -- 3. incremental delivery -----------------------------------------------------------------------------------


def check_incremental_delivery(server: LiveServer, dpo: str, contact_id: str) -> None:
    query = (
        "query($id: ID!) { subjectAccessExport(contactId: $id) { contact { id ... @defer { firstName } } "
        "requests @stream(initialCount: 1) { destination travelers @stream(initialCount: 0) { firstName } } } }"
    )
    body = {"query": query, "variables": {"id": contact_id}}
    streamed = post(server, body, dpo, MULTIPART)
    assert streamed.headers["content-type"].startswith("multipart/mixed")
    parts = multipart_parts(streamed)
    assert_2022_format(parts)
    plain = post(server, {**body, "query": without_incremental(query)}, dpo).json()
    assert assemble(parts) == plain and len(plain["data"]["subjectAccessExport"]["requests"]) == 3
    whole = post(server, body, dpo)  # no multipart in Accept: one JSON result
    assert whole.headers["content-type"] == f"{JSON}; charset=utf-8" and whole.json() == plain


# -- 4. trusted documents ----------------------------------------------------------------------------------------


def check_trusted_documents(server: LiveServer, database_url: str, tmp_path: Path, tokens: dict[str, str]) -> None:
    owner = tokens["owner"]
    unknown = post(server, {"documentId": f"sha256:{sha256_of(ME)}"}, owner, GRAPHQL_RESPONSE)
    assert request_error(unknown, 400)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    codegen, apollo = tmp_path / "web.json", tmp_path / "partner.json"
    codegen.write_text(codegen_manifest(ME))  # GraphQL Codegen's client preset
    apollo.write_text(apollo_manifest(CONTACTS))  # Apollo's generate-persisted-query-manifest
    for manifest in (codegen, apollo):
        done = alveole(database_url, "documents", "register", str(manifest))
        assert done.returncode == 0 and "Registered 1 document(s)" in done.stdout, done.stderr
    listed = alveole(database_url, "documents", "list").stdout
    assert f"sha256:{sha256_of(ME)}" in listed and f"sha256:{sha256_of(CONTACTS)}" in listed
    for _ in range(6):  # on PostgreSQL, both workers: each reads the new document the first time it is asked
        known = post(server, {"documentId": f"sha256:{sha256_of(ME)}"}, owner).json()
        assert known["data"]["me"]["role"] == "ADVISOR"
        hashed = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(CONTACTS)}}}
        assert "contacts" in post(server, {**hashed, "variables": {"n": 1}}, owner).json()["data"]
    create = 'mutation { createApiKey(name: "Site", scopes: [READ_CONTACTS], trustedDocumentsOnly: true) { secret } }'
    key = data(server, create, tokens["admin"])["createApiKey"]["secret"]
    other = "query Other($n: Int!) { contacts(first: $n) { totalCount } }"  # not registered
    free_form = post(server, {"query": other, "variables": {"n": 1}}, key)
    assert request_error(free_form, 200, JSON)["extensions"]["code"] == "FORBIDDEN"
    by_id = post(server, {"documentId": f"sha256:{sha256_of(CONTACTS)}", "variables": {"n": 1}}, key).json()
    assert len(by_id["data"]["contacts"]["edges"]) == 1


# -- 5. the marketing feed ---------------------------------------------------------------------------------------


def check_marketing_feed(server: LiveServer, seeded: Seeded) -> None:
    key, world = seeded.marketing_key, seeded.world
    audience = "{ marketingAudience(purpose: NEWSLETTER) { edges { node { id email firstName } } } }"
    nodes = [e["node"] for e in data(server, audience, key)["marketingAudience"]["edges"]]
    assert [n["id"] for n in nodes] == [seeded.streamed_contact]  # the only one consenting
    text = json.dumps(nodes)
    for contact in [*world.contacts.values(), world.foreign_contact]:
        assert not any(value in text for value in personal_values(contact))
    wider = post(server, {"query": "{ marketingAudience(purpose: NEWSLETTER) { edges { node { phone } } } }"}, key)
    assert "Cannot query field 'phone'" in request_error(wider, 200, JSON)["message"]
    for other in ("{ contacts { totalCount } }", "{ me { email } }", "{ webhooks { id } }"):
        assert post(server, {"query": other}, key).json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", other


def check_consent_changes(server: LiveServer, seeded: Seeded, since: str) -> None:
    """After the webhooks' story: the withdrawal, the erasure and the purge, as the feed lists them."""
    query = "query($s: DateTime!) { consentChanges(since: $s) { edges { node { contactId purpose granted erased } } } }"
    nodes = [e["node"] for e in data(server, query, seeded.marketing_key, {"s": since})["consentChanges"]["edges"]]
    agency_contact = gid("Contact", seeded.world.contacts[Visibility.AGENCY].id)
    assert {"contactId": agency_contact, "purpose": "NEWSLETTER", "granted": False, "erased": False} in nodes
    gone = {n["contactId"] for n in nodes if n["erased"]}
    assert gone == {seeded.streamed_contact, seeded.expired_contact}


# -- 6. webhooks -------------------------------------------------------------------------------------------------


def check_webhook_destinations(server: LiveServer, dpo: str) -> None:
    create = "mutation($u: String!) { createWebhook(url: $u, events: [CONTACT_ERASED]) { secret } }"
    for url in ("http://93.184.216.34/h", "https://10.0.0.1/h", "https://169.254.169.254/latest", "https://[fd00::1]/"):
        error = post(server, {"query": create, "variables": {"u": url}}, dpo).json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", url


def check_webhooks(server: LiveServer, receiver: Receiver, seeded: Seeded) -> None:
    """Every event, to a real receiver that verifies each signature with `standardwebhooks`."""
    dpo = seeded.world.tokens["dpo"]
    create = f"mutation($u: String!) {{ createWebhook(url: $u, events: {ALL_EVENTS}) {{ secret }} }}"
    receiver.secret = data(server, create, dpo, {"u": receiver.url})["createWebhook"]["secret"]
    agency_contact = gid("Contact", seeded.world.contacts[Visibility.AGENCY].id)
    consent = '{contactId: $id, purpose: NEWSLETTER, granted: false, source: "call", wording: "Plus de lettre"}'
    data(server, f"mutation($id: ID!) {{ recordConsent(input: {consent}) {{ id }} }}", dpo, {"id": agency_contact})
    data(
        server,
        'mutation($id: ID!) { updateContact(id: $id, patch: {email: "new@example.org"}) { id } }',
        dpo,
        {"id": agency_contact},
    )
    data(
        server,
        "mutation($id: ID!) { restrictProcessing(contactId: $id, restricted: true) { id } }",
        dpo,
        {"id": agency_contact},
    )
    erase = "mutation($id: ID!) { eraseContact(contactId: $id) { recipientsToNotify } }"
    assert data(server, erase, dpo, {"id": seeded.streamed_contact})["eraseContact"]["recipientsToNotify"] == 1
    purge = "mutation { applyRetention(dryRun: false) { contactCount recipientsToNotify } }"
    assert data(server, purge, dpo)["applyRetention"] == {"contactCount": 1, "recipientsToNotify": 1}
    deadline = time.monotonic() + 30  # the dispatchers poll every second
    while len(receiver.accepted) < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert receiver.refused == []
    told = [(d.payload["type"], d.payload["data"]["contactId"]) for d in receiver.accepted]
    assert sorted(told) == sorted(
        [
            ("CONSENT_CHANGED", agency_contact),
            ("CONTACT_RECTIFIED", agency_contact),
            ("PROCESSING_RESTRICTED", agency_contact),
            ("CONTACT_ERASED", seeded.streamed_contact),
            ("CONTACT_ERASED", seeded.expired_contact),
        ]
    )
    bodies = b"".join(d.body for d in receiver.accepted).decode()
    for value in ["new@example.org", *seeded.expired_values]:
        assert value not in bodies, value


async def after_the_story(database_url: str) -> tuple[list[tuple[OutboxStatus, int]], list[str]]:
    """Once the server has stopped: the webhook rows (status, attempts) and the feed's VIEW_PERSONAL events."""

    async def look() -> tuple[list[tuple[OutboxStatus, int]], list[str]]:
        rows = await OutboxMessage.filter(transport="webhook").values_list("status", "attempts")
        views = AuditEvent.filter(action="VIEW_PERSONAL", actor=f"api-key:{KEY_NAME}")
        return rows, sorted(await views.values_list("contact_ref", flat=True))

    return await inspect(database_url, look)


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
        await check_introspection(server, tokens)
        check_graphql_over_http(server, tokens["dpo"])
        check_incremental_delivery(server, tokens["dpo"], seeded.streamed_contact)
        check_trusted_documents(server, database_url, tmp_path, tokens)
        check_marketing_feed(server, seeded)
        since = now().isoformat()  # the story of the webhooks begins
        check_webhook_destinations(server, tokens["dpo"])
        check_webhooks(server, receiver, seeded)
        check_consent_changes(server, seeded, since)
    # Each sent once, whichever worker's dispatcher took it; each contact the feed showed, one event in its name.
    rows, views = await after_the_story(database_url)
    assert rows == [(OutboxStatus.SENT, 1)] * 5 and len(receiver.accepted) == 5
    agency_contact = gid("Contact", seeded.world.contacts[Visibility.AGENCY].id)
    assert views == sorted([seeded.streamed_contact, agency_contact])


@pytest.mark.parametrize("mode", ["required", "off"])
async def test_each_trusted_documents_mode_against_a_live_server(tmp_path: Path, mode: str) -> None:
    database_url = f"sqlite://{tmp_path / 'db.sqlite3'}"
    tokens = (await seed(database_url, make_world)).tokens
    manifest = tmp_path / "web.json"
    manifest.write_text(codegen_manifest(ME))
    assert alveole(database_url, "documents", "register", str(manifest)).returncode == 0
    by_id = {"documentId": f"sha256:{sha256_of(ME)}"}
    free_form = {"query": "{ me { role } }"}  # not registered (a registered document's very text counts as it)
    with live_server(database_url, tmp_path, env={"ALVEOLE_TRUSTED_DOCUMENTS": mode}) as server:
        if mode == "required":
            assert post(server, by_id, tokens["owner"]).json()["data"]["me"]["role"] == "ADVISOR"
            assert post(server, free_form, tokens["dpo"]).json()["data"]["me"]["role"] == "DPO"
            for position in ("owner", "admin"):
                refused = post(server, free_form, tokens[position], GRAPHQL_RESPONSE)
                assert request_error(refused, 403)["extensions"]["code"] == "FORBIDDEN", position
        else:
            refused = post(server, by_id, tokens["owner"])
            assert request_error(refused, 200, JSON)["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"
            assert post(server, free_form, tokens["owner"]).json()["data"]["me"]["role"] == "ADVISOR"
