"""The /graphql endpoint: authenticates once per request and builds the per-request context."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL

from app.settings import Settings
from auth.credentials import bearer_secret
from resolvers import sessions
from resolvers.loaders import build_loaders
from schema.context import Context


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
