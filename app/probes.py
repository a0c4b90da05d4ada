"""/health: the process answers. /ready: it can serve, i.e. the database answers and is fully migrated.

Orchestrators restart what fails /health and route traffic only to what passes /ready: an outage of
the database makes the instances unready, not dead (restarting them would not help).
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.database import pending_migrations
from resolvers.faults import unavailable

READY_TIMEOUT_SECONDS = 3  # a probe must answer in time even when the database hangs


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> JSONResponse:
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            pending = await pending_migrations()
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"; its type is the reason
        fault = unavailable(error)
        reason = fault.message if fault is not None else f"database check failed ({type(error).__name__})"
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503, headers={"Retry-After": "5"})
    if pending:
        reason = "migrations not applied: " + ", ".join(pending)
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503, headers={"Retry-After": "5"})
    return JSONResponse({"status": "ready"})


routes = [Route("/health", health), Route("/ready", ready)]
