"""Proof of consent, data-subject requests and the audit trail."""

from __future__ import annotations

import secrets

from tortoise import fields
from tortoise.models import Model

from models.crm import Contact
from models.enums import ConsentPurpose, SubjectRequestChannel, SubjectRequestStatus, SubjectRightKind
from models.organisation import Agency


# Append-only: never updated; deleted only with the person (erasure).
class ConsentRecord(Model):
    id = fields.IntField(primary_key=True)
    contact: fields.ForeignKeyRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="consent_records", on_delete=fields.CASCADE
    )
    contact_id: int
    purpose = fields.CharEnumField(ConsentPurpose, max_length=32)
    granted = fields.BooleanField()
    recorded_at = fields.DatetimeField()
    source = fields.CharField(max_length=500)
    wording = fields.TextField()
    recorded_by = fields.CharField(max_length=254)

    class Meta:
        table = "consent_record"
        indexes = (("contact_id", "id"),)


# Crockford's base 32: no I, L, O or U, so a reference read over the phone is not misheard.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A public reference, e.g. DSR-7Q4K-M2XD: short enough to read out, 40 random bits, so not guessable."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"DSR-{code[:4]}-{code[4:]}"


class SubjectRequest(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="subject_requests", on_delete=fields.CASCADE
    )
    agency_id: int
    # Kept after an erasure (the deadline record is accountability), but unlinked from the person.
    contact: fields.ForeignKeyNullableRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="subject_requests", null=True, on_delete=fields.SET_NULL
    )
    contact_id: int | None
    kind = fields.CharEnumField(SubjectRightKind, max_length=16)
    status = fields.CharEnumField(SubjectRequestStatus, max_length=16, default=SubjectRequestStatus.OPEN)
    received_at = fields.DatetimeField()
    due_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)
    extended = fields.BooleanField(default=False)
    reference = fields.CharField(
        max_length=16, unique=True, default=new_reference, description="public reference, e.g. DSR-7Q4K-M2XD"
    )
    # The database defaults mark the rows that existed before the website's door as staff-opened.
    channel = fields.CharEnumField(
        SubjectRequestChannel, max_length=16, default=SubjectRequestChannel.STAFF, db_default="STAFF"
    )
    # Staff-opened requests need no check; web requests are verified through the emailed link.
    verified = fields.BooleanField(default=True, db_default=True)
    verified_at = fields.DatetimeField(null=True)
    verification_hash = fields.CharField(max_length=64, null=True, unique=True, description="SHA-256 of the link")
    verification_expires_at = fields.DatetimeField(null=True)
    # What the person typed into the website's form: the DPO's only, wiped at erasure and after closing.
    requester_email = fields.CharField(max_length=254, null=True)
    requester_name = fields.CharField(max_length=201, null=True)
    message = fields.TextField(null=True)
    language = fields.CharField(
        max_length=2, default="fr", db_default="fr", description="fr | en: every mail to the person"
    )
    source_url = fields.CharField(max_length=500, null=True)

    deliveries: fields.ReverseRelation[ExportDelivery]

    class Meta:
        table = "subject_request"
        indexes = (("agency_id", "due_at"), ("contact_id",))


# A personal download link mailed to the person (Art. 15(3)): only the token's hash is stored.
class ExportDelivery(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="export_deliveries", on_delete=fields.CASCADE
    )
    agency_id: int
    subject_request: fields.ForeignKeyRelation[SubjectRequest] = fields.ForeignKeyField(
        "models.SubjectRequest", related_name="deliveries", on_delete=fields.CASCADE
    )
    subject_request_id: int
    # Erasure deletes the row (resolvers.deletion): the link then answers 404.
    contact: fields.ForeignKeyRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="export_deliveries", on_delete=fields.CASCADE
    )
    contact_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    downloads = fields.IntField(default=0)
    max_downloads = fields.IntField()
    revoked = fields.BooleanField(default=False)

    class Meta:
        table = "export_delivery"
        indexes = (("subject_request_id",), ("contact_id",))


# Hash-chained per agency; refers to people by opaque id only, so erasure leaves it intact.
class AuditEvent(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="audit_events", on_delete=fields.CASCADE
    )
    agency_id: int
    at = fields.DatetimeField()
    actor = fields.CharField(max_length=254)
    action = fields.CharField(max_length=32)
    contact_ref = fields.CharField(max_length=64, null=True, db_index=True)
    detail = fields.TextField(default="")
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_event"
        # (agency_id, id): the chain's walk (verify_chain) and the newest-first log.
        indexes = (("agency_id", "action"), ("agency_id", "actor"), ("agency_id", "id"))


class AuditChainHead(Model):
    """An agency's last audit event's hash: what the next append chains to (resolvers.audit), read by key.

    Found in audit_event itself, the last event's lookup depended on the planner: on PostgreSQL, a plan made while
    the trail was empty, and kept by a server's prepared statement while statistics went stale, sorted the agency's
    whole trail on every append (every response showing personal data appends)."""

    # The agency's id as the key, not a generated one: an append's upsert would draw from a sequence each time on
    # PostgreSQL, until it ran out. No foreign key either, so that an append never locks the agency's row.
    agency_id = fields.IntField(primary_key=True, generated=False)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_chain_head"
