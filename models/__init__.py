"""Tortoise models only. Every field is declared personal or not in models.declarations.

Beside each foreign key, `<name>_id: int` declares for type checkers the column attribute Tortoise sets on
its own; an annotation without a value is no field to Tortoise (no column, no migration)."""

from models.breaches import Breach, BreachContact
from models.credentials import ApiKey, LoginFailure, Session
from models.crm import Contact, Traveler, TravelRequest
from models.enums import (
    ApiScope,
    ConsentPurpose,
    ContactKind,
    OutboxStatus,
    RequestStatus,
    Role,
    SensitiveCategory,
    SubjectRequestChannel,
    SubjectRequestStatus,
    SubjectRightKind,
    Visibility,
    WebhookEvent,
)
from models.gdpr import AuditChainHead, AuditEvent, ConsentRecord, ExportDelivery, SubjectRequest
from models.journal_mark import ErasureJournalMark
from models.notes import NoteFinding
from models.organisation import Agency, Team, User
from models.outbox import OutboxMessage
from models.trusted_documents import TrustedDocument
from models.webhooks import Webhook

__models__ = [
    Agency,
    Team,
    User,
    Session,
    LoginFailure,
    ApiKey,
    Contact,
    TravelRequest,
    Traveler,
    ConsentRecord,
    SubjectRequest,
    ExportDelivery,
    OutboxMessage,
    AuditChainHead,
    AuditEvent,
    TrustedDocument,
    Webhook,
    ErasureJournalMark,
    NoteFinding,
    Breach,
    BreachContact,
]

__all__ = [m.__name__ for m in __models__] + [
    "ApiScope",
    "ConsentPurpose",
    "ContactKind",
    "OutboxStatus",
    "RequestStatus",
    "Role",
    "SensitiveCategory",
    "SubjectRequestChannel",
    "SubjectRequestStatus",
    "SubjectRightKind",
    "Visibility",
    "WebhookEvent",
]
