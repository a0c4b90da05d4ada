"""VIEW_PERSONAL audit events: one per contact revealed by a response, written in one batch before it is sent."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from resolvers import audit
from resolvers.faults import unavailable
from schema.context import Context
from schema.errors import UNEXPECTED

log = logging.getLogger("alveole.audit")


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
        try:
            await write_views(self.execution_context.context)
        except Exception as error:  # noqa: BLE001 - any failure to audit must withhold the data
            # No audit record, no personal data: the answer is replaced, and the cause (which may
            # quote SQL) is logged by type only.
            log.error("could not record VIEW_PERSONAL events: %s", type(error).__name__)
            result = self.execution_context.result
            if result is not None and hasattr(result, "data"):
                result.data = None
                fault = unavailable(error)
                result.errors = [
                    GraphQLError(UNEXPECTED, extensions={"code": "INTERNAL_SERVER_ERROR"})
                    if fault is None
                    else GraphQLError(fault.message, extensions={"code": fault.code, **fault.extensions})
                ]
