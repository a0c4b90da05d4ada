"""Data-subject requests: the Art. 12(3) deadline, calendar months clamped to the month's end, overdue, closing,
extending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import AuditEvent, SubjectRequest, Visibility
from resolvers.clock import now
from resolvers.subject_requests import add_months
from tests.world import World, gid, make_world

FIELDS = "id kind status receivedAt dueAt closedAt extended overdue contact { id firstName }"
OPEN = f"""mutation($c: ID!, $k: SubjectRightKind!, $at: DateTime) {{
  openSubjectRequest(contactId: $c, kind: $k, receivedAt: $at) {{ {FIELDS} }}
}}"""
CLOSE = f"""mutation($id: ID!, $s: SubjectRequestStatus!, $r: String) {{
  closeSubjectRequest(id: $id, status: $s, reason: $r) {{ {FIELDS} }}
}}"""
EXTEND = f"mutation($id: ID!) {{ extendSubjectRequest(id: $id) {{ {FIELDS} }} }}"
LIST = "query($o: Boolean) { subjectRequests(overdueOnly: $o) { id dueAt overdue status } }"
UTC = UTC


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime(2025, 1, 31, 9, 30, tzinfo=UTC), datetime(2025, 2, 28, 9, 30, tzinfo=UTC)),
        (datetime(2024, 1, 31, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2025, 3, 31, tzinfo=UTC), datetime(2025, 4, 30, tzinfo=UTC)),
        (datetime(2024, 12, 15, tzinfo=UTC), datetime(2025, 1, 15, tzinfo=UTC)),
        (datetime(2025, 2, 28, tzinfo=UTC), datetime(2025, 3, 28, tzinfo=UTC)),
    ],
)
def test_one_calendar_month_clamped_to_the_month_end(received: datetime, due: datetime) -> None:
    assert add_months(received, 1) == due


def test_two_months_cross_the_year_and_clamp() -> None:
    assert add_months(datetime(2024, 12, 31, tzinfo=UTC), 2) == datetime(2025, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2023, 11, 30, tzinfo=UTC), 3) == datetime(2024, 2, 29, tzinfo=UTC)


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def open_request(
    client,
    world: World,
    received: str | None,
    kind: str = "ACCESS",
    visibility: Visibility = Visibility.ADVISOR,
) -> dict:
    variables = {"c": gid("Contact", world.contacts[visibility].id), "k": kind, "at": received}
    return (await client.data(OPEN, variables, world.tokens["dpo"]))["openSubjectRequest"]


async def test_deadlines_follow_the_calendar_through_the_api(client, world: World) -> None:
    cases = [
        ("2025-01-31T10:00:00+00:00", "2025-02-28T10:00:00+00:00"),
        ("2024-01-31T10:00:00+00:00", "2024-02-29T10:00:00+00:00"),
        ("2025-03-31T10:00:00+00:00", "2025-04-30T10:00:00+00:00"),
        ("2024-12-15T10:00:00+00:00", "2025-01-15T10:00:00+00:00"),
        # Counted on the requester's calendar: 31 January in Paris is still 31 January.
        ("2025-01-31T00:30:00+01:00", "2025-02-28T00:30:00+01:00"),
    ]
    for received, due in cases:
        opened = await open_request(client, world, received)
        assert at(opened["receivedAt"]) == at(received) and at(opened["dueAt"]) == at(due), (received, opened)
        assert opened["status"] == "OPEN" and opened["overdue"] is True and opened["closedAt"] is None
        assert opened["extended"] is False


async def test_a_new_request_defaults_to_now(client, world: World) -> None:
    before = now()
    opened = await open_request(client, world, None, kind="ERASURE")
    received = at(opened["receivedAt"])
    assert before - timedelta(seconds=1) <= received <= now()
    assert at(opened["dueAt"]) == add_months(received, 1)
    contact = world.contacts[Visibility.ADVISOR]
    assert opened["kind"] == "ERASURE" and opened["overdue"] is False
    assert opened["contact"] == {"id": gid("Contact", contact.id), "firstName": "PrenomXADVISORQ"}
    event = await AuditEvent.get(action="OPEN_SUBJECT_REQUEST")
    row = await SubjectRequest.get()
    assert (event.actor, event.contact_ref, event.detail) == (
        world.users["dpo"].email,
        gid("Contact", contact.id),
        f"subject request {row.id} ERASURE",
    )


async def test_listing_puts_the_soonest_deadline_first_and_filters_overdue(client, world: World) -> None:
    recent = await open_request(client, world, None)
    late = await open_request(client, world, (now() - timedelta(days=45)).isoformat())
    older_done = await open_request(client, world, (now() - timedelta(days=90)).isoformat())
    await client.data(CLOSE, {"id": older_done["id"], "s": "DONE"}, world.tokens["dpo"])

    everything = (await client.data(LIST, {"o": False}, world.tokens["dpo"]))["subjectRequests"]
    assert [r["id"] for r in everything] == [older_done["id"], late["id"], recent["id"]]
    assert [(r["status"], r["overdue"]) for r in everything] == [("DONE", False), ("OPEN", True), ("OPEN", False)]
    assert (await client.data("{ subjectRequests { id } }", token=world.tokens["dpo"]))["subjectRequests"] == [
        {"id": r["id"]} for r in everything
    ]
    overdue = (await client.data(LIST, {"o": True}, world.tokens["dpo"]))["subjectRequests"]
    assert [r["id"] for r in overdue] == [late["id"]]
    # Another agency's DPO sees none of them.
    assert (await client.data(LIST, token=world.tokens["foreign_dpo"]))["subjectRequests"] == []


async def test_closing_sets_the_date_and_refuses_open_or_twice(client, world: World) -> None:
    opened = await open_request(client, world, "2025-01-31T10:00:00+00:00")
    body = await client.post(CLOSE, {"id": opened["id"], "s": "OPEN"}, world.tokens["dpo"])
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "status"}
    assert (await SubjectRequest.get()).status == "OPEN"

    # Rejecting needs a reason: the person is told why.
    for reason in (None, "  "):
        body = await client.post(CLOSE, {"id": opened["id"], "s": "REJECTED", "r": reason}, world.tokens["dpo"])
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "reason"}
    assert (await SubjectRequest.get()).status == "OPEN"

    before = now()
    rejected = {"id": opened["id"], "s": "REJECTED", "r": "Already answered on 2 May."}
    closed = (await client.data(CLOSE, rejected, world.tokens["dpo"]))["closeSubjectRequest"]
    assert closed["status"] == "REJECTED" and closed["overdue"] is False
    assert before - timedelta(seconds=1) <= at(closed["closedAt"]) <= now()
    again = await client.post(CLOSE, {"id": opened["id"], "s": "DONE"}, world.tokens["dpo"])
    assert again["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
    assert (await SubjectRequest.get()).status == "REJECTED"
    assert await AuditEvent.filter(action="CLOSE_SUBJECT_REQUEST").count() == 1


async def test_extension_adds_two_months_once(client, world: World) -> None:
    opened = await open_request(client, world, "2025-01-31T10:00:00+00:00")
    extended = (await client.data(EXTEND, {"id": opened["id"]}, world.tokens["dpo"]))["extendSubjectRequest"]
    assert at(extended["dueAt"]) == at("2025-04-28T10:00:00+00:00") and extended["extended"] is True
    body = await client.post(EXTEND, {"id": opened["id"]}, world.tokens["dpo"])
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}
    assert "Art. 12(3)" in body["errors"][0]["message"]
    assert (await SubjectRequest.get()).due_at == at("2025-04-28T10:00:00+00:00")

    recent = await open_request(client, world, None)
    await client.data(CLOSE, {"id": recent["id"], "s": "DONE"}, world.tokens["dpo"])
    assert await client.error_code(EXTEND, {"id": recent["id"]}, world.tokens["dpo"]) == "BAD_USER_INPUT"


async def test_received_at_must_be_past_and_carry_an_offset(client, world: World) -> None:
    contact_id = gid("Contact", world.contacts[Visibility.ADVISOR].id)
    for received in ((now() + timedelta(days=1)).isoformat(), "2025-01-31T10:00:00"):
        body = await client.post(OPEN, {"c": contact_id, "k": "ACCESS", "at": received}, world.tokens["dpo"])
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "receivedAt"}, body
    assert await SubjectRequest.all().count() == 0


async def test_only_the_dpo_handles_subject_requests(client, world: World) -> None:
    opened = await open_request(client, world, None)
    contact_id = gid("Contact", world.contacts[Visibility.AGENCY].id)
    for position in ("owner", "mate", "other_team", "no_team", "admin"):
        token = world.tokens[position]
        assert await client.error_code(LIST, token=token) == "FORBIDDEN", position
        assert await client.error_code(OPEN, {"c": contact_id, "k": "ACCESS"}, token) == "FORBIDDEN", position
        assert await client.error_code(CLOSE, {"id": opened["id"], "s": "DONE"}, token) == "FORBIDDEN", position
        assert await client.error_code(EXTEND, {"id": opened["id"]}, token) == "FORBIDDEN", position
    row = await SubjectRequest.get()
    assert (await SubjectRequest.all().count(), row.status, row.extended) == (1, "OPEN", False)


async def test_other_agencies_and_keys_are_refused(client, world: World) -> None:
    opened = await open_request(client, world, None)
    foreign = world.tokens["foreign_dpo"]
    assert await client.error_code(CLOSE, {"id": opened["id"], "s": "DONE"}, foreign) == "NOT_FOUND"
    assert await client.error_code(EXTEND, {"id": opened["id"]}, foreign) == "NOT_FOUND"
    contact_id = gid("Contact", world.contacts[Visibility.AGENCY].id)
    assert await client.error_code(OPEN, {"c": contact_id, "k": "ACCESS"}, foreign) == "NOT_FOUND"
    key = await client.data(
        'mutation { createApiKey(name: "k", scopes: [READ_CONTACTS, INTAKE]) { secret } }', token=world.tokens["dpo"]
    )
    assert await client.error_code(LIST, token=key["createApiKey"]["secret"]) == "FORBIDDEN"
    assert await client.error_code(LIST) == "UNAUTHENTICATED"
    assert (await SubjectRequest.get()).status == "OPEN"
