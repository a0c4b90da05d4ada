"""The /graphql endpoint: authenticates once per request, builds the per-request context, and answers as
GraphQL over HTTP says (app.negotiation chooses the media type and status; app.incremental_delivery shapes
@stream / @defer answers).

GET /graphql from a browser answers the DPO's console: GraphiQL with a login bar, built only from
files vendored under app/static/graphiql (no CDN, no inline script: see app/static/graphiql/vendor).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from graphql import ExperimentalIncrementalExecutionResults, GraphQLError
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http import process_result as strawberry_process_result
from strawberry.http.streaming import MultipartTransport
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from app import negotiation
from app.incremental_delivery import complete_result, legacy_parts
from app.settings import Settings
from auth.credentials import bearer_secret
from auth.errors import AlveoleError, BadInput
from resolvers import sessions
from resolvers.loaders import build_loaders
from schema.context import Context
from schema.errors import coded
from schema.incremental import later_frames
from schema.trusted_documents import TrustedDocuments, choose

SIGN_IN_DOCUMENTS = Path(__file__).parent / "static" / "documents.js"

# Relative URLs: the page is GET /graphql, so "static/..." is the sibling /static mount, under any prefix.
CONSOLE_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>Alvéole · DPO console</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="static/graphiql/vendor/graphiql/graphiql.min.css">
  <link rel="stylesheet" href="static/signin.css">
  <link rel="stylesheet" href="static/graphiql/console.css">
  <script defer src="static/graphiql/vendor/react/react.production.min.js"></script>
  <script defer src="static/graphiql/vendor/react-dom/react-dom.production.min.js"></script>
  <script defer src="static/graphiql/vendor/graphiql/graphiql.min.js"></script>
  <script defer src="static/graphiql/examples.js"></script>
  <script defer src="static/documents.js"></script>
  <script defer src="static/signin.js"></script>
  <script defer src="static/graphiql/console.js"></script>
</head>
<body data-endpoint="graphql">
  <header id="console-bar">
    <h1>Alvéole</h1>
    <label class="console-examples">Examples
      <select id="examples" disabled><option value="">Open in a new tab…</option></select>
    </label>
  </header>
  <main id="graphiql">
    <noscript>The console needs JavaScript. The API itself is POST /graphql with a JSON body.</noscript>
    <span class="console-loading">Loading GraphiQL…</span>
  </main>
</body>
</html>
"""


@cache
def sign_in_documents() -> tuple[str, ...]:
    """The DPO pages' sign-in documents (app/static/documents.js), trusted like registered ones."""
    script = SIGN_IN_DOCUMENTS.read_text(encoding="utf-8")
    documents = json.loads(script.partition("window.AlveoleSignInDocuments =")[2].strip().removesuffix(";"))
    return tuple(documents.values())


@dataclass
class RequestData(GraphQLRequestData):
    document_id: str | None = None  # a trusted document's id (GraphQL over HTTP's persisted documents)

    @property
    def persisted_hash(self) -> str | None:
        """Apollo's way to name a trusted document: extensions.persistedQuery.sha256Hash."""
        persisted = (self.extensions or {}).get("persistedQuery")
        return persisted.get("sha256Hash") if isinstance(persisted, dict) else None


@dataclass
class Negotiated:
    """What the request's Accept header allows, worked out once (app.negotiation)."""

    media_type: str
    incremental: bool

    @classmethod
    def of(cls, request: HTTPConnection) -> Negotiated:
        accept = request.headers.get("accept")
        # app.security.RequestGuard has answered 406 already when nothing acceptable is listed.
        return cls(negotiation.response_type(accept) or negotiation.JSON, negotiation.accepts_incremental(accept))


@dataclass
class StreamedParts:
    """An @stream / @defer answer for a client that reads multipart/mixed, part by part."""

    parts: AsyncGenerator[dict[str, Any], None]
    errors: None = None  # what Strawberry's view reads of any result


class NegotiatedResponse(Response):
    """Strawberry's per-request response stub, carrying what the request's Accept allows."""

    def __init__(self, negotiated: Negotiated) -> None:
        super().__init__()
        self.negotiated = negotiated


class LegacyMultipart(MultipartTransport):
    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": f'multipart/mixed; boundary="{self.separator}"; deferSpec={negotiation.DEFER_SPEC}'}

    async def byte_stream(
        self, parts: AsyncGenerator[dict[str, Any], None], encode: Callable[[object], bytes]
    ) -> AsyncGenerator[bytes, None]:
        """Strawberry's multipart framing, byte for byte, each part's JSON encoded once: its own stream decodes
        the JSON to text, encodes it again to count its length, and Starlette encodes it a third time to send it
        (a streamed export is megabytes)."""
        separator = self.separator.encode()
        yield b"--" + separator
        async for part in parts:
            body = encode(part)
            length = str(len(body)).encode()
            yield b"".join((_PART_HEAD, length, b"\r\n\r\n", body, b"\r\n--", separator))
        yield b"--\r\n"


_PART_HEAD = b"\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: "


def request_error(error: AlveoleError) -> PreExecutionError:
    return PreExecutionError(data=None, errors=[coded(GraphQLError(error.message, original_error=error))])


def is_request_error(result: Any) -> bool:
    """Raised before execution began (syntax, validation, limits, the operation, variables): no `data` at all."""
    errors = result.errors
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


class AlveoleGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: Any, settings: Settings) -> None:
        # GET would let a link or an <img> run a query with the victim's cookies or token: POST only.
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=False, multipart_uploads_enabled=False)
        self.settings = settings
        self.session_policy = sessions.session_policy(settings)
        self.trusted_documents = TrustedDocuments(schema, sign_in_documents())

    # Strawberry's base view types this as any context; ours is always a Context (mypy cannot see the generic).
    async def get_context(self, request: Request, response: Response | None) -> Context:  # type: ignore[override]
        secret = bearer_secret(request.headers.get("authorization"))
        principal = await sessions.authenticate(secret, self.session_policy)
        return Context(request=request, settings=self.settings, principal=principal, loaders=build_loaders(principal))

    def encode_json(self, data: object) -> bytes:
        # A contacts page is ~30 kB of JSON and a streamed export megabytes: the standard library's
        # encoder was 5% of a page's CPU time.
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(CONSOLE_HTML)

    async def parse_http_body(self, request_adapter: Any) -> RequestData:
        # app.security.RequestGuard has let through only a JSON object with parameters of the right types.
        data = self.parse_json(await request_adapter.get_body())
        return RequestData(
            query=data.get("query"),
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
            protocol="http",
            document_id=data.get("documentId"),
        )

    # Narrower than Strawberry's signature: get_sub_response always gives a NegotiatedResponse and get_context a
    # Context, which Strawberry's generics do not carry through.
    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        sub_response: NegotiatedResponse,
        context: Context,
        root_value: None,
        request_data: RequestData,
    ) -> Any:
        # GraphQL over HTTP: an empty operationName is no operationName.
        context.operation_name = request_data.operation_name or None
        try:
            chosen = await choose(
                self.trusted_documents,
                self.settings.trusted_documents,
                context.principal,
                request_data.query,
                request_data.document_id,
                request_data.persisted_hash,
            )
        except AlveoleError as error:
            return request_error(error)
        context.trusted_document = chosen.trusted
        try:
            result = await self.schema.execute(
                chosen.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=context.operation_name,
                allowed_operation_types=OperationType.from_http(request_adapter.method),
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as error:  # the named operation is not in the document
            return request_error(BadInput("operationName", error.as_http_error_reason()))
        if not isinstance(result, ExperimentalIncrementalExecutionResults):
            return result
        # @stream / @defer: the later frames need the error codes and view log the first one got.
        results = result._replace(subsequent_results=later_frames(result.subsequent_results, context))
        if sub_response.negotiated.incremental:
            return StreamedParts(legacy_parts(results))
        complete = await complete_result(results)
        return ExecutionResult(data=complete.data, errors=complete.errors or None)

    async def process_result(self, request: Request, result: Any) -> Any:
        if isinstance(result, StreamedParts):
            return result
        response = strawberry_process_result(result)
        if is_request_error(result):
            del response["data"]
        return response

    async def get_sub_response(self, request: Request | WebSocket) -> NegotiatedResponse:
        return NegotiatedResponse(Negotiated.of(request))

    # Strawberry types sub_response as Response; get_sub_response always gives a NegotiatedResponse.
    def create_response(self, response_data: Any, sub_response: NegotiatedResponse) -> Response:  # type: ignore[override]
        negotiated = sub_response.negotiated
        if isinstance(response_data, StreamedParts):
            transport = LegacyMultipart()
            stream = transport.byte_stream(response_data.parts, self.encode_json)
            return StreamingResponse(stream, headers=transport.headers)
        status, headers = 200, {}
        if "data" not in response_data:
            code = (response_data["errors"][0].get("extensions") or {}).get("code")
            status = negotiation.request_error_status(negotiated.media_type, code)
            if status == 401:
                headers["WWW-Authenticate"] = "Bearer"
        return Response(
            self.encode_json(response_data),
            status_code=status,
            headers=headers,
            media_type=negotiation.content_type(negotiated.media_type),
        )
