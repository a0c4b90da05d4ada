"""Root fields of the breach register (Art. 33, 34): recording a breach and who it exposed."""

from __future__ import annotations

from datetime import datetime

import strawberry

import models
from auth import enforce
from resolvers import breaches
from resolvers.ids import decode_id, encode_id
from resolvers.pagination import paginate
from schema.context import Info
from schema.prefetch import prefetch_contact_page
from schema.types import Contact, ContactConnection


@strawberry.input
class BreachInput:
    discovered_at: datetime
    description: str
    actor_email: str | None = strawberry.field(default=None, description="the suspected actor: a user...")
    api_key_id: strawberry.ID | None = strawberry.field(default=None, description="...and/or an API key")
    from_: datetime = strawberry.field(name="from")
    to: datetime


@strawberry.type(description="A personal data breach, as the register (Art. 33(5)) keeps it.")
class Breach:
    row: strawberry.Private[models.Breach]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Breach", self.row.id))

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.row.recorded_at

    @strawberry.field
    def discovered_at(self) -> datetime:
        return self.row.discovered_at

    @strawberry.field
    def description(self) -> str:
        return self.row.description

    @strawberry.field(description="when notifyBreachSubjects queued the letters (Art. 34), if it did")
    def subjects_notified_at(self) -> datetime | None:
        return self.row.subjects_notified_at

    @strawberry.field(description="discoveredAt + 72 h (Art. 33(1))")
    def notify_authority_by(self) -> datetime:
        return self.row.notify_authority_by

    @strawberry.field(description="people whose data the actor viewed, exported or downloaded in the window")
    def affected_contact_count(self) -> int:
        return self.row.affected_contact_count

    @strawberry.field(description="categories of personal data exposed")
    def categories(self) -> list[str]:
        return [c for c in self.row.categories.split("\n") if c]

    @strawberry.field(description="Art. 33(3) contents, filled from the data; the DPO completes the bracketed parts")
    def notification_draft(self) -> str:
        return self.row.notification_draft

    @strawberry.field(description="the affected people still on file, newest first")
    async def affected_contacts(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> ContactConnection:
        ids = await breaches.affected_contact_ids(self.row)
        query = enforce.contacts(info.context.viewer).filter(id__in=ids)
        page = await paginate(query, first, after)
        await prefetch_contact_page(info, page.items)
        return ContactConnection.of(page, [Contact.of(row, info) for row in page.items])


@strawberry.type
class BreachQueries:
    @strawberry.field(description="DPO. The breach register (Art. 33(5)), newest first.")
    async def breaches(self, info: Info) -> list[Breach]:
        return [Breach(row=row) for row in await breaches.list_breaches(info.context.viewer)]


@strawberry.type
class BreachMutations:
    @strawberry.mutation(
        description="DPO. Records a breach and computes, from the audit log, whose data the suspected actor viewed, "
        "exported or downloaded between from and to."
    )
    async def record_breach(self, info: Info, input: BreachInput) -> Breach:
        data = breaches.BreachInput(
            discovered_at=input.discovered_at,
            description=input.description,
            actor_email=input.actor_email,
            api_key_id=input.api_key_id,
            window_from=input.from_,
            window_to=input.to,
        )
        return Breach(row=await breaches.record_breach(info.context.viewer, data))

    @strawberry.mutation(
        description="DPO; Art. 34. Queues one letter per affected person with an email (the mail outbox); "
        "returns how many. Once per breach."
    )
    async def notify_breach_subjects(self, info: Info, id: strawberry.ID) -> int:
        return await breaches.notify_subjects(info.context.viewer, decode_id("Breach", id))
