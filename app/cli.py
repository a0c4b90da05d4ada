"""The `alveole` command."""

from __future__ import annotations

import asyncio
import functools
import logging.config
import os
import select
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from app import settings as settings_module

T = TypeVar("T")


def _settings() -> settings_module.Settings:
    from auth import passwords

    try:
        settings = settings_module.load()
    except settings_module.SettingsError as error:
        raise click.ClickException(str(error)) from None
    passwords.configure(settings.password_hash_cost)
    return settings


async def _with_database(work: Callable[[], Awaitable[T]]) -> T:
    from app.database import close_database, open_database

    await open_database(_settings())
    try:
        return await work()
    finally:
        await close_database()


WORKER_HEALTHCHECK_SECONDS = 30


def _stdout_closed() -> bool:
    """Whether standard output's reader is gone (a pipe with no reader polls as an error); if so, it is
    pointed at /dev/null so that Python's own flush at exit does not fail again."""
    try:
        fd = sys.stdout.fileno()
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
        closed = any(events & (select.POLLERR | select.POLLHUP) for _, events in poll.poll(0))
    except (OSError, ValueError):  # no real file behind stdout: not a pipe that broke
        return False
    if closed:
        os.dup2(os.open(os.devnull, os.O_WRONLY), fd)
    return closed


class _Commands(click.Group):
    """Every command: a database that cannot be reached or written, or an erasure journal that cannot be
    opened, is a clear error and exit 1, not a traceback (an operator's mistake or an outage, not a bug)."""

    def invoke(self, ctx: click.Context) -> object:
        from resolvers.faults import unavailable
        from resolvers.journal import JournalError

        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise  # already said clearly (it may wrap a storage fault as its context)
        except JournalError as error:
            raise click.ClickException(f"erasure journal: {error}") from None
        except BrokenPipeError:
            if _stdout_closed():  # `alveole notes check < notes.txt | head`: the reader had enough
                sys.exit(1)
            raise click.ClickException("The database is unavailable; try again shortly (BrokenPipeError)") from None
        except Exception as error:
            fault = unavailable(error)
            if fault is None:
                raise
            # The driver's text names the host or the file, never a row's values.
            raise click.ClickException(f"{fault.message} ({type(error).__name__}: {error})") from None


@click.group(cls=_Commands, help="Alvéole: a GDPR-first GraphQL backend for travel-agency CRMs.")
def main() -> None:
    from app import logs

    try:
        log_format = settings_module.log_format()
    except settings_module.SettingsError as error:
        raise click.ClickException(str(error)) from None
    logging.config.dictConfig(logs.config(log_format))


@main.command(help="Run the server (GraphQL and GraphiQL at /graphql).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--demo", is_flag=True, help="Seed a demo agency on an empty database and print its logins.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes. More than one only with PostgreSQL.",
)
def serve(host: str, port: int, demo: bool, workers: int) -> None:
    from app.presence import InUse, holding

    warning = settings_module.default_public_url(host, port)
    settings = _settings()
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    if workers > 1 and settings.is_sqlite:
        raise click.ClickException("--workers above 1 needs PostgreSQL: SQLite allows one writer process")
    try:
        settings.required_erasure_journal()
        with holding(settings):
            _serve(settings, host, port, demo, workers)
    except (settings_module.SettingsError, InUse) as error:
        raise click.ClickException(str(error)) from None


def _serve(settings: settings_module.Settings, host: str, port: int, demo: bool, workers: int) -> None:
    import uvicorn

    from app import logs
    from resolvers.faults import unavailable
    from resolvers.journal import JournalError

    try:
        asyncio.run(_with_database(_replay_journal))  # migrates, then replays the erasure journal, once
    except JournalError as error:
        raise click.ClickException(f"erasure journal: {error}") from None
    except Exception as error:
        fault = unavailable(error)
        if fault is None:
            raise
        raise click.ClickException(f"cannot start: {fault.message} ({type(error).__name__})") from None
    if demo:
        from app.demo import DEMO_PASSWORD, seed_demo

        logins = asyncio.run(_with_database(seed_demo))
        if logins is None:
            click.echo("Database already holds data: demo not seeded.")
        else:
            click.echo(f"Demo agency seeded. Log in with any of these (password: {DEMO_PASSWORD}):")
            for login in logins:
                click.echo(f"  {login.email:32} {login.role:8} {login.team or ''}")
    click.echo(f"GraphiQL: http://{host}:{port}/graphql")
    from app.serving import LOOP

    # A partial rather than a dict of options, so that each keyword is checked against uvicorn.run's signature.
    run = functools.partial(
        uvicorn.run,
        host=host,
        port=port,
        loop=LOOP,
        log_config=logs.config(settings.log_format),
        access_log=False,  # app.access_log writes one line per request, with its id
        timeout_keep_alive=settings.keep_alive_seconds,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    # uvicorn re-raises SIGTERM once it has drained, so that the process dies of it (exit status 143):
    # a handler that does nothing makes a drained shutdown what it is, a normal exit (0).
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    if workers > 1:
        # uvicorn kills a worker that does not answer its supervisor's ping within this; its default (5 s) is
        # short enough for a loaded machine to trip, and a killed worker loses the requests it was handling:
        # timeout_worker_healthcheck below.
        with tempfile.TemporaryDirectory(prefix="alveole-metrics-") as shared:
            settings_module.share_metrics_between_workers(shared)  # /metrics adds up every worker's
            run("app.asgi:app", workers=workers, timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS)
    else:
        from app.main import create_app

        run(create_app(settings, echo_held_mail=demo))


async def _replay_journal() -> None:
    from resolvers.journal_replay import ADOPT, replay

    replayed = await replay(unmarked=ADOPT)
    if replayed.adopted:
        logging.getLogger("alveole.journal").warning(
            "the database carried no mark of the erasure journal: its %d entries were assumed reflected in it "
            "(a database restored from a dump `alveole backup` did not make needs `alveole restore`)",
            replayed.adopted,
        )
    if replayed.applied:
        click.echo(
            f"Erasure journal: {replayed.applied} of {replayed.entries} entries since the last mark were not "
            f"reflected in the database and were applied ({replayed.contacts} contacts, {replayed.requests} "
            "requests deleted)"
        )


def _password(prompt: str) -> str:
    """From ALVEOLE_PASSWORD or a prompt, never the command line (it would land in shell history and `ps`)."""
    password = os.environ.get("ALVEOLE_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise click.ClickException("set ALVEOLE_PASSWORD or run in a terminal to be prompted")
        password = click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return password


@main.command(
    "create-agency", help="Create an agency and its first ADMIN (password from ALVEOLE_PASSWORD or a prompt)."
)
@click.argument("name")
@click.option("--admin-email", required=True)
@click.option("--admin-name", default="Administrator", show_default=True)
def create_agency(name: str, admin_email: str, admin_name: str) -> None:
    from auth.errors import BadInput
    from resolvers.organisation import create_agency as create

    password = _password("Admin password")

    async def work():
        return await create(name, admin_email, admin_name, password)

    try:
        agency, admin = asyncio.run(_with_database(work))
    except BadInput as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created agency {agency.name!r} with ADMIN {admin.email}")


@main.command(
    "appoint-dpo",
    help="Create an agency's first DPO (password from ALVEOLE_PASSWORD or a prompt). Refused when the agency "
    "already has an active DPO: later DPOs are promoted by a DPO with setUserRole.",
)
@click.argument("email")
@click.option("--agency", "agency_name", required=True, help="The agency's exact name.")
@click.option("--name", "name", default="Data Protection Officer", show_default=True)
def appoint_dpo(email: str, agency_name: str, name: str) -> None:
    from auth.errors import AlveoleError
    from resolvers.staff import appoint_dpo as appoint

    password = _password("DPO password")

    async def work():
        return await appoint(agency_name, email, name, password)

    try:
        dpo = asyncio.run(_with_database(work))
    except AlveoleError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Appointed {dpo.email} DPO of {agency_name!r}")


@main.command(help="Print the GraphQL schema (SDL).")
def schema() -> None:
    from schema import print_sdl

    click.echo(print_sdl(), nl=False)


@main.command(
    help="Print the Art. 30 register of personal data, generated from the models' declarations.",
    short_help="Print the Art. 30 register of personal data.",
)
@click.option(
    "--format", "output_format", type=click.Choice(["markdown", "csv"]), default="markdown", show_default=True
)
def inventory(output_format: str) -> None:
    from resolvers.inventory import inventory as rows
    from resolvers.inventory import to_csv, to_markdown

    render = to_csv if output_format == "csv" else to_markdown
    click.echo(render(rows()), nl=False)


@main.group(
    help="Storage limitation (Art. 5(1)(e)): delete what the agencies' retention periods have expired.",
    short_help="Storage limitation: the retention purge.",
)
def retention() -> None:
    pass


@retention.command("apply", help="Apply the retention policy to every agency (for cron), or to one.")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@click.option("--agency", "agency_name", help="Only this agency (its exact name).")
def retention_apply(dry_run: bool, agency_name: str | None) -> None:
    from app.presence import InUse, holding
    from app.retention_cli import run_retention

    settings = _settings()
    try:
        settings.required_erasure_journal()
        with holding(settings):
            failures = asyncio.run(_with_database(lambda: run_retention(dry_run=dry_run, agency_name=agency_name)))
    except (settings_module.SettingsError, InUse) as error:
        raise click.ClickException(str(error)) from None
    if failures:
        raise click.exceptions.Exit(1)


@main.group(help="Trusted documents (persisted operations): the documents clients may send by id.")
def documents() -> None:
    pass


@documents.command(
    "register",
    help="Register the documents of a manifest (GraphQL Codegen's persisted documents or Apollo's persisted-query "
    "manifest). Each is checked against its SHA-256 and validated against the schema; if one is refused, none is "
    "registered.",
)
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def documents_register(manifest: Path) -> None:
    from resolvers import trusted_documents
    from schema import build_schema
    from schema.trusted_documents import problems

    try:
        entries = trusted_documents.read_manifest(manifest.read_text(encoding="utf-8"))
    except (trusted_documents.ManifestError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{manifest}: {error}") from None
    schema = build_schema()
    refused = 0
    for entry in entries:
        reasons = [trusted_documents.hash_problem(entry), *problems(schema, entry.body)]
        for reason in filter(None, reasons):
            refused += 1
            click.echo(f"refused {trusted_documents.SHA256_PREFIX}{entry.sha256} ({entry.name or 'unnamed'}): {reason}")
    if refused:
        raise click.ClickException(f"{manifest}: {refused} problem(s), nothing registered")
    new, known = asyncio.run(_with_database(lambda: trusted_documents.store(entries, manifest.name)))
    click.echo(f"Registered {new} document(s) from {manifest.name} ({known} already registered)")


@documents.command("list", help="List the registered documents: id, operation, when, from which manifest.")
def documents_list() -> None:
    from resolvers import trusted_documents

    for row in asyncio.run(_with_database(trusted_documents.all_documents)):
        name = row.operation_name or "-"
        click.echo(
            f"{trusted_documents.SHA256_PREFIX}{row.sha256}  {name:30} {row.registered_at.isoformat()}  {row.source}"
        )


@main.command(help="Back the database up to PATH, online, while the server runs (see README, Operations).")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    from app.backup import BackupError
    from app.backup import backup as make_backup
    from resolvers.journal import JournalError

    settings = _settings()
    try:
        size = make_backup(settings, path)
    except (BackupError, JournalError, settings_module.SettingsError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {path} ({size:,} bytes); the erasure journal is marked in it.")


@main.command(
    help="Replace the database with the backup at PATH, then replay the erasures and purges made since it. "
    "Refuses while a server or another command uses the database."
)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--replay-whole-journal",
    is_flag=True,
    help="The backup carries no journal mark (it was not made by `alveole backup`) but is of this database: "
    "replay every entry of the erasure journal.",
)
def restore(path: Path, replay_whole_journal: bool) -> None:
    from app.backup import BackupError
    from app.backup import restore as restore_backup
    from app.presence import InUse
    from resolvers.journal import JournalError

    settings = _settings()
    try:
        replayed = restore_backup(settings, path, whole_journal=replay_whole_journal)
    except (BackupError, InUse, JournalError, settings_module.SettingsError) as error:
        raise click.ClickException(str(error)) from None
    since = f"{replayed.marked_at:%Y-%m-%d %H:%M:%S} UTC" if replayed.marked_at else "the journal's start (no mark)"
    click.echo(f"Restored {path}. Erasure journal entries since {since}: {replayed.entries}.")
    click.echo(
        f"Replayed: {replayed.applied} entries still had data in the backup: {replayed.contacts} contacts erased or "
        f"purged, {replayed.requests} travel requests purged; the others were already gone."
    )


@main.group(
    help="Notes hygiene (CNIL): sensitive data (Art. 9, 10) and judgements in free-text notes.",
    short_help="Notes hygiene: sensitive data and judgements in notes.",
)
def notes() -> None:
    pass


@notes.command("check", help="Read one note per line on stdin; print one JSON object per line with what it holds.")
def notes_check() -> None:
    from app.notes_cli import check_lines

    check_lines(sys.stdin.buffer, sys.stdout)


@notes.command("scan", help="Rescan every note with the current rules (after they change), with a progress bar.")
@click.option("--agency", "agency_name", help="Only this agency (its exact name).")
def notes_scan(agency_name: str | None) -> None:
    from app.notes_cli import run_scan

    asyncio.run(_with_database(lambda: run_scan(agency_name)))


@main.group(help="The outbox of mails to people and webhook deliveries (see README, The data subject's door).")
def outbox() -> None:
    pass


@outbox.command(
    "send", help="Send every waiting mail and webhook delivery now, whatever its retry delay (for cron and operators)."
)
def outbox_send() -> None:
    from app.outbox_cli import send_now

    settings = _settings()
    if not asyncio.run(_with_database(lambda: send_now(settings))):
        raise click.exceptions.Exit(1)


@main.command(help="Measure the app beside hand-written raw-SQL baselines, in one run (see README, Benchmark).")
@click.option(
    "--database-url", help="postgres://... of an EMPTY database it may reset (default: a temporary SQLite file)."
)
@click.option("--contacts", type=click.IntRange(100), help="Contacts of the main agency (default 20000; --quick 2000).")
@click.option("--requests", type=click.IntRange(100), help="Their travel requests (default 100000; --quick 5000).")
@click.option("--quick", is_flag=True, help="Small data and 1-2 s per measurement: a smoke run.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the results (default bench-results/bench-<database>.json).",
)
def bench(
    database_url: str | None, contacts: int | None, requests: int | None, quick: bool, json_path: Path | None
) -> None:
    from bench.runner import run
    from bench.storage import BenchError

    try:
        run(database_url, contacts, requests, quick, json_path)
    except BenchError as error:
        raise click.ClickException(str(error)) from None


if __name__ == "__main__":
    main()
