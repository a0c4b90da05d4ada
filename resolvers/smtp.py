"""The mail transport of the outbox: a real SMTP client (aiosmtplib), plain, STARTTLS or implicit TLS."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib

from models.outbox import OutboxMessage
from resolvers.clock import now
from resolvers.outbox import TransportError

TIMEOUT_SECONDS = 30
_ADDRESS = re.compile(r"[^\s<>@\"']+@[^\s<>@\"']+")


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    implicit_tls: bool = False  # smtps://
    starttls: bool = False  # smtp://...?starttls=true: required, not opportunistic


@dataclass(frozen=True)
class MailTransport:
    server: SmtpServer
    sender: str  # ALVEOLE_MAIL_FROM
    sender_name: str | None = None

    async def send(self, message: OutboxMessage) -> None:
        mail = EmailMessage()
        mail["From"] = formataddr((self.sender_name, self.sender)) if self.sender_name else self.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(now())
        # The same Message-ID on every retry (made from the outbox row, not at random) lets a receiving server
        # drop a duplicate of a mail it accepted while its answer was lost.
        mail["Message-ID"] = message_id(message, self.sender)
        mail["X-Alveole-Outbox-Id"] = str(message.id)
        mail.set_content(message.body)
        if message.body_html:
            mail.add_alternative(message.body_html, subtype="html")
        server = self.server
        try:
            await aiosmtplib.send(
                mail,
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.implicit_tls,
                start_tls=server.starttls,
                timeout=TIMEOUT_SECONDS,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            raise TransportError(describe(error)) from None


def message_id(message: OutboxMessage, sender: str) -> str:
    created = int(message.created_at.timestamp() * 1_000_000)
    return f"<alveole.{message.id}.{created}@{sender.rpartition('@')[2] or 'localhost'}>"


def describe(error: Exception) -> str:
    """What went wrong, for the DPO's outbox list and the logs: the error's type and the server's code and
    words, with any address taken out (a 550 often quotes the recipient)."""
    code = getattr(error, "code", None)
    text = str(getattr(error, "message", "") or error)
    text = _ADDRESS.sub("<address>", text).replace("\n", " ").strip()
    described = type(error).__name__ + (f" {code}" if code else "") + (f": {text}" if text else "")
    return described[:300]
