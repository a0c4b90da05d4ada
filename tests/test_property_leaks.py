"""Property: whatever valid query the schema allows, with the contacts in any visibility, seen from any
position, no personal value the viewer may not see appears anywhere in the answer.

Queries come from hypothesis-graphql (random valid documents built from the served schema), with the
world's real opaque ids. The world is built once per test; each example sets the contacts'
visibilities at random, then asks one document from every viewer position (tests.world.POSITIONS).

Hypothesis' @given test is sync: it runs in a worker thread (asyncio.to_thread) while the test's event
loop, which holds the app and its database connections, serves each request handed to it with
run_coroutine_threadsafe. One loop, one app, one database for the whole run. The test runs four times (SQLite and
PostgreSQL, fast and stock executor), each with a seed of its own: every run asks the same documents as last time
(reproducible), and the four ask different ones, 4 x EXAMPLES documents in all (tests/test_differential.py
checks that both executors answer the same documents alike).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any, TypeVar

import hypothesis_graphql
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from models import ConsentRecord, Contact, SubjectRequest, Team, TravelRequest, User, Visibility
from schema import build_schema
from tests.properties import AGAINST_THE_APP, in_loop
from tests.world import EXPECTED_VISIBLE, POSITIONS, World, gid, make_web_request, make_world, personal_values

EXAMPLES = 50  # per run: with four runs, 200 different documents, each asked from every position
PRINTABLE = st.characters(exclude_categories=("Cc", "Cs"))  # control characters are refused (BAD_USER_INPUT)
CURSORS = "{ contacts(first: 3) { edges { cursor } } travelRequests(first: 3) { edges { cursor } } }"
CONTACT_ROOTS = {
    "contact",
    "contacts",
    "travelRequest",
    "travelRequests",
    "consentHistory",
    "subjectRequests",
    "outbox",
}
T = TypeVar("T")


def scalar_strategies(world: World, ids: list[str], cursors: list[str]) -> dict[str, st.SearchStrategy[Any]]:
    tags = [contact.first_name.removeprefix("Prenom") for contact in world.contacts.values()]
    # Search terms that would match the contacts (lowercase, so an echo of the term in an error message
    # is never mistaken for the personal value itself), and plain text.
    terms = [t.lower() for t in tags] + [f"prenom{t.lower()}" for t in tags] + [f"mail{t.lower()}" for t in tags]
    return {
        "ID": st.sampled_from(ids).map(nodes.String),
        "DateTime": st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
        .map(lambda d: d.isoformat())
        .map(nodes.String),
        "Date": st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2100, 1, 1).date())
        .map(lambda d: d.isoformat())
        .map(nodes.String),
        # Strings also fill `after`: real cursors let pagination run.
        "String": st.one_of(st.sampled_from(terms), st.sampled_from(cursors), st.text(PRINTABLE, max_size=12)).map(
            nodes.String
        ),
        # Small pages, so most documents pass the cost guard and actually run.
        "Int": st.one_of(st.integers(min_value=1, max_value=5), st.integers(min_value=-3, max_value=300)).map(
            nodes.Int
        ),
    }


async def world_ids(world: World) -> list[str]:
    # Mostly contacts and requests, which most arguments take; other types and agencies too.
    ids = [gid("Contact", c.id) for c in [*world.contacts.values(), world.foreign_contact]] * 8
    ids += [gid("TravelRequest", r.id) for r in await TravelRequest.all()] * 4
    ids += [gid("ConsentRecord", r.id) for r in await ConsentRecord.all()]
    ids += [gid("User", u.id) for u in await User.all()]
    ids += [gid("Team", t.id) for t in await Team.all()]
    ids += [gid("SubjectRequest", r.id) for r in await SubjectRequest.all()]
    return ids


# What a person typed into the website's rights form, and a mail to them: the DPO's only, and a mail body nobody's.
REQUESTER = ("requester.prop@leak-probe.example", "Propfirst Proplast", "PropMessageQ")  # email, name, message
REQUESTER_VALUES = set(REQUESTER)
MAIL_BODY = "PropMailBodyQ"


def forbidden_values(world: World, visibilities: dict[Visibility, Visibility], viewer: str) -> set[str]:
    """The personal values of the contacts the viewer may not see, minus any it may see through another one."""
    hidden: set[str] = {MAIL_BODY} | (REQUESTER_VALUES if viewer != "dpo" else set())
    shown: set[str] = set()
    for original, contact in world.contacts.items():
        (shown if viewer in EXPECTED_VISIBLE[visibilities[original]] else hidden).update(personal_values(contact))
    if not viewer.startswith("foreign"):
        hidden.update(personal_values(world.foreign_contact))  # type: ignore[arg-type]
    return {value for value in hidden - shown if value}


async def test_no_random_query_shows_what_the_viewer_may_not_see(
    client, database_url: str, fast_execution: bool
) -> None:
    world = await make_world()
    await make_web_request(world.agency, *REQUESTER, MAIL_BODY)
    schema = build_schema()._schema
    pages = await client.data(CURSORS, token=world.tokens["dpo"])
    cursors = [edge["cursor"] for connection in pages.values() for edge in connection["edges"]]
    scalars = scalar_strategies(world, await world_ids(world), cursors)
    # One root field per document: a refused root field (FORBIDDEN for this role) nulls the whole answer.
    # Half the documents start from a root that lists contacts' data, however many roots the schema grows;
    # the others from any root (errors are scanned too).
    roots = st.one_of(st.sampled_from(sorted(CONTACT_ROOTS)), st.sampled_from(sorted(schema.query_type.fields)))
    queries = roots.flatmap(lambda name: hypothesis_graphql.queries(schema, fields=[name], custom_scalars=scalars))
    run = in_loop(asyncio.get_running_loop())

    async def set_visibilities(visibilities: dict[Visibility, Visibility]) -> None:
        for original, contact in world.contacts.items():
            await Contact.filter(id=contact.id).update(visibility=visibilities[original])

    every_value = {v for c in [*world.contacts.values(), world.foreign_contact] for v in personal_values(c) if v}  # type: ignore[arg-type]
    every_value |= REQUESTER_VALUES
    answered = {"ran": 0, "revealed": 0}

    everyone = dict.fromkeys(Visibility, Visibility.AGENCY)

    # One seed per database and executor (fixed, so a failure is asked again by the next run).
    @seed(2 * database_url.startswith("sqlite") + fast_execution)
    @given(
        visibilities=st.fixed_dictionaries({v: st.sampled_from(list(Visibility)) for v in Visibility}),
        query=queries,
    )
    # Controls that do select personal fields, whatever the random documents happen to select.
    @example(visibilities=everyone, query="{ contacts { edges { node { firstName email phone } } } }")
    @example(visibilities=everyone, query="{ travelRequests { edges { node { notes travelers { lastName } } } } }")
    @settings(AGAINST_THE_APP, max_examples=EXAMPLES)
    def property_holds(visibilities: dict[Visibility, Visibility], query: str) -> None:
        run(set_visibilities(visibilities))
        for viewer in POSITIONS:  # the same document, from every position
            body = run(client.post(query, token=world.tokens[viewer]))
            text = json.dumps(body, ensure_ascii=False)
            codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
            assert "INTERNAL_SERVER_ERROR" not in codes, f"unexpected error as {viewer}: {text[:1500]}"
            forbidden = forbidden_values(world, visibilities, viewer)
            for value in forbidden:
                assert value not in text, f"{viewer} saw {value!r} with visibilities {visibilities}: {text[:1500]}"
            answered["ran"] += bool(body.get("data")) and not body.get("errors")
            answered["revealed"] += any(value in text for value in every_value - forbidden)

    await asyncio.to_thread(property_holds)
    # Not vacuous: many documents ran without an error, and some showed personal values to those allowed
    # (random documents often select no personal field: about one run in fifteen reveals one).
    assert answered["ran"] >= EXAMPLES and answered["revealed"] >= EXAMPLES // 10, answered
