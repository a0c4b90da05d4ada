from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from schema.enums import ConsentPurpose, ContactKind, RequestStatus, Visibility


def provided(patch: object) -> dict[str, Any]:
    """The fields a client actually sent (null included), keyed by python name."""
    return {k: v for k, v in vars(patch).items() if v is not strawberry.UNSET}


@strawberry.input
class TravelRequestFilter:
    contact_id: strawberry.ID | None = None
    status: RequestStatus | None = None
    created_before: datetime | None = None
    last_activity_before: datetime | None = None


@strawberry.input
class TravelerInput:
    first_name: str
    last_name: str
    birth_date: date | None = None


@strawberry.input
class ContactInput:
    first_name: str
    last_name: str
    kind: ContactKind | None = ContactKind.PROSPECT
    email: str | None = None
    phone: str | None = None
    birth_date: date | None = None
    address: str | None = None
    notes: str | None = None
    visibility: Visibility | None = None
    owner_id: strawberry.ID | None = None


@strawberry.input
class ContactPatch:
    kind: ContactKind | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    birth_date: date | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET


@strawberry.input
class TravelRequestInput:
    contact_id: strawberry.ID
    destination: str
    departure_date: date | None = None
    return_date: date | None = None
    traveler_count: int | None = 1
    budget_cents: int | None = None
    travelers: list[TravelerInput] | None = None
    notes: str | None = None


@strawberry.input
class TravelRequestPatch:
    status: RequestStatus | None = strawberry.UNSET
    destination: str | None = strawberry.UNSET
    departure_date: date | None = strawberry.UNSET
    return_date: date | None = strawberry.UNSET
    traveler_count: int | None = strawberry.UNSET
    budget_cents: int | None = strawberry.UNSET
    travelers: list[TravelerInput] | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET


@strawberry.input
class ConsentInput:
    contact_id: strawberry.ID
    purpose: ConsentPurpose
    granted: bool
    source: str
    wording: str


@strawberry.input
class IntakeConsentInput:
    purpose: ConsentPurpose
    granted: bool
    wording: str


@strawberry.input
class ContactFormInput:
    first_name: str
    last_name: str
    email: str
    source_url: str
    consents: list[IntakeConsentInput]
    destination: str
    phone: str | None = None
    departure_date: date | None = None
    traveler_count: int | None = 1
    message: str | None = None
