"""Art. 17: erasing a contact, definitively (resolvers.deletion says what that covers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auth.principal import Principal
from models.enums import SubjectRequestStatus, SubjectRightKind, WebhookEvent
from models.gdpr import SubjectRequest
from resolvers import audit, deletion, subject_mail, webhooks
from resolvers.clock import now
from resolvers.contacts import get_contact


@dataclass(frozen=True)
class Receipt:
    erased_at: datetime
    requests_deleted: int
    consent_records_deleted: int
    recipients_to_notify: int  # webhooks told of the erasure (Art. 19)


async def erase_contact(principal: Principal, contact_id: int) -> Receipt:
    contact = await get_contact(principal, contact_id)
    async with deletion.transaction("erasure") as erasing:
        conn = erasing.conn
        # The open erasure requests of this person are fulfilled by this very erasure.
        fulfilled = await SubjectRequest.filter(
            contact_id=contact.id, kind=SubjectRightKind.ERASURE, status=SubjectRequestStatus.OPEN
        ).using_db(conn)
        for request in fulfilled:
            request.status, request.closed_at = SubjectRequestStatus.DONE, now()
            await request.save(update_fields=["status", "closed_at"], using_db=conn)
        requests, consents = await erasing.contacts([contact.id])
        # After the deletion, which took every mail about the person and wiped what they typed into the
        # website: the one thing kept is this answer, until 30 days after it is sent (resolvers.outbox).
        for request in fulfilled:
            await subject_mail.answer_on_closing(conn, request, SubjectRequestStatus.DONE, None)
        # The event names the person by opaque id only: it must outlive them without identifying them.
        await audit.record(
            principal,
            "ERASE",
            contact.id,
            f"requests {requests}, consent records {consents}, erasure requests closed {len(fulfilled)}",
            connection=conn,
        )
        # Queued with the erasure itself: no recipient can be forgotten by a crash in between.
        told = await webhooks.notify(conn, principal.agency_id, WebhookEvent.CONTACT_ERASED, contact.id)
    erased_at = now()
    # Only after commit: the freed pages and the WAL can be scrubbed once the delete is durable.
    await deletion.scrub_free_space()
    return Receipt(
        erased_at=erased_at, requests_deleted=requests, consent_records_deleted=consents, recipients_to_notify=told
    )
