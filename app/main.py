"""The Starlette application: GraphQL, export downloads, health; database opened in the lifespan."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from app import settings as settings_module
from app.database import close_database, open_database
from app.graphql_view import AlveoleGraphQL
from app.settings import Settings
from schema import build_schema

log = logging.getLogger("alveole")


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def root(request: Request) -> RedirectResponse:
    return RedirectResponse("/graphql")


def create_app(settings: Settings | None = None, *, on_startup: list | None = None) -> Starlette:
    settings = settings or settings_module.load()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(settings)
        for hook in on_startup or []:
            await hook()
        try:
            yield
        finally:
            await close_database()

    graphql = AlveoleGraphQL(build_schema(), settings)
    routes = [
        Route("/", root),
        Route("/health", health),
        Route("/graphql", graphql, methods=["GET", "POST"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.settings = settings
    return app
