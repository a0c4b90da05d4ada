"""The mails a web request owes the person, in their language (templates in resolvers/templates/mail)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from models.enums import SubjectRequestChannel, SubjectRequestStatus, SubjectRightKind
from models.gdpr import SubjectRequest
from models.organisation import Agency
from resolvers import outbox
from resolvers.mail_templates import render

KIND_WORDS = {
    "fr": {
        SubjectRightKind.ACCESS: "accès à vos données",
        SubjectRightKind.RECTIFICATION: "rectification",
        SubjectRightKind.ERASURE: "effacement",
        SubjectRightKind.PORTABILITY: "portabilité",
        SubjectRightKind.RESTRICTION: "limitation du traitement",
        SubjectRightKind.OBJECTION: "opposition",
    },
    "en": {
        SubjectRightKind.ACCESS: "access to your data",
        SubjectRightKind.RECTIFICATION: "rectification",
        SubjectRightKind.ERASURE: "erasure",
        SubjectRightKind.PORTABILITY: "portability",
        SubjectRightKind.RESTRICTION: "restriction of processing",
        SubjectRightKind.OBJECTION: "objection",
    },
}
DATE_FORMATS = {"fr": "%d/%m/%Y", "en": "%d %B %Y"}


def kind_words(request: SubjectRequest) -> str:
    return KIND_WORDS[request.language][SubjectRightKind(request.kind)]


def day(at: datetime, language: str) -> str:
    return at.astimezone(UTC).strftime(DATE_FORMATS[language])


def mail_address(request: SubjectRequest) -> str | None:
    """Where the request's mails go, None when none is owed: only to a confirmed address (an unconfirmed one may
    not be the requester's at all)."""
    if request.channel == SubjectRequestChannel.WEB_FORM and request.verified and request.requester_email:
        return request.requester_email
    return None


async def answer_on_closing(
    conn: BaseDBAsyncClient, request: SubjectRequest, status: SubjectRequestStatus, reason: str | None
) -> None:
    """The short answer to a closed web request, written in the closing transaction. An erasure's mail
    holds no personal data beyond the name the person gave; a refusal gives the reason and the CNIL."""
    to = mail_address(request)
    if to is None:
        return
    agency = await Agency.get(id=request.agency_id, using_db=conn)
    values = {"name": request.requester_name, "agency": agency.name, "reference": request.reference}
    if status == SubjectRequestStatus.REJECTED:
        mail = render("rejected", request.language, reason=reason, **values)
    elif request.kind == SubjectRightKind.ERASURE:
        mail = render("erasure_done", request.language, **values)
    else:
        mail = render("done", request.language, kind=kind_words(request), **values)
    await outbox.enqueue_mail(
        conn,
        agency_id=agency.id,
        to=to,
        subject=mail.subject,
        text=mail.text,
        subject_request_id=request.id,
    )
