"""Contacts: reading through the compartments, creating, rectifying, sharing and transferring."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from auth import enforce
from auth.errors import BadInput, Forbidden, NotFound
from auth.principal import Principal
from models.crm import Contact
from models.enums import ContactKind, Visibility, WebhookEvent
from models.organisation import Agency, User
from resolvers import audit, note_findings, organisation, validation, webhooks
from resolvers.clock import now, today
from resolvers.pagination import Page, paginate
from resolvers.search import search_filter, search_text

SEARCH_MAX = 200
PERSONAL_INPUTS = ("first_name", "last_name", "email", "phone", "birth_date", "address", "notes")
API_NAMES = {
    "kind": "kind",
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "phone": "phone",
    "birth_date": "birthDate",
    "address": "address",
    "notes": "notes",
}


async def get_contact(principal: Principal, contact_id: int) -> Contact:
    contact = await enforce.contacts(principal).filter(id=contact_id).first()
    if contact is None:
        raise NotFound("Contact")
    return contact


async def get_visible_contact(principal: Principal, contact_id: int, doing: str) -> Contact:
    contact = await get_contact(principal, contact_id)
    if not enforce.sees_personal_data(principal, contact):
        raise Forbidden(f"You may not {doing}: this contact's personal data is outside your compartment")
    return contact


async def list_contacts(
    principal: Principal, search: str | None, first: int | None, after: str | None
) -> Page[Contact]:
    query = enforce.contacts(principal)
    if search is not None and search.strip():
        term = validation.text("search", search, max_length=SEARCH_MAX)
        # Search reads personal data: it only ever matches contacts whose personal data the viewer sees.
        query = query.filter(enforce.personal_data_filter(principal)).filter(search_filter(term))
    return await paginate(query, first, after)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        field = API_NAMES[key]
        if key in ("first_name", "last_name"):
            if value is None:
                raise BadInput(field, "must not be null")
            cleaned[key] = validation.name(field, value)
        elif key == "email":
            cleaned[key] = validation.optional_email(field, value)
        elif key == "phone":
            cleaned[key] = validation.optional_phone(field, value)
        elif key == "birth_date":
            cleaned[key] = validation.birth_date(field, value, today())
        elif key == "address":
            cleaned[key] = validation.optional_text(field, value, max_length=validation.ADDRESS_MAX, multiline=True)
        elif key == "notes":
            cleaned[key] = validation.optional_text(field, value, max_length=validation.TEXT_MAX, multiline=True)
        elif key == "kind":
            if value is None:
                raise BadInput(field, "must not be null")
            cleaned[key] = ContactKind(value)
    return cleaned


def _refresh_search_text(contact: Contact) -> None:
    contact.search_text = search_text(contact.first_name, contact.last_name, contact.email, contact.phone)


async def _active_user(principal: Principal, user_id: int, field: str) -> User:
    user = await organisation.get_user(principal, user_id)
    if not user.active:
        raise BadInput(field, "this user is deactivated")
    return user


async def create_contact(
    principal: Principal,
    data: dict[str, Any],
    visibility: Visibility | None,
    owner_id: int | None,
) -> Contact:
    cleaned = _clean(data)
    # auth.policy lets signed-in users only create contacts: the principal has a user id.
    owner_id = owner_id if owner_id is not None else enforce.require_user_id(principal)
    owner = await _active_user(principal, owner_id, "ownerId")
    if visibility is None:
        visibility = (await Agency.get(id=principal.agency_id)).default_visibility
    at = now()
    contact = Contact(
        agency_id=principal.agency_id,
        owner_id=owner.id,
        team_id=owner.team_id,
        visibility=visibility,
        created_at=at,
        last_activity_at=at,
        **cleaned,
    )
    _refresh_search_text(contact)
    async with in_transaction() as conn:
        await contact.save(using_db=conn)
        await audit.record(principal, "CREATE", contact.id, connection=conn)
        if contact.notes:
            await _check_notes(principal, contact, conn)
    return contact


async def _check_notes(principal: Principal, contact: Contact, conn: Any) -> None:
    place = note_findings.Place(contact.agency_id, contact.id, note_findings.CONTACT_NOTES)
    await note_findings.check_text(conn, principal.actor, place, contact.notes)


def ensure_not_restricted(contact: Contact, doing: str) -> None:
    if contact.restricted:
        raise Forbidden(
            f"Processing of this contact is restricted (Art. 18): you may not {doing} until the DPO lifts it"
        )


async def update_contact(principal: Principal, contact_id: int, patch: dict[str, Any]) -> Contact:
    contact = await get_visible_contact(principal, contact_id, "change this contact")
    ensure_not_restricted(contact, "change its data")
    cleaned = _clean(patch)
    for key, value in cleaned.items():
        setattr(contact, key, value)
    _refresh_search_text(contact)
    contact.last_activity_at = now()
    async with in_transaction() as conn:
        await contact.save(using_db=conn)
        fields = ",".join(sorted(API_NAMES[k] for k in cleaned))
        await audit.record(principal, "UPDATE", contact.id, f"fields: {fields}", connection=conn)
        rectified = webhooks.personal_fields(Contact, cleaned, API_NAMES)
        if rectified:
            await webhooks.notify(conn, principal.agency_id, WebhookEvent.CONTACT_RECTIFIED, contact.id, rectified)
        if "notes" in cleaned:
            await _check_notes(principal, contact, conn)
    return contact


async def _managed_contact(principal: Principal, contact_id: int, doing: str) -> Contact:
    contact = await get_contact(principal, contact_id)
    if not enforce.may_manage_contact(principal, contact):
        raise Forbidden(f"Only the contact's owner or the DPO may {doing}")
    return contact


async def set_visibility(principal: Principal, contact_id: int, visibility: Visibility) -> Contact:
    contact = await _managed_contact(principal, contact_id, "change its visibility")
    previous = contact.visibility
    contact.visibility = visibility
    async with in_transaction() as conn:
        await contact.save(update_fields=["visibility"], using_db=conn)
        await audit.record(
            principal,
            "SET_VISIBILITY",
            contact.id,
            f"{Visibility(previous).value} -> {visibility.value}",
            connection=conn,
        )
    return contact


async def transfer(principal: Principal, contact_id: int, owner_id: int) -> Contact:
    contact = await _managed_contact(principal, contact_id, "transfer it")
    owner = await _active_user(principal, owner_id, "ownerId")
    previous = contact.owner_id
    contact.owner_id = owner.id
    contact.team_id = owner.team_id
    contact.last_activity_at = now()
    async with in_transaction() as conn:
        await contact.save(update_fields=["owner_id", "team_id", "last_activity_at"], using_db=conn)
        await audit.record(
            principal, "TRANSFER", contact.id, f"owner user {previous} -> user {owner.id}", connection=conn
        )
    return contact
