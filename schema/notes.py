"""Root fields of notes hygiene (CNIL "zones bloc-notes"): the DPO's list of flagged records."""

from __future__ import annotations

import strawberry

from auth import enforce
from models.enums import SensitiveCategory
from resolvers import note_findings
from resolvers.note_findings import FlaggedRecord
from resolvers.pagination import Page, TotalCount
from schema.context import Info
from schema.types import Contact, NoteFinding, PageInfo, TravelRequest, note_findings_of


@strawberry.type(description="A record whose free text holds findings: a contact's own fields, or one of its requests.")
class SensitiveNote:
    contact: Contact
    travel_request: TravelRequest | None
    findings: list[NoteFinding] | None = strawberry.field(description="personal: masked outside the compartment")


@strawberry.type
class SensitiveNoteEdge:
    node: SensitiveNote
    cursor: str


@strawberry.type
class SensitiveNoteConnection:
    count: strawberry.Private[TotalCount]
    edges: list[SensitiveNoteEdge]
    page_info: PageInfo

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()


async def _connection(info: Info, page: Page[FlaggedRecord]) -> SensitiveNoteConnection:
    viewer = info.context.viewer
    contacts = await info.context.loaders.contact.load_many([r.contact_id for r in page.items])
    request_ids = sorted({r.request_id for r in page.items if r.request_id is not None})
    requests = (
        {r.id: r for r in await enforce.travel_requests(viewer).filter(id__in=request_ids)} if request_ids else {}
    )
    edges = []
    for record, row, cursor in zip(page.items, contacts, page.cursors, strict=True):
        if row is None:
            continue
        visible = enforce.sees_personal_data(viewer, row)
        if visible:
            info.context.viewed_contacts.add(row.id)  # the findings are this person's data
        request = requests.get(record.request_id) if record.request_id is not None else None
        node = SensitiveNote(
            contact=Contact.of(row, info, visible=visible),
            travel_request=TravelRequest.of(request, row, visible, info) if request is not None else None,
            findings=note_findings_of(record.flags) if visible else None,
        )
        edges.append(SensitiveNoteEdge(node=node, cursor=cursor))
    return SensitiveNoteConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        count=page.count,
    )


@strawberry.type
class NotesQueries:
    @strawberry.field(
        description="DPO. Records whose free text holds sensitive data (Art. 9, 10) or judgements, newest first; "
        "coveredOnly: those with a finding covered by a SPECIAL_CATEGORY_DATA consent."
    )
    async def sensitive_notes(
        self,
        info: Info,
        category: SensitiveCategory | None = None,
        covered_only: bool | None = False,
        first: int | None = 50,
        after: str | None = None,
    ) -> SensitiveNoteConnection:
        page = await note_findings.flagged_records(
            info.context.viewer, category.value if category else None, bool(covered_only), first, after
        )
        return await _connection(info, page)
