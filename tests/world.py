"""Worlds for tests: agencies, teams, users with sessions, and contacts in every compartment, in one call."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import httpx

from auth.credentials import new_session_token, secret_hash
from auth.passwords import hash_password
from models import (
    Agency,
    ConsentPurpose,
    ConsentRecord,
    Contact,
    OutboxMessage,
    Role,
    Session,
    SubjectRequest,
    SubjectRequestChannel,
    SubjectRightKind,
    Team,
    Traveler,
    TravelRequest,
    User,
    Visibility,
)
from resolvers.clock import now
from resolvers.ids import encode_id
from resolvers.search import search_text

PASSWORD = "correct-horse-battery-staple"
_phone_serial = itertools.count(1)  # unique phone numbers, so a leaked phone is unambiguous


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code < 500, response.text
        return response.json()

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        body = await self.post(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def error_code(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> str:
        body = await self.post(query, variables, token)
        assert body.get("errors"), body
        return body["errors"][0]["extensions"]["code"]


async def make_user(
    agency: Agency, email: str, role: Role, team: Team | None = None, name: str | None = None
) -> tuple[User, str]:
    user = await User.create(
        agency=agency,
        email=email,
        name=name or email.split("@")[0].title(),
        role=role,
        team=team,
        password_hash=password_hash(),
    )
    token = new_session_token()
    at = now()
    await Session.create(
        user=user, token_hash=secret_hash(token), created_at=at, last_seen_at=at, expires_at=at + timedelta(hours=1)
    )
    return user, token


async def make_contact(
    agency: Agency, owner: User, visibility: Visibility, tag: str, *, requests: int = 1, age_days: int = 0
) -> Contact:
    """A contact whose every personal value contains `tag`, so a leak is a substring search."""
    at = now() - timedelta(days=age_days)
    first, last = f"Prenom{tag}", f"Nom{tag}"
    email = f"mail{tag.lower()}@example.org"
    serial = next(_phone_serial)
    # Search matches every word of a term anywhere in a contact's digits: two-digit groups ("09") would let one
    # world's phone match another's after enough serials; a six-digit serial word never does.
    phone = f"+33 7{len(tag) % 100:02d} {serial % 1_000_000:06d}"
    contact = await Contact.create(
        agency=agency,
        owner=owner,
        team_id=owner.team_id,
        visibility=visibility,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        birth_date=date(1980, 5, 17),
        address=f"Adresse{tag}",
        notes=f"Note{tag}",
        created_at=at,
        last_activity_at=at,
        search_text=search_text(first, last, email, phone),
    )
    await ConsentRecord.create(
        contact=contact,
        purpose=ConsentPurpose.NEWSLETTER,
        granted=True,
        recorded_at=at,
        source=f"https://form/{tag}",
        wording=f"Wording{tag}",
        recorded_by=owner.email,
    )
    for i in range(requests):
        request = await TravelRequest.create(
            agency=agency,
            contact=contact,
            advisor=owner,
            destination=f"Destination{i}",
            notes=f"ReqNote{tag}{i}",
            created_at=at,
            last_activity_at=at,
            traveler_count=2,
        )
        await Traveler.create(
            request=request, first_name=f"Voyageur{tag}", last_name=f"Compagnon{tag}", birth_date=date(2015, 3, 1)
        )
    return contact


def personal_values(contact: Contact) -> list[str]:
    tag = contact.first_name.removeprefix("Prenom")
    return [
        contact.first_name,
        contact.last_name,
        contact.email or "",
        contact.phone or "",
        f"Adresse{tag}",
        f"Note{tag}",
        f"ReqNote{tag}",
        f"Voyageur{tag}",
        f"Compagnon{tag}",
        f"Wording{tag}",
    ]


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


@dataclass
class World:
    agency: Agency
    other_agency: Agency
    team_a: Team
    team_b: Team
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    contacts: dict[Visibility, Contact] = field(default_factory=dict)
    foreign_contact: Contact | None = None


# Viewer positions relative to the contacts below, which `owner` owns and whose team is team_a.
POSITIONS = ("owner", "mate", "other_team", "no_team", "admin", "dpo", "foreign_dpo", "foreign_advisor")


async def make_world() -> World:
    agency = await Agency.create(name="Agence A")
    other = await Agency.create(name="Agence B")
    team_a = await Team.create(agency=agency, name="Team A")
    team_b = await Team.create(agency=agency, name="Team B")
    foreign_team = await Team.create(agency=other, name="Team A")
    world = World(agency=agency, other_agency=other, team_a=team_a, team_b=team_b)
    specs = {
        "owner": (agency, Role.ADVISOR, team_a),
        "mate": (agency, Role.ADVISOR, team_a),
        "other_team": (agency, Role.ADVISOR, team_b),
        "no_team": (agency, Role.ADVISOR, None),
        "admin": (agency, Role.ADMIN, None),  # an ADMIN belongs to no team (auth.policy.ROLES_WITHOUT_TEAM)
        "dpo": (agency, Role.DPO, None),
        "foreign_dpo": (other, Role.DPO, None),
        "foreign_advisor": (other, Role.ADVISOR, foreign_team),
    }
    for position, (ag, role, team) in specs.items():
        user, token = await make_user(ag, f"{position}@{ag.id}.test", role, team)
        world.users[position] = user
        world.tokens[position] = token
    for visibility in Visibility:
        world.contacts[visibility] = await make_contact(
            agency, world.users["owner"], visibility, f"X{visibility.value}Q"
        )
    world.foreign_contact = await make_contact(other, world.users["foreign_advisor"], Visibility.AGENCY, "FOREIGNQ")
    return world


# Who sees the personal data of a contact of `owner` (team_a), per visibility: the policy, restated by hand.
EXPECTED_VISIBLE: dict[Visibility, set[str]] = {
    Visibility.ADVISOR: {"owner", "dpo"},
    Visibility.TEAM: {"owner", "mate", "dpo"},
    Visibility.AGENCY: {"owner", "mate", "other_team", "no_team", "admin", "dpo"},
}


async def make_web_request(agency: Agency, email: str, name: str, message: str, mail_body: str) -> SubjectRequest:
    """A confirmed request from the website's form, and a mail to its requester waiting in the outbox."""
    at = now()
    request = await SubjectRequest.create(
        agency=agency,
        kind=SubjectRightKind.ACCESS,
        received_at=at,
        due_at=at,
        channel=SubjectRequestChannel.WEB_FORM,
        verified=True,
        requester_email=email,
        requester_name=name,
        message=message,
    )
    await OutboxMessage.create(
        agency=agency,
        transport="mail",
        recipient=email,
        subject=f"Request {request.reference}",
        body=mail_body,
        subject_request=request,
        created_at=at,
        next_attempt_at=at,
    )
    return request


async def make_long_export(
    world: World, tag: str, requests: int, notes_length: int = 0, *, age_days: int = 0
) -> Contact:
    """A contact of `owner` (AGENCY) with many requests (destinations DestinationNNNNN, notes of
    `notes_length` characters, one traveler each), made in bulk: a long subject access export, or, made
    `age_days` ago, a long retention purge."""
    owner = world.users["owner"]
    person = await make_contact(world.agency, owner, Visibility.AGENCY, tag, requests=0, age_days=age_days)
    at = now() - timedelta(days=age_days)
    await TravelRequest.bulk_create(
        [
            TravelRequest(
                agency=world.agency,
                contact=person,
                advisor=owner,
                destination=f"Destination{i:05d}",
                notes="x" * notes_length or None,
                created_at=at,
                last_activity_at=at,
            )
            for i in range(requests)
        ]
    )
    ids = await TravelRequest.filter(contact=person).values_list("id", flat=True)
    await Traveler.bulk_create(
        [Traveler(request_id=i, first_name="Compagnon", last_name=tag, birth_date=date(2010, 1, 1)) for i in ids]
    )
    return person
