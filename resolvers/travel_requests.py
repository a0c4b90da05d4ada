"""Travel requests ("demandes de voyage") and their travelers; personal fields follow the contact's scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from auth import enforce
from auth.errors import BadInput, NotFound
from auth.principal import Principal
from models.crm import Contact, Traveler, TravelRequest
from models.enums import RequestStatus, WebhookEvent
from resolvers import audit, note_findings, validation, webhooks
from resolvers.clock import now, today
from resolvers.contacts import ensure_not_restricted, get_visible_contact
from resolvers.pagination import Page, paginate

API_NAMES = {
    "status": "status",
    "destination": "destination",
    "departure_date": "departureDate",
    "return_date": "returnDate",
    "traveler_count": "travelerCount",
    "budget_cents": "budgetCents",
    "travelers": "travelers",
    "notes": "notes",
}


async def get_request(principal: Principal, request_id: int) -> TravelRequest:
    request = await enforce.travel_requests(principal).filter(id=request_id).first()
    if request is None:
        raise NotFound("TravelRequest")
    return request


async def list_requests(
    principal: Principal,
    *,
    contact_id: int | None = None,
    status: RequestStatus | None = None,
    created_before: datetime | None = None,
    last_activity_before: datetime | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page[TravelRequest]:
    query = enforce.travel_requests(principal)
    if contact_id is not None:
        query = query.filter(contact_id=contact_id)
    if status is not None:
        query = query.filter(status=status)
    if created_before is not None:
        query = query.filter(created_at__lt=created_before)
    if last_activity_before is not None:
        query = query.filter(last_activity_at__lt=last_activity_before)
    return await paginate(query, first, after)


def _travelers(value: list[Any]) -> list[dict[str, Any]]:
    if len(value) > validation.TRAVELERS_MAX:
        raise BadInput("travelers", f"must list at most {validation.TRAVELERS_MAX} travelers")
    return [
        {
            "first_name": validation.name(f"travelers[{i}].firstName", t.first_name),
            "last_name": validation.name(f"travelers[{i}].lastName", t.last_name),
            "birth_date": validation.birth_date(f"travelers[{i}].birthDate", t.birth_date, today()),
        }
        for i, t in enumerate(value)
    ]


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        field = API_NAMES[key]
        if key == "destination":
            if value is None:
                raise BadInput(field, "must not be null")
            cleaned[key] = validation.text(field, value, max_length=validation.SHORT_TEXT_MAX)
        elif key == "status":
            if value is None:
                raise BadInput(field, "must not be null")
            cleaned[key] = RequestStatus(value)
        elif key == "traveler_count":
            if value is None:
                raise BadInput(field, "must not be null")
            cleaned[key] = validation.count(field, value, minimum=1, maximum=validation.TRAVELER_COUNT_MAX)
        elif key == "budget_cents":
            cleaned[key] = validation.budget(field, value)
        elif key == "notes":
            cleaned[key] = validation.optional_text(field, value, max_length=validation.TEXT_MAX, multiline=True)
        elif key == "travelers":
            cleaned[key] = _travelers(value or [])
        else:  # departure_date, return_date
            cleaned[key] = value
    return cleaned


async def _save_travelers(request: TravelRequest, travelers: list[dict[str, Any]], conn: Any) -> None:
    await Traveler.filter(request_id=request.id).using_db(conn).delete()
    if travelers:
        await Traveler.bulk_create(
            [Traveler(request_id=request.id, position=i, **t) for i, t in enumerate(travelers)], using_db=conn
        )


async def create_request(principal: Principal, contact_id: int, data: dict[str, Any]) -> TravelRequest:
    contact = await get_visible_contact(principal, contact_id, "add a request to this contact")
    ensure_not_restricted(contact, "add a request")
    cleaned = _clean(data)
    validation.date_range(cleaned.get("departure_date"), cleaned.get("return_date"))
    travelers = cleaned.pop("travelers", [])
    advisor_id = principal.user_id if principal.user_id is not None else contact.owner_id
    return await _insert(principal, contact, advisor_id, cleaned, travelers)


async def _insert(
    principal: Principal, contact: Contact, advisor_id: int, cleaned: dict[str, Any], travelers: list[dict[str, Any]]
) -> TravelRequest:
    at = now()
    async with in_transaction() as conn:
        request = await TravelRequest.create(
            agency_id=contact.agency_id,
            contact_id=contact.id,
            advisor_id=advisor_id,
            created_at=at,
            last_activity_at=at,
            using_db=conn,
            **cleaned,
        )
        await _save_travelers(request, travelers, conn)
        await Contact.filter(id=contact.id).using_db(conn).update(last_activity_at=at)
        await audit.record(principal, "CREATE_REQUEST", contact.id, f"request {request.id}", connection=conn)
        if request.notes:
            await check_notes(conn, principal.actor, request)
    return request


async def check_notes(conn: Any, actor: str, request: TravelRequest) -> None:
    place = note_findings.Place(
        request.agency_id,
        request.contact_id,
        note_findings.REQUEST_NOTES,
        request_id=request.id,
    )
    await note_findings.check_text(conn, actor, place, request.notes)


async def update_request(principal: Principal, request_id: int, patch: dict[str, Any]) -> TravelRequest:
    request = await get_request(principal, request_id)
    contact = await get_visible_contact(principal, request.contact_id, "change this request")
    ensure_not_restricted(contact, "change its requests")
    cleaned = _clean(patch)
    travelers = cleaned.pop("travelers", None)
    for key, value in cleaned.items():
        setattr(request, key, value)
    validation.date_range(request.departure_date, request.return_date)
    at = now()
    request.last_activity_at = at
    async with in_transaction() as conn:
        await request.save(using_db=conn)
        if travelers is not None:
            await _save_travelers(request, travelers, conn)
        await Contact.filter(id=contact.id).using_db(conn).update(last_activity_at=at)
        fields = ",".join(sorted(API_NAMES[k] for k in patch))
        await audit.record(principal, "UPDATE", contact.id, f"request {request.id} fields: {fields}", connection=conn)
        rectified = webhooks.personal_fields(TravelRequest, patch, API_NAMES, prefix="travelRequests.")
        if rectified:
            await webhooks.notify(conn, principal.agency_id, WebhookEvent.CONTACT_RECTIFIED, contact.id, rectified)
        if "notes" in cleaned:
            await check_notes(conn, principal.actor, request)
    return request
