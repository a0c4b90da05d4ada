"""GraphQL object types. Each wraps a row; data subjects' types are compartmented (schema.masking)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from functools import partial

import strawberry

import models
from auth import enforce
from models.enums import ContactKind, RequestStatus, Role, Visibility
from resolvers import consent as consent_resolvers
from resolvers.ids import encode_id
from resolvers.note_findings import Flag
from resolvers.pagination import Head, Page, TotalCount, page_of, page_of_head, page_size
from schema.context import Info
from schema.enums import ApiScope, ConsentPurpose
from schema.masking import audited, build, compartmented, note_viewed
from schema.prefetch import PENDING, Relation, now_or_later

# Enum members by value: rows give their text (or the member, equal to it) by the thousand, and a
# dict lookup costs a fifth of calling the enum.
KINDS = {member.value: member for member in ContactKind}
VISIBILITIES = {member.value: member for member in Visibility}
STATUSES = {member.value: member for member in RequestStatus}


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


# The types a page lists by the hundred (users, teams, contacts, requests, travelers) hold their
# values as attributes, set once by `of`: graphql-core reads an attribute far faster than it calls
# a resolver per field per row.


@strawberry.type
class Team:
    row: strawberry.Private[models.Team]
    id: strawberry.ID
    name: str

    @classmethod
    def of(cls, row: models.Team) -> Team:
        return cls(row=row, id=strawberry.ID(encode_id("Team", row.id)), name=row.name)

    @strawberry.field
    async def members(self, info: Info) -> list[User]:
        return [User.of(u) for u in await info.context.loaders.team_members.load(self.row.id)]


@strawberry.type
class User:
    row: strawberry.Private[models.User]
    id: strawberry.ID
    email: str
    name: str
    role: Role
    active: bool

    @classmethod
    def of(cls, row: models.User) -> User:
        return cls(
            row=row,
            id=strawberry.ID(encode_id("User", row.id)),
            email=row.email,
            name=row.name,
            role=Role(row.role),
            active=row.active,
        )

    @strawberry.field
    def team(self, info: Info) -> Team | None:
        relation = team_of(info, self.row.team_id)
        return relation() if relation is not None else None


# Relations resolve from the request's DataLoaders: at once when the page prefetched them
# (schema.prefetch), else as an awaitable batched with the other rows' loads.


def _team(row: models.Team | None) -> Team | None:
    return Team.of(row) if row else None


def team_of(info: Info, team_id: int | None) -> Relation | None:
    if team_id is None:
        return None
    context = info.context
    return Relation(context.loaders.team, team_id, _team, context.teams)


def _user(row: models.User | None) -> User:
    if row is None:
        raise RuntimeError("rows of an agency only reference users of that agency")
    return User.of(row)


def user_of(info: Info, user_id: int) -> Relation:
    context = info.context
    return Relation(context.loaders.user, user_id, _user, context.users)


def _consent_states(records: list[models.ConsentRecord]) -> list[ConsentState]:
    return [
        ConsentState(purpose=ConsentPurpose(r.purpose), granted=r.granted, since=r.recorded_at)
        for r in consent_resolvers.current_state(records)
    ]


@strawberry.type(
    description="What the notes detector found in a free-text field (CNIL: no Art. 9 or 10 data, nothing insulting)."
)
class NoteFinding:
    field: str = strawberry.field(description='where it was found, e.g. "Contact.notes", "TravelRequest.notes"')
    category: models.SensitiveCategory
    excerpt: str = strawberry.field(description="the words that triggered it")
    covered: bool = strawberry.field(
        description="covered by a granted SPECIAL_CATEGORY_DATA consent (never for JUDGEMENT, CRIMINAL_OFFENCE)"
    )


_SENSITIVE = {member.value: member for member in models.SensitiveCategory}


def note_findings_of(flags: list[Flag]) -> list[NoteFinding]:
    return [
        NoteFinding(field=f.field, category=_SENSITIVE[f.category], excerpt=f.excerpt, covered=f.covered) for f in flags
    ]


@strawberry.type
class ConsentState:
    purpose: ConsentPurpose
    granted: bool
    since: datetime


@audited("ConsentRecord")
@strawberry.type
class ConsentRecord:
    """A consent decision's proof: served only to those who see the contact's personal data."""

    row: strawberry.Private[models.ConsentRecord]

    @classmethod
    def of(cls, row: models.ConsentRecord, info: Info) -> ConsentRecord:
        note_viewed(info, row.contact_id, "ConsentRecord")
        return cls(row=row)

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
    contact_id: strawberry.Private[int]
    personal_data_visible: strawberry.Private[bool]
    first_name: str | None
    last_name: str | None
    birth_date: date | None

    @classmethod
    def of(cls, row: models.Traveler, contact_id: int, visible: bool, info: Info) -> Traveler:
        return build(
            cls,
            info,
            contact_id,
            visible,
            {
                "contact_id": contact_id,
                "personal_data_visible": visible,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "birth_date": row.birth_date,
            },
        )


@compartmented("Contact")
@strawberry.type
class Contact:
    row: strawberry.Private[models.Contact]
    id: strawberry.ID
    kind: ContactKind
    visibility: Visibility
    created_at: datetime
    last_activity_at: datetime
    restricted: bool
    personal_data_visible: bool
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    birth_date: date | None
    address: str | None
    notes: str | None
    # Relations (schema.prefetch.Relation), resolved only when selected.
    owner: User
    team: Team | None
    consents: list[ConsentState] | None
    note_findings: list[NoteFinding] | None = strawberry.field(
        description="personal: what the notes detector found in this person's texts (their requests' included)"
    )

    # At once when the page prefetched the contact's requests, else later: graphql_type is what the schema says.
    @strawberry.field(graphql_type="TravelRequestConnection")
    def requests(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> TravelRequestConnection | Awaitable[TravelRequestConnection]:
        if after is None:
            # The newest page of requests only, whatever the contact's count (one windowed query per page).
            def connection(head: Head[models.TravelRequest]) -> TravelRequestConnection:
                return self._request_connection(page_of_head(head, first, kind="TravelRequest"), info)

            key = (self.row.id, page_size(first) + 1)
            return now_or_later(info.context.loaders.request_heads, key, connection)

        # A cursor is rare (the UI pages contacts, not their requests): all of the contact's requests.
        async def later() -> TravelRequestConnection:
            rows = await info.context.loaders.requests_of_contact.load(self.row.id)
            return self._request_connection(page_of(rows, first, after, kind="TravelRequest"), info)

        return later()

    @classmethod
    def of(cls, row: models.Contact, info: Info, visible: bool | None = None) -> Contact:
        """`visible`: the compartment decision when the caller has it already, else taken here."""
        if visible is None:
            visible = enforce.sees_personal_data(info.context.viewer, row)
        return build(
            cls,
            info,
            row.id,
            visible,
            {
                "row": row,
                "personal_data_visible": visible,
                "id": strawberry.ID(encode_id("Contact", row.id)),
                "kind": KINDS[row.kind],
                "visibility": VISIBILITIES[row.visibility],
                "created_at": row.created_at,
                "last_activity_at": row.last_activity_at,
                "restricted": bool(row.restricted),
                "first_name": row.first_name,
                "last_name": row.last_name,
                "email": row.email,
                "phone": row.phone,
                "birth_date": row.birth_date,
                "address": row.address,
                "notes": row.notes,
                "owner": user_of(info, row.owner_id),
                "team": team_of(info, row.team_id),
                "consents": Relation(info.context.loaders.consents, row.id, _consent_states),
                "note_findings": Relation(info.context.loaders.contact_note_findings, row.id, note_findings_of),
            },
        )

    def _request_connection(self, page: Page[models.TravelRequest], info: Info) -> TravelRequestConnection:
        nodes = [TravelRequest.of(r, self.row, self.personal_data_visible, info) for r in page.items]
        return TravelRequestConnection.of(page, nodes)


@compartmented("TravelRequest")
@strawberry.type
class TravelRequest:
    row: strawberry.Private[models.TravelRequest]
    contact_row: strawberry.Private[models.Contact]
    personal_data_visible: strawberry.Private[bool]
    id: strawberry.ID
    status: RequestStatus
    destination: str
    departure_date: date | None
    return_date: date | None
    traveler_count: int
    budget_cents: int | None
    created_at: datetime
    last_activity_at: datetime
    notes: str | None
    # Relations (schema.prefetch.Relation), resolved only when selected.
    advisor: User
    travelers: list[Traveler] | None
    note_findings: list[NoteFinding] | None = strawberry.field(
        description="personal: what the notes detector found in this request's notes"
    )

    @strawberry.field
    def contact(self, info: Info) -> Contact:
        return Contact.of(self.contact_row, info, visible=self.personal_data_visible)

    @classmethod
    def of(
        cls,
        row: models.TravelRequest,
        contact: models.Contact,
        visible: bool,
        info: Info,
        travelers: list[models.Traveler] | None = None,
    ) -> TravelRequest:
        """`travelers`: the request's travelers when the caller read them already (a streamed export), else
        loaded in a batch if selected."""
        loaders = info.context.loaders
        return build(
            cls,
            info,
            contact.id,
            visible,
            {
                "row": row,
                "contact_row": contact,
                "personal_data_visible": visible,
                "id": strawberry.ID(encode_id("TravelRequest", row.id)),
                "status": STATUSES[row.status],
                "destination": row.destination,
                "departure_date": row.departure_date,
                "return_date": row.return_date,
                "traveler_count": row.traveler_count,
                "budget_cents": row.budget_cents,
                "created_at": row.created_at,
                "last_activity_at": row.last_activity_at,
                "notes": row.notes,
                "advisor": user_of(info, row.advisor_id),
                "travelers": Relation(
                    loaders.travelers,
                    row.id,
                    partial(_travelers, contact.id, visible, info),
                    value=PENDING if travelers is None else travelers,
                ),
                "note_findings": Relation(loaders.request_note_findings, row.id, note_findings_of),
            },
        )


def _travelers(contact_id: int, visible: bool, info: Info, rows: list[models.Traveler]) -> list[Traveler]:
    return [Traveler.of(t, contact_id, visible, info) for t in rows]


async def travel_requests_of(info: Info, rows: list[models.TravelRequest]) -> list[TravelRequest]:
    """Wraps requests with their contact (one batched load) and the contact's compartment decision."""
    contacts = await info.context.loaders.contact.load_many([r.contact_id for r in rows])
    viewer = info.context.viewer
    return [
        TravelRequest.of(r, c, enforce.sees_personal_data(viewer, c), info)
        for r, c in zip(rows, contacts, strict=True)
        if c is not None
    ]


@strawberry.type
class ContactEdge:
    node: Contact
    cursor: str


@strawberry.type
class ContactConnection:
    count: strawberry.Private[TotalCount]
    edges: list[ContactEdge]
    page_info: PageInfo

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of(cls, page: Page[models.Contact], nodes: list[Contact]) -> ContactConnection:
        return cls(
            edges=[ContactEdge(node=n, cursor=c) for n, c in zip(nodes, page.cursors, strict=True)],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            count=page.count,
        )


@strawberry.type
class TravelRequestEdge:
    node: TravelRequest
    cursor: str


@strawberry.type
class TravelRequestConnection:
    count: strawberry.Private[TotalCount]
    edges: list[TravelRequestEdge]
    page_info: PageInfo

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of(cls, page: Page[models.TravelRequest], nodes: list[TravelRequest]) -> TravelRequestConnection:
        cursors = dict(zip((r.id for r in page.items), page.cursors, strict=True))
        return cls(
            edges=[TravelRequestEdge(node=n, cursor=cursors[n.row.id]) for n in nodes],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            count=page.count,
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

    @strawberry.field
    def trusted_documents_only(self) -> bool:
        return self.row.trusted_documents_only


@strawberry.type
class NewApiKey:
    api_key: ApiKey
    secret: str


@strawberry.type
class LoginPayload:
    token: str
    user: User
    expires_at: datetime
