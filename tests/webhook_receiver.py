"""A partner's webhook endpoint for tests: a real HTTP server on loopback that verifies each delivery's
signature with the `standardwebhooks` library, as a partner would, and keeps what it accepted."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    payload: Any  # what verify() returned: the parsed JSON


@dataclass
class Receiver:
    url: str
    secret: str | None = None  # set once createWebhook has shown it
    answers: list[int] = field(default_factory=list)  # statuses to answer next, in order; then 204
    accepted: list[Delivery] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why a delivery failed verification
    paths: list[str] = field(default_factory=list)  # of every POST received, in order


@contextmanager
def webhook_receiver(path: str = "/hooks/alveole") -> Iterator[Receiver]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver.paths.append(self.path)
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                if receiver.secret is None:
                    raise WebhookVerificationError("no secret to verify with yet")
                payload = Webhook(receiver.secret).verify(body, headers)
            except WebhookVerificationError as error:
                receiver.refused.append(str(error))
                status = 400
            else:
                status = receiver.answers.pop(0) if receiver.answers else 204
                if status < 300:
                    receiver.accepted.append(Delivery(headers, body, payload))
            self.send_response(status)
            if 300 <= status < 400:  # a detour a sender must not follow
                self.send_header("location", f"{receiver.url}/elsewhere")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}{path}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
