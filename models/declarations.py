"""Every model field, declared personal (with its category) or not: the one place that says so.

The Art. 30 inventory, the GraphQL masking of data subjects' fields and the erasure scan are
all generated from this table; a test fails when a model field is missing from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.models import Model

from models.breaches import Breach, BreachContact
from models.credentials import ApiKey, LoginFailure, Session
from models.crm import Contact, Traveler, TravelRequest
from models.gdpr import AuditChainHead, AuditEvent, ConsentRecord, ExportDelivery, SubjectRequest
from models.journal_mark import ErasureJournalMark
from models.notes import NoteFinding
from models.organisation import Agency, Team, User
from models.outbox import OutboxMessage
from models.trusted_documents import TrustedDocument
from models.webhooks import Webhook

# Categories
IDENTITY = "identity"
CONTACT_DETAILS = "contact"
BIRTH_DATE = "birth date"
FREE_TEXT = "free text"
TRAVEL_COMPANIONS = "travel companions"
CONSENT = "consent"
SEARCH_INDEX = "search index"
STAFF = "staff identity"
SECURITY = "security log"
NOTE_FINDINGS = "sensitive data found in free text (Art. 9, 10)"
BREACH_RECORD = "personal data breach record"
REQUESTER = "rights requester (as typed into the website's form)"
MAIL = "mail to a person"

# Who sees it (the compartment rules of auth.policy, in words for the register)
SUBJECT_SCOPE = "the contact's compartment: owner; TEAM adds the owner's team; AGENCY adds the agency; the DPO always"
NEVER_SERVED = "never served through the API (internal)"
AGENCY_USERS = "users of the same agency"
DPO_ONLY = "the DPO"

# How long it is kept
CONTACT_RETENTION = "until erasure, or the agency's retention period after the contact's last activity"
REQUEST_RETENTION = "until erasure, or the agency's retention period after the request's last activity"
STAFF_RETENTION = "while the account exists (accounts are deactivated, not deleted)"
SESSION_RETENTION = "until the session expires"
THROTTLE_RETENTION = "the login lockout window; 24 h for rights requests (an address is kept as its SHA-256)"
# resolvers.self_service.housekeeping applies these two (the dispatcher hourly, `alveole retention apply`).
REQUESTER_RETENTION = (
    "wiped when the linked contact is erased or purged, 30 days after the request is closed, and with the request "
    "30 days after receipt if never verified"
)
MAIL_RETENTION = "deleted with the person (erasure, purge) and 30 days after it was sent (or given up)"
AUDIT_RETENTION = "kept for accountability; holds no data of the data subject"
FINDING_RETENTION = "as long as the text it was found in (rewritten with it; erased with the person)"
BREACH_RETENTION = "kept in the breach register (Art. 33(5)); the link to each person goes with their erasure"


@dataclass(frozen=True)
class Personal:
    category: str
    visible_to: str
    retention: str


def _subject(category: str, retention: str = CONTACT_RETENTION) -> Personal:
    return Personal(category, SUBJECT_SCOPE, retention)


NOT_PERSONAL = None

DECLARATIONS: dict[type[Model], dict[str, Personal | None]] = {
    Agency: {
        "id": NOT_PERSONAL,
        "name": NOT_PERSONAL,
        "retention_months": NOT_PERSONAL,
        "default_visibility": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
    },
    Team: {"id": NOT_PERSONAL, "agency": NOT_PERSONAL, "name": NOT_PERSONAL, "created_at": NOT_PERSONAL},
    User: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "team": NOT_PERSONAL,
        "email": Personal(STAFF, AGENCY_USERS, STAFF_RETENTION),
        "name": Personal(STAFF, AGENCY_USERS, STAFF_RETENTION),
        "role": NOT_PERSONAL,
        "active": NOT_PERSONAL,
        "password_hash": Personal(SECURITY, NEVER_SERVED, STAFF_RETENTION),
        "created_at": NOT_PERSONAL,
    },
    Session: {
        "id": NOT_PERSONAL,
        "user": NOT_PERSONAL,
        "token_hash": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "last_seen_at": NOT_PERSONAL,
        "expires_at": NOT_PERSONAL,
        "revoked": NOT_PERSONAL,
    },
    LoginFailure: {
        "id": NOT_PERSONAL,
        "key": Personal(SECURITY, NEVER_SERVED, THROTTLE_RETENTION),
        "at": NOT_PERSONAL,
    },
    ApiKey: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "name": NOT_PERSONAL,
        "secret_hash": NOT_PERSONAL,
        "scopes": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "revoked": NOT_PERSONAL,
        "trusted_documents_only": NOT_PERSONAL,
    },
    Contact: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "owner": NOT_PERSONAL,
        "team": NOT_PERSONAL,
        "kind": NOT_PERSONAL,
        "visibility": NOT_PERSONAL,
        "restricted": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "last_activity_at": NOT_PERSONAL,
        "first_name": _subject(IDENTITY),
        "last_name": _subject(IDENTITY),
        "email": _subject(CONTACT_DETAILS),
        "phone": _subject(CONTACT_DETAILS),
        "birth_date": _subject(BIRTH_DATE),
        "address": _subject(CONTACT_DETAILS),
        "notes": _subject(FREE_TEXT),
        "search_text": Personal(SEARCH_INDEX, NEVER_SERVED, CONTACT_RETENTION),
    },
    TravelRequest: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "contact": NOT_PERSONAL,
        "advisor": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "destination": NOT_PERSONAL,
        "departure_date": NOT_PERSONAL,
        "return_date": NOT_PERSONAL,
        "traveler_count": NOT_PERSONAL,
        "budget_cents": NOT_PERSONAL,
        "notes": _subject(FREE_TEXT, REQUEST_RETENTION),
        "created_at": NOT_PERSONAL,
        "last_activity_at": NOT_PERSONAL,
    },
    Traveler: {
        "id": NOT_PERSONAL,
        "request": NOT_PERSONAL,
        "position": NOT_PERSONAL,
        "first_name": _subject(TRAVEL_COMPANIONS, REQUEST_RETENTION),
        "last_name": _subject(TRAVEL_COMPANIONS, REQUEST_RETENTION),
        "birth_date": _subject(TRAVEL_COMPANIONS, REQUEST_RETENTION),
    },
    ConsentRecord: {
        "id": NOT_PERSONAL,
        "contact": NOT_PERSONAL,
        "purpose": _subject(CONSENT),
        "granted": _subject(CONSENT),
        "recorded_at": _subject(CONSENT),
        "source": _subject(CONSENT),
        "wording": _subject(CONSENT),
        "recorded_by": Personal(STAFF, SUBJECT_SCOPE, CONTACT_RETENTION),
    },
    SubjectRequest: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "contact": NOT_PERSONAL,
        "kind": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "received_at": NOT_PERSONAL,
        "due_at": NOT_PERSONAL,
        "closed_at": NOT_PERSONAL,
        "extended": NOT_PERSONAL,
        "reference": NOT_PERSONAL,
        "channel": NOT_PERSONAL,
        "verified": NOT_PERSONAL,
        "verified_at": NOT_PERSONAL,
        "verification_hash": NOT_PERSONAL,
        "verification_expires_at": NOT_PERSONAL,
        "requester_email": Personal(REQUESTER, DPO_ONLY, REQUESTER_RETENTION),
        "requester_name": Personal(REQUESTER, DPO_ONLY, REQUESTER_RETENTION),
        "message": Personal(REQUESTER, DPO_ONLY, REQUESTER_RETENTION),
        "language": NOT_PERSONAL,
        "source_url": NOT_PERSONAL,
    },
    ExportDelivery: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "subject_request": NOT_PERSONAL,
        "contact": NOT_PERSONAL,
        "token_hash": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "expires_at": NOT_PERSONAL,
        "downloads": NOT_PERSONAL,
        "max_downloads": NOT_PERSONAL,
        "revoked": NOT_PERSONAL,
    },
    OutboxMessage: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "transport": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "recipient": Personal(MAIL, DPO_ONLY, MAIL_RETENTION),
        "subject": NOT_PERSONAL,  # the templates put the request's reference there, never a name
        "body": Personal(MAIL, NEVER_SERVED, MAIL_RETENTION),
        "body_html": Personal(MAIL, NEVER_SERVED, MAIL_RETENTION),
        "headers": NOT_PERSONAL,
        "contact": NOT_PERSONAL,
        "subject_request": NOT_PERSONAL,
        "webhook": NOT_PERSONAL,
        "attempts": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "next_attempt_at": NOT_PERSONAL,
        "claimed_until": NOT_PERSONAL,
        "sent_at": NOT_PERSONAL,
        "last_error": NOT_PERSONAL,
    },
    AuditEvent: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "at": NOT_PERSONAL,
        "actor": Personal(STAFF, DPO_ONLY, AUDIT_RETENTION),
        "action": NOT_PERSONAL,
        "contact_ref": NOT_PERSONAL,
        "detail": NOT_PERSONAL,
        "prev_hash": NOT_PERSONAL,
        "hash": NOT_PERSONAL,
    },
    AuditChainHead: {"agency_id": NOT_PERSONAL, "hash": NOT_PERSONAL},
    # The clients' code. A document that spelled a person's name as a literal would be a client's bug:
    # registration refuses nothing on that ground, so manifests are generated from source, never by hand.
    TrustedDocument: {
        "id": NOT_PERSONAL,
        "sha256": NOT_PERSONAL,
        "body": NOT_PERSONAL,
        "operation_name": NOT_PERSONAL,
        "source": NOT_PERSONAL,
        "registered_at": NOT_PERSONAL,
    },
    # A partner's endpoint, not a person's. Its payloads (outbox rows) name people by opaque id only.
    Webhook: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "url": NOT_PERSONAL,
        "events": NOT_PERSONAL,
        "secret_salt": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
    },
    ErasureJournalMark: {
        "id": NOT_PERSONAL,
        "journal_id": NOT_PERSONAL,
        "journal_offset": NOT_PERSONAL,
        "marked_at": NOT_PERSONAL,
        "marked_by": NOT_PERSONAL,
    },
    NoteFinding: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "contact": NOT_PERSONAL,
        "travel_request": NOT_PERSONAL,
        "subject_request": NOT_PERSONAL,
        "field": NOT_PERSONAL,
        # That a person's notes mention their health is itself health data: category and words alike.
        "category": _subject(NOTE_FINDINGS, FINDING_RETENTION),
        "excerpt": _subject(NOTE_FINDINGS, FINDING_RETENTION),
        "found_at": NOT_PERSONAL,
    },
    Breach: {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "recorded_at": NOT_PERSONAL,
        "recorded_by": Personal(STAFF, DPO_ONLY, BREACH_RETENTION),
        "discovered_at": NOT_PERSONAL,
        # Written by the DPO about an incident: it may name people, so it is treated as personal.
        "description": Personal(BREACH_RECORD, DPO_ONLY, BREACH_RETENTION),
        "actor_email": Personal(STAFF, DPO_ONLY, BREACH_RETENTION),
        "api_key_actor": NOT_PERSONAL,
        "window_from": NOT_PERSONAL,
        "window_to": NOT_PERSONAL,
        "notify_authority_by": NOT_PERSONAL,
        "affected_contact_count": NOT_PERSONAL,
        "exposure_count": NOT_PERSONAL,
        "categories": NOT_PERSONAL,
        "notification_draft": Personal(BREACH_RECORD, DPO_ONLY, BREACH_RETENTION),
        "subjects_notified_at": NOT_PERSONAL,
    },
    BreachContact: {
        "id": NOT_PERSONAL,
        "breach": NOT_PERSONAL,
        # That this person's data was exposed in this breach.
        "contact": Personal(BREACH_RECORD, DPO_ONLY, BREACH_RETENTION),
    },
}


def declared_fields(model: type[Model]) -> dict[str, Personal | None]:
    return DECLARATIONS.get(model, {})


def is_public(model: type[Model], field_name: str) -> bool:
    """Default deny: a field nobody declared is personal."""
    fields = DECLARATIONS.get(model, {})
    return field_name in fields and fields[field_name] is None


def personal_fields() -> list[tuple[type[Model], str, Personal]]:
    return [
        (model, name, decl)
        for model, fields in DECLARATIONS.items()
        for name, decl in fields.items()
        if decl is not None
    ]
