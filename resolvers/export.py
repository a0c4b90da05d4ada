"""Art. 15 access and Art. 20 portability: everything held on one person, for the DPO.

Requests and audit events are read in id-ordered keyset chunks, each its own short query: a
streamed export never holds a transaction (or the whole list) across a yield. Requests and their
travelers are read as plain rows, in larger chunks: neither the stream nor the files need model objects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, TypeVar

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from auth import enforce, export_links
from auth.export_links import ExportLink, InvalidLink
from auth.principal import Principal
from models.crm import Contact, Traveler, TravelRequest
from models.enums import Role
from models.gdpr import AuditEvent, ConsentRecord
from models.organisation import Agency, User
from resolvers import audit, consent, rights_notice
from resolvers.clock import now
from resolvers.contacts import get_contact, get_visible_contact
from resolvers.pagination import ListedRow
from resolvers.sessions import principal_for_user
from resolvers.statements import queryset_sql, statement

CHUNK = 200  # audit events: ORM objects
# Requests and travelers (the download files, the streamed export) are read as plain rows, so a chunk
# this size is still well under a megabyte, with five times fewer queries than CHUNK.
ROW_CHUNK = 1000

Row = TypeVar("Row")


@dataclass(frozen=True)
class Export:
    contact: Contact
    generated_at: datetime
    token: str  # the csvUrl / jsonUrl download links' sealed token (auth.export_links)


async def generate(principal: Principal, contact_id: int, *, secret: str, link_lifetime: timedelta) -> Export:
    viewer = enforce.require_user(principal)
    contact = await get_visible_contact(viewer, contact_id, "export this contact's data")
    at = now()
    link = ExportLink(agency_id=viewer.agency_id, contact_id=contact.id, user_id=enforce.require_user_id(viewer))
    token = export_links.sign(secret, link, issued_at=at, lifetime=link_lifetime)
    minutes = int(link_lifetime.total_seconds() // 60)
    await audit.record(viewer, "EXPORT", contact.id, f"subject access export; download links valid {minutes} min")
    return Export(contact=contact, generated_at=at, token=token)


async def open_download(token: str, *, secret: str, file_format: str) -> tuple[Principal, Export]:
    """The DPO and export behind a download link: FORBIDDEN when the link is bad, NOT_FOUND once the person is
    erased."""
    link = export_links.verify(secret, token, at=now())
    user = await User.filter(id=link.user_id, agency_id=link.agency_id, role=Role.DPO, active=True).first()
    if user is None:
        # The link carries the DPO's authority: it ends with their account or their role.
        raise InvalidLink()
    principal = principal_for_user(user)
    contact = await get_contact(principal, link.contact_id)
    await audit.record(principal, "EXPORT", contact.id, f"download {file_format}")
    return principal, Export(contact=contact, generated_at=now(), token=token)


def _requests_after(principal: Principal, contact_id: int, after_id: int, limit: int) -> QuerySet[TravelRequest]:
    query = enforce.travel_requests(principal).filter(contact_id=contact_id, id__gt=after_id)
    return query.order_by("id").limit(limit)


async def requests_after(principal: Principal, contact_id: int, after_id: int, limit: int) -> list[ListedRow]:
    def build(slots: list[int]) -> Any:
        return queryset_sql(_requests_after(principal, slots[0], slots[1], limit))

    # Built once (resolvers.statements): building it cost more than running it, twenty times an export.
    found = statement(("export requests", principal, limit), TravelRequest, build, 2)
    return await found.rows([contact_id, after_id])


async def _keyset_chunks(
    read_after: Callable[[int], Awaitable[list[Row]]], limit: int, row_id: Callable[[Row], int]
) -> AsyncIterator[list[Row]]:
    """Rows in id order, each chunk read after the last id of the one before, until a short chunk."""
    last = 0
    while True:
        rows = await read_after(last)
        if rows:
            yield rows
        if len(rows) < limit:
            return
        last = row_id(rows[-1])


RequestChunk = tuple[list[ListedRow], dict[int, list[ListedRow]]]  # requests, and their travelers by request id


async def request_chunks(principal: Principal, contact_id: int) -> AsyncIterator[RequestChunk]:
    """The person's requests with their travelers, oldest first, ROW_CHUNK requests per chunk."""
    async for rows in _keyset_chunks(
        lambda last: requests_after(principal, contact_id, last, ROW_CHUNK), ROW_CHUNK, attrgetter("id")
    ):
        yield rows, await traveler_rows_by_request(principal, contact_id, [row.id for row in rows])


def _chunk_travelers(principal: Principal, contact_id: int, request_ids: list[int]) -> QuerySet[Traveler]:
    """The travelers of an id-ordered chunk of the person's requests.

    The chunk is named by its id range, in a subquery, rather than by a list of its ids: building a
    thousand-parameter IN list costs more than running the query.
    """
    chunk = enforce.travel_requests(principal).filter(
        contact_id=contact_id, id__gte=request_ids[0], id__lte=request_ids[-1]
    )
    return Traveler.filter(request_id__in=Subquery(chunk.values("id"))).order_by("request_id", "position", "id")


async def traveler_rows_by_request(
    principal: Principal, contact_id: int, request_ids: list[int]
) -> dict[int, list[ListedRow]]:
    """The travelers of an id-ordered chunk of the person's requests, as ListedRows."""

    def build(slots: list[int]) -> Any:
        return queryset_sql(_chunk_travelers(principal, slots[0], slots[1:]))

    found = statement(("export travelers", principal), Traveler, build, 3)
    grouped: dict[int, list[ListedRow]] = {request_id: [] for request_id in request_ids}
    for traveler in await found.rows([contact_id, request_ids[0], request_ids[-1]]):
        # A request committed inside the range after the chunk was read is not in the chunk: nor its travelers.
        if traveler.request_id in grouped:
            grouped[traveler.request_id].append(traveler)
    return grouped


async def access_log_chunks(principal: Principal, contact_id: int) -> AsyncIterator[list[AuditEvent]]:
    """Who viewed or changed the person's data, newest first, CHUNK events per query."""
    query = AuditEvent.filter(agency_id=principal.agency_id, contact_ref=audit.contact_ref(contact_id))
    last: int | None = None
    while True:
        page = query.filter(id__lt=last) if last is not None else query
        rows = await page.order_by("-id").limit(CHUNK)
        if rows:
            yield rows
        if len(rows) < CHUNK:
            return
        last = rows[-1].id


async def access_log(principal: Principal, contact_id: int) -> list[AuditEvent]:
    return [event async for chunk in access_log_chunks(principal, contact_id) for event in chunk]


async def consent_history(principal: Principal, contact_id: int) -> list[ConsentRecord]:
    # A handful of decisions per purpose: small enough to read at once, oldest first. All of them: the export
    # is the person's whole record (schema.list_bounds counts its lists once).
    return await consent.whole_history(principal, contact_id)


@dataclass(frozen=True)
class Subject:
    """What every form of the export opens with: the person, their advisor, consents and agency."""

    contact: Contact
    owner: User
    consents: list[ConsentRecord]
    agency: Agency

    @property
    def notice(self) -> str:
        return self.notice_in("en")

    def notice_in(self, language: str) -> str:
        return rights_notice.compose(self.agency, self.contact, self.owner, self.consents, language)


async def subject(principal: Principal, contact: Contact) -> Subject:
    return Subject(
        contact=contact,
        owner=await User.get(id=contact.owner_id, agency_id=principal.agency_id),
        consents=await consent_history(principal, contact.id),
        agency=await Agency.get(id=principal.agency_id),
    )
