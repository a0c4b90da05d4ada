"""Webhooks (Art. 19): each recipient of an agency's data is told of every consent change, rectification,
restriction and erasure, through the transactional outbox.

notify_many() writes one outbox row per subscribed webhook in the transaction of the change itself: the change
and its notices commit together, or neither does. The outbox's dispatcher then sends each once, with its
retries (resolvers.outbox), signed per Standard Webhooks (resolvers.webhook_transport). A payload holds
the event, its time, the person's opaque id and the names of the fields that changed: never a value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from auth.credentials import new_webhook_salt, webhook_secret
from auth.errors import BadInput, NotFound
from auth.principal import Principal
from models.declarations import is_public
from models.enums import WebhookEvent
from models.webhooks import Webhook
from resolvers import audit, list_caps, outbox, webhook_destination
from resolvers.clock import now


def _events(events: Iterable[WebhookEvent]) -> list[str]:
    chosen = sorted({WebhookEvent(e).value for e in events})
    if not chosen:
        raise BadInput("events", "must list at least one event")
    return chosen


def events_of(webhook: Webhook) -> list[WebhookEvent]:
    return [WebhookEvent(e) for e in webhook.events.split(",") if e]


def secret_of(webhook: Webhook, server_key: str) -> str:
    return webhook_secret(server_key, webhook.secret_salt)


async def create(
    principal: Principal, url: str, events: Iterable[WebhookEvent], *, allow_http_loopback: bool, server_key: str
) -> tuple[Webhook, str]:
    """The new webhook and its signing secret, which this return value is the only one to show."""
    # Resolved now, so a host leading to this machine or the private network is refused at once; it is checked
    # again at every delivery (resolvers.webhook_destination).
    url = (await webhook_destination.destination(url, allow_http_loopback=allow_http_loopback)).url
    chosen = _events(events)
    async with in_transaction() as conn:
        webhook = await Webhook.create(
            agency_id=principal.agency_id,
            url=url,
            events=",".join(chosen),
            secret_salt=new_webhook_salt(),
            created_at=now(),
            using_db=conn,
        )
        await audit.record(
            principal, "CREATE_WEBHOOK", detail=f"webhook {webhook.id} {','.join(chosen)}", connection=conn
        )
    return webhook, secret_of(webhook, server_key)


async def list_webhooks(principal: Principal) -> list[Webhook]:
    query = Webhook.filter(agency_id=principal.agency_id).order_by("-created_at", "-id")
    return await list_caps.at_most(query, list_caps.WEBHOOKS, "webhooks")


async def delete(principal: Principal, webhook_id: int) -> bool:
    """Its undelivered notices go with it (the outbox rows cascade)."""
    async with in_transaction() as conn:
        deleted = await Webhook.filter(id=webhook_id, agency_id=principal.agency_id).using_db(conn).delete()
        if not deleted:
            raise NotFound("Webhook")
        await audit.record(principal, "DELETE_WEBHOOK", detail=f"webhook {webhook_id}", connection=conn)
    return True


def payload(event: WebhookEvent, contact_id: int, fields: Iterable[str]) -> str:
    """Standard Webhooks' shape: type, timestamp, data. Nothing a person could be recognised by."""
    body = {
        "type": event.value,
        "timestamp": now().isoformat(),
        "data": {"contactId": audit.contact_ref(contact_id), "fields": sorted(set(fields))},
    }
    return json.dumps(body, separators=(",", ":"))


def personal_fields(
    model: type[Model], changed: Iterable[str], api_names: dict[str, str], prefix: str = ""
) -> list[str]:
    """The API names of the personal fields among those changed (models.declarations: undeclared is personal)."""
    return [prefix + api_names[name] for name in changed if not is_public(model, name)]


async def subscribers(conn: BaseDBAsyncClient, agency_id: int, event: WebhookEvent) -> list[Webhook]:
    """The agency's webhooks that asked for `event`: the recipients it tells."""
    webhooks = await Webhook.filter(agency_id=agency_id).using_db(conn).order_by("id")
    return [webhook for webhook in webhooks if event in events_of(webhook)]


async def notify_many(
    conn: BaseDBAsyncClient,
    agency_id: int,
    event: WebhookEvent,
    contact_ids: Sequence[int],
    fields: Iterable[str] = (),
) -> int:
    """Queues the event about each of these people for every webhook of the agency that asked for it, in `conn`'s
    transaction and in one insert (a purge's batch is 500 people); returns how many recipients will be told."""
    if not contact_ids:
        return 0
    recipients = await subscribers(conn, agency_id, event)
    changed = sorted(set(fields))
    bodies = [payload(event, contact_id, changed) for contact_id in contact_ids] if recipients else []
    deliveries = [outbox.WebhookDelivery(webhook.id, webhook.url, body) for body in bodies for webhook in recipients]
    await outbox.enqueue_webhooks(conn, agency_id, deliveries)
    return len(recipients)


async def notify(
    conn: BaseDBAsyncClient, agency_id: int, event: WebhookEvent, contact_id: int, fields: Iterable[str] = ()
) -> int:
    """notify_many() for one person."""
    return await notify_many(conn, agency_id, event, [contact_id], fields)
