"""Root fields: webhooks that tell partners of changes to people's data (Art. 19), for ADMIN and the DPO."""

from __future__ import annotations

from datetime import datetime

import strawberry

import models
from models.enums import WebhookEvent  # the very class schema.enums made a GraphQL enum
from resolvers import webhooks
from resolvers.ids import decode_id, encode_id
from schema.context import Info


@strawberry.type
class Webhook:
    row: strawberry.Private[models.Webhook]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Webhook", self.row.id))

    @strawberry.field
    def url(self) -> str:
        return self.row.url

    @strawberry.field
    def events(self) -> list[WebhookEvent]:
        return webhooks.events_of(self.row)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type
class NewWebhook:
    webhook: Webhook
    secret: str = strawberry.field(description="Verifies the signatures (Standard Webhooks); shown once.")


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="ADMIN, DPO. The agency's webhooks, newest first.")
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [Webhook(row=row) for row in await webhooks.list_webhooks(info.context.viewer)]


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="ADMIN, DPO. Each event is POSTed, signed per Standard Webhooks, with the person's opaque id and "
        "the names of the fields that changed, never their values. https:// only. The secret is shown once."
    )
    async def create_webhook(self, info: Info, url: str, events: list[WebhookEvent]) -> NewWebhook:
        settings = info.context.settings
        row, secret = await webhooks.create(
            info.context.viewer,
            url,
            events,
            allow_http_loopback=settings.webhooks_allow_http,
            server_key=settings.secret_key.reveal(),
        )
        return NewWebhook(webhook=Webhook(row=row), secret=secret)

    @strawberry.mutation(description="ADMIN, DPO. What it was not sent yet is dropped.")
    async def delete_webhook(self, info: Info, id: strawberry.ID) -> bool:
        return await webhooks.delete(info.context.viewer, decode_id("Webhook", id))
