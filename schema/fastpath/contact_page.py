"""A compiled contacts page's run: the rows it reads and the contacts it reveals.

It reads what `Query.contacts` and schema.prefetch read for the same selection, from the same query sets, in three
statements built once each (resolvers.statements): the contacts in the viewer's scope with their owner and team
joined, the consents of the contacts whose personal data the viewer sees, and the heads of their requests with
each request's advisor joined (schema.prefetch reads owners, teams and advisors by id in the agency, in statements
of their own: a row whose owner, team or advisor is missing or of another agency declines). Whose personal data is
shown is auth.enforce.sees_personal_data's decision for each row; which contacts count as viewed is
schema.masking's rule; the VIEW_PERSONAL batch is written by schema.view_log, as for every response.

Everything that would make the stock path answer an error (no principal, an operation the principal may not run,
an argument the field refuses, a search, a cursor on the requests) declines before any row is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from graphql.execution import get_argument_values

from auth import enforce
from auth.errors import AlveoleError
from auth.principal import Principal
from models.crm import Contact, TravelRequest
from models.gdpr import ConsentRecord
from resolvers.loaders import consents_query
from resolvers.pagination import (
    Head,
    decode_cursor,
    grouped_heads,
    heads_statement,
    page_from,
    page_query,
    page_size,
)
from resolvers.statements import queryset_sql, statement
from schema.fastpath.compiled import ContactPagePlan
from schema.fastpath.compiled_source import Decline

Rows = list[Any]


async def _uncounted() -> int:
    raise Decline  # totalCount is not compiled


class PageData:
    """What the generated functions read: each contact's compartment decision, and the related rows by key."""

    __slots__ = ("consents", "heads", "request_first", "request_size", "visible")

    def __init__(self, visible: list[bool], request_first: int | None) -> None:
        self.visible, self.request_first = visible, request_first
        self.request_size = page_size(request_first)  # each contact's first page of requests: its head's first rows
        self.consents: dict[int, list[Any]] = {}
        self.heads: dict[int, Head[Any]] = {}


def _converted(model: Any, rows: Rows, columns: tuple[str, ...]) -> Rows:
    """The rows with these columns' values as the model's objects hold them (Tortoise's own conversion)."""
    fields = [(column, model._meta.fields_map[column].to_python_value) for column in columns]
    return [row._replace(**{column: to_python(getattr(row, column)) for column, to_python in fields}) for row in rows]


def _columns(plan: ContactPagePlan, table: str) -> tuple[str, ...]:
    return tuple(sorted(plan.needs.columns[table]))


async def _contact_rows(plan: ContactPagePlan, principal: Principal, size: int, before: int | None) -> Rows:
    if not size:
        return []
    columns = _columns(plan, "contact")

    def build(slots: list[int]) -> Any:
        query = page_query(enforce.contacts(principal), size, slots[0] if before is not None else None)
        return queryset_sql(query.values(*columns))

    key = ("contacts", principal, size, before is None, columns)
    return await statement(key, Contact, build, 0 if before is None else 1).rows([] if before is None else [before])


async def agency_rows(
    kind: str, model: Any, query: Any, agency_id: int, ids: list[int], columns: tuple[str, ...]
) -> dict[int, Any]:
    """Users or teams of the agency by id (`kind` "user" or "team", `query` the loader's own query set), with these
    columns (a streamed export's advisors too: schema.fastpath.export_stream)."""
    if not ids:
        return {}

    def build(slots: list[int]) -> Any:
        return queryset_sql(query(slots[0], slots[1:]).only(*columns))

    found = statement((kind, len(ids), columns), model, build, len(ids) + 1)
    return {row.id: row for row in await found.rows([agency_id, *ids])}


async def _consents(plan: ContactPagePlan, ids: list[int]) -> dict[int, list[Any]]:
    if not ids:
        return {}
    columns = _columns(plan, "consent")

    def build(slots: list[int]) -> Any:
        return queryset_sql(consents_query(slots).only(*columns))

    found = statement(("consents", len(ids), columns), ConsentRecord, build, len(ids))
    # recorded_at as the ORM's objects hold it (schema.types reads consents as objects): its time zone set.
    rows = _converted(ConsentRecord, await found.rows(ids), ("recorded_at",))
    grouped: dict[int, list[Any]] = {key: [] for key in ids}
    for row in rows:
        grouped[row.contact_id].append(row)
    return grouped


async def _heads(plan: ContactPagePlan, principal: Principal, ids: list[int], limit: int) -> dict[int, Head[Any]]:
    if not ids:
        return {}
    columns, counted = _columns(plan, "request"), plan.needs.request_total

    def build(slots: list[int]) -> Any:
        query = enforce.travel_requests(principal)
        return heads_statement(query, "contact_id", slots, limit, columns, counted=counted)[1]

    found = statement(("heads", principal, len(ids), limit, columns, counted), TravelRequest, build, len(ids))
    return grouped_heads(await found.rows(ids), "contact_id", ids, counted=counted)


def _arguments(field: Any, node: Any, variables: Any) -> dict[str, Any]:
    try:
        return get_argument_values(field, node, variables)
    except Exception:  # noqa: BLE001 - the field reports it, on graphql-core's path
        raise Decline from None


async def run(plan: ContactPagePlan, principal: Principal | None, variables: Any) -> tuple[Any, set[int]]:
    """The `contacts` field's value, and the contacts it reveals (for the VIEW_PERSONAL batch)."""
    if principal is None:
        raise Decline
    try:
        enforce.authorize(principal, "contacts")
        arguments = _arguments(plan.field, plan.node, variables)
        if arguments.get("search") is not None:
            raise Decline
        size = page_size(arguments.get("first"))
        after = arguments.get("after")
        before = decode_cursor("Contact", after) if after is not None else None
        needs, request_first, limit = plan.needs, None, 0
        if needs.requests is not None:
            request_arguments = _arguments(needs.requests_field, needs.requests, variables)
            if request_arguments.get("after") is not None:
                raise Decline
            request_first = request_arguments.get("first")
            limit = page_size(request_first) + 1
    except AlveoleError:
        raise Decline from None
    rows = await _contact_rows(plan, principal, size, before)
    page = page_from(rows, size, "Contact", _uncounted)
    data = PageData([enforce.sees_personal_data(principal, row) for row in page.items], request_first)
    await _related(plan, principal, page.items, data, limit)
    built = plan.build(page, data)
    viewed: set[int] = set()
    for row, visible in zip(page.items, data.visible, strict=True):
        if visible and (
            needs.contact_viewed or (needs.request_viewed and bool(data.heads[row.id].items[: data.request_size]))
        ):
            viewed.add(row.id)
    return built, viewed


async def _related(plan: ContactPagePlan, principal: Principal, items: Rows, data: PageData, limit: int) -> None:
    """Consents and request heads together (as schema.prefetch); owners, teams and advisors came joined."""
    needs, agency_id = plan.needs, principal.agency_id
    if needs.owners and any(r.owner__agency_id != agency_id for r in items):
        raise Decline  # the stock path reports it (rows of an agency only reference its users)
    if needs.teams and any(r.team__id is not None and r.team__agency_id != agency_id for r in items):
        raise Decline
    jobs: list[Awaitable[Any]] = []
    if needs.consents:
        jobs.append(_consents(plan, [r.id for r, visible in zip(items, data.visible, strict=True) if visible]))
    if needs.requests is not None:
        jobs.append(_heads(plan, principal, sorted({r.id for r in items}), limit))
    found = list(await asyncio.gather(*jobs)) if jobs else []
    if needs.consents:
        data.consents = found.pop(0)
    if needs.requests is not None:
        data.heads = found.pop(0)
    if needs.advisors and any(
        request.advisor__agency_id != agency_id for head in data.heads.values() for request in head.items
    ):
        raise Decline
