"""Root fields of the purpose-bound marketing feed (API-key scope MARKETING_AUDIENCE).

Each contact a page shows is one VIEW_PERSONAL event in the key's name (schema.view_log), as for any
other read of personal data: its email and first name in the audience, its consent in the changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models.enums import ConsentPurpose  # the very class schema.enums (imported by schema.types) made a GraphQL enum
from resolvers import marketing
from resolvers.ids import encode_id
from schema.context import Info
from schema.types import PageInfo


@strawberry.type(
    description="Someone who consented to the purpose asked for: nothing else than what writing to them needs."
)
class MarketingContact:
    id: strawberry.ID
    email: str | None
    first_name: str | None

    @classmethod
    def of(cls, values: dict[str, Any]) -> MarketingContact:
        """From the fields auth.policy lets the key read: a field the policy adds, or the type lacks, fails here."""
        return cls(**{**values, "id": strawberry.ID(encode_id("Contact", values["id"]))})


@strawberry.type
class MarketingContactEdge:
    node: MarketingContact
    cursor: str


@strawberry.type
class MarketingAudienceConnection:
    edges: list[MarketingContactEdge]
    page_info: PageInfo


@strawberry.type(description="A consent granted or withdrawn, or an erasure (purpose and granted null): forget them.")
class ConsentChange:
    contact_id: strawberry.ID
    purpose: ConsentPurpose | None
    granted: bool | None
    erased: bool
    at: datetime


@strawberry.type
class ConsentChangeEdge:
    node: ConsentChange
    cursor: str


@strawberry.type
class ConsentChangeConnection:
    edges: list[ConsentChangeEdge]
    page_info: PageInfo


@strawberry.type
class MarketingQueries:
    @strawberry.field(
        description="API key MARKETING_AUDIENCE. The contacts whose current consent to the purpose is granted and "
        "whose processing is not restricted, whatever their visibility, newest first."
    )
    async def marketing_audience(
        self, info: Info, purpose: ConsentPurpose, first: int | None = 200, after: str | None = None
    ) -> MarketingAudienceConnection:
        viewer = info.context.viewer
        page = await marketing.audience(viewer, purpose, first, after)
        info.context.viewed_contacts.update(row.id for row in page.items)
        edges = [
            MarketingContactEdge(node=MarketingContact.of(marketing.audience_values(viewer, row)), cursor=cursor)
            for row, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return MarketingAudienceConnection(
            edges=edges, page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor)
        )

    @strawberry.field(
        description="API key MARKETING_AUDIENCE. Consent decisions and erasures at or after `since`, oldest first."
    )
    async def consent_changes(
        self, info: Info, since: datetime, first: int | None = 200, after: str | None = None
    ) -> ConsentChangeConnection:
        page = await marketing.changes(info.context.viewer, since, first, after)
        info.context.viewed_contacts.update(c.revealed for c in page.changes if c.revealed is not None)
        edges = [
            ConsentChangeEdge(
                node=ConsentChange(
                    contact_id=strawberry.ID(c.contact_id),
                    purpose=c.purpose,
                    granted=c.granted,
                    erased=c.erased,
                    at=c.at,
                ),
                cursor=c.cursor,
            )
            for c in page.changes
        ]
        return ConsentChangeConnection(
            edges=edges, page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor)
        )
