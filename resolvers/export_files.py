"""The downloadable files of a subject access export: JSON (portability, Art. 20) and CSV (for a spreadsheet).

Both are produced as text chunks, one per keyset chunk of rows, so memory stays flat however
many requests the person has. Records use the GraphQL contract's names and value formats, so
the JSON file says what the GraphQL export says. Requests are read as plain rows, not models:
for a person with thousands of requests, building model objects cost more than the queries.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime
from typing import Any

from auth.principal import Principal
from models.gdpr import AuditEvent, ConsentRecord
from models.organisation import User
from resolvers import export
from resolvers.consent import current_state
from resolvers.ids import encode_id
from resolvers.pagination import ListedRow

Record = dict[str, Any]
Staff = tuple[str, str]  # name, email


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _enum(value: Any) -> str:
    return getattr(value, "value", value)


def _staff(name: str, email: str) -> Record:
    return {"name": name, "email": email}


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
        "owner": _staff(person.owner.name, person.owner.email),
        "consents": [
            {"purpose": _enum(r.purpose), "granted": r.granted, "since": _iso(r.recorded_at)}
            for r in current_state(person.consents)
        ],
    }


def request_record(request: ListedRow, advisor: Staff, travelers: list[ListedRow]) -> Record:
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
        "advisor": _staff(*advisor),
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


RequestRow = tuple[ListedRow, Staff, list[ListedRow]]  # a request, its advisor, its travelers


async def _request_rows(principal: Principal, contact_id: int) -> AsyncIterator[list[RequestRow]]:
    """The person's requests, a chunk at a time."""
    staff: dict[int, Staff] = {}  # the agency's advisors: few, and met again and again
    async for chunk, travelers in export.request_chunks(principal, contact_id):
        missing = {r.advisor_id for r in chunk} - staff.keys()
        if missing:
            users = User.filter(id__in=missing, agency_id=principal.agency_id).values_list("id", "name", "email")
            staff.update({user_id: (name, email) for user_id, name, email in await users})
        yield [(r, staff[r.advisor_id], travelers[r.id]) for r in chunk]


_dumps = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps would build an encoder per record


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
    async for rows in _request_rows(principal, bundle.contact.id):
        yield separator + ",".join([_dumps(request_record(*row)) for row in rows])
        separator = ","
    yield '],"accessLog":['
    separator = ""
    async for events in export.access_log_chunks(principal, bundle.contact.id):
        yield separator + ",".join(_dumps(audit_record(e)) for e in events)
        separator = ","
    yield "]}"


CONTACT_COLUMNS = {
    "contact_id": "id",
    "kind": "kind",
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "phone": "phone",
    "birth_date": "birthDate",
    "address": "address",
    "contact_notes": "notes",
    "contact_created_at": "createdAt",
    "contact_last_activity_at": "lastActivityAt",
}
REQUEST_COLUMNS = {
    "request_id": "id",
    "status": "status",
    "destination": "destination",
    "departure_date": "departureDate",
    "return_date": "returnDate",
    "traveler_count": "travelerCount",
    "budget_cents": "budgetCents",
    "request_notes": "notes",
    "request_created_at": "createdAt",
    "request_last_activity_at": "lastActivityAt",
}
CONSENT_COLUMNS = {
    "consent_purpose": "purpose",
    "consent_granted": "granted",
    "consent_recorded_at": "recordedAt",
    "consent_source": "source",
    "consent_wording": "wording",
    "consent_recorded_by": "recordedBy",
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


NO_REQUEST = [""] * (len(REQUEST_COLUMNS) + 2)
NO_CONSENT = [""] * len(CONSENT_COLUMNS)


def _iso_cell(value: date | datetime | None) -> str:
    return _iso(value) or ""


def _travelers(travelers: list[ListedRow]) -> str:
    return "; ".join(
        f"{t.first_name} {t.last_name}" + (f" ({t.birth_date.isoformat()})" if t.birth_date else "") for t in travelers
    )


def _request_cells(request: ListedRow, advisor: Staff, travelers: list[ListedRow]) -> list[str]:
    """REQUEST_COLUMNS, advisor, travelers; straight from the row, with no record in between.

    Ids, status names and ISO dates cannot start a formula: only text and numbers need _cell.
    """
    return [
        encode_id("TravelRequest", request.id),
        _enum(request.status),
        _cell(request.destination),
        _iso_cell(request.departure_date),
        _iso_cell(request.return_date),
        _cell(request.traveler_count),
        _cell(request.budget_cents),
        _cell(request.notes),
        _iso_cell(request.created_at),
        _iso_cell(request.last_activity_at),
        _cell(advisor[0]),
        _cell(_travelers(travelers)),
    ]


def _consent_cells(record: ConsentRecord) -> list[str]:
    consent = consent_record(record)
    return [_cell(consent[key]) for key in CONSENT_COLUMNS.values()]


def _csv_text(rows: Iterable[list[str]], lead: str = "") -> str:
    """CSV lines, each after `lead`: leading columns already rendered by _csv_lead."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        out.write(lead)
        writer.writerow(row)
    return out.getvalue()


def _csv_lead(cells: list[str]) -> str:
    # Quoting depends only on each cell's own text, so columns rendered once read the same on every line.
    return _csv_text([cells]).removesuffix("\r\n") + ","


async def csv_document(principal: Principal, bundle: export.Export) -> AsyncIterator[str]:
    """One row per request with the contact's data repeated, then one row per consent decision.

    A person without requests gets one "contact" row instead, so their own data is always in the file.
    """
    person = await export.subject(principal, bundle.contact)
    contact = contact_record(person)
    contact_cells = [_cell(contact[key]) for key in CONTACT_COLUMNS.values()]
    # The byte-order mark makes Excel read UTF-8, so accented names open intact.
    yield "\ufeff" + _csv_text([HEADER])
    # The contact's columns, the same on every request line: quoted once, not once per request.
    request_lead = _csv_lead(["request", *contact_cells])
    any_request = False
    async for rows in _request_rows(principal, bundle.contact.id):
        any_request = True
        yield _csv_text((_request_cells(*row) + NO_CONSENT for row in rows), request_lead)
    if not any_request:
        yield _csv_text([["contact", *contact_cells, *NO_REQUEST, *NO_CONSENT]])
    yield _csv_text([["consent", *contact_cells, *NO_REQUEST, *_consent_cells(r)] for r in person.consents])
