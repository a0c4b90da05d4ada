"""Query shape: the frontend's contacts page costs the same number of SQL statements for 5 or 50 contacts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from models import Agency, ConsentPurpose, ConsentRecord, Contact, TravelRequest, User, Visibility
from resolvers.clock import now
from resolvers.search import search_text
from schema.fastpath import compiled
from tests.world import World, make_world

PAGE = """{ contacts(first: 50) { edges { node { id owner { name } team { name } visibility firstName lastName
  email phone consents { purpose granted } requests(first: 5) { edges { node { destination status
  advisor { name } } } } } } } }"""

# authenticate 1; contacts: page 1 (no COUNT: the page does not ask for totalCount); teams 1,
# consents 1, requests 1 (the newest 6 of each contact, with its count), owners and advisors 1; the
# VIEW_PERSONAL batch: the chain's head (made, locked and read in one upsert), one insert for the batch, the
# head moved.
MAX_STATEMENTS = 9
# A compiled page (schema.fastpath.contact_page) joins owners and teams to the contacts' statement and advisors
# to the requests': authenticate 1, contacts 1, consents 1, requests 1, the VIEW_PERSONAL batch 3.
COMPILED_STATEMENTS = 7

SQL_VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip()
        if message.upper().startswith(SQL_VERBS):
            self.statements.append(message)


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """Every SQL statement Tortoise sends (it logs each one on tortoise.db_client at DEBUG)."""
    logger = logging.getLogger("tortoise.db_client")
    handler, level = _Counter(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def add_contacts(world: World, count: int, requests_each: int = 7) -> None:
    """Contacts of three owners in every visibility, with consents and requests whose advisor is someone else."""
    owners = [world.users["owner"], world.users["mate"], world.users["other_team"]]
    advisor: User = world.users["no_team"]
    agency: Agency = world.agency
    at = now() - timedelta(days=1)
    visibilities = list(Visibility)
    for i in range(count):
        owner = owners[i % len(owners)]
        first, last = f"Page{i}", f"Contact{i}"
        contact = await Contact.create(
            agency=agency,
            owner=owner,
            team_id=owner.team_id,
            visibility=visibilities[i % 3],
            first_name=first,
            last_name=last,
            email=f"page{i}@example.org",
            phone="+33 6 00 00 00 00",
            created_at=at,
            last_activity_at=at,
            search_text=search_text(first, last, None, None),
        )
        await ConsentRecord.create(
            contact=contact,
            purpose=ConsentPurpose.NEWSLETTER,
            granted=True,
            recorded_at=at,
            source="https://form",
            wording="Yes",
            recorded_by=owner.email,
        )
        await TravelRequest.bulk_create(
            [
                TravelRequest(
                    agency=agency,
                    contact=contact,
                    advisor=advisor,
                    destination=f"Dest{j}",
                    created_at=at,
                    last_activity_at=at,
                )
                for j in range(requests_each)
            ]
        )


async def statements_for_page(client, token: str) -> list[str]:
    with counting_statements() as statements:
        data = await client.data(PAGE, token=token)
    assert data["contacts"]["edges"]
    return list(statements)


async def test_the_contacts_page_costs_the_same_for_5_and_50_contacts(client) -> None:
    world = await make_world()
    token = world.tokens["mate"]
    await add_contacts(world, 2)  # with the world's 3: 5 contacts
    five = await statements_for_page(client, token)
    await add_contacts(world, 45)
    fifty = await statements_for_page(client, token)
    data = await client.data(PAGE, token=token)
    assert len(data["contacts"]["edges"]) == 50
    assert len(five) == len(fifty), "\n".join(["5 contacts:", *five, "50 contacts:", *fifty])
    assert len(fifty) <= MAX_STATEMENTS, "\n".join(fifty)
    if compiled.COMPILE_AFTER == 1:  # the "compiled" run (tests/conftest.py)
        assert len(fifty) <= COMPILED_STATEMENTS, "\n".join(fifty)


async def test_nested_request_pages_match_the_cursor_path(client) -> None:
    world = await make_world()
    await add_contacts(world, 4, requests_each=7)
    token = world.tokens["dpo"]
    query = """query($after: String) { contacts(first: 4) { edges { node { id requests(first: 3, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id destination } } } } } } }"""
    heads = (await client.data(query, {"after": None}, token))["contacts"]["edges"]
    for edge in heads:
        page = edge["node"]["requests"]
        assert page["totalCount"] == 7 and page["pageInfo"]["hasNextPage"] is True
        assert [e["node"]["destination"] for e in page["edges"]] == ["Dest6", "Dest5", "Dest4"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
    # The second page goes through the cursor path: together they list every request once, newest first.
    cursor = heads[0]["node"]["requests"]["pageInfo"]["endCursor"]
    contact_id = heads[0]["node"]["id"]
    pages = (await client.data(query, {"after": cursor}, token))["contacts"]["edges"]
    second = next(e["node"]["requests"] for e in pages if e["node"]["id"] == contact_id)
    assert second["totalCount"] == 7
    assert [e["node"]["destination"] for e in second["edges"]] == ["Dest3", "Dest2", "Dest1"]
    empty = (
        "query($id: ID!) { contact(id: $id) "
        "{ requests(first: 0) { totalCount pageInfo { hasNextPage } edges { cursor } } } }"
    )
    data = await client.data(empty, {"id": contact_id}, token)
    assert data["contact"]["requests"] == {"totalCount": 7, "pageInfo": {"hasNextPage": True}, "edges": []}


async def test_fragments_and_variables_give_the_same_page(client) -> None:
    world = await make_world()
    await add_contacts(world, 6, requests_each=3)
    token = world.tokens["mate"]
    direct = await client.data(PAGE, token=token)
    query = """query($n: Int) { contacts(first: 50) { edges { node { ...C } } } }
      fragment C on Contact { id owner { name } team { name } visibility firstName lastName email phone
        consents { purpose granted } ... on Contact { requests(first: $n) { edges { node { destination status
        advisor { name } } } } } }"""
    assert await client.data(query, {"n": 5}, token) == direct
