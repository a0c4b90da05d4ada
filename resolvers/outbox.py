"""The transactional outbox: enqueue inside the caller's transaction, send from a dispatcher pass.

- enqueue_mail() writes a row in the transaction of the change that causes the mail: both commit, or
  neither does. Nothing is sent there.
- send_due() is one dispatcher pass. It claims due rows in a short transaction (PostgreSQL: FOR UPDATE
  SKIP LOCKED, so several server processes never claim the same row; SQLite: its single writer), marks
  them as being sent (claimed_until, a lease that outlives a crashed dispatcher), sends them outside any
  transaction, and records each outcome: SENT, or a retry from 5 s doubling to 10 min, or FAILED after
  the 8th try.
- Transports are a registry keyed by the row's `transport`: a pass is given the configured ones. Rows
  whose transport is not configured (mail without ALVEOLE_SMTP_URL) are HELD, and go back to PENDING
  when a pass that has it runs. A new transport (a webhook) is one more entry, no change here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from models.enums import OutboxStatus
from models.outbox import OutboxMessage
from resolvers.clock import now
from resolvers.sql import spelled_for

log = logging.getLogger("alveole.outbox")

MAIL = "mail"
WEBHOOK = "webhook"
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=10)
MAX_ATTEMPTS = 8
# How long a claimed row is left to its dispatcher: well above a batch of sends with their timeouts.
LEASE = timedelta(minutes=10)
BATCH = 10
KEEP_AFTER_SENDING = timedelta(days=30)


class TransportError(Exception):
    """A send that failed; the message is stored as last_error, so it must hold no personal data."""


class Transport(Protocol):
    async def send(self, message: OutboxMessage) -> None: ...


async def enqueue_mail(
    conn: BaseDBAsyncClient,
    *,
    agency_id: int,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    contact_id: int | None = None,
    subject_request_id: int | None = None,
) -> OutboxMessage:
    """A mail, written in `conn`'s transaction. contact_id / subject_request_id say whose data it carries:
    erasure deletes it with them."""
    return await _enqueue(
        conn,
        MAIL,
        agency_id,
        recipient=to,
        subject=subject,
        body=text,
        body_html=html,
        contact_id=contact_id,
        subject_request_id=subject_request_id,
    )


@dataclass(frozen=True)
class WebhookDelivery:
    webhook_id: int
    url: str
    payload: str


# Written by hand, as the audit chain's batch: a purge's batch of 500 people told to two webhooks is 1,000 rows,
# which the ORM's bulk_create took ~200 ms of Python to build, longer than the batch's deletes.
_INSERT_WEBHOOKS = (
    "INSERT INTO outbox (agency_id, transport, status, recipient, subject, body, attempts, created_at,"
    " next_attempt_at, webhook_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
)


async def enqueue_webhooks(conn: BaseDBAsyncClient, agency_id: int, deliveries: list[WebhookDelivery]) -> None:
    """Webhook deliveries, written in `conn`'s transaction with one statement however many; signed when sent
    (resolvers.webhook_transport). No contact_id: the payload names the person by opaque id only, and must
    outlive them (an erasure's own)."""
    if not deliveries:
        return
    at = now()
    pending = OutboxStatus.PENDING.value
    rows: list[list[Any]] = [
        [agency_id, WEBHOOK, pending, delivery.url, "", delivery.payload, 0, at, at, delivery.webhook_id]
        for delivery in deliveries
    ]
    await conn.execute_many(spelled_for(conn, _INSERT_WEBHOOKS), rows)


async def _enqueue(conn: BaseDBAsyncClient, transport: str, agency_id: int, **message: Any) -> OutboxMessage:
    """A message due now, in `conn`'s transaction."""
    at = now()
    return await OutboxMessage.create(
        agency_id=agency_id,
        transport=transport,
        status=OutboxStatus.PENDING,
        created_at=at,
        next_attempt_at=at,
        using_db=conn,
        **message,
    )


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 5 s, 10 s, 20 s... at most 10 min."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


@dataclass
class PassReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    held: int = 0
    # (message id, attempts so far, what went wrong): for `alveole outbox send` and the logs.
    errors: list[tuple[int, int, str]] = field(default_factory=list)


OnHeld = Callable[[OutboxMessage], None]


async def send_due(
    transports: Mapping[str, Transport],
    *,
    ignore_backoff: bool = False,
    on_held: OnHeld | None = None,
    batch: int = BATCH,
) -> PassReport:
    """One pass over what is due; each row is tried at most once per pass.

    ignore_backoff (`alveole outbox send`): every waiting row now, whatever its next try says; rows
    another dispatcher is sending at this moment are still left to it.
    """
    report = PassReport()
    # An idle outbox (the usual case, every second in every process) costs one indexed read: the steps
    # below take SQLite's write lock even when they change nothing.
    if not await OutboxMessage.filter(status__in=(OutboxStatus.PENDING, OutboxStatus.HELD)).exists():
        return report
    configured = sorted(transports)
    if configured:
        await OutboxMessage.filter(status=OutboxStatus.HELD, transport__in=configured).update(
            status=OutboxStatus.PENDING
        )
    report.held = await _hold_unconfigured(configured, on_held)
    after = 0
    while configured:
        claimed = await _claim(configured, after, ignore_backoff, batch)
        if not claimed:
            break
        for message in claimed:
            await _send(transports[message.transport], message, report)
        after = claimed[-1].id
    return report


def _unclaimed(at: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=at)


async def _hold_unconfigured(configured: list[str], on_held: OnHeld | None) -> int:
    """PENDING rows no configured transport can send become HELD; each is handed to on_held once."""
    at = now()
    async with in_transaction() as conn:
        query = OutboxMessage.filter(_unclaimed(at), status=OutboxStatus.PENDING)
        if configured:
            query = query.exclude(transport__in=configured)
        rows = await query.order_by("id").select_for_update(skip_locked=True).using_db(conn)
        if rows:
            await OutboxMessage.filter(id__in=[r.id for r in rows]).using_db(conn).update(status=OutboxStatus.HELD)
    for row in rows:
        if on_held is not None:
            on_held(row)
    return len(rows)


async def _claim(configured: list[str], after: int, ignore_backoff: bool, batch: int) -> list[OutboxMessage]:
    at = now()
    async with in_transaction() as conn:
        query = OutboxMessage.filter(
            _unclaimed(at), status=OutboxStatus.PENDING, transport__in=configured, id__gt=after
        )
        if not ignore_backoff:
            query = query.filter(next_attempt_at__lte=at)
        # SKIP LOCKED: rows another process is claiming right now are left to it, without waiting.
        rows = await query.order_by("id").limit(batch).select_for_update(skip_locked=True).using_db(conn)
        if rows:
            await OutboxMessage.filter(id__in=[r.id for r in rows]).using_db(conn).update(claimed_until=at + LEASE)
    return rows


async def _send(transport: Transport, message: OutboxMessage, report: PassReport) -> None:
    try:
        await transport.send(message)
    except TransportError as error:
        await _failed(message, str(error), report)
        return
    except Exception as error:  # noqa: BLE001 - one broken message must not stop the pass; its type is kept
        await _failed(message, f"unexpected {type(error).__name__}", report)
        return
    at = now()
    await OutboxMessage.filter(id=message.id).update(
        status=OutboxStatus.SENT, sent_at=at, attempts=message.attempts + 1, claimed_until=None, last_error=None
    )
    report.sent += 1


async def _failed(message: OutboxMessage, error: str, report: PassReport) -> None:
    attempts = message.attempts + 1
    gave_up = attempts >= MAX_ATTEMPTS
    await OutboxMessage.filter(id=message.id).update(
        status=OutboxStatus.FAILED if gave_up else OutboxStatus.PENDING,
        attempts=attempts,
        next_attempt_at=now() + backoff(attempts),
        claimed_until=None,
        last_error=error[:500],
    )
    if gave_up:
        report.failed += 1
    else:
        report.retrying += 1
    report.errors.append((message.id, attempts, error))
    log.warning("outbox message %s: try %s failed (%s)%s", message.id, attempts, error, ", given up" if gave_up else "")


async def delete_old(at: datetime | None = None) -> int:
    """Messages carry personal data: sent ones go 30 days after sending, failed ones 30 days after creation."""
    cutoff = (at or now()) - KEEP_AFTER_SENDING
    sent = Q(status=OutboxStatus.SENT, sent_at__lt=cutoff)
    failed = Q(status=OutboxStatus.FAILED, created_at__lt=cutoff)
    return await OutboxMessage.filter(sent | failed).delete()


async def list_messages(agency_id: int, transport: str, status: OutboxStatus | None, first: int) -> list[OutboxMessage]:
    query = OutboxMessage.filter(agency_id=agency_id, transport=transport)
    if status is not None:
        query = query.filter(status=status)
    return await query.order_by("-id").limit(first)


UNSENT = (OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.FAILED)


async def backlog() -> dict[str, int]:
    """Messages not sent, by status, across agencies (the operators' metric): every unsent status is listed."""
    query = OutboxMessage.filter(status__in=UNSENT).annotate(count=Count("id")).group_by("status")
    counts = {status.value: 0 for status in UNSENT}
    for status, count in await query.values_list("status", "count"):
        counts[str(getattr(status, "value", status))] = count
    return counts
