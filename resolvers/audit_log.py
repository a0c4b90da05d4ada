"""Reading the audit trail (the DPO): the agency's events, newest first, and the check of its chain."""

from __future__ import annotations

from auth.errors import BadInput
from auth.principal import Principal
from models.gdpr import AuditEvent
from resolvers import audit, validation
from resolvers.ids import decode_id
from resolvers.pagination import Page, paginate

ACTION_MAX = 32
ACTOR_MAX = 254


async def audit_log(
    principal: Principal,
    *,
    contact_id: str | None = None,
    actor_email: str | None = None,
    action: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page[AuditEvent]:
    query = AuditEvent.filter(agency_id=principal.agency_id)
    if contact_id is not None:
        # The contact may be long erased: its opaque id is all the trail ever held, so no lookup.
        query = query.filter(contact_ref=audit.contact_ref(decode_id("Contact", contact_id)))
    if actor_email is not None:
        actor = validation.text("actorEmail", actor_email, max_length=ACTOR_MAX)
        # Emails are stored lower-cased; "system" and "api-key:<name>" are matched as given.
        query = query.filter(actor__in=sorted({actor, actor.lower()}))
    if action is not None:
        name = validation.text("action", action, max_length=ACTION_MAX).upper()
        if not name.replace("_", "").isalnum():
            raise BadInput("action", "must be an action name such as VIEW_PERSONAL or PURGE")
        query = query.filter(action=name)
    return await paginate(query, first, after)


async def verify(principal: Principal) -> audit.Verification:
    return await audit.verify_chain(principal.agency_id)
