"""Root fields: consent with proof."""

from __future__ import annotations

import strawberry

from resolvers import consent
from resolvers.ids import decode_id
from schema.context import Info
from schema.inputs import ConsentInput
from schema.types import ConsentRecord


@strawberry.type
class ConsentQueries:
    @strawberry.field(description="The proof of every consent decision of a contact, oldest first.")
    async def consent_history(self, info: Info, contact_id: strawberry.ID) -> list[ConsentRecord]:
        rows = await consent.history(info.context.viewer, decode_id("Contact", contact_id))
        return [ConsentRecord.of(r, info) for r in rows]


@strawberry.type
class ConsentMutations:
    @strawberry.mutation(description="Appends a consent decision (granted, or withdrawn with granted: false).")
    async def record_consent(self, info: Info, input: ConsentInput) -> ConsentRecord:
        row = await consent.record_consent(
            info.context.viewer,
            decode_id("Contact", input.contact_id),
            input.purpose,
            input.granted,
            input.source,
            input.wording,
        )
        return ConsentRecord.of(row, info)
