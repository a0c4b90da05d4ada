"""ALVEOLE_SMTP_URL's three forms against real aiosmtpd servers on loopback: STARTTLS with a login,
implicit TLS (smtps://), and a server whose certificate is not trusted. The client verifies certificates
against the system's trust store; SSL_CERT_FILE names another bundle (here: the test's own CA)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app import dispatcher
from app.settings import load
from models import OutboxMessage
from resolvers import outbox
from tests.conftest import SECRET
from tests.mailbox import Mailbox, text_of
from tests.ports import free_port
from tests.test_self_service import intake_key, submit
from tests.world import World, make_world

USER, PASSWORD = "site@agency.example", "p@ss w0rd"


@pytest.fixture
async def world(client) -> World:
    return await make_world()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: its PEM and its key."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class TlsMailbox(Mailbox):
    """Keeps, with each mail, whether it came over TLS and who logged in."""

    sessions: list[tuple[bool, str | None]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        login = session.auth_data.login.decode() if session.authenticated else None
        self.sessions.append((server.transport.get_extra_info("ssl_object") is not None, login))
        return await super().handle_DATA(server, session, envelope)


def _login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _tls_server(certificate: tuple[Path, Path], *, implicit: bool) -> Iterator[TlsMailbox]:
    box = TlsMailbox(free_port())
    box.sessions = []
    context = _server_context(certificate)
    options: dict[str, Any] = (
        {"ssl_context": context}
        if implicit
        else {"tls_context": context, "require_starttls": True, "authenticator": _login, "auth_require_tls": True}
    )
    controller = Controller(box, hostname="127.0.0.1", port=box.port, **options)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[TlsMailbox]:
    yield from _tls_server(certificate, implicit=False)


@pytest.fixture
def smtps_server(certificate: tuple[Path, Path]) -> Iterator[TlsMailbox]:
    yield from _tls_server(certificate, implicit=True)


async def _send_with(smtp_url: str) -> outbox.PassReport:
    settings = load(
        {"ALVEOLE_DATABASE_URL": "sqlite://unused", "ALVEOLE_SECRET_KEY": SECRET, "ALVEOLE_SMTP_URL": smtp_url}
    )
    return await outbox.send_due(dispatcher.transports(settings))


async def test_starttls_with_a_login(
    client, world: World, starttls_server: TlsMailbox, certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    await submit(client, await intake_key(client, world))
    url = f"smtp://site%40agency.example:p%40ss%20w0rd@127.0.0.1:{starttls_server.port}?starttls=true"
    report = await _send_with(url)
    assert (report.sent, report.errors) == (1, [])
    [mail] = starttls_server.wait_for(1)
    assert starttls_server.sessions == [(True, USER)] and "/requests/confirm/" in text_of(mail)


async def test_a_wrong_password_is_an_error_the_outbox_retries(
    client, world: World, starttls_server: TlsMailbox, certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    await submit(client, await intake_key(client, world))
    report = await _send_with(f"smtp://site%40agency.example:wrong-pass@127.0.0.1:{starttls_server.port}?starttls=true")
    assert report.sent == 0 and len(report.errors) == 1
    row = await OutboxMessage.get()
    assert row.status == "PENDING" and "SMTPAuthenticationError" in (row.last_error or "")
    assert "wrong-pass" not in (row.last_error or "") and starttls_server.received() == []


async def test_implicit_tls(
    client, world: World, smtps_server: TlsMailbox, certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    await submit(client, await intake_key(client, world))
    report = await _send_with(f"smtps://127.0.0.1:{smtps_server.port}")
    assert (report.sent, report.errors) == (1, [])
    smtps_server.wait_for(1)
    assert smtps_server.sessions == [(True, None)]


async def test_an_untrusted_certificate_sends_nothing(client, world: World, smtps_server: TlsMailbox) -> None:
    await submit(client, await intake_key(client, world))
    report = await _send_with(f"smtps://127.0.0.1:{smtps_server.port}")
    assert report.sent == 0 and smtps_server.received() == []
    row = await OutboxMessage.get()
    assert row.status == "PENDING" and row.last_error
