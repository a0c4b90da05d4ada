"""The transactional outbox: messages written in the same transaction as the change that causes them.

A dispatcher (resolvers.outbox) sends them through the transport the row names: "mail", or "webhook"
(recipient = the webhook's URL, body = its payload, signed when sent with the webhook's secret).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.crm import Contact
from models.enums import OutboxStatus
from models.gdpr import SubjectRequest
from models.organisation import Agency
from models.webhooks import Webhook


class OutboxMessage(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="outbox", on_delete=fields.CASCADE
    )
    agency_id: int
    transport = fields.CharField(max_length=16, description="how it is sent: mail (webhook to come)")
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING)
    recipient = fields.CharField(max_length=500, description="an email address, or a webhook's URL")
    subject = fields.CharField(max_length=300, default="")
    body = fields.TextField(description="the mail's text, or a webhook's payload")
    body_html = fields.TextField(null=True)
    headers = fields.TextField(null=True, description="extra headers as a JSON object (webhooks)")
    # Whose data the message carries: erasure deletes it with them (resolvers.deletion).
    contact: fields.ForeignKeyNullableRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="outbox", null=True, on_delete=fields.CASCADE
    )
    contact_id: int | None
    subject_request: fields.ForeignKeyNullableRelation[SubjectRequest] = fields.ForeignKeyField(
        "models.SubjectRequest", related_name="outbox", null=True, on_delete=fields.CASCADE
    )
    subject_request_id: int | None
    # The webhook a "webhook" row goes to: deleting the webhook drops what it was not sent yet.
    webhook: fields.ForeignKeyNullableRelation[Webhook] = fields.ForeignKeyField(
        "models.Webhook", related_name="outbox", null=True, on_delete=fields.CASCADE
    )
    webhook_id: int | None
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    next_attempt_at = fields.DatetimeField(description="not before: the retry backoff")
    claimed_until = fields.DatetimeField(null=True, description="a dispatcher is sending it until then")
    sent_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=500, null=True, description="no personal data: type and SMTP code")

    class Meta:
        table = "outbox"
        # The dispatcher's scan of what is due, the DPO's newest-first list, the 30-day deletion.
        indexes = (("status", "next_attempt_at"), ("agency_id", "transport", "id"), ("contact_id",))
