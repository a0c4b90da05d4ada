"""The Prometheus metrics the code counts as it runs (app.metrics_endpoint serves them, with the ones read at
scrape time: the database pool, the outbox). Labels are bounded by construction: an operation's name
(never the document's text), an error code, a route; nothing a client can grow without limit.
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# The *_created series double every counter for a timestamp that scrapers do not need.
disable_created_metrics()

OPERATIONS = Counter(
    "alveole_graphql_operations", "GraphQL operations answered, by operation name", ["operation", "kind"]
)
OPERATION_SECONDS = Histogram(
    "alveole_graphql_operation_seconds",
    "Time to answer a GraphQL operation (the first part of a streamed one), by operation name",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ERRORS = Counter("alveole_errors", "Errors answered, by code (GraphQL extensions.code, or an HTTP refusal's)", ["code"])
HTTP_REQUESTS = Counter("alveole_http_requests", "HTTP requests answered, by route and status", ["route", "status"])
# Gauges say how several worker processes add up (app.metrics_endpoint): in-flight requests sum over the live
# ones; the backlog is whatever the worker that last read it saw.
IN_PROGRESS = Gauge(
    "alveole_http_requests_in_progress", "HTTP requests being answered (streams included)", multiprocess_mode="livesum"
)
OUTBOX_BACKLOG = Gauge(
    "alveole_outbox_backlog", "Outbox messages not sent, by status (read at scrape time)", ["status"]
)
AUDIT_WRITE_FAILURES = Counter(
    "alveole_audit_write_failures", "Audit events that could not be written (their operation failed with them)"
)

# Operation names come from the client: a name is counted as itself only when it is a plain GraphQL name,
# and only for the first MAX_OPERATION_NAMES distinct ones this process sees ("other" after that).
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_known_names: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "other"
    if name not in _known_names:
        if len(_known_names) >= MAX_OPERATION_NAMES:
            return "other"
        _known_names.add(name)
    return name


def count_error(code: str) -> None:
    ERRORS.labels(code=code).inc()
