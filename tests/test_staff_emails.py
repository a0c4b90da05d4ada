"""Staff emails are unique per agency: one agency learns nothing of another's staff, and login stays unchanged for
an address that only one agency uses."""

from __future__ import annotations

import pytest

from models import AuditEvent, Role, User
from tests.world import PASSWORD, World, make_user, make_world

CREATE_USER = """mutation($email: String!) {
  createUser(email: $email, name: "Same Name", password: "a-long-enough-passphrase", role: ADVISOR) {
    id email name role active team { name }
  }
}"""
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { email } } }"
LOGIN_IN = """mutation($e: String!, $p: String!, $a: String) {
  login(email: $e, password: $p, agency: $a) { token user { email } }
}"""
ME = "{ me { email } agency { name } }"


@pytest.fixture
async def world(client) -> World:
    return await make_world()


def without(value: dict, *keys: str) -> dict:
    return {k: v for k, v in value.items() if k not in keys}


async def test_agency_b_learns_nothing_about_agency_a_s_staff(client, world: World) -> None:
    _, admin_b = await make_user(world.other_agency, "admin@b.test", Role.ADMIN)
    taken_in_a = world.users["owner"].email
    events_in_a = await AuditEvent.filter(agency_id=world.agency.id).count()
    existing = await client.post(CREATE_USER, {"email": taken_in_a}, admin_b)
    new = await client.post(CREATE_USER, {"email": "never-used@b.test"}, admin_b)
    assert "errors" not in existing and "errors" not in new
    assert existing["data"]["createUser"]["email"] == taken_in_a
    # The same answer, field for field, but for the id and the address asked for.
    assert without(existing["data"]["createUser"], "id", "email") == without(new["data"]["createUser"], "id", "email")
    assert await AuditEvent.filter(agency_id=world.agency.id).count() == events_in_a  # agency A's trail is untouched
    # Signing in anonymously says no more: an address used in A and one used nowhere fail alike.
    wrong = await client.post(LOGIN, {"e": taken_in_a, "p": "not-the-password-1"})
    unknown = await client.post(LOGIN, {"e": "nobody@nowhere.test", "p": "not-the-password-1"})
    assert wrong == unknown
    assert wrong["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    # A duplicate inside one's own agency is the caller's own business: named as such.
    again = await client.post(CREATE_USER, {"email": taken_in_a}, admin_b)
    assert again["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "email"}
    assert await User.filter(email=taken_in_a).count() == 2


async def test_login_picks_the_one_account_the_password_opens(client, world: World) -> None:
    shared = world.users["owner"].email  # owner@1.test, in agency A with PASSWORD
    await client.data(
        """mutation($e: String!) { createUser(email: $e, name: "Twin", password: "another-long-passphrase",
        role: ADVISOR) { id } }""",
        {"e": shared},
        (await make_user(world.other_agency, "admin@b.test", Role.ADMIN))[1],
    )
    in_a = (await client.data(LOGIN_IN, {"e": shared, "p": PASSWORD}))["login"]["token"]
    in_b = (await client.data(LOGIN_IN, {"e": shared, "p": "another-long-passphrase"}))["login"]["token"]
    assert (await client.data(ME, token=in_a))["agency"]["name"] == "Agence A"
    assert (await client.data(ME, token=in_b))["agency"]["name"] == "Agence B"
    # Naming the agency signs in there only.
    named = await client.data(LOGIN_IN, {"e": shared, "p": PASSWORD, "a": "Agence A"})
    assert (await client.data(ME, token=named["login"]["token"]))["agency"]["name"] == "Agence A"
    for variables in (
        {"e": shared, "p": PASSWORD, "a": "Agence B"},  # the other agency's account has another password
        {"e": shared, "p": PASSWORD, "a": "Agence Z"},  # no such agency
        {"e": "nobody@nowhere.test", "p": PASSWORD, "a": "Agence A"},
    ):
        body = await client.post(LOGIN_IN, variables)
        assert body["errors"][0]["message"] == "Unknown email or wrong password", variables


async def test_the_same_password_in_two_agencies_needs_the_agency(client, world: World) -> None:
    shared = world.users["owner"].email
    await make_user(world.other_agency, shared, Role.ADVISOR)  # same address, same password
    ambiguous = await client.post(LOGIN_IN, {"e": shared, "p": PASSWORD})
    unknown = await client.post(LOGIN_IN, {"e": "nobody@nowhere.test", "p": PASSWORD})
    assert ambiguous == unknown  # the generic failure: nothing says the address is used twice
    chosen = await client.data(LOGIN_IN, {"e": shared, "p": PASSWORD, "a": "Agence B"})
    assert (await client.data(ME, token=chosen["login"]["token"]))["agency"]["name"] == "Agence B"
    # Each agency's trail records the failed attempt on its own account.
    for agency in (world.agency, world.other_agency):
        assert await AuditEvent.filter(agency_id=agency.id, action="LOGIN_FAILED", actor=shared).count() == 1
