"""GraphQL object types. Each wraps a row; data subjects' types are compartmented (schema.masking)."""
from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime

import strawberry

import models
from auth import enforce
from models.enums import ContactKind, RequestStatus, Role, Visibility
from resolvers import consent as consent_resolvers
from resolvers.ids import encode_id
from resolvers.pagination import Head, Page, page_of, page_of_head, page_size
from schema.context import Info
from schema.enums import ApiScope, ConsentPurpose
from schema.masking import compartmented
from schema.prefetch import now_or_later


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Agency:
    row: strawberry.Private[models.Agency]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Agency", self.row.id))

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def retention_months(self) -> int:
        return self.row.retention_months

    @strawberry.field
    def default_visibility(self) -> Visibility:
        return Visibility(self.row.default_visibility)


@strawberry.type
class Team:
    row: strawberry.Private[models.Team]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Team", self.row.id))

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    async def members(self, info: Info) -> list[User]:
        return [User(row=u) for u in await info.context.loaders.team_members.load(self.row.id)]


@strawberry.type
class User:
    row: strawberry.Private[models.User]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("User", self.row.id))

    @strawberry.field
    def email(self) -> str:
        return self.row.email

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def role(self) -> Role:
        return Role(self.row.role)

    @strawberry.field
    def active(self) -> bool:
        return self.row.active

    @strawberry.field
    def team(self, info: Info) -> Team | None:
        return team_of(info, self.row.team_id)  # type: ignore[attr-defined, return-value]


# Relations resolve from the request's DataLoaders: at once when the page prefetched them
# (schema.prefetch), else as an awaitable batched with the other rows' loads.


def _team(row: models.Team | None) -> Team | None:
    return Team(row=row) if row else None


def team_of(info: Info, team_id: int | None) -> Team | None | Awaitable[Team | None]:
    if team_id is None:
        return None
    return now_or_later(info.context.loaders.team, team_id, _team)


def _user(row: models.User | None) -> User:
    assert row is not None, "rows of an agency only reference users of that agency"
    return User(row=row)


def user_of(info: Info, user_id: int) -> User | Awaitable[User]:
    return now_or_later(info.context.loaders.user, user_id, _user)


def _consent_states(records: list[models.ConsentRecord]) -> list[ConsentState]:
    return [
        ConsentState(purpose=ConsentPurpose(r.purpose), granted=r.granted, since=r.recorded_at)
        for r in consent_resolvers.current_state(records)
    ]


@strawberry.type
class ConsentState:
    purpose: ConsentPurpose
    granted: bool
    since: datetime


@strawberry.type
class ConsentRecord:
    row: strawberry.Private[models.ConsentRecord]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("ConsentRecord", self.row.id))

    @strawberry.field
    def purpose(self) -> ConsentPurpose:
        return ConsentPurpose(self.row.purpose)

    @strawberry.field
    def granted(self) -> bool:
        return self.row.granted

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.row.recorded_at

    @strawberry.field
    def source(self) -> str:
        return self.row.source

    @strawberry.field
    def wording(self) -> str:
        return self.row.wording

    @strawberry.field
    def recorded_by(self) -> str:
        return self.row.recorded_by


@compartmented("Traveler")
@strawberry.type
class Traveler:
    row: strawberry.Private[models.Traveler]
    contact_id: strawberry.Private[int]
    personal_data_visible: strawberry.Private[bool]

    @strawberry.field
    def first_name(self) -> str | None:
        return self.row.first_name

    @strawberry.field
    def last_name(self) -> str | None:
        return self.row.last_name

    @strawberry.field
    def birth_date(self) -> date | None:
        return self.row.birth_date


@compartmented("Contact")
@strawberry.type
class Contact:
    row: strawberry.Private[models.Contact]

    @classmethod
    def of(cls, row: models.Contact, info: Info) -> Contact:
        return cls(row=row, personal_data_visible=enforce.sees_personal_data(info.context.viewer, row))

    personal_data_visible: bool

    @property
    def contact_id(self) -> int:
        return self.row.id

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Contact", self.row.id))

    @strawberry.field
    def kind(self) -> ContactKind:
        return ContactKind(self.row.kind)

    @strawberry.field
    def owner(self, info: Info) -> User:
        return user_of(info, self.row.owner_id)  # type: ignore[attr-defined, return-value]

    @strawberry.field
    def team(self, info: Info) -> Team | None:
        return team_of(info, self.row.team_id)  # type: ignore[attr-defined, return-value]

    @strawberry.field
    def visibility(self) -> Visibility:
        return Visibility(self.row.visibility)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def last_activity_at(self) -> datetime:
        return self.row.last_activity_at

    @strawberry.field
    def restricted(self) -> bool:
        return self.row.restricted

    @strawberry.field
    def first_name(self) -> str | None:
        return self.row.first_name

    @strawberry.field
    def last_name(self) -> str | None:
        return self.row.last_name

    @strawberry.field
    def email(self) -> str | None:
        return self.row.email

    @strawberry.field
    def phone(self) -> str | None:
        return self.row.phone

    @strawberry.field
    def birth_date(self) -> date | None:
        return self.row.birth_date

    @strawberry.field
    def address(self) -> str | None:
        return self.row.address

    @strawberry.field
    def notes(self) -> str | None:
        return self.row.notes

    @strawberry.field
    def consents(self, info: Info) -> list[ConsentState] | None:
        return now_or_later(info.context.loaders.consents, self.row.id, _consent_states)  # type: ignore[return-value]

    @strawberry.field
    def requests(self, info: Info, first: int | None = 50, after: str | None = None) -> TravelRequestConnection:
        if after is None:
            # The newest page of requests only, whatever the contact's count (one windowed query per page).
            def connection(head: Head[models.TravelRequest]) -> TravelRequestConnection:
                return self._request_connection(page_of_head(head, first))

            key = (self.row.id, page_size(first) + 1)
            return now_or_later(info.context.loaders.request_heads, key, connection)  # type: ignore[return-value]

        # A cursor is rare (the UI pages contacts, not their requests): all of the contact's requests.
        async def later() -> TravelRequestConnection:
            rows = await info.context.loaders.requests_of_contact.load(self.row.id)
            return self._request_connection(page_of(rows, first, after))

        return later()  # type: ignore[return-value]

    def _request_connection(self, page: Page[models.TravelRequest]) -> TravelRequestConnection:
        nodes = [TravelRequest(row=r, contact_row=self.row, personal_data_visible=self.personal_data_visible)
                 for r in page.items]
        return TravelRequestConnection.of(page, nodes)


@compartmented("TravelRequest")
@strawberry.type
class TravelRequest:
    row: strawberry.Private[models.TravelRequest]
    contact_row: strawberry.Private[models.Contact]
    personal_data_visible: strawberry.Private[bool]

    @property
    def contact_id(self) -> int:
        return self.contact_row.id

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("TravelRequest", self.row.id))

    @strawberry.field
    def contact(self, info: Info) -> Contact:
        return Contact(row=self.contact_row, personal_data_visible=self.personal_data_visible)

    @strawberry.field
    def advisor(self, info: Info) -> User:
        return user_of(info, self.row.advisor_id)  # type: ignore[attr-defined, return-value]

    @strawberry.field
    def status(self) -> RequestStatus:
        return RequestStatus(self.row.status)

    @strawberry.field
    def destination(self) -> str:
        return self.row.destination

    @strawberry.field
    def departure_date(self) -> date | None:
        return self.row.departure_date

    @strawberry.field
    def return_date(self) -> date | None:
        return self.row.return_date

    @strawberry.field
    def traveler_count(self) -> int:
        return self.row.traveler_count

    @strawberry.field
    def budget_cents(self) -> int | None:
        return self.row.budget_cents

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def last_activity_at(self) -> datetime:
        return self.row.last_activity_at

    @strawberry.field
    async def travelers(self, info: Info) -> list[Traveler] | None:
        rows = await info.context.loaders.travelers.load(self.row.id)
        return [Traveler(row=t, contact_id=self.contact_id, personal_data_visible=self.personal_data_visible)
                for t in rows]

    @strawberry.field
    def notes(self) -> str | None:
        return self.row.notes


async def travel_requests_of(info: Info, rows: list[models.TravelRequest]) -> list[TravelRequest]:
    """Wraps requests with their contact (one batched load) and the contact's compartment decision."""
    contacts = await info.context.loaders.contact.load_many([r.contact_id for r in rows])  # type: ignore[attr-defined]
    viewer = info.context.viewer
    return [
        TravelRequest(row=r, contact_row=c, personal_data_visible=enforce.sees_personal_data(viewer, c))
        for r, c in zip(rows, contacts, strict=True)
        if c is not None
    ]


@strawberry.type
class ContactEdge:
    node: Contact
    cursor: str


@strawberry.type
class ContactConnection:
    edges: list[ContactEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def of(cls, page: Page[models.Contact], nodes: list[Contact]) -> ContactConnection:
        return cls(
            edges=[ContactEdge(node=n, cursor=c) for n, c in zip(nodes, page.cursors, strict=True)],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=page.total_count,
        )


@strawberry.type
class TravelRequestEdge:
    node: TravelRequest
    cursor: str


@strawberry.type
class TravelRequestConnection:
    edges: list[TravelRequestEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def of(cls, page: Page[models.TravelRequest], nodes: list[TravelRequest]) -> TravelRequestConnection:
        cursors = dict(zip((r.id for r in page.items), page.cursors, strict=True))
        return cls(
            edges=[TravelRequestEdge(node=n, cursor=cursors[n.row.id]) for n in nodes],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=page.total_count,
        )


@strawberry.type
class ApiKey:
    row: strawberry.Private[models.ApiKey]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("ApiKey", self.row.id))

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def scopes(self) -> list[ApiScope]:
        return [ApiScope(s) for s in self.row.scopes.split(",") if s]

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def revoked(self) -> bool:
        return self.row.revoked


@strawberry.type
class NewApiKey:
    api_key: ApiKey
    secret: str


@strawberry.type
class LoginPayload:
    token: str
    user: User
    expires_at: datetime
