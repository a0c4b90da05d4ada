"""`alveole outbox send`: one dispatcher pass now, with a line per failure and a summary (exit 1 on failure)."""

from __future__ import annotations

import click

from app import dispatcher
from app.settings import Settings
from resolvers import outbox


async def send_now(settings: Settings) -> bool:
    """True when nothing failed."""
    configured = dispatcher.transports(settings)
    report = await outbox.send_due(configured, ignore_backoff=True)
    await dispatcher.housekeeping()
    for message_id, attempts, error in report.errors:
        outcome = "given up" if attempts >= outbox.MAX_ATTEMPTS else "will be retried"
        click.echo(f"outbox #{message_id}: try {attempts} failed, {outcome}: {error}", err=True)
    click.echo(
        f"outbox: {report.sent} sent, {report.retrying} to retry, {report.failed} failed, {report.held} held"
        + ("" if outbox.MAIL in configured else " (ALVEOLE_SMTP_URL is not set: mails wait as HELD)")
    )
    return not report.errors
