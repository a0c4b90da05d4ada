"""The pages a data subject opens from their mails: plain server-rendered HTML, no script.

- /requests/confirm/{token}: GET shows a confirm button, a form that POSTs to the same URL, so a mail
  scanner that prefetches the link confirms nothing; the POST verifies the request.
- /delivery/{token}: the rights notice and two download buttons (POST forms too, so a prefetch spends no
  download); /delivery/{token}/csv and /json stream the same files as the DPO's export links.

Unknown links answer 404, used, expired, revoked or exhausted ones 410, each with a page that says what
to do; never a stack trace. The security headers (app.security) apply here as everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from app.exports import FORMATS, PRIVATE
from auth.errors import Gone, NotFound
from models.organisation import Agency
from resolvers import deliveries, self_service
from resolvers.clock import today
from resolvers.subject_mail import day, kind_words

_pages = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates" / "pages"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)

GONE_REASONS = {
    "used": {
        "fr": "Il a déjà servi : votre demande est confirmée.",
        "en": "It has already been used: your request is confirmed.",
    },
    "expired": {"fr": "Il a expiré.", "en": "It has expired."},
    "revoked": {"fr": "Il a été révoqué.", "en": "It has been revoked."},
    "exhausted": {
        "fr": "Le nombre de téléchargements permis est atteint.",
        "en": "The number of downloads it allowed has been reached.",
    },
}


def _page(template: str, status: int = 200, **values: Any) -> HTMLResponse:
    values.setdefault("lang", "fr")
    return HTMLResponse(_pages.get_template(template).render(**values), status_code=status, headers=PRIVATE)


def _not_found() -> HTMLResponse:
    return _page("not_found.html", 404)


def _gone(error: Gone, request: Request, agency: str | None = None, reference: str | None = None) -> HTMLResponse:
    return _page(
        "gone.html",
        410,
        reasons=GONE_REASONS[error.reason],
        agency=agency,
        contact=request.app.state.settings.mail_from,
        reference=reference,
    )


async def confirm(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        if request.method == "POST":
            subject = await self_service.confirm(token)
            template = "confirmed"
        else:
            subject = await self_service.verification(token)
            template = "confirm"
    except NotFound:
        return _not_found()
    except Gone as error:
        return _gone(error, request)
    agency = await Agency.get(id=subject.agency_id)
    language = subject.language
    return _page(
        f"{template}.{language}.html",
        lang=language,
        agency=agency.name,
        kind=kind_words(subject),
        reference=subject.reference,
        due=day(subject.due_at, language),
    )


async def delivery(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        opened = await deliveries.open_page(token)
    except NotFound:
        return _not_found()
    except Gone as error:
        return _gone(error, request)
    agency = await Agency.get(id=opened.delivery.agency_id)
    language = opened.request.language
    return _page(
        f"delivery.{language}.html",
        lang=language,
        agency=agency.name,
        reference=opened.request.reference,
        expires=day(opened.delivery.expires_at, language),
        remaining=opened.delivery.max_downloads - opened.delivery.downloads,
        notice=await deliveries.notice(opened),
        # Relative: the page is /delivery/<token>, so these stay on this origin, under any prefix.
        csv_action=f"{token}/csv",
        json_action=f"{token}/json",
    )


async def download(request: Request) -> Response:
    token, file_format = request.path_params["token"], request.path_params["format"]
    if file_format not in FORMATS:
        return _not_found()
    try:
        opened, bundle = await deliveries.open_download(token, file_format)
    except NotFound:
        return _not_found()
    except Gone as error:
        return _gone(error, request)
    media_type, document = FORMATS[file_format]
    filename = f"my-data-{today().isoformat()}.{file_format}"
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(document(opened.principal, bundle), media_type=media_type, headers=headers)


routes = [
    Route(f"{self_service.CONFIRM_PATH}{{token}}", confirm, methods=["GET", "POST"]),
    Route(f"{deliveries.DELIVERY_PATH}{{token}}", delivery, methods=["GET"]),
    Route(f"{deliveries.DELIVERY_PATH}{{token}}/{{format}}", download, methods=["POST"]),
]
