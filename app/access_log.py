"""One access-log line per request, with its request id, and the HTTP metrics.

The request id is the client's X-Request-Id when it is a plain token (so a client's and the server's
records of one request can be matched), else a new one; it is echoed in the response. The line names
the GraphQL operation (its name, never its text) but never the query string, a header or a body; export
tokens are redacted from paths.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.log_redaction import redact
from resolvers.metrics import HTTP_REQUESTS, IN_PROGRESS
from schema.operation_metrics import OPERATION_STATE_KEY

log = logging.getLogger("alveole.access")

REQUEST_ID_HEADER = b"x-request-id"
_PLAIN_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
_ROUTES = ("/graphql", "/exports/", "/static/", "/health", "/ready", "/metrics")


def route_label(path: str) -> str:
    for route in _ROUTES:
        if path == route or (route.endswith("/") and path.startswith(route)):
            return route.rstrip("/")
    return "/" if path == "/" else "other"


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"")
        request_id = given.decode() if _PLAIN_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        status = 500  # what the client sees when nothing was sent (uvicorn answers 500)
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        IN_PROGRESS.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            IN_PROGRESS.dec()
            path = redact(scope["path"])
            operation = scope.get("state", {}).get(OPERATION_STATE_KEY)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            client = scope.get("client")
            address = client[0] if client else None
            HTTP_REQUESTS.labels(route=route_label(scope["path"]), status=str(status)).inc()
            log.info(
                "%s %s %s %.1fms%s rid=%s",
                scope["method"],
                path,
                status,
                duration_ms,
                f" op={operation}" if operation else "",
                request_id,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": duration_ms,
                    "operation": operation,
                    "client": address,
                },
            )
