"""The webhook transport of the outbox: a signed POST per Standard Webhooks (the `standardwebhooks` package).

Signed when sent, not when queued: the `webhook-timestamp` a receiver checks (within 5 minutes) is the
time of this very try, so a retry ten minutes later is still accepted. The `webhook-id` is the outbox
row's, the same on every retry, so a receiver can drop a delivery it already had.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import floor

import httpx
from standardwebhooks.webhooks import Webhook as StandardWebhook

from auth.errors import BadInput
from models.outbox import OutboxMessage
from models.webhooks import Webhook
from resolvers import webhook_destination, webhooks
from resolvers.clock import now
from resolvers.outbox import TransportError

TIMEOUT_SECONDS = 10
USER_AGENT = "Alveole-Webhooks/1"


@dataclass(frozen=True)
class WebhookTransport:
    server_key: str = field(repr=False)  # ALVEOLE_SECRET_KEY, from which each webhook's secret is derived
    allow_http_loopback: bool = False

    async def send(self, message: OutboxMessage) -> None:
        webhook = await Webhook.filter(id=message.webhook_id).first()
        if webhook is None:
            raise TransportError("the webhook no longer exists")
        try:
            # Checked again, on the addresses resolved for this delivery, which the connection then uses: a DNS
            # answer changed since creation cannot lead it elsewhere, and ALVEOLE_WEBHOOKS_ALLOW_HTTP may have been
            # turned off since.
            destination = await webhook_destination.destination(
                webhook.url, allow_http_loopback=self.allow_http_loopback
            )
        except BadInput as error:
            raise TransportError(error.message) from None
        message_id, at = f"msg_{message.id}", now()
        headers = {
            "host": destination.host_header,
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(floor(at.timestamp())),
            "webhook-signature": StandardWebhook(webhooks.secret_of(webhook, self.server_key)).sign(
                message_id, at, message.body
            ),
        }
        server_name = destination.tls_server_name
        extensions = {"sni_hostname": server_name} if server_name is not None else {}
        # No redirects (a 3xx is a failure, not a detour to another host) and no proxy from the environment.
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as client:
            try:
                response = await client.post(
                    destination.pinned_url,
                    content=message.body.encode("utf-8"),
                    headers=headers,
                    extensions=extensions,
                )
            except httpx.HTTPError as error:
                raise TransportError(type(error).__name__) from None
        if not 200 <= response.status_code < 300:
            raise TransportError(f"HTTP {response.status_code}")
