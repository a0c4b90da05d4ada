"""Root fields of the DPO's data-subject rights: restriction, erasure, and the requests' deadlines."""

from __future__ import annotations

from datetime import datetime

import strawberry

import models
from resolvers import erasure, restriction, subject_requests
from resolvers.clock import now
from resolvers.ids import decode_id, encode_id
from schema.context import Info
from schema.enums import SubjectRequestStatus, SubjectRightKind
from schema.types import Contact


@strawberry.type
class ErasureReceipt:
    erased_at: datetime
    requests_deleted: int
    consent_records_deleted: int


@strawberry.type
class SubjectRequest:
    row: strawberry.Private[models.SubjectRequest]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("SubjectRequest", self.row.id))

    @strawberry.field(description="null once the contact has been erased")
    async def contact(self, info: Info) -> Contact | None:
        contact_id = self.row.contact_id  # type: ignore[attr-defined]
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


@strawberry.type
class GdprQueries:
    @strawberry.field(description="DPO. The agency's data-subject requests, soonest deadline first.")
    async def subject_requests(self, info: Info, overdue_only: bool | None = False) -> list[SubjectRequest]:
        rows = await subject_requests.list_requests(info.context.viewer, bool(overdue_only))
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
        )

    @strawberry.mutation(description="DPO. receivedAt defaults to now; the deadline is one month later.")
    async def open_subject_request(
        self, info: Info, contact_id: strawberry.ID, kind: SubjectRightKind, received_at: datetime | None = None
    ) -> SubjectRequest:
        row = await subject_requests.open_request(
            info.context.viewer, decode_id("Contact", contact_id), kind, received_at
        )
        return SubjectRequest(row=row)

    @strawberry.mutation(description="DPO. status: DONE or REJECTED.")
    async def close_subject_request(
        self, info: Info, id: strawberry.ID, status: SubjectRequestStatus
    ) -> SubjectRequest:
        row = await subject_requests.close_request(info.context.viewer, decode_id("SubjectRequest", id), status)
        return SubjectRequest(row=row)

    @strawberry.mutation(description="DPO; Art. 12(3). Adds two months to the deadline, once.")
    async def extend_subject_request(self, info: Info, id: strawberry.ID) -> SubjectRequest:
        row = await subject_requests.extend_request(info.context.viewer, decode_id("SubjectRequest", id))
        return SubjectRequest(row=row)
