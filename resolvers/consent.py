"""Consent with proof (Art. 7): an append-only record per decision; the latest per purpose is the state."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from auth.principal import Principal
from models.enums import ConsentPurpose, WebhookEvent
from models.gdpr import ConsentRecord
from resolvers import audit, list_caps, validation, webhooks
from resolvers.clock import now
from resolvers.contacts import ensure_not_restricted, get_visible_contact

WORDING_MAX = 5000


def current_state(records: Iterable[ConsentRecord]) -> list[ConsentRecord]:
    """The latest record of each purpose (records given oldest first), in purpose order."""
    latest: dict[str, ConsentRecord] = {}
    for record in records:
        latest[ConsentPurpose(record.purpose).value] = record
    return [latest[p.value] for p in ConsentPurpose if p.value in latest]


def consent_field(purpose: ConsentPurpose) -> str:
    """How a webhook names the consent that changed (never whether it was granted: that is the person's)."""
    return f"consents.{ConsentPurpose(purpose).value}"


def clean_proof(source: str, wording: str, prefix: str = "") -> tuple[str, str]:
    return (
        validation.text(f"{prefix}source", source, max_length=validation.URL_MAX),
        validation.text(f"{prefix}wording", wording, max_length=WORDING_MAX, multiline=True),
    )


async def record_consent(
    principal: Principal, contact_id: int, purpose: ConsentPurpose, granted: bool, source: str, wording: str
) -> ConsentRecord:
    contact = await get_visible_contact(principal, contact_id, "record consent for this contact")
    if granted:
        # Withdrawal stays possible while restricted: it only ever narrows processing.
        ensure_not_restricted(contact, "record a new consent")
    source, wording = clean_proof(source, wording)
    async with in_transaction() as conn:
        record = await ConsentRecord.create(
            contact_id=contact.id,
            purpose=purpose,
            granted=granted,
            recorded_at=now(),
            source=source,
            wording=wording,
            recorded_by=principal.actor,
            using_db=conn,
        )
        await audit.record(
            principal,
            "CONSENT",
            contact.id,
            f"{purpose.value} {'granted' if granted else 'withdrawn'}",
            connection=conn,
        )
        await webhooks.notify(
            conn, principal.agency_id, WebhookEvent.CONSENT_CHANGED, contact.id, [consent_field(purpose)]
        )
    return record


async def history(principal: Principal, contact_id: int) -> list[ConsentRecord]:
    """Every decision, oldest first, up to list_caps.CONSENT_DECISIONS (the subject access export lists them all)."""
    return await list_caps.at_most(
        await _history(principal, contact_id),
        list_caps.CONSENT_DECISIONS,
        "consentHistory",
        ": subjectAccessExport lists them all",
    )


async def whole_history(principal: Principal, contact_id: int) -> list[ConsentRecord]:
    return await (await _history(principal, contact_id))


async def _history(principal: Principal, contact_id: int) -> QuerySet[ConsentRecord]:
    contact = await get_visible_contact(principal, contact_id, "read this contact's consents")
    return ConsentRecord.filter(contact_id=contact.id).order_by("recorded_at", "id")
