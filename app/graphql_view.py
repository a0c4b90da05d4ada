"""The /graphql endpoint: authenticates once per request and builds the per-request context.

GET /graphql from a browser answers the DPO's console: GraphiQL with a login bar, built only from
files vendored under app/static/graphiql (no CDN, no inline script: see app/static/graphiql/vendor).
"""

from __future__ import annotations

from typing import Any

import orjson
from graphql import ExperimentalIncrementalExecutionResults
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.asgi import GraphQL

from app.settings import Settings
from auth.credentials import bearer_secret
from resolvers import sessions
from resolvers.loaders import build_loaders
from schema.context import Context
from schema.incremental import later_frames

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


class AlveoleGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: Any, settings: Settings) -> None:
        # GET would let a link or an <img> run a query with the victim's cookies or token: POST only.
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=False, multipart_uploads_enabled=False)
        self.settings = settings
        self.session_policy = sessions.session_policy(settings)

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

    async def execute_single(self, **kwargs: Any) -> Any:  # type: ignore[override]
        result = await super().execute_single(**kwargs)
        if isinstance(result, ExperimentalIncrementalExecutionResults):
            # @stream / @defer: the later frames need the error codes and view log the first one got.
            return result._replace(subsequent_results=later_frames(result.subsequent_results, kwargs["context"]))
        return result
