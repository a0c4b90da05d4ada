"""Root field: the subject access export (Art. 15 + Art. 20), for the DPO."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import strawberry

from auth import enforce
from resolvers import export
from resolvers.ids import decode_id
from schema.audit_types import AuditEvent
from schema.context import Info
from schema.types import ConsentRecord, Contact, TravelRequest


@strawberry.type(description="Everything held on one person (Art. 15), with portable downloads (Art. 20).")
class SubjectAccessExport:
    bundle: strawberry.Private[export.Export]

    @strawberry.field
    def generated_at(self) -> datetime:
        return self.bundle.generated_at

    @strawberry.field
    def contact(self, info: Info) -> Contact:
        return Contact.of(self.bundle.contact, info)

    @strawberry.field(description="Oldest first. Supports @stream: read and sent in chunks.")
    def requests(self, info: Info) -> strawberry.Streamable[TravelRequest]:
        contact = self.bundle.contact
        visible = enforce.sees_personal_data(info.context.viewer, contact)
        return RequestStream(info, contact, visible, export.request_chunks(info.context.viewer, contact.id))

    @strawberry.field(description="Oldest first.")
    async def consent_history(self, info: Info) -> list[ConsentRecord]:
        rows = await export.consent_history(info.context.viewer, self.bundle.contact.id)
        return [ConsentRecord.of(r, info) for r in rows]

    @strawberry.field(description="Who viewed or changed this person's data, newest first.")
    async def access_log(self, info: Info) -> list[AuditEvent]:
        return [AuditEvent(row=r) for r in await export.access_log(info.context.viewer, self.bundle.contact.id)]

    @strawberry.field(description="Art. 15(1)(a)-(h): purposes, categories, recipients, retention, rights, source.")
    async def rights_notice(self, info: Info) -> str:
        return (await export.subject(info.context.viewer, self.bundle.contact)).notice

    @strawberry.field(description="Short-lived link to a CSV file: GET it with no other credential.")
    def csv_url(self, info: Info) -> str:
        return _download_url(info, self.bundle.token, "csv")

    @strawberry.field(description="Short-lived link to a JSON file (portability): GET it with no other credential.")
    def json_url(self, info: Info) -> str:
        return _download_url(info, self.bundle.token, "json")


class RequestStream(AsyncGenerator[TravelRequest, None]):
    """SubjectAccessExport.requests: the person's requests as TravelRequest objects, one at a time, read in
    chunks with their travelers (one travelers query per chunk, not per item). Nothing is kept once a chunk
    is sent, so memory stays flat however many requests there are.

    The fast path reads the rows themselves (`rest`) from where the objects stopped (after @stream's
    initialCount): a compiled stream builds each item straight from its row (schema.fastpath.export_stream),
    and `item` is the object of a row it does not build.
    """

    def __init__(self, info: Info, contact: Any, visible: bool, chunks: AsyncIterator[export.RequestChunk]) -> None:
        self.info, self.contact, self.visible = info, contact, visible
        self._chunks = chunks
        self._chunk: export.RequestChunk = ([], {})
        self._next = 0  # the index in the current chunk of the next row to give

    def item(self, row: Any, travelers: list[Any]) -> TravelRequest:
        return TravelRequest.of(row, self.contact, self.visible, self.info, travelers)

    async def asend(self, value: None) -> TravelRequest:
        rows, travelers = self._chunk
        while self._next == len(rows):
            self._chunk = rows, travelers = await anext(self._chunks)  # StopAsyncIteration ends the stream
            self._next = 0
        row = rows[self._next]
        self._next += 1
        return self.item(row, travelers[row.id])

    async def rest(self) -> AsyncIterator[export.RequestChunk]:
        """The rows not given as objects yet, chunk by chunk."""
        rows, travelers = self._chunk
        if self._next < len(rows):
            self._next, rest = len(rows), rows[self._next :]
            yield rest, travelers
        async for chunk in self._chunks:
            self._chunk, self._next = chunk, len(chunk[0])
            yield chunk

    async def athrow(self, typ: Any, val: Any = None, tb: Any = None) -> TravelRequest:
        """As an exhausted generator: the source is closed and the exception raised."""
        await self.aclose()
        raise typ if val is None else val

    async def aclose(self) -> None:
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()


def _download_url(info: Info, token: str, extension: str) -> str:
    request = info.context.request
    if request is None:
        raise RuntimeError("export links are made for HTTP requests")
    return f"{request.base_url}exports/{token}.{extension}"


@strawberry.type
class ExportQueries:
    @strawberry.field(description="DPO. Everything held on one person; each export is recorded in the audit trail.")
    async def subject_access_export(self, info: Info, contact_id: strawberry.ID) -> SubjectAccessExport:
        settings = info.context.settings
        bundle = await export.generate(
            info.context.viewer,
            decode_id("Contact", contact_id),
            secret=settings.secret_key,
            link_lifetime=timedelta(minutes=settings.export_link_minutes),
        )
        return SubjectAccessExport(bundle=bundle)
