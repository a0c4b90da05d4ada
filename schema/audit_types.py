"""The AuditEvent type: one entry of the trail. It holds no data of the data subject, only an opaque id."""

from __future__ import annotations

from datetime import datetime

import strawberry

import models
from resolvers.ids import encode_id


@strawberry.type
class AuditEvent:
    row: strawberry.Private[models.AuditEvent]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("AuditEvent", self.row.id))

    @strawberry.field
    def at(self) -> datetime:
        return self.row.at

    @strawberry.field(description='A user\'s email, an API key\'s name ("api-key:<name>"), or "system".')
    def actor(self) -> str:
        return self.row.actor

    @strawberry.field(description="e.g. VIEW_PERSONAL, EXPORT, UPDATE, ERASE, PURGE, LOGIN")
    def action(self) -> str:
        return self.row.action

    @strawberry.field(description="The subject, when there is one: the contact's id, still shown after its erasure.")
    def contact_id(self) -> strawberry.ID | None:
        # contact_ref is stored already opaque (resolvers.audit.contact_ref).
        ref = self.row.contact_ref
        return strawberry.ID(ref) if ref is not None else None

    @strawberry.field
    def detail(self) -> str:
        return self.row.detail
