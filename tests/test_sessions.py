"""Signing in and out: argon2id, one error for both failures, throttling in the database, revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import LoginFailure, Session
from resolvers.clock import now
from tests.world import PASSWORD, World, gid, make_world

LOGIN = (
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) "
    "{ token expiresAt user { email team { name } } } }"
)


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def test_login_gives_a_working_token(client, world: World) -> None:
    email = world.users["owner"].email
    data = await client.data(LOGIN, {"e": email.upper(), "p": PASSWORD})
    token = data["login"]["token"]
    assert token.startswith("alv_ses_") and len(token) > 40
    assert data["login"]["user"] == {"email": email, "team": {"name": "Team A"}}
    me = await client.data("{ me { email } }", token=token)
    assert me["me"]["email"] == email
    stored = await Session.filter(user_id=world.users["owner"].id).values_list("token_hash", flat=True)
    assert token not in stored  # only a hash is kept


async def test_unknown_email_and_wrong_password_look_the_same(client, world: World) -> None:
    wrong = await client.post(LOGIN, {"e": world.users["owner"].email, "p": "not-the-password"})
    unknown = await client.post(LOGIN, {"e": "nobody@nowhere.test", "p": "not-the-password"})
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]
    assert wrong["errors"][0]["extensions"]["code"] == unknown["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_repeated_failures_are_rate_limited_then_released(client, world: World) -> None:
    email = world.users["owner"].email
    for _ in range(5):
        assert await client.error_code(LOGIN, {"e": email, "p": "wrong-password-123"}) == "UNAUTHENTICATED"
    body = await client.post(LOGIN, {"e": email, "p": PASSWORD})
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert body["errors"][0]["extensions"]["retryAfterSeconds"] > 0
    # The lockout window passes (failures aged through the ORM): the right password works again.
    await LoginFailure.all().update(at=now() - timedelta(minutes=16))
    assert (await client.data(LOGIN, {"e": email, "p": PASSWORD}))["login"]["token"]


async def test_failures_from_one_address_are_limited_across_accounts(client, world: World) -> None:
    for i in range(20):
        await client.post(LOGIN, {"e": f"ghost{i}@nowhere.test", "p": "wrong-password-123"})
    assert await client.error_code(LOGIN, {"e": world.users["mate"].email, "p": PASSWORD}) == "RATE_LIMITED"


async def test_logout_revokes_the_token(client, world: World) -> None:
    token = world.tokens["owner"]
    assert (await client.data("mutation { logout }", token=token))["logout"] is True
    assert await client.error_code("{ me { email } }", token=token) == "UNAUTHENTICATED"


async def test_deactivation_revokes_sessions_and_login(client, world: World) -> None:
    user = world.users["mate"]
    await client.data(
        "mutation($id: ID!) { deactivateUser(userId: $id) { active } }",
        {"id": gid("User", user.id)},
        world.tokens["admin"],
    )
    assert await client.error_code("{ me { email } }", token=world.tokens["mate"]) == "UNAUTHENTICATED"
    assert await client.error_code(LOGIN, {"e": user.email, "p": PASSWORD}) == "UNAUTHENTICATED"


async def test_expired_and_idle_tokens_are_refused(client, world: World) -> None:
    await Session.filter(user_id=world.users["owner"].id).update(expires_at=now() - timedelta(seconds=1))
    assert await client.error_code("{ me { email } }", token=world.tokens["owner"]) == "UNAUTHENTICATED"
    await Session.filter(user_id=world.users["mate"].id).update(last_seen_at=now() - timedelta(hours=2))
    assert await client.error_code("{ me { email } }", token=world.tokens["mate"]) == "UNAUTHENTICATED"


async def test_admin_can_end_a_users_sessions(client, world: World) -> None:
    ended = await client.data(
        "mutation($id: ID!) { endUserSessions(userId: $id) }",
        {"id": gid("User", world.users["owner"].id)},
        world.tokens["admin"],
    )
    assert ended["endUserSessions"] == 1
    assert await client.error_code("{ me { email } }", token=world.tokens["owner"]) == "UNAUTHENTICATED"


@pytest.mark.parametrize("header", [None, "Bearer alv_ses_bogus", "Basic abc", "Bearer " + "x" * 5000])
async def test_missing_or_bad_credentials_are_unauthenticated(client, world: World, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.http.post("/graphql", json={"query": "{ contacts { totalCount } }"}, headers=headers)
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_password_change_ends_every_session(client, world: World) -> None:
    mutation = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }"
    token = world.tokens["owner"]
    assert (
        await client.error_code(mutation, {"c": "wrong-password-0", "n": "a-brand-new-passphrase"}, token)
        == "BAD_USER_INPUT"
    )
    assert await client.error_code(mutation, {"c": PASSWORD, "n": "short"}, token) == "BAD_USER_INPUT"
    assert (await client.data(mutation, {"c": PASSWORD, "n": "a-brand-new-passphrase"}, token))[
        "changePassword"
    ] is True
    assert await client.error_code("{ me { email } }", token=token) == "UNAUTHENTICATED"
    email = world.users["owner"].email
    assert await client.error_code(LOGIN, {"e": email, "p": PASSWORD}) == "UNAUTHENTICATED"
    assert (await client.data(LOGIN, {"e": email, "p": "a-brand-new-passphrase"}))["login"]["token"]


async def test_login_rehashes_hashes_made_with_other_parameters(client, world: World) -> None:
    from argon2 import PasswordHasher

    from models import User
    from tests.conftest import CHEAP_COST

    user = world.users["mate"]
    other = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    await User.filter(id=user.id).update(password_hash=other)
    await client.data(LOGIN, {"e": user.email, "p": PASSWORD})
    stored = (await User.get(id=user.id)).password_hash
    configured = f"m={CHEAP_COST.memory_kib},t={CHEAP_COST.time_cost},p={CHEAP_COST.parallelism}"
    assert stored != other and stored.startswith(f"$argon2id$v=19${configured}$")


def test_password_hashing_defaults_to_argon2_cffi_s_parameters() -> None:
    from argon2 import PasswordHasher

    from app.settings import SettingsError, load

    key = {"ALVEOLE_SECRET_KEY": "k" * 40}
    library = PasswordHasher()
    cost = load(key).password_hash_cost
    assert (cost.time_cost, cost.memory_kib, cost.parallelism) == (3, 65536, 4)
    assert (library.time_cost, library.memory_cost, library.parallelism) == (3, 65536, 4)
    cheap = load(
        {**key, "ALVEOLE_ARGON2_TIME_COST": "1", "ALVEOLE_ARGON2_MEMORY_KIB": "64", "ALVEOLE_ARGON2_PARALLELISM": "2"}
    )
    assert cheap.password_hash_cost.memory_kib == 64
    with pytest.raises(SettingsError, match="ALVEOLE_ARGON2_MEMORY_KIB"):
        load({**key, "ALVEOLE_ARGON2_MEMORY_KIB": "8", "ALVEOLE_ARGON2_PARALLELISM": "4"})
