"""`alveole bench`: builds the data, starts the servers, runs every measurement once, reports."""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import dataset, export, page, purge
from bench.report import print_report, write_json
from bench.servers import app_command, baseline_command, serve
from bench.storage import BenchError, Target, Writer, remove_sqlite_files, reset, sqlite_target

SECRET = "bench-secret-" + "k" * 40  # signs export links inside the benchmark's own servers only


@dataclass(frozen=True)
class Plan:
    contacts: int
    requests: int
    export_small: int
    export_large: int
    expired: int
    scale: tuple[int, ...]
    seconds: float
    warmup: float


FULL = Plan(
    contacts=20_000,
    requests=100_000,
    export_small=1_000,
    export_large=20_000,
    expired=200_000,
    scale=(1_000, 10_000, 100_000),
    seconds=10.0,
    warmup=1.0,
)
QUICK = Plan(
    contacts=2_000,
    requests=5_000,
    export_small=200,
    export_large=2_000,
    expired=5_000,
    scale=(500, 1_000, 2_000),
    seconds=1.5,
    warmup=0.3,
)
REQUESTS_PER_CONTACT = 5  # in the scale series


def plan_for(quick: bool, contacts: int | None, requests: int | None) -> Plan:
    plan = QUICK if quick else FULL
    return replace(plan, contacts=contacts or plan.contacts, requests=requests or plan.requests)


def _server_env(target: Target) -> dict[str, str]:
    return {
        "ALVEOLE_DATABASE_URL": target.url,
        "ALVEOLE_SECRET_KEY": SECRET,
        "ALVEOLE_BENCH_BASELINE_URL": target.url,
        "ALVEOLE_ERASURE_JOURNAL": str(target.erasure_journal),
    }


async def _populate(
    target: Target, contacts: int, requests: int, export_people: tuple[int, ...] = ()
) -> dataset.Agency:
    await reset(target)
    async with Writer(target) as writer:
        agency = await dataset.create_agency(writer)
        for count in export_people:  # first: the lowest ids, never on the newest-first page
            await dataset.add_export_person(writer, agency, count)
        await dataset.add_people(writer, agency, contacts, requests)
        await dataset.add_history(writer, agency, requests)
        await writer.finish()
    return agency


async def _main_sections(target: Target, plan: Plan, logs: Path, say: Any) -> dict[str, Any]:
    say(
        f"generating {plan.contacts} contacts, {plan.requests} requests, export people of "
        f"{plan.export_small} and {plan.export_large} requests"
    )
    began = time.perf_counter()
    agency = await _populate(target, plan.contacts, plan.requests, (plan.export_small, plan.export_large))
    results: dict[str, Any] = {
        "dataset": {
            "contacts": agency.contacts,
            "requests": agency.requests,
            "seconds": round(time.perf_counter() - began, 1),
        }
    }
    env = _server_env(target)
    with serve(app_command, env, logs / "app.log") as app, serve(baseline_command, env, logs / "baseline.log") as base:
        say("page query: app and baseline")
        results["page"] = await page.measure(app, base, agency.client_tokens, plan.seconds, plan.warmup)
        say("subject access exports")
        results["export"] = await asyncio.to_thread(export.measure, app, base, agency.dpo_token, agency.export_people)
        say(f"retention purge of {plan.expired} expired requests, with the page loaded meanwhile")
        results["purge"] = await purge.measure(target, agency, app, plan.expired)
    return results


def _remove_databases(workdir: Path) -> None:
    for database in workdir.glob("*.sqlite3*"):
        database.unlink()


async def _scale(target_for: Any, plan: Plan, logs: Path, say: Any) -> dict[str, Any]:
    points = []
    for size in plan.scale:
        target = target_for(size)
        say(f"scale: {size} contacts")
        agency = await _populate(target, size, size * REQUESTS_PER_CONTACT)
        with serve(app_command, _server_env(target), logs / f"app-{size}.log") as app:
            measured = await page.load(app, page.app_calls(agency.client_tokens), plan.seconds, plan.warmup)
        points.append({"contacts": size, "requests": agency.requests, **measured})
        if target.dialect == "sqlite":
            remove_sqlite_files(target.sqlite_path)
    first, last = points[0], points[-1]
    return {
        "points": points,
        "p50_growth": round(last["p50_ms"] / first["p50_ms"], 2) if first["p50_ms"] else None,
        "p95_growth": round(last["p95_ms"] / first["p95_ms"], 2) if first["p95_ms"] else None,
        "rps_ratio": round(last["rps"] / first["rps"], 3) if first["rps"] else None,
        "errors": sum(p["errors"] for p in points),
    }


async def _run(database_url: str | None, plan: Plan, quick: bool, say: Any) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="alveole-bench-"))
    logs = workdir / "logs"
    logs.mkdir()
    if database_url is None:
        main_target = sqlite_target(workdir, "bench")

        def target_for(size: int) -> Target:
            return sqlite_target(workdir, f"scale-{size}")
    else:
        if not database_url.startswith(("postgres://", "postgresql://")):
            raise BenchError("--database-url must be a postgres:// URL (the default is a temporary SQLite file)")
        main_target = Target(database_url.replace("postgresql://", "postgres://", 1))

        def target_for(size: int) -> Target:
            return main_target

    started = datetime.now(UTC)
    results: dict[str, Any] = {
        "meta": {
            "database": main_target.dialect,
            "quick": quick,
            "plan": asdict(plan),
            "started_at": started.isoformat(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        }
    }
    try:
        results.update(await _main_sections(main_target, plan, logs, say))
        results["scale"] = await _scale(target_for, plan, logs, say)
    except BaseException:
        _remove_databases(workdir)  # the logs stay, for the message below
        say(f"failed: the servers' output is in {logs}")
        raise
    shutil.rmtree(workdir, ignore_errors=True)
    results["meta"]["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    return results


def run(
    database_url: str | None, contacts: int | None, requests: int | None, quick: bool, json_path: Path | None
) -> dict[str, Any]:
    from rich.console import Console

    console = Console(stderr=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    plan = plan_for(quick, contacts, requests)
    results = asyncio.run(_run(database_url, plan, quick, lambda text: console.log(text)))
    path = json_path or Path("bench-results") / f"bench-{results['meta']['database']}.json"
    write_json(results, path)
    print_report(results, path)
    return results
