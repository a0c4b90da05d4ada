"""Art. 15(3), 20: the copy of a person's data, delivered by a personal link mailed to them.

The DPO delivers a verified web request, linked to its contact, of kind ACCESS or PORTABILITY. The link
leads to a page with the rights notice and the same CSV and JSON files as the DPO's csvUrl / jsonUrl.
It needs no account and works for ALVEOLE_DELIVERY_DAYS and ALVEOLE_DELIVERY_MAX_DOWNLOADS downloads
(CSV and JSON counted together), until revoked; erasing the person deletes it (the link then answers 404).
Every view and download is an audit event on the person, so their export's access log shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from auth.credentials import link_token_is_plausible, new_link_token, secret_hash
from auth.errors import BadInput, Forbidden, Gone, NotFound
from auth.principal import Principal
from models.crm import Contact
from models.enums import Role, SubjectRequestStatus, SubjectRightKind
from models.gdpr import ExportDelivery, SubjectRequest
from models.organisation import Agency
from resolvers import audit, export, list_caps, outbox
from resolvers.clock import now
from resolvers.contacts import get_contact
from resolvers.mail_templates import render
from resolvers.subject_mail import day, mail_address
from resolvers.subject_requests import get_request

DELIVERY_PATH = "/delivery/"
DELIVERABLE_KINDS = (SubjectRightKind.ACCESS, SubjectRightKind.PORTABILITY)


async def deliver(
    principal: Principal, request_id: int, *, public_url: str, days: int, max_downloads: int
) -> ExportDelivery:
    request = await get_request(principal, request_id)
    if not request.verified:
        raise Forbidden("This request's email address is not confirmed yet: nothing can be delivered to it")
    if request.kind not in DELIVERABLE_KINDS:
        raise BadInput("requestId", "only ACCESS and PORTABILITY requests are answered with a copy of the data")
    if request.status != SubjectRequestStatus.OPEN:
        raise BadInput("requestId", "this request is closed")
    if request.contact_id is None:
        raise BadInput("requestId", "link the request to its contact first (linkSubjectRequest)")
    to = mail_address(request)
    if to is None:
        raise BadInput("requestId", "this request has no confirmed email address to deliver to")
    contact = await get_contact(principal, request.contact_id)
    token = new_link_token()
    at = now()
    async with in_transaction() as conn:
        await _room_for_a_link(request, conn)
        agency = await Agency.get(id=principal.agency_id, using_db=conn)
        delivery = await ExportDelivery.create(
            agency_id=principal.agency_id,
            subject_request_id=request.id,
            contact_id=contact.id,
            token_hash=secret_hash(token),
            created_at=at,
            expires_at=at + timedelta(days=days),
            max_downloads=max_downloads,
            using_db=conn,
        )
        mail = render(
            "delivery",
            request.language,
            name=request.requester_name,
            agency=agency.name,
            reference=request.reference,
            link=f"{public_url}{DELIVERY_PATH}{token}",
            expires=day(delivery.expires_at, request.language),
            max_downloads=max_downloads,
        )
        await outbox.enqueue_mail(
            conn,
            agency_id=agency.id,
            to=to,
            subject=mail.subject,
            text=mail.text,
            contact_id=contact.id,
            subject_request_id=request.id,
        )
        await audit.record(
            principal,
            "DELIVER_EXPORT",
            contact.id,
            f"delivery {delivery.id} for subject request {request.id}: {days} days, {max_downloads} downloads",
            connection=conn,
        )
    return delivery


async def _room_for_a_link(request: SubjectRequest, conn: BaseDBAsyncClient) -> None:
    """A request's links are at most list_caps.DELIVERIES (SubjectRequest.deliveries lists them all); the request's
    row is locked first, so two links sent at once cannot both take the last place."""
    await SubjectRequest.filter(id=request.id).select_for_update().using_db(conn).first()
    if await ExportDelivery.filter(subject_request_id=request.id).using_db(conn).count() >= list_caps.DELIVERIES:
        raise BadInput("requestId", f"this request has had {list_caps.DELIVERIES} download links, the most it may have")


async def revoke(principal: Principal, delivery_id: int) -> ExportDelivery:
    delivery = await ExportDelivery.filter(id=delivery_id, agency_id=principal.agency_id).first()
    if delivery is None:
        raise NotFound("ExportDelivery")
    if delivery.revoked:
        return delivery
    async with in_transaction() as conn:
        await ExportDelivery.filter(id=delivery.id).using_db(conn).update(revoked=True)
        await audit.record(
            principal,
            "REVOKE_DELIVERY",
            delivery.contact_id,
            f"delivery {delivery.id}",
            connection=conn,
        )
    delivery.revoked = True
    return delivery


async def of_request(agency_id: int, request_id: int) -> list[ExportDelivery]:
    return await ExportDelivery.filter(agency_id=agency_id, subject_request_id=request_id).order_by("id")


# -- the person's side: the page and the files ------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    delivery: ExportDelivery
    request: SubjectRequest
    contact: Contact
    principal: Principal  # reads the person's data for the files, as the DPO's export does


def _reader(delivery: ExportDelivery, request: SubjectRequest) -> Principal:
    # The DPO's reach, for this one contact (the files read nothing else), named after the request in the
    # audit trail. Not tied to a DPO's account: the link is the person's and outlives staff changes.
    return Principal(
        agency_id=delivery.agency_id,
        actor=f"data-subject:{request.reference}",
        role=Role.DPO,
    )


async def _open(token: str) -> tuple[ExportDelivery, SubjectRequest]:
    """NOT_FOUND when the link never existed or the person was erased; GONE once revoked, expired or used up."""
    if not link_token_is_plausible(token):
        raise NotFound("Link")
    delivery = await ExportDelivery.filter(token_hash=secret_hash(token)).first()
    if delivery is None:
        raise NotFound("Link")
    request = await SubjectRequest.get(id=delivery.subject_request_id)
    if delivery.revoked:
        raise Gone("revoked")
    if delivery.expires_at <= now():
        raise Gone("expired")
    if delivery.downloads >= delivery.max_downloads:
        raise Gone("exhausted")
    return delivery, request


async def open_page(token: str) -> Opened:
    delivery, request = await _open(token)
    opened = await _opened(delivery, request)
    await audit.record(opened.principal, "DELIVERY_VIEWED", opened.contact.id, f"delivery {delivery.id}")
    return opened


async def open_download(token: str, file_format: str) -> tuple[Opened, export.Export]:
    delivery, request = await _open(token)
    async with in_transaction() as conn:
        # Counted in the database, so that two downloads at once (or on two servers) cannot pass the limit.
        counted = (
            await ExportDelivery.filter(
                id=delivery.id, revoked=False, expires_at__gt=now(), downloads__lt=delivery.max_downloads
            )
            .using_db(conn)
            .update(downloads=F("downloads") + 1)
        )
        if not counted:
            raise Gone("exhausted")
        opened = await _opened(delivery, request)
        await audit.record(
            opened.principal,
            "DELIVERY_DOWNLOADED",
            opened.contact.id,
            f"delivery {delivery.id}: {file_format}",
            connection=conn,
        )
    return opened, export.Export(contact=opened.contact, generated_at=now(), token="")


async def _opened(delivery: ExportDelivery, request: SubjectRequest) -> Opened:
    reader = _reader(delivery, request)
    contact = await get_contact(reader, delivery.contact_id)
    return Opened(delivery=delivery, request=request, contact=contact, principal=reader)


async def notice(opened: Opened) -> str:
    """The rights notice in the language the person wrote in."""
    return (await export.subject(opened.principal, opened.contact)).notice_in(opened.request.language)
