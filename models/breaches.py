"""The breach register (Art. 33(5)): each breach, and the people whose data the suspected actor reached."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.crm import Contact
from models.organisation import Agency


class Breach(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="breaches", on_delete=fields.CASCADE
    )
    agency_id: int
    recorded_at = fields.DatetimeField()
    recorded_by = fields.CharField(max_length=254)
    discovered_at = fields.DatetimeField()
    description = fields.TextField()
    # The suspected actor as the audit log names it: a user's email and/or "api-key:<name>".
    actor_email = fields.CharField(max_length=254, null=True)
    api_key_actor = fields.CharField(max_length=254, null=True)
    window_from = fields.DatetimeField()
    window_to = fields.DatetimeField()
    notify_authority_by = fields.DatetimeField()
    affected_contact_count = fields.IntField()
    exposure_count = fields.IntField(description="audit events of the actor on people's data in the window")
    categories = fields.TextField(description="categories of personal data exposed, one per line")
    notification_draft = fields.TextField()
    subjects_notified_at = fields.DatetimeField(null=True)

    class Meta:
        table = "breach"
        indexes = (("agency_id", "id"),)


# Who was affected: erased with the person (the breach keeps its count).
class BreachContact(Model):
    id = fields.IntField(primary_key=True)
    breach: fields.ForeignKeyRelation[Breach] = fields.ForeignKeyField(
        "models.Breach", related_name="affected", on_delete=fields.CASCADE
    )
    breach_id: int
    contact: fields.ForeignKeyRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="breaches", on_delete=fields.CASCADE
    )
    contact_id: int

    class Meta:
        table = "breach_contact"
        unique_together = (("breach", "contact"),)
        indexes = (("contact_id",),)
