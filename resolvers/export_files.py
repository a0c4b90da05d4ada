"""The downloadable files of a subject access export: JSON (portability, Art. 20) and CSV (for a spreadsheet).

Both are produced as text chunks, one per keyset chunk of rows, so memory stays flat however
many requests the person has. Records use the GraphQL contract's names and value formats, so
the JSON file says what the GraphQL export says.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

from auth.principal import Principal
from models.crm import Traveler, TravelRequest
from models.gdpr import AuditEvent, ConsentRecord
from models.organisation import User
from resolvers import export
from resolvers.consent import current_state
from resolvers.ids import encode_id

Record = dict[str, Any]


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _enum(value: Any) -> str:
    return getattr(value, "value", value)


def _staff(user: User) -> Record:
    return {"name": user.name, "email": user.email}


def contact_record(person: export.Subject) -> Record:
    contact = person.contact
    return {
        "id": encode_id("Contact", contact.id),
        "kind": _enum(contact.kind),
        "visibility": _enum(contact.visibility),
        "restricted": contact.restricted,
        "createdAt": _iso(contact.created_at),
        "lastActivityAt": _iso(contact.last_activity_at),
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "birthDate": _iso(contact.birth_date),
        "address": contact.address,
        "notes": contact.notes,
        "owner": _staff(person.owner),
        "consents": [
            {"purpose": _enum(r.purpose), "granted": r.granted, "since": _iso(r.recorded_at)}
            for r in current_state(person.consents)
        ],
    }


def request_record(request: TravelRequest, advisor: User, travelers: list[Traveler]) -> Record:
    return {
        "id": encode_id("TravelRequest", request.id),
        "status": _enum(request.status),
        "destination": request.destination,
        "departureDate": _iso(request.departure_date),
        "returnDate": _iso(request.return_date),
        "travelerCount": request.traveler_count,
        "budgetCents": request.budget_cents,
        "createdAt": _iso(request.created_at),
        "lastActivityAt": _iso(request.last_activity_at),
        "notes": request.notes,
        "advisor": _staff(advisor),
        "travelers": [
            {"firstName": t.first_name, "lastName": t.last_name, "birthDate": _iso(t.birth_date)} for t in travelers
        ],
    }


def consent_record(record: ConsentRecord) -> Record:
    return {
        "id": encode_id("ConsentRecord", record.id),
        "purpose": _enum(record.purpose),
        "granted": record.granted,
        "recordedAt": _iso(record.recorded_at),
        "source": record.source,
        "wording": record.wording,
        "recordedBy": record.recorded_by,
    }


def audit_record(event: AuditEvent) -> Record:
    return {
        "id": encode_id("AuditEvent", event.id),
        "at": _iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "contactId": event.contact_ref,
        "detail": event.detail,
    }


async def _request_records(principal: Principal, contact_id: int) -> AsyncIterator[list[Record]]:
    staff: dict[int, User] = {}  # the agency's advisors: few, and met again and again
    async for chunk in export.request_chunks(principal, contact_id):
        missing = {r.advisor_id for r in chunk} - staff.keys()  # type: ignore[attr-defined]
        if missing:
            staff.update({u.id: u for u in await User.filter(id__in=missing, agency_id=principal.agency_id)})
        travelers = await export.travelers_by_request([r.id for r in chunk])
        yield [request_record(r, staff[r.advisor_id], travelers[r.id]) for r in chunk]  # type: ignore[attr-defined]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def json_document(principal: Principal, bundle: export.Export) -> AsyncIterator[str]:
    person = await export.subject(principal, bundle.contact)
    yield (
        "{"
        f'"generatedAt":{_dumps(_iso(bundle.generated_at))},'
        f'"contact":{_dumps(contact_record(person))},'
        f'"consentHistory":{_dumps([consent_record(r) for r in person.consents])},'
        f'"rightsNotice":{_dumps(person.notice)},'
        '"requests":['
    )
    separator = ""
    async for records in _request_records(principal, bundle.contact.id):
        yield separator + ",".join(_dumps(r) for r in records)
        separator = ","
    yield '],"accessLog":['
    separator = ""
    async for events in export.access_log_chunks(principal, bundle.contact.id):
        yield separator + ",".join(_dumps(audit_record(e)) for e in events)
        separator = ","
    yield "]}"


CONTACT_COLUMNS = {
    "contact_id": "id", "kind": "kind", "first_name": "firstName", "last_name": "lastName", "email": "email",
    "phone": "phone", "birth_date": "birthDate", "address": "address", "contact_notes": "notes",
    "contact_created_at": "createdAt", "contact_last_activity_at": "lastActivityAt",
}
REQUEST_COLUMNS = {
    "request_id": "id", "status": "status", "destination": "destination", "departure_date": "departureDate",
    "return_date": "returnDate", "traveler_count": "travelerCount", "budget_cents": "budgetCents",
    "request_notes": "notes", "request_created_at": "createdAt", "request_last_activity_at": "lastActivityAt",
}
CONSENT_COLUMNS = {
    "consent_purpose": "purpose", "consent_granted": "granted", "consent_recorded_at": "recordedAt",
    "consent_source": "source", "consent_wording": "wording", "consent_recorded_by": "recordedBy",
}
HEADER = ["record_type", *CONTACT_COLUMNS, *REQUEST_COLUMNS, "advisor", "travelers", *CONSENT_COLUMNS]

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP):
# a leading apostrophe makes it text. The JSON file keeps every value untouched.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _travelers(travelers: list[Record]) -> str:
    return "; ".join(
        f"{t['firstName']} {t['lastName']}" + (f" ({t['birthDate']})" if t["birthDate"] else "") for t in travelers
    )


def _row(record_type: str, contact: Record, request: Record | None = None, consent: Record | None = None) -> list[str]:
    values: list[Any] = [record_type, *(contact[key] for key in CONTACT_COLUMNS.values())]
    if request is not None:
        values += [request[key] for key in REQUEST_COLUMNS.values()]
        values += [request["advisor"]["name"], _travelers(request["travelers"])]
    else:
        values += [None] * (len(REQUEST_COLUMNS) + 2)
    values += [consent[key] for key in CONSENT_COLUMNS.values()] if consent is not None else [None] * len(CONSENT_COLUMNS)
    return [_cell(v) for v in values]


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


async def csv_document(principal: Principal, bundle: export.Export) -> AsyncIterator[str]:
    """One row per request with the contact's data repeated, then one row per consent decision.

    A person without requests gets one "contact" row instead, so their own data is always in the file.
    """
    person = await export.subject(principal, bundle.contact)
    contact = contact_record(person)
    # The byte-order mark makes Excel read UTF-8, so accented names open intact.
    yield "\ufeff" + _csv_text([HEADER])
    any_request = False
    async for records in _request_records(principal, bundle.contact.id):
        any_request = True
        yield _csv_text([_row("request", contact, request=r) for r in records])
    if not any_request:
        yield _csv_text([_row("contact", contact)])
    yield _csv_text([_row("consent", contact, consent=consent_record(r)) for r in person.consents])
