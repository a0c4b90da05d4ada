"""Failures that escape a route before its answer started: a storage fault becomes 503 with Retry-After (a
GraphQL error body on /graphql, plain text elsewhere, the downloads included); anything else a bare 500.
Either way no traceback reaches the client or the log: the type of the exception only.

Inside GraphQL execution, storage faults are coded by schema.errors instead (the answer is a GraphQL
error with code SERVICE_UNAVAILABLE); what lands here failed before, e.g. while authenticating.
"""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth.errors import ServiceUnavailable
from resolvers.faults import unavailable
from resolvers.metrics import count_error

log = logging.getLogger("alveole.errors")

# During an outage every request fails the same way: the log says so once per this many seconds, with a count.
FAULT_LOG_INTERVAL_SECONDS = 10.0


class _Throttle:
    def __init__(self) -> None:
        self.last: dict[str, float] = {}
        self.unlogged: dict[str, int] = {}

    def warn(self, kind: str, message: str) -> None:
        at = time.monotonic()
        if at - self.last.get(kind, -FAULT_LOG_INTERVAL_SECONDS) < FAULT_LOG_INTERVAL_SECONDS:
            self.unlogged[kind] = self.unlogged.get(kind, 0) + 1
            return
        self.last[kind] = at
        more = self.unlogged.pop(kind, 0)
        log.warning("%s%s", message, f" ({more} more since the last such line)" if more else "")


_faults = _Throttle()


async def _answer(send: Send, scope: Scope, status: int, error: ServiceUnavailable | None) -> None:
    code = error.code if error is not None else "INTERNAL_SERVER_ERROR"
    message = error.message if error is not None else "Unexpected error"
    count_error(code)
    headers = [(b"cache-control", b"no-store")]
    if error is not None:
        headers.append((b"retry-after", str(error.retry_after_seconds).encode()))
    if scope["path"] == "/graphql":
        extensions: dict[str, object] = {"code": code, **(error.extensions if error is not None else {})}
        body = json.dumps({"errors": [{"message": message, "extensions": extensions}]}).encode()
        headers.append((b"content-type", b"application/json"))
    else:
        body = message.encode()
        headers.append((b"content-type", b"text/plain; charset=utf-8"))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class StorageFaults:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:  # noqa: BLE001 - the last stop before uvicorn, which would log the traceback
            fault = unavailable(error)
            if started:
                # Mid-stream (a download): the status is sent; closing without the last chunk tells the
                # client the file is incomplete.
                log.error("%s while streaming %s: response cut short", type(error).__name__, scope["path"])
                return
            if fault is None:
                log.error("unexpected %s on %s", type(error).__name__, scope["path"])
                await _answer(send, scope, 500, None)
            else:
                kind = type(error).__name__
                _faults.warn(kind, f"{kind}: answered 503 ({fault.message})")
                await _answer(send, scope, 503, fault)
