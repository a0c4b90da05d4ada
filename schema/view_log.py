"""VIEW_PERSONAL audit events: one per contact revealed by a response, written in one batch at the end."""
from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from resolvers import audit


class ViewLog(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        principal = getattr(context, "principal", None)
        if principal is None or not context.viewed_contacts:
            return
        entries = [audit.Entry("VIEW_PERSONAL", contact_id) for contact_id in sorted(context.viewed_contacts)]
        context.viewed_contacts.clear()
        await audit.record_many(principal.agency_id, principal.actor, entries)
