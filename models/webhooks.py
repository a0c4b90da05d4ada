"""Webhooks: the partners' URLs an agency tells of changes to a person's data (Art. 19)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.organisation import Agency


class Webhook(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="webhooks", on_delete=fields.CASCADE
    )
    agency_id: int
    url = fields.CharField(max_length=500)
    events = fields.CharField(max_length=200, description="comma-separated WebhookEvent values")
    # The signing secret is derived from it and ALVEOLE_SECRET_KEY (auth.credentials.webhook_secret):
    # the database alone cannot sign.
    secret_salt = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook"
        indexes = (("agency_id", "id"),)
