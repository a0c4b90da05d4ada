"""HTTP-level defences, as pure ASGI middleware so streamed responses pass through untouched.

- RequestGuard: POST /graphql only as application/json in UTF-8 (no form or multipart posts: CSRF), a
  body size limit, and a time limit on the answer; GET /graphql only serves the GraphiQL page. What it
  refuses is not a GraphQL request at all, so it gets a 4xx under every media type (GraphQL over HTTP),
  in the media type the client accepts (app.negotiation).
- SecurityHeaders: no-store, nosniff, no framing, and a strict CSP on every response.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import negotiation
from resolvers.metrics import count_error

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# The GraphiQL page loads only its own vendored files; its styles are partly inline.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
# The DPO's dashboard is ours alone (Chart.js sets styles through the CSSOM, which CSP allows): no inline
# style, no worker, nothing but its own files and its one query.
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
STRICT_PAGES = {"/dpo": DASHBOARD_CSP}
UNTIMED_PREFIXES = ("/exports/", "/static/", "/delivery/")


async def _json_error(send: Send, status: int, message: str, code: str, accept: str | None = None) -> None:
    # A GraphQL response without `data`: a request error. In the media type the client asked for, when it
    # asked for one we send (a 406 says it did not).
    media_type = negotiation.response_type(accept) or negotiation.JSON
    count_error(code)
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    headers = [
        (b"content-type", negotiation.content_type(media_type).encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 405:
        headers.append((b"allow", b"POST"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, timeout_seconds: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        accept = headers.get("accept")
        too_large = f"Request body over {self.max_body_bytes} bytes"
        if scope["path"] == "/graphql":
            refusal = self._refusal(scope["method"], headers)
            if refusal:
                await _json_error(send, *refusal, accept)
                return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await _json_error(send, 413, too_large, "BAD_USER_INPUT", accept)
            return

        if scope["path"] == "/graphql" and scope["method"] == "POST":
            body = await self._read_body(receive)
            if body is None:
                await _json_error(send, 413, too_large, "BAD_USER_INPUT", accept)
                return
            problem = _graphql_body_problem(body)
            if problem:
                await _json_error(send, 400, problem, "BAD_USER_INPUT", accept)
                return
            receive = _replay(body, receive)

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            # Downloads stream a person's whole file at the client's pace (TCP backpressure bounds the
            # work per chunk); cutting them off would hand the DPO a silently truncated export.
            limit = None if scope["path"].startswith(UNTIMED_PREFIXES) else self.timeout_seconds
            async with asyncio.timeout(limit):
                await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _json_error(send, 413, too_large, "BAD_USER_INPUT", accept)
        except TimeoutError:
            if not started:
                message = f"The request took longer than {self.timeout_seconds} s"
                await _json_error(send, 503, message, "TIMEOUT", accept)

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    def _refusal(method: str, headers: dict[str, str]) -> tuple[int, str, str] | None:
        if method == "POST":
            ranges = negotiation.media_ranges(headers.get("content-type"))
            content_type = ranges[0] if len(ranges) == 1 else None
            if content_type is None or content_type.type != negotiation.JSON:
                return 415, "POST /graphql takes Content-Type: application/json only", "BAD_USER_INPUT"
            if content_type.params.get("charset", "utf-8").lower() != "utf-8":
                return 415, "POST /graphql takes UTF-8 only (charset=utf-8)", "BAD_USER_INPUT"
            if negotiation.response_type(headers.get("accept")) is None:
                return 406, "Accept application/graphql-response+json or application/json", "BAD_USER_INPUT"
            return None
        if method in ("GET", "HEAD"):
            if "text/html" not in headers.get("accept", ""):
                return 405, "Queries and mutations are accepted over POST only", "BAD_USER_INPUT"
            return None
        return None


def _graphql_body_problem(body: bytes) -> str | None:
    """Junk is answered here with a 400, before the GraphQL view sees it."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return "The body is not valid UTF-8"
    except ValueError:
        return "The body is not valid JSON"
    if isinstance(payload, list):
        return "Batched requests are not supported: send one operation per request"
    if not isinstance(payload, dict):
        return "The body must be a JSON object with a 'query'"
    extensions = payload.get("extensions")
    if not isinstance(extensions, (dict, type(None))):
        return "'extensions' must be an object"
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is not None and not (isinstance(persisted, dict) and isinstance(persisted.get("sha256Hash"), str)):
        return "'extensions.persistedQuery' must be an object with a 'sha256Hash' string"
    if not isinstance(payload.get("documentId"), (str, type(None))):
        return "'documentId' must be a string"
    named = payload.get("documentId") is not None or persisted is not None
    if not isinstance(payload.get("query"), str) and not (named and payload.get("query") is None):
        return "'query' must be a string (or send a trusted document's 'documentId')"
    if not isinstance(payload.get("variables"), (dict, type(None))):
        return "'variables' must be an object"
    if not isinstance(payload.get("operationName"), (str, type(None))):
        return "'operationName' must be a string"
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        # Then the real channel: a streamed answer (@stream, @defer) listens on it for the client's
        # disconnect, and an immediate one would cut it off after its first byte.
        return await receive()

    return replayed


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OVERRIDDEN]
                content_type = dict(existing).get(b"content-type", b"")
                csp = API_CSP
                if content_type.startswith(b"text/html"):
                    csp = STRICT_PAGES.get(scope["path"], PAGE_CSP)
                message = {
                    **message,
                    "headers": [
                        *existing,
                        (b"cache-control", b"no-store"),
                        (b"x-content-type-options", b"nosniff"),
                        (b"x-frame-options", b"DENY"),
                        (b"referrer-policy", b"no-referrer"),
                        (b"content-security-policy", csp.encode()),
                    ],
                }
            await send(message)

        await self.app(scope, receive, with_headers)


_OVERRIDDEN = {
    b"cache-control",
    b"x-content-type-options",
    b"x-frame-options",
    b"referrer-policy",
    b"content-security-policy",
}


def cors_kwargs(origins: tuple[str, ...]) -> dict[str, Any]:
    return {
        "allow_origins": list(origins),
        "allow_methods": ["POST"],
        "allow_headers": ["Authorization", "Content-Type"],
        "allow_credentials": False,
        "max_age": 600,
    }
