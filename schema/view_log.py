"""VIEW_PERSONAL audit events: one per contact revealed by a response, written in one batch before it is sent."""
from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from resolvers import audit
from schema.context import Context


async def write_views(context: Context) -> None:
    """One event per contact revealed since the last call, and never twice for the same response."""
    principal = context.principal
    revealed = sorted(context.viewed_contacts - context.logged_contacts)
    context.viewed_contacts.clear()
    if principal is None or not revealed:
        return
    context.logged_contacts.update(revealed)
    await audit.record_many(principal.agency_id, principal.actor, [audit.Entry("VIEW_PERSONAL", c) for c in revealed])


class ViewLog(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        yield
        await write_views(self.execution_context.context)
