"""Root fields of the data subject's door: the website's rights form, linking and delivering, the outbox."""

from __future__ import annotations

from datetime import datetime

import strawberry

import models
from auth import enforce
from resolvers import deliveries, outbox, self_service
from resolvers.ids import decode_id, encode_id
from resolvers.pagination import page_size
from schema.context import Info
from schema.enums import MailStatus, SubjectRightKind
from schema.gdpr import ExportDelivery, SubjectRequest


@strawberry.input(description="The website's rights form (API key, scope INTAKE).")
class SubjectRequestFormInput:
    kind: SubjectRightKind
    email: str
    first_name: str
    last_name: str
    source_url: str
    message: str | None = None
    language: str | None = strawberry.field(default="fr", description="fr | en: the language of every mail")


@strawberry.type
class SubjectRequestReceipt:
    reference: str
    received_at: datetime
    due_at: datetime


@strawberry.type
class OutboxMail:
    row: strawberry.Private[models.OutboxMessage]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("OutboxMail", self.row.id))

    @strawberry.field(description="Personal, DPO only.")
    def to(self, info: Info) -> str | None:
        return self.row.recipient if enforce.sees_requesters(info.context.viewer) else None

    @strawberry.field
    def subject(self) -> str:
        return self.row.subject

    @strawberry.field
    def status(self) -> MailStatus:
        return MailStatus(self.row.status)

    @strawberry.field
    def attempts(self) -> int:
        return self.row.attempts

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def sent_at(self) -> datetime | None:
        return self.row.sent_at

    @strawberry.field(description="The last failure: its type and the server's code, with no address.")
    def last_error(self) -> str | None:
        return self.row.last_error


def _public_url(info: Info) -> str:
    configured = info.context.settings.public_url
    if configured:
        return configured
    request = info.context.request
    if request is None:
        raise RuntimeError("links are made for HTTP requests: set ALVEOLE_PUBLIC_URL")
    return str(request.base_url).rstrip("/")


@strawberry.type
class SelfServiceQueries:
    @strawberry.field(description="DPO. The agency's mails, newest first (bodies are never shown).")
    async def outbox(self, info: Info, status: MailStatus | None = None, first: int | None = 50) -> list[OutboxMail]:
        # As every page: null means 50, above 200 means 200, below 0 is the caller's mistake.
        count = page_size(first)
        rows = await outbox.list_messages(
            info.context.viewer.agency_id, outbox.MAIL, models.OutboxStatus(status) if status else None, count
        )
        return [OutboxMail(row=r) for r in rows]


@strawberry.type
class SelfServiceMutations:
    @strawberry.mutation(
        description="API key with scope INTAKE. Records a rights request and mails the person a link to confirm "
        "it; the receipt is the same whether or not the address is known."
    )
    async def submit_subject_request(self, info: Info, input: SubjectRequestFormInput) -> SubjectRequestReceipt:
        form = self_service.RequestForm(
            kind=models.SubjectRightKind(input.kind),
            email=input.email,
            first_name=input.first_name,
            last_name=input.last_name,
            message=input.message,
            source_url=input.source_url,
            language=input.language,
        )
        row = await self_service.submit(
            info.context.viewer, form, client=info.context.client_address, public_url=_public_url(info)
        )
        return SubjectRequestReceipt(reference=row.reference, received_at=row.received_at, due_at=row.due_at)

    @strawberry.mutation(description="DPO. Links a confirmed request to its contact.")
    async def link_subject_request(self, info: Info, id: strawberry.ID, contact_id: strawberry.ID) -> SubjectRequest:
        row = await self_service.link(
            info.context.viewer, decode_id("SubjectRequest", id), decode_id("Contact", contact_id)
        )
        return SubjectRequest(row=row)

    @strawberry.mutation(
        description="DPO. Mails the person of a confirmed, linked ACCESS or PORTABILITY request a personal "
        "download link."
    )
    async def deliver_subject_access_export(self, info: Info, request_id: strawberry.ID) -> ExportDelivery:
        settings = info.context.settings
        row = await deliveries.deliver(
            info.context.viewer,
            decode_id("SubjectRequest", request_id),
            public_url=_public_url(info),
            days=settings.delivery_days,
            max_downloads=settings.delivery_max_downloads,
        )
        return ExportDelivery(row=row)

    @strawberry.mutation(description="DPO. The link stops working at once.")
    async def revoke_export_delivery(self, info: Info, id: strawberry.ID) -> ExportDelivery:
        return ExportDelivery(row=await deliveries.revoke(info.context.viewer, decode_id("ExportDelivery", id)))
