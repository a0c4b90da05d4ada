"""A real `alveole serve`: SIGTERM drains in-flight requests and streams then exits 0, the grace period cuts what
outlasts it, the keep-alive is the setting, and a whole run's JSON logs carry no personal data or secret."""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from models import Contact
from tests.conftest import POSTGRES_URL
from tests.live_server import LiveServer, live_server, seed, send_buffer_max
from tests.world import PASSWORD, World, gid, make_long_export, make_world, personal_values

pytestmark = pytest.mark.slow

REQUESTS = 4000


# Rows long enough that the export is three times what the server's socket can buffer: its writes must wait.
NOTE_LENGTH = max(1000, 3 * send_buffer_max() // REQUESTS)
STREAMED = """query($id: ID!) { subjectAccessExport(contactId: $id) {
  contact { lastName } requests @stream(initialCount: 1) { destination notes travelers { firstName } } } }"""
MULTIPART = "multipart/mixed;deferSpec=20220824, application/json"


async def _world_with_a_long_export() -> tuple[World, Contact]:
    world = await make_world()
    return world, await make_long_export(world, "LONGQ", REQUESTS, NOTE_LENGTH)


class SlowReader(http.client.HTTPConnection):
    """A client with a tiny receive buffer: the server's writes wait for it, as they do for a slow network."""

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(60)
        self.sock.connect((self.host, self.port))


@contextmanager
def slow_request(
    server: LiveServer, method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> Iterator[http.client.HTTPResponse]:
    host, port = server.url.removeprefix("http://").split(":")
    connection = SlowReader(host, int(port))
    try:
        connection.request(method, path, body=body, headers=headers)
        yield connection.getresponse()
    finally:
        connection.close()


def _links(server: LiveServer, world: World, person: Contact) -> dict[str, str]:
    query = "query($id: ID!) { subjectAccessExport(contactId: $id) { csvUrl } }"
    response = httpx.post(
        server.graphql_url,
        json={"query": query, "variables": {"id": gid("Contact", person.id)}},
        headers={"Authorization": f"Bearer {world.tokens['dpo']}"},
        timeout=60,
    )
    return response.json()["data"]["subjectAccessExport"]


def _refuses_connections(url: str, deadline_seconds: float = 30) -> bool:
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
        except OSError:
            return True
        time.sleep(0.05)
    return False


def test_sigterm_lets_requests_and_streams_finish_then_exits_zero(tmp_path: Path) -> None:
    database_url = f"sqlite://{tmp_path / 'drain.sqlite3'}"
    world, person = asyncio.run(seed(database_url, _world_with_a_long_export))
    with live_server(database_url, tmp_path) as server:
        csv_path = "/" + _links(server, world, person)["csvUrl"].split("/", 3)[3]
        streamed = json.dumps({"query": STREAMED, "variables": {"id": gid("Contact", person.id)}}).encode()
        graphql_headers = {
            "Authorization": f"Bearer {world.tokens['dpo']}",
            "Content-Type": "application/json",
            "Accept": MULTIPART,
        }
        with (
            slow_request(server, "GET", csv_path, None, {}) as download,
            slow_request(server, "POST", "/graphql", streamed, graphql_headers) as stream,
        ):
            first_bytes = download.read(2000) + stream.read(2000)
            assert b"LONGQ" in first_bytes  # both started
            server.process.send_signal(signal.SIGTERM)
            assert _refuses_connections(server.url), "the server still accepts connections after SIGTERM"
            rest_of_download = download.read()
            rest_of_stream = stream.read()
        # Whole: every row after the first few (read before SIGTERM), up to the consent rows that end the file,
        # and every streamed part up to the last one.
        assert rest_of_download.count(b"Destination") >= REQUESTS - 20, "the download was cut short"
        assert b"NEWSLETTER" in rest_of_download[-1000:]
        assert rest_of_stream.count(b"Destination") >= REQUESTS - 20, "the stream was cut short"
        assert b'"hasNext":false' in rest_of_stream[-500:]
        assert server.process.wait(timeout=60) == 0
    logs = server.logs()
    assert "Traceback" not in logs and "Cancel" not in logs


def test_the_grace_period_cuts_what_outlasts_it(tmp_path: Path) -> None:
    database_url = f"sqlite://{tmp_path / 'grace.sqlite3'}"
    world, person = asyncio.run(seed(database_url, _world_with_a_long_export))
    with live_server(database_url, tmp_path, env={"ALVEOLE_SHUTDOWN_GRACE_SECONDS": "1"}) as server:
        csv_path = "/" + _links(server, world, person)["csvUrl"].split("/", 3)[3]
        with slow_request(server, "GET", csv_path, None, {}) as download:
            assert b"LONGQ" in download.read(2000)
            server.process.send_signal(signal.SIGTERM)
            # The reader stops reading: the server must not wait for it beyond the grace period.
            assert server.process.wait(timeout=60) == 0
            with pytest.raises((http.client.IncompleteRead, ConnectionError)):
                download.read()
    assert "timeout graceful shutdown exceeded" in server.logs()


def test_keep_alive_is_the_setting(tmp_path: Path) -> None:
    database_url = f"sqlite://{tmp_path / 'keepalive.sqlite3'}"
    asyncio.run(seed(database_url, make_world))
    with live_server(database_url, tmp_path, env={"ALVEOLE_KEEP_ALIVE_SECONDS": "3"}) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as connection:
            request = f"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()

            def answered() -> bool:
                received = b""
                while not received.endswith(b'{"status":"ok"}'):
                    chunk = connection.recv(65536)
                    if not chunk:
                        return False
                    received += chunk
                return received.startswith(b"HTTP/1.1 200 OK")

            connection.sendall(request)
            assert answered()
            time.sleep(0.5)  # idle, well within the keep-alive
            connection.sendall(request)
            assert answered()
            # Then the server closes the idle connection by itself (after 3 s): EOF, not the 30 s socket timeout.
            started = time.monotonic()
            assert connection.recv(65536) == b""
            assert time.monotonic() - started < 29


def test_a_full_runs_json_logs_hold_no_personal_data_and_no_secret(tmp_path: Path) -> None:
    database_url = f"sqlite://{tmp_path / 'logs.sqlite3'}"
    world = asyncio.run(seed(database_url, make_world))
    newcomer = {"firstName": "Hildegarde", "lastName": "Vasquez-Oyelaran", "email": "hildegarde@log-probe.example"}
    secrets: list[str] = [PASSWORD, *world.tokens.values()]
    for contact in world.contacts.values():
        secrets += personal_values(contact)
    secrets += list(newcomer.values())
    with (
        live_server(database_url, tmp_path, env={"ALVEOLE_LOG_FORMAT": "json"}) as server,
        httpx.Client(base_url=server.url, timeout=60) as http,
    ):

        def call(query: str, variables: dict[str, object] | None = None, token: str | None = None) -> dict:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers).json()

        owner, dpo = world.tokens["owner"], world.tokens["dpo"]
        login = call(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            {"e": world.users["owner"].email, "p": PASSWORD},
        )
        secrets.append(login["data"]["login"]["token"])
        call(
            'mutation($e: String!) { login(email: $e, password: "wrong-password-Zanzibar") { token } }',
            {"e": world.users["dpo"].email},
        )
        secrets.append("wrong-password-Zanzibar")
        call("{ contacts(first: 10) { edges { node { firstName lastName email phone notes } } } }", token=owner)
        call('{ contacts(search: "PrenomXAGENCYQ") { totalCount } }', token=owner)
        created = call("mutation($i: ContactInput!) { createContact(input: $i) { id } }", {"i": newcomer}, owner)
        new_id = created["data"]["createContact"]["id"]
        bad = call(
            'mutation($id: ID!) { updateContact(id: $id, patch: {email: "not-an-email-Vasquez"}) { id } }',
            {"id": new_id},
            owner,
        )
        assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        secrets.append("not-an-email-Vasquez")
        links = call("query($id: ID!) { subjectAccessExport(contactId: $id) { csvUrl jsonUrl } }", {"id": new_id}, dpo)[
            "data"
        ]["subjectAccessExport"]
        for url in links.values():
            assert http.get(url).status_code == 200
            secrets.append(url.rsplit("/", 1)[1].split(".")[0])  # the link's token
        call("mutation($id: ID!) { eraseContact(contactId: $id) { erasedAt } }", {"id": new_id}, dpo)
        http.get("/metrics")
        http.get("/ready")
    logs = server.stderr.read_text()
    lines = [line for line in logs.splitlines() if line.strip()]
    assert len(lines) > 10
    for line in lines:
        entry = json.loads(line)  # one JSON object per line, every line
        assert {"time", "level", "logger", "message"} <= entry.keys()
    assert any(json.loads(line).get("operation") for line in lines)  # the access log names operations
    for secret in secrets:
        assert secret not in logs, f"{secret!r} is in the server's logs"
    assert "/exports/<redacted>.csv" in logs


def test_metrics_add_up_every_worker(tmp_path: Path) -> None:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set ALVEOLE_TEST_POSTGRES_URL (several workers need it)")
    world = asyncio.run(seed(POSTGRES_URL, make_world))
    with live_server(POSTGRES_URL, tmp_path, workers=2) as server, httpx.Client(base_url=server.url) as http:
        headers = {"Authorization": f"Bearer {world.tokens['owner']}"}
        for _ in range(30):  # new connections: the kernel spreads them over both workers
            with httpx.Client(base_url=server.url) as fresh:
                assert fresh.post(
                    "/graphql", json={"query": "query Probe { me { email } }"}, headers=headers
                ).is_success
        # Scrapes on new connections until both workers have answered one: each must count all 30.
        pids: set[str] = set()
        for _ in range(200):
            with httpx.Client(base_url=server.url) as fresh:
                body = fresh.get("/metrics").text
            assert 'alveole_graphql_operations_total{kind="query",operation="Probe"} 30.0' in body, body[-2000:]
            pids.update(re.findall(r'alveole_database_pool_max_connections\{pid="(\d+)"\}', body))
            if len(pids) == 2:
                break
        assert len(pids) == 2, "200 scrapes never reached the second worker"
        assert http.get("/health").status_code == 200
