"""Art. 18: the DPO restricts a contact's processing; resolvers.contacts.ensure_not_restricted enforces it."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models.crm import Contact
from models.enums import WebhookEvent
from resolvers import audit, webhooks
from resolvers.contacts import get_contact


async def set_restricted(principal: Principal, contact_id: int, restricted: bool) -> Contact:
    contact = await get_contact(principal, contact_id)
    if contact.restricted == restricted:
        # Nothing changes, so nothing to account for: repeating the call is harmless.
        return contact
    contact.restricted = restricted
    async with in_transaction() as conn:
        await contact.save(update_fields=["restricted"], using_db=conn)
        await audit.record(principal, "RESTRICT" if restricted else "UNRESTRICT", contact.id, connection=conn)
        if restricted:  # Art. 19 asks to tell of a restriction; lifting it is the person's to be told (Art. 18(3))
            await webhooks.notify(
                conn, principal.agency_id, WebhookEvent.PROCESSING_RESTRICTED, contact.id, ["restricted"]
            )
    return contact
