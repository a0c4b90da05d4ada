"""Storage faults injected from outside a live `alveole serve`: PostgreSQL stopped and started again under it
(a server of the test's own), and SQLite locked beyond its busy timeout, read-only, and on a full disk.

Each answers a clear SERVICE_UNAVAILABLE (HTTP 503 with Retry-After where no GraphQL answer is possible),
within 5 s for PostgreSQL, never a 500, a hang or a traceback; acknowledged writes survive, a refused
write is not half-applied, the audit chain verifies, and the SQLite file stays intact.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from models import Visibility
from resolvers.journal_replay import ADOPT, replay
from tests.live_server import LiveServer, live_server, seed
from tests.throwaway_postgres import throwaway_postgres
from tests.world import World, gid, make_world

pytestmark = pytest.mark.slow

CREATE = "mutation($i: ContactInput!) { createContact(input: $i) { id firstName } }"
CREATE_REQUEST = (
    "mutation($i: TravelRequestInput!) { createTravelRequest(input: $i) { id destination travelers { firstName } } }"
)
READ = """query($id: ID!) { contact(id: $id) {
  firstName notes requests { edges { node { destination travelers { firstName } } } } } }"""
PAGE = "{ contacts(first: 5) { edges { node { id firstName } } } }"
VERIFY = "{ verifyAuditChain { ok checkedEvents firstBrokenEventId } }"
ERASE = "mutation($id: ID!) { eraseContact(contactId: $id) { erasedAt } }"
OUTAGE_ANSWER_SECONDS = 5.0


class Api:
    def __init__(self, server: LiveServer, world: World) -> None:
        self.server = server
        self.world = world
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def post(self, query: str, variables: dict[str, Any] | None = None, who: str = "owner") -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.world.tokens[who]}"}
        return self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    def data(self, query: str, variables: dict[str, Any] | None = None, who: str = "owner") -> dict[str, Any]:
        body = self.post(query, variables, who).json()
        assert "errors" not in body, body
        return body["data"]


def unavailable(response: httpx.Response) -> dict[str, Any]:
    """The answer is a clear SERVICE_UNAVAILABLE (a GraphQL error, 200 or 503), never a 500: its error."""
    assert response.status_code in (200, 503), response.text
    body = response.json()
    assert body.get("data") is None or all(v is None for v in body["data"].values()), body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", body
    assert error["extensions"]["retryAfterSeconds"] > 0
    if response.status_code == 503:
        assert int(response.headers["retry-after"]) > 0
    return error


def timed(call: Any, *args: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call(*args)
    return response, time.monotonic() - started


def assert_clean(logs: str) -> None:
    assert "Traceback" not in logs, logs[-3000:]
    assert " 500 " not in logs and "INTERNAL_SERVER_ERROR" not in logs


# -- PostgreSQL stopped under a running server ----------------------------------------------------------------


def test_postgres_outage_answers_service_unavailable_then_the_same_process_serves_again(tmp_path: Path) -> None:
    with throwaway_postgres() as postgres:
        database_url = postgres.create_database("alveole")
        world = asyncio.run(seed(database_url, make_world))
        with live_server(database_url, tmp_path) as server, Api(server, world) as api:
            acknowledged = {
                api.data(CREATE, {"i": {"firstName": f"Avant{i}", "lastName": "Panne"}})["createContact"]["id"]: i
                for i in range(3)
            }
            person = gid("Contact", world.contacts[Visibility.AGENCY].id)
            links = api.data(
                "query($id: ID!) { subjectAccessExport(contactId: $id) { csvUrl } }", {"id": person}, "dpo"
            )
            download = links["subjectAccessExport"]["csvUrl"]

            postgres.stop("fast")
            for query, variables in (
                (PAGE, None),
                (CREATE, {"i": {"firstName": "Pendant", "lastName": "Panne"}}),
                (
                    CREATE_REQUEST,
                    {"i": {"contactId": person, "destination": "Pendant-la-panne", "travelers": [{"firstName": "A"}]}},
                ),
            ):
                response, seconds = timed(api.post, query, variables)
                assert seconds < OUTAGE_ANSWER_SECONDS, f"{seconds:.1f} s to answer during the outage"
                assert "unavailable" in unavailable(response)["message"]
            refused, seconds = timed(api.http.get, download)
            assert seconds < OUTAGE_ANSWER_SECONDS
            assert refused.status_code == 503 and int(refused.headers["retry-after"]) > 0, refused.text
            assert "LONG" not in refused.text and "Prenom" not in refused.text
            not_ready = api.http.get("/ready")
            assert not_ready.status_code == 503 and not_ready.json()["status"] == "unavailable"
            assert api.http.get("/health").status_code == 200

            postgres.start()
            deadline = time.monotonic() + 30
            while api.post(PAGE).json().get("errors"):  # the pool reconnects by itself, at its own pace
                assert time.monotonic() < deadline, "the server did not serve again after PostgreSQL came back"
                time.sleep(0.2)
            assert server.process.poll() is None  # the same process
            # More requests at once than the pool's 5 connections: none was lost to the outage.
            with ThreadPoolExecutor(12) as pool:
                answers = list(pool.map(lambda _: api.post(PAGE), range(24)))
            assert all(a.status_code == 200 and "errors" not in a.json() for a in answers)
            assert api.http.get("/ready").status_code == 200

            for contact_id, i in acknowledged.items():
                assert api.data(READ, {"id": contact_id})["contact"]["firstName"] == f"Avant{i}"
            names = [e["node"]["firstName"] for e in api.data(PAGE)["contacts"]["edges"]]
            assert "Pendant" not in names  # the refused write left nothing behind
            requests = api.data(READ, {"id": person})["contact"]["requests"]["edges"]
            destinations = [edge["node"]["destination"] for edge in requests]
            assert "Pendant-la-panne" not in destinations
            assert api.data(VERIFY, who="dpo")["verifyAuditChain"]["ok"]
            assert api.http.get(download).status_code == 200
        assert_clean(server.logs())


# -- SQLite ---------------------------------------------------------------------------------------------------


def integrity(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def test_sqlite_locked_beyond_the_busy_timeout_is_a_clear_error(tmp_path: Path) -> None:
    database = tmp_path / "locked.sqlite3"
    world = asyncio.run(seed(f"sqlite://{database}", make_world))
    with live_server(f"sqlite://{database}", tmp_path) as server, Api(server, world) as api:
        before = api.data(CREATE, {"i": {"firstName": "Avant", "lastName": "Verrou"}})["createContact"]["id"]
        # Another process holds the write lock past the server's busy_timeout (5 s).
        holder = sqlite3.connect(str(database), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            error = unavailable(api.post(CREATE, {"i": {"firstName": "Pendant", "lastName": "Verrou"}}))
            assert "busy" in error["message"]
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        after = api.data(CREATE, {"i": {"firstName": "Apres", "lastName": "Verrou"}})["createContact"]["id"]
        names = {e["node"]["firstName"] for e in api.data(PAGE)["contacts"]["edges"]}
        assert {"Avant", "Apres"} <= names and "Pendant" not in names
        assert before != after and api.data(VERIFY, who="dpo")["verifyAuditChain"]["ok"]
    assert_clean(server.logs())
    assert integrity(database) == "ok"


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The database file made read-only from outside: chmod, or for root (whom permissions do not stop) the
    immutable attribute."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("running as root on a file system without chattr +i: cannot make the file read-only for root")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    database = tmp_path / "readonly.sqlite3"
    url = f"sqlite://{database}"
    world = asyncio.run(seed(url, make_world))
    asyncio.run(seed_more(url))  # marks the database with its journal, as a first start would
    with read_only(database):
        with live_server(url, tmp_path) as server, Api(server, world) as api:
            assert (
                "read-only"
                in unavailable(api.post(CREATE, {"i": {"firstName": "Jamais", "lastName": "RO"}}))["message"]
            )
            person = gid("Contact", world.contacts[Visibility.AGENCY].id)
            # Reading personal data writes its audit event first: refused too, never served unaudited.
            assert "read-only" in unavailable(api.post(READ, {"id": person}))["message"]
            assert "read-only" in unavailable(api.post(ERASE, {"id": person}, "dpo"))["message"]
            # What an operator's dashboard sees: the audit event that could not be written, and the errors.
            scraped = api.http.get("/metrics").text
            assert metric(scraped, "alveole_audit_write_failures_total") >= 1
            assert metric(scraped, 'alveole_errors_total{code="SERVICE_UNAVAILABLE"}') >= 3
        assert_clean(server.logs())
    assert integrity(database) == "ok"
    with live_server(url, tmp_path) as server, Api(server, world) as api:  # writable again, after a restart
        api.data(CREATE, {"i": {"firstName": "Ensuite", "lastName": "RO"}})
        names = {e["node"]["firstName"] for e in api.data(PAGE)["contacts"]["edges"]}
        assert "Jamais" not in names and "Ensuite" in names
        assert api.data(VERIFY, who="dpo")["verifyAuditChain"]["ok"]


def metric(scraped: str, sample: str) -> float:
    """One sample's value in a Prometheus text scrape (0 when absent)."""
    for line in scraped.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def seed_more(url: str) -> None:
    await seed(url, lambda: replay(unmarked=ADOPT))


@contextlib.contextmanager
def small_disk(size_kib: int) -> Iterator[Path]:
    """A tmpfs of `size_kib` (root, where mounting is allowed), or a skip saying why not."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("not root: cannot mount a small tmpfs (the size-limit variant runs instead)")
    mount_point = Path(tempfile.mkdtemp(prefix="alveole-full-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(mount_point)], capture_output=True
    )
    if mounted.returncode:
        mount_point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}): the size-limit variant runs")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)
        mount_point.rmdir()


def fill(directory: Path) -> Path:
    filler = directory / "filler"
    with filler.open("wb") as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    return filler


def _until_refused(api: Api, prefix: str) -> tuple[list[str], dict[str, Any]]:
    """Creates contacts with large notes until one is refused: (the acknowledged ones, the refusal's error)."""
    acknowledged = []
    for i in range(300):
        response = api.post(CREATE, {"i": {"firstName": f"{prefix}{i}", "lastName": "Plein", "notes": "n" * 10_000}})
        body = response.json()
        if body.get("errors"):
            return acknowledged, unavailable(response)
        acknowledged.append(body["data"]["createContact"]["id"])
    pytest.fail("300 writes of 10 kB each on a full disk were all acknowledged")


def test_a_full_disk_is_a_clear_error_and_the_file_stays_intact(tmp_path: Path) -> None:
    with small_disk(3072) as disk:
        database = disk / "full.sqlite3"
        url = f"sqlite://{database}"
        world = asyncio.run(seed(url, make_world))
        with live_server(url, tmp_path) as server, Api(server, world) as api:
            filler = fill(disk)
            acknowledged, error = _until_refused(api, "Plein")
            assert "full" in error["message"]
            # An erasure on the full disk: refused whole (its journal line or its deletion could not be written).
            person = gid("Contact", world.contacts[Visibility.AGENCY].id)
            assert "full" in unavailable(api.post(ERASE, {"id": person}, "dpo"))["message"]
            filler.unlink()
            # Space again: the same process writes again.
            api.data(CREATE, {"i": {"firstName": "Libere", "lastName": "Plein"}})
            for contact_id in acknowledged:
                assert api.data(READ, {"id": contact_id})["contact"]["notes"] == "n" * 10_000
            assert api.data(READ, {"id": person})["contact"]["requests"]["edges"]  # not half-erased
            assert api.data(VERIFY, who="dpo")["verifyAuditChain"]["ok"]
        assert_clean(server.logs())
        assert integrity(database) == "ok"


def test_a_file_size_limit_is_a_clear_error_and_the_file_stays_intact(tmp_path: Path) -> None:
    """Where no file system can be mounted: the server's own file-size limit (RLIMIT_FSIZE), set from outside
    with prlimit and lifted again the same way."""
    if shutil.which("prlimit") is None:
        pytest.skip("prlimit (util-linux) is not installed")
    database = tmp_path / "limited.sqlite3"
    url = f"sqlite://{database}"
    world = asyncio.run(seed(url, make_world))
    with live_server(url, tmp_path) as server, Api(server, world) as api:
        api.data(CREATE, {"i": {"firstName": "Avant", "lastName": "Limite"}})
        limit = max(p.stat().st_size for p in tmp_path.glob("limited.sqlite3*")) + 300_000
        pid = str(server.process.pid)
        subprocess.run(["prlimit", "--pid", pid, f"--fsize={limit}:unlimited"], check=True)
        try:
            acknowledged, _error = _until_refused(api, "Limite")
        finally:
            subprocess.run(["prlimit", "--pid", pid, "--fsize=unlimited:unlimited"], check=True)
        api.data(CREATE, {"i": {"firstName": "Apres", "lastName": "Limite"}})
        for contact_id in acknowledged:
            assert api.data(READ, {"id": contact_id})["contact"]["notes"] == "n" * 10_000
        assert api.data(VERIFY, who="dpo")["verifyAuditChain"]["ok"]
    assert_clean(server.logs())
    assert integrity(database) == "ok"
