"""The outbox's dispatcher: a task in each server process, and the one pass `alveole outbox send` runs.

Each server process runs one (the row locks of resolvers.outbox make each mail go once across
processes). It polls every POLL_SECONDS, and runs the hourly housekeeping: mails 30 days after sending,
and what people typed into closed web requests 30 days after closing (resolvers.self_service).
Shutdown lets the pass in progress finish, so no mail is left claimed by a process that is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from app.settings import Settings
from models.outbox import OutboxMessage
from resolvers import outbox, self_service
from resolvers.smtp import MailTransport
from resolvers.webhook_transport import WebhookTransport

log = logging.getLogger("alveole.outbox")

POLL_SECONDS = 1.0
HOUSEKEEPING_SECONDS = 3600.0
STOP_GRACE_SECONDS = 60.0

Echo = Callable[[OutboxMessage], None]


def transports(settings: Settings) -> dict[str, outbox.Transport]:
    """The configured transports: mail once ALVEOLE_SMTP_URL is set; webhooks always (each row names its URL)."""
    configured: dict[str, outbox.Transport] = {
        outbox.WEBHOOK: WebhookTransport(settings.secret_key.reveal(), settings.webhooks_allow_http)
    }
    if settings.smtp is not None:
        configured[outbox.MAIL] = MailTransport(settings.smtp, settings.mail_from)
    return configured


def held_mail_text(message: OutboxMessage) -> str:
    """`alveole serve --demo` prints each held mail, so a newcomer can click its links."""
    rule = "-" * 72
    return (
        f"{rule}\nMail held (no ALVEOLE_SMTP_URL): outbox #{message.id}\n"
        f"To: {message.recipient}\nSubject: {message.subject}\n\n{message.body.rstrip()}\n{rule}"
    )


async def housekeeping() -> str:
    """Mails 30 days after sending, web requesters 30 days after closing; says what it did."""
    deleted = await outbox.delete_old()
    expired, wiped = await self_service.housekeeping()
    summary = (
        f"{deleted} mails older than 30 days deleted, {expired} unconfirmed web requests closed, "
        f"{wiped} closed web requests' requester data wiped"
    )
    if deleted or expired or wiped:
        log.info("housekeeping: %s", summary)
    return summary


async def _loop(settings: Settings, stop: asyncio.Event, echo: Echo | None) -> None:
    configured = transports(settings)
    last_housekeeping = float("-inf")
    while not stop.is_set():
        try:
            await outbox.send_due(configured, on_held=echo)
            if time.monotonic() - last_housekeeping >= HOUSEKEEPING_SECONDS:
                await housekeeping()
                last_housekeeping = time.monotonic()
        except Exception as error:  # noqa: BLE001 - the next pass tries again; the type only (no personal data)
            log.error("outbox pass failed: %s", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_SECONDS)


@contextlib.asynccontextmanager
async def running(settings: Settings, echo: Echo | None = None) -> AsyncIterator[None]:
    """The dispatcher, for the app's lifespan (nothing when ALVEOLE_OUTBOX_DISPATCHER is off)."""
    if not settings.outbox_dispatcher:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(_loop(settings, stop, echo), name="outbox-dispatcher")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning("outbox dispatcher still sending after %s s: stopped", STOP_GRACE_SECONDS)
