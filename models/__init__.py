"""Tortoise models only. Every field is declared personal or not in models.declarations."""

from models.credentials import ApiKey, LoginFailure, Session
from models.crm import Contact, Traveler, TravelRequest
from models.enums import (
    ApiScope,
    ConsentPurpose,
    ContactKind,
    RequestStatus,
    Role,
    SubjectRequestStatus,
    SubjectRightKind,
    Visibility,
)
from models.gdpr import AuditEvent, ConsentRecord, SubjectRequest
from models.organisation import Agency, Team, User
from models.trusted_documents import TrustedDocument

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
    AuditEvent,
    TrustedDocument,
]

__all__ = [m.__name__ for m in __models__] + [
    "ApiScope",
    "ConsentPurpose",
    "ContactKind",
    "RequestStatus",
    "Role",
    "SubjectRequestStatus",
    "SubjectRightKind",
    "Visibility",
]
