"""The outbox: nothing lost when mail is down, each mail sent once, retries with backoff, HELD without SMTP,
and mails deleted 30 days after sending. Real SMTP servers on loopback, real `alveole` processes."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
import subprocess
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from app import dispatcher
from models import AuditEvent, OutboxMessage, OutboxStatus, SubjectRequest
from models.enums import SubjectRequestChannel, SubjectRequestStatus, SubjectRightKind
from resolvers import outbox, self_service
from resolvers.clock import now
from resolvers.smtp import SmtpServer
from tests.conftest import CHEAP_HASHING, POSTGRES_URL, SECRET, make_settings
from tests.live_server import LiveServer, live_server, seed
from tests.mailbox import Mailbox, smtp_server
from tests.ports import free_port
from tests.test_cli import alveole
from tests.test_self_service import FORM, OUTBOX, SUBMIT, intake_key
from tests.world import World, make_world

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def world(client) -> World:
    return await make_world()


def alveole_outbox_send(database_url: str, smtp_url: str | None) -> subprocess.CompletedProcess[str]:
    env = {**CHEAP_HASHING, "ALVEOLE_DATABASE_URL": database_url, "ALVEOLE_SECRET_KEY": SECRET}
    if smtp_url:
        env["ALVEOLE_SMTP_URL"] = smtp_url
    return alveole("outbox", "send", env=env, cwd=ROOT)


def gql(server: LiveServer, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(
        server.graphql_url, json={"query": query, "variables": variables or {}}, headers=headers, timeout=60
    ).json()
    assert "errors" not in body, body
    return body["data"]


CREATE_KEY = 'mutation { createApiKey(name: "site", scopes: [INTAKE]) { secret } }'


def test_backoff_doubles_from_5_seconds_to_10_minutes() -> None:
    waits = [outbox.backoff(attempt).total_seconds() for attempt in range(1, 10)]
    assert waits == [5, 10, 20, 40, 80, 160, 320, 600, 600]


async def test_smtp_down_then_alveole_outbox_send_delivers_once(client, world: World, database_url: str) -> None:
    port = free_port()  # nothing listens there yet: the SMTP server is down
    down = make_settings(database_url, smtp=smtp_server_at(port))
    key = await intake_key(client, world)
    receipt = (await client.data(SUBMIT, {"input": FORM}, key))["submitSubjectRequest"]
    assert receipt["reference"]  # the submission succeeds whatever the mail does

    report = await outbox.send_due(dispatcher.transports(down))
    assert (report.sent, report.retrying) == (0, 1)
    [mail] = (await client.data(OUTBOX, token=world.tokens["dpo"]))["outbox"]
    assert (mail["status"], mail["attempts"], mail["sentAt"]) == ("PENDING", 1, None)
    assert mail["lastError"] and "@" not in mail["lastError"]  # the error, without any address
    # The next try waits for the backoff: a pass now sends nothing.
    assert (await outbox.send_due(dispatcher.transports(down))).retrying == 0

    with smtp_server(port) as mailbox:
        sent = alveole_outbox_send(database_url, f"smtp://127.0.0.1:{port}")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert "1 sent, 0 to retry, 0 failed" in sent.stdout
        again = alveole_outbox_send(database_url, f"smtp://127.0.0.1:{port}")
        assert again.returncode == 0 and "0 sent" in again.stdout
        [received] = mailbox.wait_for(1)
        assert received["To"] == "pierre.martin@example.org" and receipt["reference"] in received["Subject"]
        assert len(mailbox.received()) == 1  # exactly once
    [mail] = (await client.data(OUTBOX, {"s": "SENT"}, world.tokens["dpo"]))["outbox"]
    assert mail["attempts"] == 2 and mail["sentAt"] and mail["lastError"] is None


class RefusesOnce(Mailbox):
    """Answers the first mail's DATA with a temporary refusal, as a busy server does, then accepts."""

    tries: list[Any]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.tries.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        if len(self.tries) == 1:
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


async def test_a_retried_mail_keeps_its_message_id_and_every_mail_is_dated(client, world: World) -> None:
    box = RefusesOnce(free_port())
    box.tries = []
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        await client.data(SUBMIT, {"input": FORM}, await intake_key(client, world))
        transports = dispatcher.transports(make_settings("sqlite://unused", smtp=box.server))
        assert (await outbox.send_due(transports)).retrying == 1
        assert (await outbox.send_due(transports, ignore_backoff=True)).sent == 1
    finally:
        controller.stop()
    first, second = box.tries
    # A receiving server that did take the first try can drop the second as the same message.
    assert first["Message-ID"] == second["Message-ID"] and first["Message-ID"].startswith("<alveole.")
    assert second["Date"] and parsedate_to_datetime(second["Date"]).tzinfo is not None


def smtp_server_at(port: int) -> SmtpServer:
    return SmtpServer(host="127.0.0.1", port=port)


async def test_a_mail_fails_after_the_eighth_try_and_the_command_says_so(
    client, world: World, database_url: str
) -> None:
    down = make_settings(database_url, smtp=smtp_server_at(free_port()))
    key = await intake_key(client, world)
    await client.data(SUBMIT, {"input": FORM}, key)
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        await outbox.send_due(dispatcher.transports(down), ignore_backoff=True)
    row = await OutboxMessage.get()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 7)
    assert timedelta(minutes=5) < row.next_attempt_at - now() <= timedelta(seconds=320)  # 5 s doubled six times

    result = alveole_outbox_send(database_url, f"smtp://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert f"outbox #{row.id}: try 8 failed, given up" in result.stderr and "1 failed" in result.stdout
    assert "Traceback" not in result.stderr
    row = await OutboxMessage.get()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 8)
    assert (await outbox.send_due(dispatcher.transports(down), ignore_backoff=True)).errors == []  # never again


async def test_without_smtp_mails_are_held_then_go_once_it_is_set(client, world: World, database_url: str) -> None:
    key = await intake_key(client, world)
    await client.data(SUBMIT, {"input": FORM}, key)
    held: list[OutboxMessage] = []
    report = await outbox.send_due({}, on_held=held.append)
    assert report.held == 1 and [m.recipient for m in held] == ["pierre.martin@example.org"]
    assert (await outbox.send_due({}, on_held=held.append)).held == 0 and len(held) == 1  # shown once
    statuses = [m["status"] for m in (await client.data(OUTBOX, token=world.tokens["dpo"]))["outbox"]]
    assert statuses == ["HELD"]
    # `alveole outbox send` without SMTP says why nothing went, and is not an error.
    result = alveole_outbox_send(database_url, None)
    assert result.returncode == 0 and "ALVEOLE_SMTP_URL is not set" in result.stdout
    with smtp_server() as mailbox:
        report = await outbox.send_due(dispatcher.transports(make_settings(database_url, smtp=mailbox.server)))
        assert report.sent == 1 and len(mailbox.wait_for(1)) == 1
    assert (await OutboxMessage.get()).status == OutboxStatus.SENT


async def test_mails_and_requesters_are_deleted_after_30_days(client, world: World) -> None:
    at = now()
    old, recent = (at - timedelta(days=31)), (at - timedelta(days=29))

    def mail(status: OutboxStatus, created: object, sent: object) -> OutboxMessage:
        return OutboxMessage(
            agency=world.agency,
            transport=outbox.MAIL,
            status=status,
            recipient="someone@example.net",
            subject="s",
            body="b",
            created_at=created,
            next_attempt_at=created,
            sent_at=sent,
        )

    kept = [
        mail(OutboxStatus.SENT, old, recent),
        mail(OutboxStatus.PENDING, old, None),
        mail(OutboxStatus.HELD, old, None),
    ]
    gone = [mail(OutboxStatus.SENT, old, old), mail(OutboxStatus.FAILED, old, None)]
    await OutboxMessage.bulk_create([*kept, *gone])

    def web_request(status: SubjectRequestStatus, verified: bool, received: object, closed: object) -> SubjectRequest:
        return SubjectRequest(
            agency=world.agency,
            kind=SubjectRightKind.ACCESS,
            status=status,
            received_at=received,
            due_at=received,
            closed_at=closed,
            channel=SubjectRequestChannel.WEB_FORM,
            verified=verified,
            requester_email="someone@example.net",
            requester_name="Some One",
            message="A message",
        )

    closed_long_ago = web_request(SubjectRequestStatus.DONE, True, old, old)
    closed_lately = web_request(SubjectRequestStatus.DONE, True, old, recent)
    never_confirmed = web_request(SubjectRequestStatus.OPEN, False, old, None)
    open_confirmed = web_request(SubjectRequestStatus.OPEN, True, old, None)
    for row in (closed_long_ago, closed_lately, never_confirmed, open_confirmed):
        await row.save()

    summary = await dispatcher.housekeeping()
    assert summary.startswith("2 mails older than 30 days deleted, 1 unconfirmed web requests closed, ")
    assert await OutboxMessage.all().count() == 3
    rows = {r.id: r for r in await SubjectRequest.all()}
    assert rows[closed_long_ago.id].requester_email is None and rows[closed_long_ago.id].message is None
    assert rows[never_confirmed.id].status == SubjectRequestStatus.REJECTED
    assert rows[never_confirmed.id].requester_name is None
    assert rows[closed_lately.id].requester_email and rows[open_confirmed.id].requester_email
    assert await AuditEvent.filter(action="EXPIRE_SUBJECT_REQUEST").count() == 1
    assert (await self_service.housekeeping()) == (0, 0)


# -- live servers ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_demo_prints_held_mails_with_links_that_work(tmp_path: Path) -> None:
    database = f"sqlite://{tmp_path / 'alveole.sqlite3'}"
    with live_server(database, tmp_path, extra_args=("--demo",), cwd=tmp_path) as server:
        login = 'mutation { login(email: "admin@demo.alveole.test", password: "demo-alveole-2026") { token } }'
        admin = gql(server, login)["login"]["token"]
        key = gql(server, CREATE_KEY, token=admin)["createApiKey"]["secret"]
        reference = gql(server, SUBMIT, {"input": FORM}, key)["submitSubjectRequest"]["reference"]
        deadline = time.monotonic() + 30
        while reference not in server.stdout.read_text():
            assert time.monotonic() < deadline, server.logs()[-3000:]
            time.sleep(0.1)
        printed = server.stdout.read_text()
        assert "Mail held (no ALVEOLE_SMTP_URL)" in printed and "To: pierre.martin@example.org" in printed
        link = re.search(rf"{re.escape(server.url)}/requests/confirm/\S+", printed)
        assert link, printed[-2000:]
        assert httpx.post(link.group(0), timeout=60).status_code == 200


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="several server processes need PostgreSQL: set ALVEOLE_TEST_POSTGRES_URL")
def test_two_workers_send_each_mail_once(tmp_path: Path) -> None:
    world = asyncio.run(seed(str(POSTGRES_URL), make_world))
    count = 12
    with (
        smtp_server() as mailbox,
        live_server(str(POSTGRES_URL), tmp_path, workers=2, env={"ALVEOLE_SMTP_URL": mailbox.url}) as server,
    ):
        key = gql(server, CREATE_KEY, token=world.tokens["admin"])["createApiKey"]["secret"]
        for i in range(count):
            gql(server, SUBMIT, {"input": {**FORM, "email": f"person{i}@example.net"}}, key)
        # Both workers poll the outbox; once every row is SENT in the database, the mailbox is complete.
        deadline = time.monotonic() + 60
        while True:
            statuses = asyncio.run(sent_statuses())
            if statuses == ["SENT"] * count:
                break
            assert time.monotonic() < deadline, (statuses, server.logs()[-3000:])
            time.sleep(0.2)
        recipients = sorted(m["To"] for m in mailbox.received())
        assert recipients == sorted(f"person{i}@example.net" for i in range(count))


async def sent_statuses() -> list[str]:
    import asyncpg

    connection = await asyncpg.connect(str(POSTGRES_URL).replace("postgres://", "postgresql://", 1))
    try:
        return [row["status"] for row in await connection.fetch("SELECT status FROM outbox ORDER BY id")]
    finally:
        await connection.close()


def test_smtp_settings_read_every_form_and_never_print_the_password() -> None:
    from app.settings import SettingsError, load

    base = {"ALVEOLE_DATABASE_URL": "postgres://db/x", "ALVEOLE_SECRET_KEY": SECRET}
    plain = load({**base, "ALVEOLE_SMTP_URL": "smtp://relay.local"}).smtp
    assert plain == SmtpServer(host="relay.local", port=25)
    starttls = load({**base, "ALVEOLE_SMTP_URL": "smtp://me%40agency:p%40ss@mail.example:587?starttls=true"}).smtp
    assert starttls == SmtpServer("mail.example", 587, "me@agency", "p@ss", implicit_tls=False, starttls=True)
    assert "p@ss" not in repr(starttls)
    implicit = load({**base, "ALVEOLE_SMTP_URL": "smtps://u:secret-pass@mail.example"}).smtp
    assert implicit is not None and (implicit.port, implicit.implicit_tls) == (465, True)
    assert load(base).smtp is None and load(base).public_url == ""
    wrongs = (
        "http://u:secret-pass@host",
        "smtps://u:secret-pass@host?starttls=true",
        "smtp://u:secret-pass@:25",
        # A misspelt option or value would otherwise send in clear text.
        "smtp://u:secret-pass@host:587?starttls=ture",
        "smtp://u:secret-pass@host:587?tls=true",
        "smtp://u:secret-pass@host:587?starttls",
    )
    for wrong in wrongs:
        with pytest.raises(SettingsError, match="ALVEOLE_SMTP_URL") as refused:
            load({**base, "ALVEOLE_SMTP_URL": wrong})
        assert "secret-pass" not in str(refused.value)
    with pytest.raises(SettingsError, match="ALVEOLE_PUBLIC_URL"):
        load({**base, "ALVEOLE_PUBLIC_URL": "rgpd.agency.example"})
    with pytest.raises(SettingsError, match="ALVEOLE_MAIL_FROM"):
        load({**base, "ALVEOLE_MAIL_FROM": "DPO <dpo@agency.example>"})
    configured = load({**base, "ALVEOLE_PUBLIC_URL": "https://rgpd.agency.example/", "ALVEOLE_DELIVERY_DAYS": "3"})
    assert (configured.public_url, configured.delivery_days, configured.delivery_max_downloads) == (
        "https://rgpd.agency.example",
        3,
        5,
    )


def test_the_default_public_url_is_the_listening_address_and_a_wildcard_is_warned_of(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.settings import default_public_url

    # default_public_url writes os.environ itself: set through monkeypatch first, so that its undo removes what
    # the function wrote (else the live servers of later tests would inherit it).
    monkeypatch.setenv("ALVEOLE_PUBLIC_URL", "")
    assert default_public_url("127.0.0.1", 8000) is None
    assert os.environ["ALVEOLE_PUBLIC_URL"] == "http://127.0.0.1:8000"
    every_interface = (("0.0.0.0", "http://0.0.0.0:8000"), ("::", "http://[::]:8000"))  # noqa: S104 - not bound
    for host, url in every_interface:
        monkeypatch.delenv("ALVEOLE_PUBLIC_URL")
        warning = default_public_url(host, 8000)
        assert warning and "set ALVEOLE_PUBLIC_URL" in warning and url in warning
    monkeypatch.setenv("ALVEOLE_PUBLIC_URL", "https://rgpd.agency.example")
    assert default_public_url("::", 8000) is None
    assert os.environ["ALVEOLE_PUBLIC_URL"] == "https://rgpd.agency.example"
