"""Art. 18: the DPO restricts a contact's processing; resolvers.contacts.ensure_not_restricted enforces it."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models.crm import Contact
from resolvers import audit
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
    return contact
