"""Per-request DataLoaders: one query per kind of row whatever the page size (no N+1).

Built for each request by the schema's context, so caches never cross requests or agencies.
Batch functions only fetch by id within rows already scoped; masking happens in the schema.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.queryset import QuerySet

from auth import enforce
from auth.principal import Principal
from models.crm import Contact, Traveler, TravelRequest
from models.gdpr import ConsentRecord
from models.organisation import Team, User
from resolvers import list_caps, note_findings
from resolvers.note_findings import Flag
from resolvers.pagination import Head, heads

K = TypeVar("K")
V = TypeVar("V")


class _Row(Protocol):
    @property
    def id(self) -> int: ...


Row = TypeVar("Row", bound=_Row)


def _by_id(rows: Iterable[Row], keys: list[int]) -> list[Row | None]:
    found = {row.id: row for row in rows}
    return [found.get(key) for key in keys]


def _grouped(rows: Iterable[V], attr: str, keys: list[int]) -> list[list[V]]:
    groups: dict[int, list[V]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, attr)].append(row)
    return [groups.get(key, []) for key in keys]


@dataclass
class Loaders:
    user: DataLoader[int, User | None]
    team: DataLoader[int, Team | None]
    team_members: DataLoader[int, list[User]]
    contact: DataLoader[int, Contact | None]
    requests_of_contact: DataLoader[int, list[TravelRequest]]
    # (contact id, limit) -> the contact's `limit` newest requests and its request count: a page
    # without cursor reads only what it shows, however many requests a contact has.
    request_heads: DataLoader[tuple[int, int], Head[TravelRequest]]
    travelers: DataLoader[int, list[Traveler]]
    consents: DataLoader[int, list[ConsentRecord]]
    # What the notes detector found about a contact (all its texts), and in one request's notes.
    contact_note_findings: DataLoader[int, list[Flag]]
    request_note_findings: DataLoader[int, list[Flag]]
    subject_request_note_findings: DataLoader[int, list[Flag]]


# The queries of the loaders that schema.fastpath's compiled operations also run (their SQL written once).


def users_query(agency_id: int, keys: list[int]) -> QuerySet[User]:
    return User.filter(id__in=keys, agency_id=agency_id)


def teams_query(agency_id: int, keys: list[int]) -> QuerySet[Team]:
    return Team.filter(id__in=keys, agency_id=agency_id)


def consents_query(keys: list[int]) -> QuerySet[ConsentRecord]:
    return ConsentRecord.filter(contact_id__in=keys).order_by("id")


def build_loaders(principal: Principal | None) -> Loaders:
    agency_id = principal.agency_id if principal else -1

    async def users(keys: list[int]) -> list[User | None]:
        return _by_id(await users_query(agency_id, keys), keys)

    async def teams(keys: list[int]) -> list[Team | None]:
        return _by_id(await teams_query(agency_id, keys), keys)

    async def members(keys: list[int]) -> list[list[User]]:
        rows = await User.filter(team_id__in=keys, agency_id=agency_id).order_by("name", "id")
        return _grouped(rows, "team_id", keys)

    async def contacts(keys: list[int]) -> list[Contact | None]:
        if principal is None:
            return [None] * len(keys)
        return _by_id(await enforce.contacts(principal).filter(id__in=keys), keys)

    async def requests(keys: list[int]) -> list[list[TravelRequest]]:
        if principal is None:
            return [[] for _ in keys]
        # Sorted here, not in SQL: an ORDER BY id would steer SQLite to the agency-wide (agency_id, id) index.
        rows = await enforce.travel_requests(principal).filter(contact_id__in=keys)
        return _grouped(sorted(rows, key=lambda r: r.id, reverse=True), "contact_id", keys)

    async def request_heads(keys: list[tuple[int, int]]) -> list[Head[TravelRequest]]:
        if principal is None:
            return [Head(items=[], total=0) for _ in keys]
        found: dict[tuple[int, int], Head[TravelRequest]] = {}
        for limit in {limit for _, limit in keys}:  # one query per page size asked (usually one)
            contact_ids = sorted({contact_id for contact_id, wanted in keys if wanted == limit})
            by_contact = await heads(enforce.travel_requests(principal), "contact_id", contact_ids, limit)
            found.update({(contact_id, limit): head for contact_id, head in by_contact.items()})
        return [found[key] for key in keys]

    async def travelers(keys: list[int]) -> list[list[Traveler]]:
        rows = await Traveler.filter(request_id__in=keys).order_by("request_id", "position", "id")
        return _grouped(rows, "request_id", keys)

    async def consents(keys: list[int]) -> list[list[ConsentRecord]]:
        rows = await consents_query(keys)
        return _grouped(rows, "contact_id", keys)

    async def contact_findings(keys: list[int]) -> list[list[Flag] | BaseException]:
        # Past the cap, that contact's noteFindings is an error: DataLoader raises an exception given as a value.
        cap, hint = list_caps.CONTACT_FINDINGS, ": sensitiveNotes pages through them"
        return [
            flags if len(flags) <= cap else list_caps.TooLong("noteFindings", cap, hint)
            for flags in await note_findings.of_contacts(keys)
        ]

    return Loaders(
        user=DataLoader(users),
        team=DataLoader(teams),
        team_members=DataLoader(members),
        contact=DataLoader(contacts),
        requests_of_contact=DataLoader(requests),
        request_heads=DataLoader(request_heads),
        travelers=DataLoader(travelers),
        consents=DataLoader(consents),
        contact_note_findings=DataLoader(contact_findings),
        request_note_findings=DataLoader(note_findings.of_requests),
        subject_request_note_findings=DataLoader(note_findings.of_subject_requests),
    )
