"""Several server processes on one PostgreSQL: a token, a login lockout and an export link hold on all of them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_JOURNAL, POSTGRES_URL, SECRET, reset_postgres
from tests.ports import free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not POSTGRES_URL, reason="several server processes need PostgreSQL: set ALVEOLE_TEST_POSTGRES_URL"
    ),
]

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "workers-test-password-2026"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "ALVEOLE_DATABASE_URL": str(POSTGRES_URL),
        "ALVEOLE_SECRET_KEY": SECRET,
        "ALVEOLE_PASSWORD": PASSWORD,
        "ALVEOLE_ERASURE_JOURNAL": str(POSTGRES_JOURNAL),  # both processes share it, as production's must
    }


@contextmanager
def server(log: Path) -> Iterator[str]:
    """`alveole serve` in its own process, as a load balancer's backend would run it."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=_env(),
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def gql(url: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def data(url: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    body = gql(url, query, variables, token)
    assert "errors" not in body, body["errors"]
    return body["data"]


def login(url: str, email: str, password: str = PASSWORD) -> str:
    return data(url, LOGIN, {"e": email, "p": password})["login"]["token"]


async def test_two_processes_share_sessions_lockouts_and_export_links(tmp_path: Path) -> None:
    await reset_postgres(str(POSTGRES_URL))
    # The rest talks to other processes with blocking calls: off the event loop.
    await asyncio.to_thread(_share_sessions_lockouts_and_export_links, tmp_path)


def _share_sessions_lockouts_and_export_links(tmp_path: Path) -> None:
    for command in (
        ["create-agency", "Agence Multi", "--admin-email", "admin@multi.test"],
        ["appoint-dpo", "dpo@multi.test", "--agency", "Agence Multi"],  # the first DPO: never through the API
    ):
        created = subprocess.run(
            [sys.executable, "-m", "app.cli", *command],
            env=_env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert created.returncode == 0, created.stdout + created.stderr
    with ExitStack() as stack:
        one = stack.enter_context(server(tmp_path / "one.log"))
        two = stack.enter_context(server(tmp_path / "two.log"))  # started once the first has migrated

        admin = login(one, "admin@multi.test")
        data(
            two,
            'mutation($e: String!, $p: String!) { createUser(email: $e, name: "X Y", password: $p, role: ADVISOR) '
            "{ id } }",
            {"e": "advisor@multi.test", "p": PASSWORD},
            admin,
        )

        # A session made on one process is valid on the other.
        dpo = login(one, "dpo@multi.test")
        assert data(two, "{ me { email role } }", token=dpo)["me"] == {"email": "dpo@multi.test", "role": "DPO"}

        # Failed logins counted on one process lock the account on the other.
        for _ in range(5):
            failed = gql(one, LOGIN, {"e": "advisor@multi.test", "p": "wrong-password-123456"})
            assert failed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        locked = gql(two, LOGIN, {"e": "advisor@multi.test", "p": PASSWORD})
        assert locked["errors"][0]["extensions"]["code"] == "RATE_LIMITED"

        # An export link signed by one process downloads from the other.
        contact = data(
            one,
            'mutation { createContact(input: {firstName: "Éloïse", lastName: "Multi", visibility: AGENCY}) { id } }',
            token=dpo,
        )["createContact"]["id"]
        link = data(one, "query($id: ID!) { subjectAccessExport(contactId: $id) { csvUrl } }", {"id": contact}, dpo)[
            "subjectAccessExport"
        ]["csvUrl"]
        assert link.startswith(one)
        download = httpx.get(two + link.removeprefix(one), timeout=60)
        assert download.status_code == 200, download.text
        assert "Éloïse" in download.text
