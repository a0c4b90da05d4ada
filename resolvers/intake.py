"""A website's contact form, posted with an INTAKE API key: a prospect, its request and its consents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from auth.errors import BadInput, Forbidden
from auth.principal import Principal
from models.crm import Contact, TravelRequest
from models.enums import ConsentPurpose, ContactKind, Role, WebhookEvent
from models.gdpr import ConsentRecord
from models.organisation import Agency, User
from resolvers import audit, validation, webhooks
from resolvers import contacts as contact_rules
from resolvers import travel_requests as request_rules
from resolvers.clock import now
from resolvers.consent import WORDING_MAX, consent_field
from resolvers.search import search_text


@dataclass(frozen=True)
class ConsentBox:
    purpose: ConsentPurpose
    granted: bool
    wording: str


@dataclass(frozen=True)
class ContactForm:
    first_name: str
    last_name: str
    email: str
    phone: str | None
    destination: str
    departure_date: date | None
    traveler_count: int
    message: str | None
    source_url: str
    consents: list[ConsentBox]


@dataclass(frozen=True)
class _Cleaned:
    contact: dict[str, Any]
    request: dict[str, Any]
    source: str
    consents: list[ConsentBox]


def _clean(form: ContactForm) -> _Cleaned:
    # The same rules as createContact / createTravelRequest, with the form's own field names.
    contact = contact_rules._clean({"first_name": form.first_name, "last_name": form.last_name, "phone": form.phone})
    contact["email"] = validation.email("email", form.email)
    request = request_rules._clean(
        {"destination": form.destination, "departure_date": form.departure_date, "traveler_count": form.traveler_count}
    )
    request["notes"] = validation.optional_text("message", form.message, max_length=validation.TEXT_MAX, multiline=True)
    source = validation.web_page("sourceUrl", form.source_url)
    boxes: list[ConsentBox] = []
    seen: set[ConsentPurpose] = set()
    for i, box in enumerate(form.consents):
        purpose = ConsentPurpose(box.purpose)
        if purpose in seen:
            # Two boxes for one purpose would make the proof ambiguous (which wording was agreed to?).
            raise BadInput(f"consents[{i}].purpose", f"{purpose.value} is listed twice")
        seen.add(purpose)
        wording = validation.text(f"consents[{i}].wording", box.wording, max_length=WORDING_MAX, multiline=True)
        boxes.append(ConsentBox(purpose, box.granted, wording))
    return _Cleaned(contact, request, source, boxes)


async def default_owner(agency_id: int, conn: BaseDBAsyncClient) -> User:
    """Who owns a contact that arrives through a form.

    The active ADVISOR owning the fewest contacts (ties: the lowest id), so intake spreads evenly
    over the advisors; an agency without an active advisor gives it to its active DPO or ADMIN
    with the lowest id, so a prospect is never left without an owner.
    """
    advisor = (
        await User.filter(agency_id=agency_id, role=Role.ADVISOR, active=True)
        .annotate(owned=Count("contacts"))
        .order_by("owned", "id")
        .using_db(conn)
        .first()
    )
    if advisor is not None:
        return advisor
    fallback = (
        await User.filter(agency_id=agency_id, role__in=[Role.DPO, Role.ADMIN], active=True)
        .order_by("id")
        .using_db(conn)
        .first()
    )
    if fallback is None:
        raise Forbidden("This agency has no active user to own new contacts")
    return fallback


async def submit_contact_form(principal: Principal, form: ContactForm) -> TravelRequest:
    """Creates the prospect (owned by default_owner), its request and one consent record per box.

    All in one transaction with the INTAKE audit event: a failure leaves nothing behind.
    Unticked boxes are recorded as refusals, with their wording, as proof of what was offered.
    """
    cleaned = _clean(form)
    at = now()
    async with in_transaction() as conn:
        agency = await Agency.get(id=principal.agency_id, using_db=conn)
        owner = await default_owner(principal.agency_id, conn)
        contact = Contact(
            agency_id=principal.agency_id,
            owner_id=owner.id,
            team_id=owner.team_id,
            kind=ContactKind.PROSPECT,
            visibility=agency.default_visibility,
            created_at=at,
            last_activity_at=at,
            **cleaned.contact,
        )
        contact.search_text = search_text(contact.first_name, contact.last_name, contact.email, contact.phone)
        await contact.save(using_db=conn)
        request = await TravelRequest.create(
            agency_id=principal.agency_id,
            contact_id=contact.id,
            advisor_id=owner.id,
            created_at=at,
            last_activity_at=at,
            using_db=conn,
            **cleaned.request,
        )
        if cleaned.consents:
            await ConsentRecord.bulk_create(
                [
                    ConsentRecord(
                        contact_id=contact.id,
                        purpose=box.purpose,
                        granted=box.granted,
                        recorded_at=at,
                        source=cleaned.source,
                        wording=box.wording,
                        recorded_by=principal.actor,
                    )
                    for box in cleaned.consents
                ],
                using_db=conn,
            )
        await audit.record(
            principal,
            "INTAKE",
            contact.id,
            f"request {request.id}, {len(cleaned.consents)} consent records",
            connection=conn,
        )
        if cleaned.consents:
            fields = [consent_field(box.purpose) for box in cleaned.consents]
            await webhooks.notify(conn, principal.agency_id, WebhookEvent.CONSENT_CHANGED, contact.id, fields)
        if request.notes:
            await request_rules.check_notes(conn, principal.actor, request)
    return request
