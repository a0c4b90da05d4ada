"""Art. 17: erasing a contact, definitively (resolvers.deletion says what that covers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auth.principal import Principal
from models.enums import SubjectRequestStatus, SubjectRightKind
from models.gdpr import SubjectRequest
from resolvers import audit, deletion
from resolvers.clock import now
from resolvers.contacts import get_contact


@dataclass(frozen=True)
class Receipt:
    erased_at: datetime
    requests_deleted: int
    consent_records_deleted: int


async def erase_contact(principal: Principal, contact_id: int) -> Receipt:
    contact = await get_contact(principal, contact_id)
    async with deletion.transaction("erasure") as erasing:
        conn = erasing.conn
        # The open erasure requests of this person are fulfilled by this very erasure.
        closed = (
            await SubjectRequest.filter(
                contact_id=contact.id, kind=SubjectRightKind.ERASURE, status=SubjectRequestStatus.OPEN
            )
            .using_db(conn)
            .update(status=SubjectRequestStatus.DONE, closed_at=now())
        )
        requests, consents = await erasing.contacts([contact.id])
        # The event names the person by opaque id only: it must outlive them without identifying them.
        await audit.record(
            principal,
            "ERASE",
            contact.id,
            f"requests {requests}, consent records {consents}, erasure requests closed {closed}",
            connection=conn,
        )
    erased_at = now()
    # Only after commit: the freed pages and the WAL can be scrubbed once the delete is durable.
    await deletion.scrub_free_space()
    return Receipt(erased_at=erased_at, requests_deleted=requests, consent_records_deleted=consents)
