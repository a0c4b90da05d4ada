"""The frontend's contacts page, through the real stack and through the hand-written baseline."""

from __future__ import annotations

import json
from typing import Any

import httpx

from bench.load import Call, hammer
from bench.servers import Server

GOAL = 0.6  # requests/s, app / hand-written baseline, on SQLite and on PostgreSQL

PAGE_QUERY = """{ contacts(first: 50) { edges { node { id owner { name } team { name } visibility firstName lastName
  email phone consents { purpose granted } requests(first: 5) { edges { node { destination status
  advisor { name } } } } } } } }"""


def app_calls(tokens: list[str]) -> list[Call]:
    body = json.dumps({"query": PAGE_QUERY}).encode()
    return [
        Call("/graphql", body, {"Authorization": f"Bearer {t}", "Content-Type": "application/json"}) for t in tokens
    ]


def baseline_calls(tokens: list[str]) -> list[Call]:
    return [Call("/page", b"", {"Authorization": f"Bearer {t}"}) for t in tokens]


def same_answer(app_url: str, baseline_url: str, token: str) -> bool:
    """The baseline answers exactly what the app answers (so the comparison is fair)."""
    [app_call], [base_call] = app_calls([token]), baseline_calls([token])
    app = httpx.post(app_url + app_call.path, content=app_call.body, headers=app_call.headers, timeout=60).json()
    base = httpx.post(
        baseline_url + base_call.path, content=base_call.body, headers=base_call.headers, timeout=60
    ).json()
    return bool(app.get("data")) and app == base


async def load(server: Server, calls: list[Call], seconds: float, warmup: float) -> dict[str, Any]:
    """Throughput and latency, and the server's CPU per request (steadier than time on a busy machine)."""
    await hammer(server.url, calls, warmup, warmup=0.0)
    before = server.cpu_seconds()
    result = await hammer(server.url, calls, seconds, warmup=0.0)
    used = server.cpu_seconds() - before
    per_request = round(used / result.requests * 1000, 2) if result.requests else None
    return {**result.as_dict(), "server_cpu_ms_per_request": per_request}


async def measure(app: Server, baseline: Server, tokens: list[str], seconds: float, warmup: float) -> dict[str, Any]:
    app_load = await load(app, app_calls(tokens), seconds, warmup)
    baseline_load = await load(baseline, baseline_calls(tokens), seconds, warmup)
    ratio = app_load["rps"] / baseline_load["rps"] if baseline_load["rps"] else 0.0
    return {
        "clients": len(tokens),
        "app": app_load,
        "baseline": baseline_load,
        "same_answer": same_answer(app.url, baseline.url, tokens[0]),
        "ratio": round(ratio, 3),
        "goal": f">= {GOAL} (requests/s, app / baseline)",
        "met": ratio >= GOAL and app_load["errors"] == 0,
    }
