"""Data-subject requests and their Art. 12(3) deadline: one month, extendable once by two more."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from auth.errors import BadInput, NotFound
from auth.principal import Principal
from models.enums import SubjectRequestStatus, SubjectRightKind
from models.gdpr import SubjectRequest, new_reference
from resolvers import audit, list_caps, subject_mail, validation
from resolvers.clock import now
from resolvers.contacts import get_contact

RESPONSE_MONTHS = 1
EXTENSION_MONTHS = 2
REASON_MAX = 2000


def add_months(at: datetime, months: int) -> datetime:
    """Same day `months` later; a day the target month lacks becomes its last day (31 Jan -> 28/29 Feb)."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


async def unused_reference(conn: BaseDBAsyncClient) -> str:
    # 2^40 references: a clash is rare enough that drawing again is the whole answer.
    while True:
        reference = new_reference()
        if not await SubjectRequest.filter(reference=reference).using_db(conn).exists():
            return reference


def is_overdue(request: SubjectRequest, at: datetime) -> bool:
    return request.status == SubjectRequestStatus.OPEN and at > request.due_at


async def get_request(principal: Principal, request_id: int) -> SubjectRequest:
    request = await SubjectRequest.filter(id=request_id, agency_id=principal.agency_id).first()
    if request is None:
        raise NotFound("SubjectRequest")
    return request


async def list_requests(principal: Principal, overdue_only: bool, verified_only: bool = False) -> list[SubjectRequest]:
    query = SubjectRequest.filter(agency_id=principal.agency_id)
    if overdue_only:
        query = query.filter(status=SubjectRequestStatus.OPEN, due_at__lt=now())
    if verified_only:
        query = query.filter(verified=True)
    hint = ": narrow it with overdueOnly or verifiedOnly"
    return await list_caps.at_most(query.order_by("due_at", "id"), list_caps.SUBJECT_REQUESTS, "subjectRequests", hint)


def _received_at(value: datetime | None) -> datetime:
    at = now()
    if value is None:
        return at
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadInput("receivedAt", "must include a UTC offset")
    if value > at:
        raise BadInput("receivedAt", "must not be in the future")
    return value


async def open_request(
    principal: Principal, contact_id: int, kind: SubjectRightKind, received_at: datetime | None
) -> SubjectRequest:
    contact = await get_contact(principal, contact_id)
    received = _received_at(received_at)
    # Counted in the offset the request was received in, so "31 January" is the requester's calendar day;
    # stored in UTC, because SQLite compares and sorts datetimes as text.
    due = add_months(received, RESPONSE_MONTHS).astimezone(UTC)
    received = received.astimezone(UTC)
    async with in_transaction() as conn:
        request = await SubjectRequest.create(
            agency_id=principal.agency_id,
            contact_id=contact.id,
            kind=kind,
            received_at=received,
            due_at=due,
            reference=await unused_reference(conn),
            using_db=conn,
        )
        await audit.record(
            principal,
            "OPEN_SUBJECT_REQUEST",
            contact.id,
            f"subject request {request.id} {kind.value}",
            connection=conn,
        )
    return request


async def close_request(
    principal: Principal, request_id: int, status: SubjectRequestStatus, reason: str | None = None
) -> SubjectRequest:
    """A web request's person gets a short answer by mail (resolvers.subject_mail), in the same transaction."""
    if status == SubjectRequestStatus.OPEN:
        raise BadInput("status", "must be DONE or REJECTED to close a request")
    reason = validation.optional_text("reason", reason, max_length=REASON_MAX, multiline=True)
    if status == SubjectRequestStatus.REJECTED and reason is None:
        raise BadInput("reason", "is required to reject a request: the person is told why")
    request = await get_request(principal, request_id)
    if request.status != SubjectRequestStatus.OPEN:
        raise BadInput("id", "this request is already closed")
    request.status = status
    request.closed_at = now()
    async with in_transaction() as conn:
        await request.save(update_fields=["status", "closed_at"], using_db=conn)
        await subject_mail.answer_on_closing(conn, request, status, reason)
        await audit.record(
            principal,
            "CLOSE_SUBJECT_REQUEST",
            request.contact_id,
            f"subject request {request.id} {status.value}",
            connection=conn,
        )
    return request


async def extend_request(principal: Principal, request_id: int) -> SubjectRequest:
    request = await get_request(principal, request_id)
    if request.status != SubjectRequestStatus.OPEN:
        raise BadInput("id", "a closed request cannot be extended")
    if request.extended:
        raise BadInput("id", "this request was already extended: Art. 12(3) allows one extension of two months")
    # Two months on top of the current deadline, as Art. 12(3) words it ("extended by two further months").
    request.due_at = add_months(request.due_at, EXTENSION_MONTHS)
    request.extended = True
    async with in_transaction() as conn:
        await request.save(update_fields=["due_at", "extended"], using_db=conn)
        await audit.record(
            principal,
            "EXTEND_SUBJECT_REQUEST",
            request.contact_id,
            f"subject request {request.id}",
            connection=conn,
        )
    return request
