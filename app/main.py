"""The Starlette application: GraphQL, export downloads, probes and metrics; database opened in the lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app import dispatcher, heap, log_redaction, metrics_endpoint, probes
from app import settings as settings_module
from app.access_log import AccessLog
from app.database import close_database, open_database
from app.exports import routes as export_routes
from app.faults import StorageFaults
from app.graphql_view import AlveoleGraphQL
from app.pages import routes as page_routes
from app.security import RequestGuard, SecurityHeaders, cors_kwargs
from app.settings import Settings
from auth import passwords
from models.outbox import OutboxMessage
from schema import build_schema

log = logging.getLogger("alveole")


async def root(request: Request) -> RedirectResponse:
    return RedirectResponse("/graphql")


STATIC = Path(__file__).parent / "static"


async def dpo_dashboard(request: Request) -> FileResponse:
    # A static page (its data comes from complianceReport, asked by its own script once the DPO signs in).
    return FileResponse(STATIC / "dpo" / "dpo.html", media_type="text/html; charset=utf-8")


def _echo(message: OutboxMessage) -> None:
    print(dispatcher.held_mail_text(message), flush=True)  # the demo's console is its stdout


def create_app(
    settings: Settings | None = None, *, on_startup: list | None = None, echo_held_mail: bool = False
) -> Starlette:
    settings = settings or settings_module.load()
    log_redaction.install()
    passwords.configure(settings.password_hash_cost)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(settings)
        for hook in on_startup or []:
            await hook()
        heap.settle()
        try:
            async with dispatcher.running(settings, _echo if echo_held_mail else None):
                yield
        finally:
            await close_database()
            metrics_endpoint.process_ended(settings)

    graphql = AlveoleGraphQL(build_schema(settings.max_tokens, settings.fast_execution), settings)
    routes = [
        Route("/", root),
        *probes.routes,
        *metrics_endpoint.routes(settings),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/dpo", dpo_dashboard),
        # The console's and the dashboard's own files (vendored: the pages load nothing from elsewhere).
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        *export_routes,
        *page_routes,
    ]
    # Outermost first: the access log (which sees every answer's final status), headers on every answer,
    # storage faults and unexpected errors answered without a traceback, the request guard, then CORS.
    middleware = [
        Middleware(AccessLog),
        Middleware(SecurityHeaders),
        Middleware(StorageFaults),
        Middleware(
            RequestGuard, max_body_bytes=settings.max_body_bytes, timeout_seconds=settings.request_timeout_seconds
        ),
    ]
    if settings.cors_origins:
        middleware.append(Middleware(CORSMiddleware, **cors_kwargs(settings.cors_origins)))
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.settings = settings
    return app
