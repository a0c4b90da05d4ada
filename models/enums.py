from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    ADVISOR = "ADVISOR"
    ADMIN = "ADMIN"
    DPO = "DPO"


class Visibility(str, Enum):
    ADVISOR = "ADVISOR"
    TEAM = "TEAM"
    AGENCY = "AGENCY"


class ContactKind(str, Enum):
    PROSPECT = "PROSPECT"
    CLIENT = "CLIENT"


class RequestStatus(str, Enum):
    NEW = "NEW"
    QUOTED = "QUOTED"
    BOOKED = "BOOKED"
    LOST = "LOST"
    CANCELLED = "CANCELLED"


class ConsentPurpose(str, Enum):
    MARKETING_EMAIL = "MARKETING_EMAIL"
    MARKETING_SMS = "MARKETING_SMS"
    NEWSLETTER = "NEWSLETTER"
    PARTNER_SHARING = "PARTNER_SHARING"
    SPECIAL_CATEGORY_DATA = "SPECIAL_CATEGORY_DATA"  # explicit consent to special categories (Art. 9(2)(a))


class SubjectRightKind(str, Enum):
    ACCESS = "ACCESS"
    RECTIFICATION = "RECTIFICATION"
    ERASURE = "ERASURE"
    PORTABILITY = "PORTABILITY"
    RESTRICTION = "RESTRICTION"
    OBJECTION = "OBJECTION"


class SubjectRequestStatus(str, Enum):
    OPEN = "OPEN"
    DONE = "DONE"
    REJECTED = "REJECTED"


class ApiScope(str, Enum):
    INTAKE = "INTAKE"
    READ_CONTACTS = "READ_CONTACTS"
    MARKETING_AUDIENCE = "MARKETING_AUDIENCE"


class WebhookEvent(str, Enum):
    """What each recipient is told (Art. 19): consent given or withdrawn, rectification, restriction, erasure."""

    CONSENT_CHANGED = "CONSENT_CHANGED"
    CONTACT_RECTIFIED = "CONTACT_RECTIFIED"
    PROCESSING_RESTRICTED = "PROCESSING_RESTRICTED"
    CONTACT_ERASED = "CONTACT_ERASED"


class SensitiveCategory(str, Enum):
    """What the notes detector finds: the Art. 9 categories, offences (Art. 10) and judgements (CNIL)."""

    HEALTH = "HEALTH"
    RELIGION = "RELIGION"
    POLITICAL_OPINION = "POLITICAL_OPINION"
    TRADE_UNION = "TRADE_UNION"
    SEXUAL_ORIENTATION = "SEXUAL_ORIENTATION"
    ETHNIC_ORIGIN = "ETHNIC_ORIGIN"
    GENETIC_BIOMETRIC = "GENETIC_BIOMETRIC"
    CRIMINAL_OFFENCE = "CRIMINAL_OFFENCE"
    JUDGEMENT = "JUDGEMENT"


class SubjectRequestChannel(str, Enum):
    WEB_FORM = "WEB_FORM"  # the agency's website, verified by an emailed link
    STAFF = "STAFF"  # opened by the DPO


class OutboxStatus(str, Enum):
    PENDING = "PENDING"  # waiting for a dispatcher (or retrying after a failure)
    HELD = "HELD"  # a dispatcher found no transport configured for it (mail: no ALVEOLE_SMTP_URL)
    SENT = "SENT"
    FAILED = "FAILED"  # gave up after the last try
