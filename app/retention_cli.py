"""`alveole retention apply`: the retention policy for every agency (or one), as cron runs it."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli_agencies import selected_agencies
from app.dispatcher import housekeeping
from auth.principal import SYSTEM_ACTOR
from models.organisation import Agency
from resolvers import retention
from resolvers.faults import unavailable
from resolvers.journal import JournalError


def _reason(error: Exception) -> str:
    """The type only: a database error's text may quote the rows it was deleting. What is known to be safe
    says more: a storage fault's own message, the journal's (a path)."""
    if isinstance(error, JournalError):
        return str(error)
    fault = unavailable(error)
    return fault.message if fault is not None else type(error).__name__


async def run_retention(*, dry_run: bool, agency_name: str | None) -> int:
    """Prints the counts per agency; returns how many agencies failed (the others still run)."""
    agencies = await selected_agencies(agency_name)
    console = Console()
    failures = 0
    for agency in agencies:
        try:
            if console.is_terminal and not dry_run:
                report = await _purge_with_progress(console, agency)
            else:
                report = await retention.purge(agency, SYSTEM_ACTOR, dry_run=dry_run)
        except Exception as error:  # noqa: BLE001 - one agency's failure does not stop the others' purge
            click.echo(
                f"{agency.name}: FAILED ({_reason(error)}); batches already committed stay deleted, "
                "run again to finish",
                err=True,
            )
            failures += 1
            continue
        verb, told = ("would be deleted", "would be told") if dry_run else ("deleted", "told")
        click.echo(
            f"{agency.name}: {report.request_count} requests, {report.contact_count} contacts {verb} "
            f"(inactive since before {report.cutoff:%Y-%m-%d %H:%M} UTC); "
            f"{report.recipients_to_notify} recipients {told} of the contacts' erasure"
        )
    if not dry_run:
        click.echo(f"Mails and web requests: {await housekeeping()}")
    return failures


async def _purge_with_progress(console: Console, agency: Agency) -> retention.Report:
    cutoff = retention.cutoff_for(agency)
    expected = await retention.preview(agency, cutoff)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        requests = progress.add_task(f"{agency.name}: requests", total=expected.request_count)
        contacts = progress.add_task(f"{agency.name}: contacts", total=expected.contact_count)

        def advance(kind: str, count: int, _took: retention.Took) -> None:
            progress.advance(contacts if kind == retention.CONTACTS else requests, count)

        return await retention.purge(agency, SYSTEM_ACTOR, dry_run=False, on_batch=advance, cutoff=cutoff)
