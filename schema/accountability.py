"""Root fields of accountability (Art. 5(2), 30): the audit trail, its verification, the inventory."""

from __future__ import annotations

import strawberry

import models
from resolvers import audit_log
from resolvers.ids import encode_id
from resolvers.inventory import inventory
from resolvers.pagination import Page, TotalCount
from schema.audit_types import AuditEvent
from schema.context import Info
from schema.types import PageInfo


@strawberry.type
class AuditEventEdge:
    node: AuditEvent
    cursor: str


@strawberry.type
class AuditEventConnection:
    count: strawberry.Private[TotalCount]
    edges: list[AuditEventEdge]
    page_info: PageInfo

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of(cls, page: Page[models.AuditEvent]) -> AuditEventConnection:
        return cls(
            edges=[
                AuditEventEdge(node=AuditEvent(row=row), cursor=cursor)
                for row, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            count=page.count,
        )


@strawberry.type
class AuditVerification:
    ok: bool
    checked_events: int
    first_broken_event_id: strawberry.ID | None


@strawberry.type
class PersonalDataField:
    entity: str
    field: str
    category: str
    visible_to: str
    retention: str


@strawberry.type
class AccountabilityQueries:
    @strawberry.field(description="DPO. The agency's audit trail, newest first; filters combine.")
    async def audit_log(
        self,
        info: Info,
        contact_id: strawberry.ID | None = None,
        actor_email: str | None = None,
        action: str | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> AuditEventConnection:
        page = await audit_log.audit_log(
            info.context.viewer,
            contact_id=contact_id,
            actor_email=actor_email,
            action=action,
            first=first,
            after=after,
        )
        return AuditEventConnection.of(page)

    @strawberry.field(
        description="DPO. Recomputes the agency's hash chain: ok is false if any event was altered or removed."
    )
    async def verify_audit_chain(self, info: Info) -> AuditVerification:
        result = await audit_log.verify(info.context.viewer)
        broken = result.first_broken_event_id
        return AuditVerification(
            ok=result.ok,
            checked_events=result.checked_events,
            first_broken_event_id=strawberry.ID(encode_id("AuditEvent", broken)) if broken is not None else None,
        )

    @strawberry.field(description="DPO, ADMIN. The Art. 30 register: every personal field the models hold.")
    def personal_data_inventory(self, info: Info) -> list[PersonalDataField]:
        return [
            PersonalDataField(
                entity=row.entity,
                field=row.field,
                category=row.category,
                visible_to=row.visible_to,
                retention=row.retention,
            )
            for row in inventory()
        ]
