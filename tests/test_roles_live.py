"""Issue 16's points against a live `alveole serve`, over HTTP only, as the adversarial probe ran them: an ADMIN
trying to become more, one agency's ADMIN probing another's staff emails, the cost guard's bypasses, a key reading
the staff directory, an unaudited read, a junk cursor, and a readable export link. The in-process suites
(test_staff, test_staff_emails, test_cost, test_api_keys, test_view_audit, test_cursors, test_export) hold the
detail; this one checks the same refusals hold in the real server process."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from models import Visibility
from tests.conftest import CHEAP_HASHING, SECRET
from tests.live_server import LiveServer, live_server, seed
from tests.test_cli import alveole
from tests.world import PASSWORD as STAFF_PASSWORD
from tests.world import World, gid, make_world, personal_values

pytestmark = pytest.mark.slow

OTHER_AGENCY, OTHER_ADMIN, PASSWORD = "Agence Voisine", "admin@voisine.example", "a-long-operator-pass"
CREATE_USER = (
    "mutation($e: String!, $r: Role!, $t: ID) "
    '{ createUser(email: $e, name: "New One", password: "a-long-enough-pass", role: $r, teamId: $t) { role } }'
)


def post(server: LiveServer, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query} if variables is None else {"query": query, "variables": variables}
    return httpx.post(server.graphql_url, json=body, headers=headers, timeout=60).json()


def code(body: dict) -> str:
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]


def view_events(server: LiveServer, dpo: str, contact_id: str) -> int:
    query = 'query($c: ID) { auditLog(contactId: $c, action: "VIEW_PERSONAL", first: 200) { totalCount } }'
    return post(server, query, {"c": contact_id}, dpo)["data"]["auditLog"]["totalCount"]


def test_issue_16_on_a_live_server(tmp_path: Path) -> None:
    database_url = f"sqlite://{tmp_path / 'alveole.sqlite3'}"
    world: World = asyncio.run(seed(database_url, make_world))
    env = {**CHEAP_HASHING, "ALVEOLE_DATABASE_URL": database_url, "ALVEOLE_SECRET_KEY": SECRET}
    made = alveole(
        "create-agency", OTHER_AGENCY, "--admin-email", OTHER_ADMIN, env={**env, "ALVEOLE_PASSWORD": PASSWORD}
    )
    assert made.returncode == 0, made.stderr
    with live_server(database_url, tmp_path) as server:
        admin, dpo = world.tokens["admin"], world.tokens["dpo"]
        me, team = gid("User", world.users["admin"].id), gid("Team", world.team_a.id)

        # Roles are separated: each way up is FORBIDDEN with its reason, and leaves the ADMIN as it was.
        refused = post(server, CREATE_USER, {"e": "shadow@1.test", "r": "DPO"}, admin)
        assert code(refused) == "FORBIDDEN" and "appoint-dpo" in refused["errors"][0]["message"]
        for document, variables in (
            ("mutation($u: ID!) { setUserRole(userId: $u, role: DPO) { role } }", {"u": me}),
            ("mutation($u: ID!, $t: ID) { setUserTeam(userId: $u, teamId: $t) { id } }", {"u": me, "t": team}),
            (CREATE_USER, {"e": "helper@1.test", "r": "ADMIN", "t": team}),
        ):
            assert code(post(server, document, variables, admin)) == "FORBIDDEN", document
        hidden = world.contacts[Visibility.TEAM]
        seen = post(
            server, "query($id: ID!) { contact(id: $id) { firstName email } }", {"id": gid("Contact", hidden.id)}, admin
        )
        assert not any(value in json.dumps(seen) for value in personal_values(hidden))
        changes = post(server, "{ staffChanges { edges { node { action } } } }", token=dpo)["data"]["staffChanges"]
        assert changes["edges"] == []  # nothing was changed

        # No cross-agency oracle: another agency's ADMIN creates an address used here as it would a new one.
        other = post(
            server,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            {"e": OTHER_ADMIN, "p": PASSWORD},
        )["data"]["login"]["token"]
        taken_here = post(server, CREATE_USER, {"e": world.users["owner"].email, "r": "ADVISOR"}, other)
        fresh = post(server, CREATE_USER, {"e": "nobody-anywhere@voisine.example", "r": "ADVISOR"}, other)
        assert taken_here == fresh == {"data": {"createUser": {"role": "ADVISOR"}}}
        # ... and the address still signs in to its own agency, unchanged for existing clients.
        signed_in = post(
            server,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            {"e": world.users["owner"].email, "p": STAFF_PASSWORD},
        )
        assert signed_in["data"]["login"]["token"]

        # Cost counts what will run: a variable's default and a float are refused before anything runs.
        nested = (
            "query($n: Int = 200) { contacts(first: $n) { edges { node { requests(first: $n) "
            "{ edges { node { travelers { firstName } } } } } } } }"
        )
        assert code(post(server, nested, None, dpo)) == "BAD_USER_INPUT"
        assert code(post(server, nested, {"n": 200.0}, dpo)) == "BAD_USER_INPUT"

        # A key reads staff as ids and names only.
        key = post(server, 'mutation { createApiKey(name: "r", scopes: [READ_CONTACTS]) { secret } }', token=dpo)
        key = key["data"]["createApiKey"]["secret"]
        staff = post(
            server, "{ contacts { edges { node { owner { email role team { members { email } } } } } } }", token=key
        )
        assert code(staff) == "FORBIDDEN" and world.users["owner"].email not in json.dumps(staff)
        names = post(server, "{ contacts { edges { node { owner { id name } } } } }", token=key)
        assert "errors" not in names and names["data"]["contacts"]["edges"]

        # consentHistory is audited like every read of personal data.
        shared = gid("Contact", world.contacts[Visibility.AGENCY].id)
        before = view_events(server, dpo, shared)
        history = post(
            server, "query($c: ID!) { consentHistory(contactId: $c) { wording } }", {"c": shared}, world.tokens["mate"]
        )
        assert "errors" not in history
        assert view_events(server, dpo, shared) == before + 1

        # A junk cursor is the caller's mistake, not a 500.
        overflow = base64.b64encode(b"k:" + b"9" * 20).decode().rstrip("=")
        assert (
            code(post(server, "query($a: String) { contacts(after: $a) { totalCount } }", {"a": overflow}, dpo))
            == "BAD_USER_INPUT"
        )

        # An export link reads as nothing to whoever it is forwarded to, and still works.
        links = post(server, "query($c: ID!) { subjectAccessExport(contactId: $c) { csvUrl } }", {"c": shared}, dpo)
        url = links["data"]["subjectAccessExport"]["csvUrl"]
        token = url.rsplit("/", 1)[-1].removesuffix(".csv")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        # Sealed: neither the DPO's email nor the plain JSON the links once carried ({"a":1,"c":1,"u":7,"by":...}).
        assert world.users["dpo"].email.encode() not in raw and b'"by"' not in raw and b'{"a"' not in raw
        download = httpx.get(url if url.startswith("http") else server.url + url, timeout=60)
        assert download.status_code == 200 and world.contacts[Visibility.AGENCY].first_name in download.text
    assert "Traceback" not in server.logs()
