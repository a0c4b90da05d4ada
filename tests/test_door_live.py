"""The data subject's door as an operator and an outside tester meet it: a new agency made with the CLI
(`create-agency`, `appoint-dpo`), a real `alveole serve` configured by its environment (ALVEOLE_SMTP_URL,
ALVEOLE_MAIL_FROM, ALVEOLE_DELIVERY_MAX_DOWNLOADS), whose own dispatcher sends to an SMTP server on
loopback, and nothing but HTTP and mail from there: the form, the confirmation, the DPO's side, the download
link and its limit, the answer on closing, and a mail server down then back (`alveole outbox send`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CHEAP_HASHING, SECRET
from tests.live_server import LiveServer, live_server
from tests.mailbox import link_in, smtp_server, text_of
from tests.ports import free_port
from tests.test_cli import alveole

pytestmark = pytest.mark.slow

AGENCY, ADMIN, DPO, PASSWORD = "Agence Porte", "admin@porte.example", "dpo@porte.example", "a-long-operator-pass"
FORM = {
    "kind": "ACCESS",
    "email": "pierre.martin@example.org",
    "firstName": "Pierre",
    "lastName": "Martin",
    "message": "Please send me everything you hold about me.",
    "sourceUrl": "https://porte.example/my-rights",
    "language": "en",
}
SUBMIT = "mutation($i: SubjectRequestFormInput!) { submitSubjectRequest(input: $i) { reference receivedAt dueAt } }"
OUTBOX = "query($s: MailStatus) { outbox(status: $s) { to subject status attempts lastError } }"


def post(server: LiveServer, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(server.graphql_url, json={"query": query, "variables": variables or {}}, headers=headers).json()


def data(server: LiveServer, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict:
    body = post(server, query, variables, token)
    assert "errors" not in body, body
    return body["data"]


def login(server: LiveServer, email: str) -> str:
    query = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
    return data(server, query, {"e": email, "p": PASSWORD})["login"]["token"]


def eventually(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return found


def operator_makes_the_agency(database_url: str) -> None:
    env = {**CHEAP_HASHING, "ALVEOLE_DATABASE_URL": database_url, "ALVEOLE_SECRET_KEY": SECRET}
    env["ALVEOLE_PASSWORD"] = PASSWORD
    made = alveole("create-agency", AGENCY, "--admin-email", ADMIN, env=env)
    assert made.returncode == 0, made.stderr
    appointed = alveole("appoint-dpo", "--agency", AGENCY, DPO, env=env)
    assert appointed.returncode == 0 and "Appointed" in appointed.stdout, appointed.stderr


def test_the_door_end_to_end_on_a_live_server(tmp_path: Path) -> None:
    database_url = f"sqlite://{tmp_path / 'alveole.sqlite3'}"
    operator_makes_the_agency(database_url)
    port = free_port()
    env = {
        "ALVEOLE_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "ALVEOLE_MAIL_FROM": DPO,
        "ALVEOLE_DELIVERY_MAX_DOWNLOADS": "2",
    }
    with live_server(database_url, tmp_path, env=env) as server:
        with smtp_server(port) as mailbox:
            admin, dpo = login(server, ADMIN), login(server, DPO)
            refused = post(
                server,
                'mutation { createUser(email: "x@porte.example", name: "X", '
                'password: "a-long-enough-pass", role: DPO) { id } }',
                token=admin,
            )
            assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            key = data(server, 'mutation { createApiKey(name: "site", scopes: [INTAKE]) { secret } }', token=admin)
            key = key["createApiKey"]["secret"]
            contact = data(
                server,
                'mutation { createContact(input: {firstName: "Pierre", lastName: "Martin", '
                'email: "pierre.martin@example.org", visibility: AGENCY}) { id } }',
                token=dpo,
            )["createContact"]["id"]

            receipt = data(server, SUBMIT, {"i": FORM}, key)["submitSubjectRequest"]
            assert re.fullmatch(r"DSR-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt["reference"])
            # The server's own dispatcher sends it, in the person's language.
            [verify] = mailbox.wait_for(1)
            assert verify["To"] == FORM["email"] and verify["From"] == DPO and verify["Date"]
            assert receipt["reference"] in verify["Subject"] and "72 hours" in text_of(verify)
            confirm = link_in(verify)
            assert confirm.startswith(server.url + "/requests/confirm/")  # ALVEOLE_PUBLIC_URL's default
            shown = httpx.get(confirm)
            assert shown.status_code == 200 and '<form method="post">' in shown.text and 'lang="en"' in shown.text
            assert data(server, "{ subjectRequests(verifiedOnly: true) { id } }", token=dpo)["subjectRequests"] == []
            assert httpx.post(confirm).status_code == 200
            assert httpx.post(confirm).status_code == 410  # once

            [request] = data(
                server,
                "{ subjectRequests(verifiedOnly: true) { id channel verified requesterEmail requesterName message } }",
                token=dpo,
            )["subjectRequests"]
            assert (request["channel"], request["verified"], request["requesterEmail"]) == (
                "WEB_FORM",
                True,
                FORM["email"],
            )
            link = "mutation($r: ID!, $c: ID!) { linkSubjectRequest(id: $r, contactId: $c) { contact { id } } }"
            data(server, link, {"r": request["id"], "c": contact}, dpo)
            deliver = "mutation($r: ID!) { deliverSubjectAccessExport(requestId: $r) { downloads maxDownloads } }"
            delivery = data(server, deliver, {"r": request["id"]}, dpo)["deliverSubjectAccessExport"]
            assert delivery == {"downloads": 0, "maxDownloads": 2}  # ALVEOLE_DELIVERY_MAX_DOWNLOADS
            delivered: EmailMessage = mailbox.wait_for(2)[1]
            page_link = link_in(delivered)
            page = httpx.get(page_link)
            assert page.status_code == 200 and "Your rights" in page.text and "<script" not in page.text
            assert "Pierre" in httpx.post(page_link + "/csv").text
            assert httpx.post(page_link + "/json").json()["contact"]["email"] == FORM["email"]
            spent = httpx.post(page_link + "/csv")
            assert spent.status_code == 410 and DPO in spent.text  # whom to ask: ALVEOLE_MAIL_FROM

            close = "mutation($r: ID!) { closeSubjectRequest(id: $r, status: DONE) { status } }"
            data(server, close, {"r": request["id"]}, dpo)
            answer = mailbox.wait_for(3)[2]
            assert "handled" in answer["Subject"] and receipt["reference"] in answer["Subject"]

        # The mail server is down: the form still answers, the mail waits with its error.
        late = {**FORM, "email": "jeanne@example.net", "firstName": "Jeanne"}
        assert data(server, SUBMIT, {"i": late}, key)["submitSubjectRequest"]["reference"]

        def failed_once() -> bool:
            mails = data(server, OUTBOX, {"s": "PENDING"}, dpo)["outbox"]
            return bool(mails) and bool(mails[0]["lastError"])

        eventually(failed_once, "the dispatcher never tried the mail while the server was down")
        with smtp_server(port) as mailbox:
            env = {**CHEAP_HASHING, "ALVEOLE_DATABASE_URL": database_url, "ALVEOLE_SECRET_KEY": SECRET, **env}
            sent = alveole("outbox", "send", env=env)
            assert sent.returncode == 0, sent.stdout + sent.stderr
            [mail] = mailbox.wait_for(1)
            assert mail["To"] == "jeanne@example.net"
            # Sent by the command or by the server's dispatcher, whichever claimed it: once SENT, never again.
            eventually(lambda: data(server, OUTBOX, {"s": "SENT"}, dpo)["outbox"][0]["to"] == mail["To"], "not SENT")
            assert data(server, OUTBOX, {"s": "PENDING"}, dpo)["outbox"] == []
            assert len(mailbox.received()) == 1
    assert "Traceback" not in server.logs()
