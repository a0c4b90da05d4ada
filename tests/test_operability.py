"""/health, /ready, /metrics (who may read it, what it counts), request ids, the JSON log format, the settings.

The live-process side (SIGTERM, keep-alive, a full run's logs) is in tests/test_operations_live.py.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

import httpx
import pytest
from tortoise.connection import get_connection
from tortoise.migrations.recorder import MigrationRecorder

from app.logs import JsonFormatter, TextFormatter
from app.main import create_app
from app.settings import Secret, Settings, SettingsError, load
from resolvers import metrics, outbox
from resolvers.sql import spelled_for
from tests.conftest import make_settings
from tests.world import World, make_world

TOKEN = "metrics-token-" + "m" * 32


@pytest.fixture
async def world(client) -> World:
    return await make_world()


@pytest.fixture
def caller(settings: Settings) -> Callable[[str], httpx.AsyncClient]:
    """Clients of an app configured with a metrics token (on `client`'s database), calling from a given address."""
    app = create_app(make_settings(settings.database_url, metrics_token=Secret(TOKEN)))

    def from_address(host: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(host, 5555)), base_url="http://x")

    return from_address


async def test_health_and_ready(client, world: World) -> None:
    assert (await client.http.get("/health")).json() == {"status": "ok"}
    ready = await client.http.get("/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


async def test_ready_is_503_while_a_migration_is_missing(client, world: World) -> None:
    connection = get_connection("default")
    rows = await connection.execute_query_dict("SELECT app, name, applied_at FROM tortoise_migrations")
    last = max(rows, key=lambda row: row["name"])
    await connection.execute_query(
        spelled_for(connection, "DELETE FROM tortoise_migrations WHERE name = $1"), [last["name"]]
    )
    try:
        ready = await client.http.get("/ready")
        assert ready.status_code == 503 and ready.headers["retry-after"]
        assert ready.json() == {"status": "unavailable", "reason": f"migrations not applied: {last['name']}"}
        assert (await client.http.get("/health")).status_code == 200  # alive, only not ready
    finally:  # PostgreSQL's test database keeps its migrations from test to test
        await MigrationRecorder(connection).record_applied(last["app"], last["name"])


async def test_metrics_only_for_loopback_or_the_token(caller, world: World) -> None:
    async with caller("203.0.113.7") as stranger, caller("127.0.0.1") as local, caller("::1") as local6:
        refused = await stranger.get("/metrics")
        assert refused.status_code == 403 and "ALVEOLE_METRICS_TOKEN" in refused.text
        assert (await stranger.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 403
        with_token = await stranger.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert with_token.status_code == 200 and with_token.headers["content-type"].startswith("text/plain")
        assert (await local.get("/metrics")).status_code == 200
        assert (await local6.get("/metrics")).status_code == 200


async def test_metrics_count_operations_by_name_errors_by_code_and_the_pool(client, caller, world: World) -> None:
    secret_text = "PrenomXAGENCYQ"
    await client.data(
        f'query NamedPage {{ contacts(first: 2, search: "{secret_text}") {{ edges {{ node {{ id }} }} }} }}',
        token=world.tokens["owner"],
    )
    for i in range(2):
        await outbox.enqueue_mail(
            get_connection("default"), agency_id=world.agency.id, to=f"p{i}@x.test", subject="s", text="t"
        )
    forbidden = 'mutation Forbidden { eraseContact(contactId: "x") { erasedAt } }'
    assert await client.error_code(forbidden, token=world.tokens["owner"]) == "FORBIDDEN"
    async with caller("127.0.0.1") as local:
        body = (await local.get("/metrics")).text
    assert 'alveole_graphql_operations_total{kind="query",operation="NamedPage"}' in body
    assert 'alveole_graphql_operation_seconds_count{operation="NamedPage"}' in body
    assert 'alveole_errors_total{code="FORBIDDEN"}' in body
    assert "alveole_audit_write_failures_total" in body
    assert 'alveole_database_pool_connections{state="in_use"}' in body
    assert "alveole_database_pool_max_connections" in body
    # In-process apps run no outbox dispatcher (tests/conftest.py): both mails wait.
    assert (
        'alveole_outbox_backlog{status="PENDING"} 2.0' in body and 'alveole_outbox_backlog{status="FAILED"} 0.0' in body
    )
    assert 'alveole_http_requests_total{route="/graphql",status="200"}' in body
    assert secret_text not in body and "contacts(" not in body  # names, never document text


def test_an_operation_name_never_grows_the_metrics_without_bound() -> None:
    for name in ("Weird-Name", "x" * 80):
        assert metrics.operation_label(name) == "other"
    assert metrics.operation_label(None) == "anonymous"
    assert len(metrics._known_names) <= metrics.MAX_OPERATION_NAMES


async def test_request_ids_are_echoed_and_logged(client, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="alveole.access")
    given = await client.http.get("/health", headers={"X-Request-Id": "client-chosen.42"})
    assert given.headers["x-request-id"] == "client-chosen.42"
    junk = await client.http.get("/health", headers={"X-Request-Id": "no spaces <allowed>"})
    assert junk.headers["x-request-id"] != "no spaces <allowed>" and len(junk.headers["x-request-id"]) == 16
    await client.data("query Named { me { email } }", token=world.tokens["owner"])
    lines = [r for r in caplog.records if r.name == "alveole.access"]
    assert any(getattr(r, "request_id", None) == "client-chosen.42" for r in lines)
    named = [r for r in lines if getattr(r, "operation", None) == "Named"]
    assert named and named[0].status == 200 and named[0].path == "/graphql"  # type: ignore[attr-defined]


def test_json_logs_are_one_object_per_line_without_tracebacks() -> None:
    try:
        raise ValueError("secret value Quarterbridge")
    except ValueError:
        record = logging.LogRecord("alveole.x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info())
    record.request_id = "abc"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed here" and entry["request_id"] == "abc" and entry["level"] == "ERROR"
    assert entry["error"].startswith("ValueError") and "Quarterbridge" not in line
    assert "Quarterbridge" not in TextFormatter().format(record)


def test_operations_settings_and_their_defaults() -> None:
    key = {"ALVEOLE_SECRET_KEY": "k" * 40}
    defaults = load(key)
    assert (defaults.shutdown_grace_seconds, defaults.keep_alive_seconds, defaults.log_format) == (20, 75, "text")
    assert defaults.metrics_token is None
    assert defaults.erasure_journal_path is not None and defaults.erasure_journal_path.name.endswith(".erasure-journal")
    custom = load(
        {
            **key,
            "ALVEOLE_SHUTDOWN_GRACE_SECONDS": "5",
            "ALVEOLE_KEEP_ALIVE_SECONDS": "120",
            "ALVEOLE_LOG_FORMAT": "JSON",
            "ALVEOLE_METRICS_TOKEN": TOKEN,
            "ALVEOLE_ERASURE_JOURNAL": "/var/lib/alveole/erasures",
        }
    )
    assert (custom.shutdown_grace_seconds, custom.keep_alive_seconds, custom.log_format) == (5, 120, "json")
    assert custom.metrics_token is not None and TOKEN not in repr(custom)
    assert str(custom.erasure_journal_path) == "/var/lib/alveole/erasures"
    with pytest.raises(SettingsError, match="ALVEOLE_LOG_FORMAT"):
        load({**key, "ALVEOLE_LOG_FORMAT": "xml"})
    with pytest.raises(SettingsError, match="ALVEOLE_METRICS_TOKEN"):
        load({**key, "ALVEOLE_METRICS_TOKEN": "short"})
    postgres = load({"ALVEOLE_DATABASE_URL": "postgres://x@db/alveole", "ALVEOLE_SECRET_KEY": "k" * 40})
    with pytest.raises(SettingsError, match="ALVEOLE_ERASURE_JOURNAL"):
        postgres.required_erasure_journal()
