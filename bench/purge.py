"""Retention purge of expired requests: the app's purge beside raw batched DELETEs, and the page meanwhile.

Each purge runs in its own process (as cron would), on the same expired rows generated afresh
for each, while the 8 clients keep loading the contacts page from the running server: both purges
work under the same load, and the page's p95 says what a purge costs the people using the CRM.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

from bench import dataset, page
from bench.dataset import Agency
from bench.load import hammer
from bench.servers import Server
from bench.storage import Target, Writer


async def _expire(target: Target, agency: Agency, requests: int) -> None:
    async with Writer(target) as writer:
        await dataset.add_expired(writer, agency, requests)
        await writer.finish()


async def _start(kind: str, target: Target) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.purge_worker",
        kind,
        target.url,
        stdout=subprocess.PIPE,
    )


async def _finish(process: asyncio.subprocess.Process) -> dict[str, Any]:
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the purge worker failed with exit code {process.returncode}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    rows = result["requests"] + result["contacts"]
    result["rows_per_s"] = round(rows / result["seconds"], 1) if result["seconds"] else 0.0
    for key in ("seconds", "delete_seconds"):
        result[key] = round(result[key], 3)
    for key in ("longest_transaction_ms", "longest_with_wait_ms"):
        result[key] = round(result[key], 1)
    return result


async def _purge_under_load(
    kind: str, target: Target, agency: Agency, app: Server, expired: int
) -> tuple[dict[str, Any], Any]:
    """One purge in its own process while the 8 clients keep loading the page from the running server."""
    await _expire(target, agency, expired)
    stop = asyncio.Event()
    process = await _start(kind, target)

    async def watch() -> dict[str, Any]:
        try:
            return await _finish(process)
        finally:
            stop.set()

    during, purged = await asyncio.gather(
        hammer(app.url, page.app_calls(agency.client_tokens), seconds=3600.0, warmup=0.0, stop=stop),
        watch(),
    )
    return purged, during


async def measure(target: Target, agency: Agency, app: Server, expired: int) -> dict[str, Any]:
    # Both purges run under the same page load: rows/s compare like with like, and the page's p95
    # says what each costs the people using the CRM.
    baseline, during_baseline = await _purge_under_load("baseline", target, agency, app, expired)
    purged, during = await _purge_under_load("app", target, agency, app, expired)
    ratio = purged["rows_per_s"] / baseline["rows_per_s"] if baseline["rows_per_s"] else 0.0
    return {
        "expired_requests": expired,
        "app": purged,
        "baseline": baseline,
        "ratio": round(ratio, 3),
        "page_during_purge": during.as_dict(),
        "page_during_baseline_purge": during_baseline.as_dict(),
        "goal": ">= 0.5 x baseline rows/s; each write transaction < 250 ms; the page keeps answering without errors",
        "met": (
            ratio >= 0.5
            and purged["requests"] == expired
            and during.errors == 0
            and purged["longest_transaction_ms"] < 250
        ),
    }
