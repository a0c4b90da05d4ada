"""GET /exports/{token}.csv and .json: a subject access export's files, fetched with the signed link alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from auth.errors import Forbidden, NotFound
from auth.principal import Principal
from resolvers import export, export_files
from resolvers.clock import today

# The link is a credential and the body is personal data: no cache keeps it, no Referer repeats it.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}

Document = Callable[[Principal, export.Export], AsyncIterator[str]]
FORMATS: dict[str, tuple[str, Document]] = {
    "csv": ("text/csv; charset=utf-8", export_files.csv_document),
    "json": ("application/json", export_files.json_document),
}


async def download(request: Request, file_format: str) -> Response:
    settings = request.app.state.settings
    try:
        principal, bundle = await export.open_download(
            request.path_params["token"], secret=settings.secret_key, file_format=file_format
        )
    except Forbidden as error:
        return PlainTextResponse(error.message, status_code=403, headers=PRIVATE)
    except NotFound as error:
        return PlainTextResponse(error.message, status_code=404, headers=PRIVATE)
    media_type, document = FORMATS[file_format]
    # No name in the file name: it shows in download lists and proxy logs.
    filename = f"subject-access-export-{today().isoformat()}.{file_format}"
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(document(principal, bundle), media_type=media_type, headers=headers)


async def download_csv(request: Request) -> Response:
    return await download(request, "csv")


async def download_json(request: Request) -> Response:
    return await download(request, "json")


routes = [
    Route("/exports/{token}.csv", download_csv, methods=["GET"]),
    Route("/exports/{token}.json", download_json, methods=["GET"]),
]
