"""Art. 17: erasing a contact, definitively (resolvers.deletion says what that covers), and the trace every
definitive deletion of a person leaves, the retention purge's included (record_gone)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from auth.principal import Principal
from models.enums import SubjectRequestStatus, SubjectRightKind, WebhookEvent
from models.gdpr import SubjectRequest
from resolvers import audit, deletion, subject_mail, webhooks
from resolvers.clock import now
from resolvers.contacts import get_contact

ERASE = "ERASE"  # by erasure (Art. 17)
PURGE = "PURGE"  # by the retention purge (Art. 5(1)(e)); a run's summary is a PURGE event naming nobody
# The audit events that name a person deleted for good. They outlive the person, naming them by opaque id
# only, and the recipients read them as that person's erasure (resolvers.marketing's consentChanges).
GONE = (ERASE, PURGE)


async def record_gone(
    conn: BaseDBAsyncClient, agency_id: int, actor: str, action: str, contact_ids: Sequence[int], detail: str
) -> int:
    """The trace of people deleted for good, written in the deleting transaction: one `action` event each (ERASE
    or PURGE, naming the person), and a CONTACT_ERASED notice to every recipient (Art. 19); one insert each,
    however many people (a purge's batch). Returns how many recipients will be told."""
    await audit.record_many(
        agency_id, actor, [audit.Entry(action, contact_id, detail) for contact_id in contact_ids], conn
    )
    return await webhooks.notify_many(conn, agency_id, WebhookEvent.CONTACT_ERASED, contact_ids)


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
        # The trace and the notices, with the erasure itself: no recipient can be forgotten by a crash in between.
        detail = f"requests {requests}, consent records {consents}, erasure requests closed {len(fulfilled)}"
        told = await record_gone(conn, principal.agency_id, principal.actor, ERASE, [contact.id], detail)
    erased_at = now()
    # Only after commit: the freed pages and the WAL can be scrubbed once the delete is durable.
    await deletion.scrub_free_space()
    return Receipt(
        erased_at=erased_at, requests_deleted=requests, consent_records_deleted=consents, recipients_to_notify=told
    )
