"""Root fields: contacts and travel requests."""

from __future__ import annotations

import strawberry

import models
from resolvers import contacts, travel_requests
from resolvers.ids import decode_id
from resolvers.pagination import Page
from schema.context import Info
from schema.enums import Visibility
from schema.inputs import (
    ContactInput,
    ContactPatch,
    TravelRequestFilter,
    TravelRequestInput,
    TravelRequestPatch,
    provided,
)
from schema.prefetch import prefetch_contact_page
from schema.types import Contact, ContactConnection, TravelRequest, TravelRequestConnection, travel_requests_of

CONTACT_FIELDS = ("kind", "first_name", "last_name", "email", "phone", "birth_date", "address", "notes")
REQUEST_FIELDS = (
    "destination",
    "departure_date",
    "return_date",
    "traveler_count",
    "budget_cents",
    "travelers",
    "notes",
)


async def one_request(info: Info, row: models.TravelRequest) -> TravelRequest:
    return (await travel_requests_of(info, [row]))[0]


async def request_connection(info: Info, page: Page[models.TravelRequest]) -> TravelRequestConnection:
    return TravelRequestConnection.of(page, await travel_requests_of(info, page.items))


@strawberry.type
class ContactQueries:
    @strawberry.field
    async def contact(self, info: Info, id: strawberry.ID) -> Contact | None:
        row = await contacts.get_contact(info.context.viewer, decode_id("Contact", id))
        return Contact.of(row, info)

    @strawberry.field(description="search matches names, email and phone, only of contacts whose personal data you see")
    async def contacts(
        self, info: Info, search: str | None = None, first: int | None = 50, after: str | None = None
    ) -> ContactConnection:
        page = await contacts.list_contacts(info.context.viewer, search, first, after)
        await prefetch_contact_page(info, page.items)
        return ContactConnection.of(page, [Contact.of(row, info) for row in page.items])

    @strawberry.field
    async def travel_request(self, info: Info, id: strawberry.ID) -> TravelRequest | None:
        row = await travel_requests.get_request(info.context.viewer, decode_id("TravelRequest", id))
        return await one_request(info, row)

    @strawberry.field
    async def travel_requests(
        self, info: Info, filter: TravelRequestFilter | None = None, first: int | None = 50, after: str | None = None
    ) -> TravelRequestConnection:
        f = filter or TravelRequestFilter()
        page = await travel_requests.list_requests(
            info.context.viewer,
            contact_id=decode_id("Contact", f.contact_id) if f.contact_id is not None else None,
            status=f.status,
            created_before=f.created_before,
            last_activity_before=f.last_activity_before,
            first=first,
            after=after,
        )
        return await request_connection(info, page)


@strawberry.type
class ContactMutations:
    @strawberry.mutation
    async def create_contact(self, info: Info, input: ContactInput) -> Contact:
        data = {k: getattr(input, k) for k in CONTACT_FIELDS}
        data["kind"] = data["kind"] or "PROSPECT"
        owner_id = decode_id("User", input.owner_id) if input.owner_id is not None else None
        row = await contacts.create_contact(info.context.viewer, data, input.visibility, owner_id)
        return Contact.of(row, info)

    @strawberry.mutation
    async def update_contact(self, info: Info, id: strawberry.ID, patch: ContactPatch) -> Contact:
        row = await contacts.update_contact(info.context.viewer, decode_id("Contact", id), provided(patch))
        return Contact.of(row, info)

    @strawberry.mutation
    async def set_contact_visibility(self, info: Info, id: strawberry.ID, visibility: Visibility) -> Contact:
        row = await contacts.set_visibility(info.context.viewer, decode_id("Contact", id), visibility)
        return Contact.of(row, info)

    @strawberry.mutation
    async def transfer_contact(self, info: Info, id: strawberry.ID, owner_id: strawberry.ID) -> Contact:
        row = await contacts.transfer(info.context.viewer, decode_id("Contact", id), decode_id("User", owner_id))
        return Contact.of(row, info)

    @strawberry.mutation
    async def create_travel_request(self, info: Info, input: TravelRequestInput) -> TravelRequest:
        data = {k: getattr(input, k) for k in REQUEST_FIELDS}
        if data["traveler_count"] is None:
            data["traveler_count"] = 1
        row = await travel_requests.create_request(info.context.viewer, decode_id("Contact", input.contact_id), data)
        return await one_request(info, row)

    @strawberry.mutation
    async def update_travel_request(self, info: Info, id: strawberry.ID, patch: TravelRequestPatch) -> TravelRequest:
        row = await travel_requests.update_request(info.context.viewer, decode_id("TravelRequest", id), provided(patch))
        return await one_request(info, row)
