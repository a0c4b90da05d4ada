"""One retention purge in its own process, as cron runs it: `python -m bench.purge_worker app|baseline URL`.

`app` runs resolvers.retention.purge (what `alveole retention apply` runs); `baseline` deletes the
same rows with hand-written batched DELETEs on the raw driver. Both print one JSON line: rows
deleted, seconds, and the longest write transaction (each batch is one transaction), from BEGIN to COMMIT
(what other writers may wait for) and with the wait for the write lock before it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime

from bench.rawdb import RawDatabase
from bench.storage import BENCH_AGENCY, Target
from resolvers.retention import BATCH_SIZE as BATCH  # both purges delete the same rows per transaction


async def _app(url: str) -> dict[str, float | int]:
    from app.database import close_database, open_database
    from app.settings import Secret, Settings
    from models.organisation import Agency
    from resolvers import retention

    settings = Settings(
        database_url=url, secret_key=Secret("bench-" + "k" * 40), erasure_journal=Target(url).erasure_journal
    )
    await open_database(settings, run_migrations=False)
    try:
        agency = await Agency.get(name=BENCH_AGENCY)
        transactions: list[retention.Took] = []
        began = time.perf_counter()
        report = await retention.purge(
            agency,
            "bench",
            dry_run=False,
            batch_size=BATCH,
            on_batch=lambda kind, rows, took: transactions.append(took),
        )
        seconds = time.perf_counter() - began
    finally:
        await close_database()
    return {
        "requests": report.request_count,
        "contacts": report.contact_count,
        "seconds": seconds,
        "delete_seconds": seconds,
        "batches": len(transactions),
        "longest_transaction_ms": max((t.held for t in transactions), default=0.0) * 1000,
        "longest_with_wait_ms": max((t.total for t in transactions), default=0.0) * 1000,
    }


async def _baseline(url: str) -> dict[str, float | int]:
    from resolvers.retention import months_before

    db = RawDatabase(url)
    await db.open()
    try:
        agency_id, months = (await db.fetch("SELECT id, retention_months FROM agency WHERE name = ?", BENCH_AGENCY))[0]
        cutoff = db.stamp(months_before(datetime.now(UTC), months))
        requests = contacts = 0
        longest = longest_with_wait = 0.0
        batches = 0
        began = time.perf_counter()
        for kind in ("requests", "contacts"):
            while True:
                started = time.perf_counter()
                async with db.transaction() as tx:
                    held_from = time.perf_counter()
                    if kind == "requests":
                        ids = [
                            r[0]
                            for r in await tx.fetch(
                                "SELECT r.id FROM travel_request r JOIN contact c ON c.id = r.contact_id "
                                "WHERE r.agency_id = ? "
                                "AND r.last_activity_at < ? AND c.restricted = ? LIMIT ?",
                                agency_id,
                                cutoff,
                                False,
                                BATCH,
                            )
                        ]
                        if ids:
                            await tx.execute(f"DELETE FROM traveler WHERE request_id IN ({db.marks(ids)})", *ids)
                            requests += await tx.execute(
                                f"DELETE FROM travel_request WHERE id IN ({db.marks(ids)})", *ids
                            )
                    else:
                        ids = [
                            r[0]
                            for r in await tx.fetch(
                                "SELECT c.id FROM contact c "
                                "WHERE c.agency_id = ? AND c.last_activity_at < ? AND c.restricted = ? "
                                "AND NOT EXISTS (SELECT 1 FROM travel_request r WHERE r.contact_id = c.id) LIMIT ?",
                                agency_id,
                                cutoff,
                                False,
                                BATCH,
                            )
                        ]
                        if ids:
                            await tx.execute(f"DELETE FROM consent_record WHERE contact_id IN ({db.marks(ids)})", *ids)
                            await tx.execute(
                                f"UPDATE subject_request SET contact_id = NULL WHERE contact_id IN ({db.marks(ids)})",
                                *ids,
                            )
                            contacts += await tx.execute(f"DELETE FROM contact WHERE id IN ({db.marks(ids)})", *ids)
                if not ids:
                    break
                ended = time.perf_counter()
                batches += 1
                longest = max(longest, ended - held_from)
                longest_with_wait = max(longest_with_wait, ended - started)
        seconds = time.perf_counter() - began
    finally:
        await db.close()
    return {
        "requests": requests,
        "contacts": contacts,
        "seconds": seconds,
        "delete_seconds": seconds,
        "batches": batches,
        "longest_transaction_ms": longest * 1000,
        "longest_with_wait_ms": longest_with_wait * 1000,
    }


def main() -> None:
    kind, url = sys.argv[1], sys.argv[2]
    result = asyncio.run(_app(url) if kind == "app" else _baseline(url))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
