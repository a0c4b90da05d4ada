"""GET /metrics in Prometheus' text format, for loopback callers or with `Authorization: Bearer
$ALVEOLE_METRICS_TOKEN`; refused (403) to anyone else, since counts by operation and error say what the
service is busy with.

Besides what the code counts as it runs (resolvers.metrics), read at scrape time: the database pool, and
the outbox's backlog (left out of the answer when the database does not answer in time).

With several worker processes (`serve --workers N`), each writes its metrics to prometheus-client's
shared files and a scrape, whichever worker answers it, adds them all up; the database pool is then the
answering worker's, labelled with its pid.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import os
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from tortoise import connections

from app.settings import Settings
from resolvers import outbox
from resolvers.metrics import OUTBOX_BACKLOG

BACKLOG_TIMEOUT_SECONDS = 2  # a scrape must answer even when the database does not


def _pool_usage() -> tuple[int, int, int] | None:
    """(in use, idle, maximum) connections of the database pool, or None when the database is not open."""
    try:
        client = connections.get("default")
    except Exception:  # noqa: BLE001 - Tortoise not initialised (yet, or any more): nothing to report
        return None
    pool = getattr(client, "_pool", None)  # asyncpg's pool, which Tortoise keeps private
    if pool is not None:
        size, idle = pool.get_size(), pool.get_idle_size()
        return size - idle, idle, pool.get_max_size()
    lock = getattr(client, "_lock", None)  # SQLite: one connection behind Tortoise's lock
    if lock is None:
        return None
    busy = int(lock.locked())
    return busy, 1 - busy, 1


class DatabasePool(Collector):
    def __init__(self, labelled_with_pid: bool = False) -> None:
        self.pid = [str(os.getpid())] if labelled_with_pid else []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        usage = _pool_usage()
        if usage is None:
            return
        in_use, idle, maximum = usage
        pid = ["pid"] if self.pid else []
        connections_now = GaugeMetricFamily(
            "alveole_database_pool_connections", "Database connections of this process", labels=["state", *pid]
        )
        connections_now.add_metric(["in_use", *self.pid], in_use)
        connections_now.add_metric(["idle", *self.pid], idle)
        yield connections_now
        most = GaugeMetricFamily(
            "alveole_database_pool_max_connections", "The most connections this process may open", labels=pid
        )
        most.add_metric(self.pid, maximum)
        yield most


_registered = False


def _register_collectors() -> None:
    global _registered
    if not _registered:  # one registry per process, however many apps (tests make many)
        REGISTRY.register(DatabasePool())
        _registered = True


async def _refresh_outbox_backlog() -> None:
    try:
        async with asyncio.timeout(BACKLOG_TIMEOUT_SECONDS):
            counts = await outbox.backlog()
    except Exception:  # noqa: BLE001 - no number rather than a stale one; the database's state has its own signals
        OUTBOX_BACKLOG.clear()
        return
    for status, count in counts.items():
        OUTBOX_BACKLOG.labels(status=status).set(count)


def allowed(request: Request, token: str | None) -> bool:
    if token is not None:
        given = request.headers.get("authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _registry(settings: Settings) -> CollectorRegistry:
    if settings.metrics_multiprocess_dir is None:
        _register_collectors()
        return REGISTRY
    registry = CollectorRegistry()  # per scrape, as prometheus-client's multiprocess mode asks
    multiprocess.MultiProcessCollector(registry, path=str(settings.metrics_multiprocess_dir))
    registry.register(DatabasePool(labelled_with_pid=True))
    return registry


def process_ended(settings: Settings) -> None:
    """A worker's in-flight gauge stops counting once it is gone (the app's lifespan calls this on shutdown)."""
    if settings.metrics_multiprocess_dir is not None:
        multiprocess.mark_process_dead(os.getpid(), str(settings.metrics_multiprocess_dir))


def routes(settings: Settings) -> list[Route]:
    token = settings.metrics_token.reveal() if settings.metrics_token is not None else None

    async def metrics(request: Request) -> Response:
        if not allowed(request, token):
            return PlainTextResponse(
                "Metrics are served to loopback callers, or with the bearer token of ALVEOLE_METRICS_TOKEN",
                status_code=403,
            )
        await _refresh_outbox_backlog()
        return Response(generate_latest(_registry(settings)), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics)]
