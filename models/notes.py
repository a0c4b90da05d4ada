"""What the notes detector found in a person's free text: kept beside the text, erased with the person."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.crm import Contact, TravelRequest
from models.gdpr import SubjectRequest
from models.organisation import Agency


# Rewritten whenever the field it was found in is written (or rescanned): it always reflects the current text.
class NoteFinding(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="note_findings", on_delete=fields.CASCADE
    )
    agency_id: int
    # Null only for a rights request from the website not linked to a contact yet (linking sets it).
    contact: fields.ForeignKeyNullableRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="note_findings", null=True, on_delete=fields.CASCADE
    )
    contact_id: int | None
    travel_request: fields.ForeignKeyNullableRelation[TravelRequest] = fields.ForeignKeyField(
        "models.TravelRequest", related_name="note_findings", null=True, on_delete=fields.CASCADE
    )
    travel_request_id: int | None
    subject_request: fields.ForeignKeyNullableRelation[SubjectRequest] = fields.ForeignKeyField(
        "models.SubjectRequest", related_name="note_findings", null=True, on_delete=fields.CASCADE
    )
    subject_request_id: int | None
    field = fields.CharField(max_length=64, description='where it was found, e.g. "Contact.notes"')
    category = fields.CharField(max_length=32, description="a SensitiveCategory")
    excerpt = fields.CharField(max_length=300, description="the words that triggered it")
    found_at = fields.DatetimeField()

    class Meta:
        table = "note_finding"
        # The DPO's listing (newest first, by category) and each record's findings.
        indexes = (
            ("agency_id", "id"),
            ("agency_id", "category"),
            ("contact_id",),
            ("travel_request_id",),
            ("subject_request_id",),
        )
