"""Root fields of the DPO's data-subject rights: restriction, erasure, and the requests' deadlines."""

from __future__ import annotations

from datetime import datetime

import strawberry

import models
from auth import enforce
from resolvers import deliveries, erasure, restriction, subject_requests
from resolvers.clock import now
from resolvers.ids import decode_id, encode_id
from schema.context import Info
from schema.enums import SubjectRequestChannel, SubjectRequestStatus, SubjectRightKind
from schema.types import Contact, NoteFinding, note_findings_of


@strawberry.type
class ErasureReceipt:
    erased_at: datetime
    requests_deleted: int
    consent_records_deleted: int
    recipients_to_notify: int = strawberry.field(description="Webhooks that will be told of the erasure (Art. 19).")


@strawberry.type(description="A personal download link mailed to the person (Art. 15(3)).")
class ExportDelivery:
    row: strawberry.Private[models.ExportDelivery]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("ExportDelivery", self.row.id))

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def expires_at(self) -> datetime:
        return self.row.expires_at

    @strawberry.field(description="CSV and JSON counted together")
    def downloads(self) -> int:
        return self.row.downloads

    @strawberry.field
    def max_downloads(self) -> int:
        return self.row.max_downloads

    @strawberry.field
    def revoked(self) -> bool:
        return self.row.revoked


def _requester_field(info: Info, value: str | None) -> str | None:
    return value if enforce.sees_requesters(info.context.viewer) else None


@strawberry.type
class SubjectRequest:
    row: strawberry.Private[models.SubjectRequest]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("SubjectRequest", self.row.id))

    @strawberry.field(description="null once the contact has been erased")
    async def contact(self, info: Info) -> Contact | None:
        contact_id = self.row.contact_id
        if contact_id is None:
            return None
        row = await info.context.loaders.contact.load(contact_id)
        return Contact.of(row, info) if row else None

    @strawberry.field
    def kind(self) -> SubjectRightKind:
        return SubjectRightKind(self.row.kind)

    @strawberry.field
    def status(self) -> SubjectRequestStatus:
        return SubjectRequestStatus(self.row.status)

    @strawberry.field
    def received_at(self) -> datetime:
        return self.row.received_at

    @strawberry.field(description="receivedAt + 1 month (Art. 12(3)); 2 more once extended")
    def due_at(self) -> datetime:
        return self.row.due_at

    @strawberry.field
    def closed_at(self) -> datetime | None:
        return self.row.closed_at

    @strawberry.field
    def extended(self) -> bool:
        return self.row.extended

    @strawberry.field
    def overdue(self) -> bool:
        return subject_requests.is_overdue(self.row, now())

    @strawberry.field(description="The public reference given to the person, e.g. DSR-7Q4K-M2XD.")
    def reference(self) -> str:
        return self.row.reference

    @strawberry.field
    def channel(self) -> SubjectRequestChannel:
        return SubjectRequestChannel(self.row.channel)

    @strawberry.field(description="Identity confirmed through the emailed link (staff-opened: true).")
    def verified(self) -> bool:
        return self.row.verified

    @strawberry.field
    def verified_at(self) -> datetime | None:
        return self.row.verified_at

    @strawberry.field(description="Personal, DPO only: the address the person gave on the website.")
    def requester_email(self, info: Info) -> str | None:
        return _requester_field(info, self.row.requester_email)

    @strawberry.field(description="Personal, DPO only.")
    def requester_name(self, info: Info) -> str | None:
        return _requester_field(info, self.row.requester_name)

    @strawberry.field(description="Personal, DPO only: what the person wrote.")
    def message(self, info: Info) -> str | None:
        return _requester_field(info, self.row.message)

    @strawberry.field(description="Personal, DPO only: what the notes detector found in the message.")
    async def note_findings(self, info: Info) -> list[NoteFinding] | None:
        if not enforce.sees_requesters(info.context.viewer):
            return None
        return note_findings_of(await info.context.loaders.subject_request_note_findings.load(self.row.id))

    @strawberry.field
    async def deliveries(self, info: Info) -> list[ExportDelivery]:
        rows = await deliveries.of_request(info.context.viewer.agency_id, self.row.id)
        return [ExportDelivery(row=r) for r in rows]


@strawberry.type
class GdprQueries:
    @strawberry.field(description="DPO. The agency's data-subject requests, soonest deadline first.")
    async def subject_requests(
        self, info: Info, overdue_only: bool | None = False, verified_only: bool | None = False
    ) -> list[SubjectRequest]:
        rows = await subject_requests.list_requests(info.context.viewer, bool(overdue_only), bool(verified_only))
        return [SubjectRequest(row=r) for r in rows]


@strawberry.type
class GdprMutations:
    @strawberry.mutation(description="DPO; Art. 18. While restricted, the contact's data and requests cannot change.")
    async def restrict_processing(self, info: Info, contact_id: strawberry.ID, restricted: bool) -> Contact:
        row = await restriction.set_restricted(info.context.viewer, decode_id("Contact", contact_id), restricted)
        return Contact.of(row, info)

    @strawberry.mutation(description="DPO; Art. 17. Deletes the contact, its requests and consent proofs for good.")
    async def erase_contact(self, info: Info, contact_id: strawberry.ID) -> ErasureReceipt:
        receipt = await erasure.erase_contact(info.context.viewer, decode_id("Contact", contact_id))
        return ErasureReceipt(
            erased_at=receipt.erased_at,
            requests_deleted=receipt.requests_deleted,
            consent_records_deleted=receipt.consent_records_deleted,
            recipients_to_notify=receipt.recipients_to_notify,
        )

    @strawberry.mutation(description="DPO. receivedAt defaults to now; the deadline is one month later.")
    async def open_subject_request(
        self, info: Info, contact_id: strawberry.ID, kind: SubjectRightKind, received_at: datetime | None = None
    ) -> SubjectRequest:
        row = await subject_requests.open_request(
            info.context.viewer, decode_id("Contact", contact_id), kind, received_at
        )
        return SubjectRequest(row=row)

    @strawberry.mutation(
        description="DPO. status: DONE or REJECTED; reason required to reject. A confirmed web request's "
        "person is told by mail, in their language."
    )
    async def close_subject_request(
        self, info: Info, id: strawberry.ID, status: SubjectRequestStatus, reason: str | None = None
    ) -> SubjectRequest:
        row = await subject_requests.close_request(info.context.viewer, decode_id("SubjectRequest", id), status, reason)
        return SubjectRequest(row=row)

    @strawberry.mutation(description="DPO; Art. 12(3). Adds two months to the deadline, once.")
    async def extend_subject_request(self, info: Info, id: strawberry.ID) -> SubjectRequest:
        row = await subject_requests.extend_request(info.context.viewer, decode_id("SubjectRequest", id))
        return SubjectRequest(row=row)
