"""Staff roles: who can become what. ADMIN runs users and teams but never steps into the DPO's shoes nor into a
compartment; only a DPO acts on a DPO; nobody changes their own team, role or active flag; every change is audited."""

from __future__ import annotations

import json

import pytest

from models import AuditEvent, Contact, Role, User, Visibility
from tests.world import PASSWORD, World, gid, make_world, personal_values

CREATE_USER = """mutation($email: String!, $role: Role!, $team: ID) {
  createUser(email: $email, name: "New One", password: "a-long-enough-passphrase", role: $role, teamId: $team) {
    id email role team { name }
  }
}"""
SET_ROLE = "mutation($u: ID!, $r: Role!) { setUserRole(userId: $u, role: $r) { role team { name } } }"
SET_TEAM = "mutation($u: ID!, $t: ID) { setUserTeam(userId: $u, teamId: $t) { team { name } } }"
DEACTIVATE = "mutation($u: ID!) { deactivateUser(userId: $u) { active } }"
END_SESSIONS = "mutation($u: ID!) { endUserSessions(userId: $u) }"
CONTACT = "query($id: ID!) { contact(id: $id) { personalDataVisible firstName email notes } }"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { role } } }"
STAFF_CHANGES = "query($a: String) { staffChanges(first: 10, after: $a) { edges { node { actor action detail } } } }"
REFUSALS = '{ auditLog(action: "STAFF_CHANGE_REFUSED") { edges { node { actor action detail } } } }'


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def forbidden(client, query: str, variables: dict, token: str) -> str:
    body = await client.post(query, variables, token)
    assert body.get("errors"), body
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    return body["errors"][0]["message"]


def user_id(world: World, position: str) -> str:
    return gid("User", world.users[position].id)


async def test_admin_tries_to_become_more_and_gets_nothing(client, world: World) -> None:
    """The escalation an adversarial probe found: an ADMIN appointing a DPO, or joining a team, to read its data."""
    admin = world.tokens["admin"]
    reason = await forbidden(client, CREATE_USER, {"email": "shadow@a.test", "role": "DPO"}, admin)
    assert "appoint-dpo" in reason and "setUserRole" in reason
    assert not await User.filter(email="shadow@a.test").exists()
    assert "yourself" in await forbidden(client, SET_ROLE, {"u": user_id(world, "admin"), "r": "DPO"}, admin)
    assert "yourself" in await forbidden(
        client, SET_TEAM, {"u": user_id(world, "admin"), "t": gid("Team", world.team_a.id)}, admin
    )
    # A helper ADMIN could not put it in a team either, nor create an ADMIN inside one.
    helper = (await client.data(CREATE_USER, {"email": "helper@a.test", "role": "ADMIN"}, admin))["createUser"]
    assert helper["team"] is None
    reason = await forbidden(
        client, CREATE_USER, {"email": "t@a.test", "role": "ADMIN", "team": gid("Team", world.team_a.id)}, admin
    )
    assert "no team" in reason
    assert "no team" in await forbidden(client, SET_TEAM, {"u": helper["id"], "t": gid("Team", world.team_a.id)}, admin)
    assert (await User.get(email="admin@1.test")).role == Role.ADMIN
    assert (await User.get(email="admin@1.test")).team_id is None
    for visibility in (Visibility.ADVISOR, Visibility.TEAM):
        contact = world.contacts[visibility]
        body = await client.post(CONTACT, {"id": gid("Contact", contact.id)}, admin)
        assert body["data"]["contact"]["personalDataVisible"] is False
        text = json.dumps(body, ensure_ascii=False)
        assert not any(value in text for value in personal_values(contact))


async def test_an_admin_may_not_deactivate_itself_nor_touch_a_dpo(client, world: World) -> None:
    admin = world.tokens["admin"]
    assert "yourself" in await forbidden(client, DEACTIVATE, {"u": user_id(world, "admin")}, admin)
    for mutation in (DEACTIVATE, END_SESSIONS, SET_TEAM):
        reason = await forbidden(client, mutation, {"u": user_id(world, "dpo")}, admin)
        assert "Only DPO" in reason
    dpo = await User.get(id=world.users["dpo"].id)
    assert dpo.active and (await client.data("{ me { role } }", token=world.tokens["dpo"]))["me"]["role"] == "DPO"
    # A DPO acts on another DPO, not on the ADMIN's staff, and never deactivates itself.
    second, _ = await _second_dpo(client, world)
    assert (await client.data(DEACTIVATE, {"u": second}, world.tokens["dpo"]))["deactivateUser"]["active"] is False
    assert "Only ADMIN" in await forbidden(client, DEACTIVATE, {"u": user_id(world, "owner")}, world.tokens["dpo"])
    assert "yourself" in await forbidden(client, DEACTIVATE, {"u": user_id(world, "dpo")}, world.tokens["dpo"])


async def _second_dpo(client, world: World) -> tuple[str, str]:
    """The mate, promoted to DPO by the DPO: its id and a token."""
    mate = user_id(world, "mate")
    assert (await client.data(SET_ROLE, {"u": mate, "r": "DPO"}, world.tokens["dpo"]))["setUserRole"]["role"] == "DPO"
    return mate, world.tokens["mate"]


@pytest.mark.parametrize(
    ("actor", "target", "role", "allowed"),
    [
        ("admin", "mate", "ADMIN", True),
        ("admin", "mate", "DPO", False),
        ("admin", "dpo", "ADVISOR", False),
        ("admin", "admin", "ADVISOR", False),
        ("dpo", "mate", "DPO", True),
        ("dpo", "mate", "ADMIN", False),
        ("dpo", "admin", "DPO", False),  # ADMIN -> DPO takes both sides: an ADMIN demotes, then a DPO promotes
        ("dpo", "dpo", "ADVISOR", False),
        ("owner", "mate", "ADMIN", False),
        ("owner", "owner", "DPO", False),
    ],
)
async def test_who_may_give_which_role(client, world: World, actor: str, target: str, role: str, allowed: bool) -> None:
    variables = {"u": user_id(world, target), "r": role}
    before = (await User.get(id=world.users[target].id)).role
    if allowed:
        assert (await client.data(SET_ROLE, variables, world.tokens[actor]))["setUserRole"]["role"] == role
        assert await AuditEvent.filter(action="ROLE_CHANGED").count() == 1
    else:
        await forbidden(client, SET_ROLE, variables, world.tokens[actor])
        assert (await User.get(id=world.users[target].id)).role == before
        assert not await AuditEvent.filter(action="ROLE_CHANGED").exists()


async def test_a_dpo_takes_the_dpo_role_from_another_and_it_takes_effect_at_once(client, world: World) -> None:
    second, token = await _second_dpo(client, world)
    hidden = gid("Contact", world.contacts[Visibility.ADVISOR].id)
    assert (await client.data(CONTACT, {"id": hidden}, token))["contact"]["personalDataVisible"] is True
    assert (await client.data(SET_ROLE, {"u": second, "r": "ADVISOR"}, world.tokens["dpo"]))["setUserRole"] == {
        "role": "ADVISOR",
        "team": {"name": "Team A"},
    }
    assert (await client.data(CONTACT, {"id": hidden}, token))["contact"]["personalDataVisible"] is False


async def test_promotion_to_admin_takes_the_user_and_its_contacts_out_of_the_team(client, world: World) -> None:
    owner = world.users["owner"]
    team_contact = world.contacts[Visibility.TEAM]
    variables = {"id": gid("Contact", team_contact.id)}
    assert (await client.data(CONTACT, variables, world.tokens["mate"]))["contact"]["personalDataVisible"] is True
    promoted = await client.data(SET_ROLE, {"u": user_id(world, "owner"), "r": "ADMIN"}, world.tokens["admin"])
    assert promoted["setUserRole"] == {"role": "ADMIN", "team": None}
    assert await Contact.filter(owner_id=owner.id).exclude(team_id=None).count() == 0
    assert (await client.data(CONTACT, variables, world.tokens["mate"]))["contact"]["personalDataVisible"] is False
    # The new ADMIN still sees what it owns, as an owner.
    assert (await client.data(CONTACT, variables, world.tokens["owner"]))["contact"]["personalDataVisible"] is True
    changes = AuditEvent.filter(agency_id=world.agency.id, action__in=["TEAM_CHANGED", "ROLE_CHANGED"])
    ref = f"user {gid('User', owner.id)} {owner.email}"
    assert await changes.order_by("id").values_list("action", "detail") == [
        ("TEAM_CHANGED", f"{ref}: team {gid('Team', world.team_a.id)} Team A -> none"),
        ("ROLE_CHANGED", f"{ref}: role ADVISOR -> ADMIN"),
    ]


async def test_refused_role_grants_are_recorded_for_the_dpo_and_change_nothing(client, world: World) -> None:
    admin, owner = world.tokens["admin"], world.tokens["owner"]
    await forbidden(client, SET_ROLE, {"u": user_id(world, "admin"), "r": "DPO"}, admin)
    await forbidden(client, CREATE_USER, {"email": "shadow@a.test", "role": "DPO"}, admin)
    await forbidden(client, SET_ROLE, {"u": user_id(world, "dpo"), "r": "ADVISOR"}, admin)
    await forbidden(client, SET_ROLE, {"u": user_id(world, "owner"), "r": "ADMIN"}, owner)
    page = await client.data(REFUSALS, token=world.tokens["dpo"])
    nodes = [edge["node"] for edge in page["auditLog"]["edges"]]
    assert [(n["actor"], n["action"]) for n in nodes] == [
        (world.users["owner"].email, "STAFF_CHANGE_REFUSED"),
        ("admin@1.test", "STAFF_CHANGE_REFUSED"),
        ("admin@1.test", "STAFF_CHANGE_REFUSED"),
        ("admin@1.test", "STAFF_CHANGE_REFUSED"),
    ]
    admin_user, dpo = world.users["admin"], world.users["dpo"]
    assert nodes[3]["detail"].startswith(f"user {user_id(world, 'admin')} {admin_user.email}: role ADMIN -> DPO: ")
    assert "yourself" in nodes[3]["detail"]
    assert nodes[2]["detail"].startswith("createUser with role DPO: createUser never makes a DPO")
    assert nodes[1]["detail"].startswith(f"user {user_id(world, 'dpo')} {dpo.email}: role DPO -> ADVISOR: Only")
    # Nothing changed: a refusal is neither a staff change nor counted as one in the DPO's dashboard.
    assert (await client.data(STAFF_CHANGES, token=world.tokens["dpo"]))["staffChanges"]["edges"] == []
    assert (await User.get(id=admin_user.id)).role == Role.ADMIN and (await User.get(id=dpo.id)).role == Role.DPO
    assert not await User.filter(email="shadow@a.test").exists()
    report = "{ complianceReport { staffChangesLast30Days } }"
    assert (await client.data(report, token=world.tokens["dpo"]))["complianceReport"]["staffChangesLast30Days"] == 0


async def test_staff_changes_name_both_sides_newest_first_for_the_dpo_only(client, world: World) -> None:
    admin = world.tokens["admin"]
    created = (await client.data(CREATE_USER, {"email": "new@a.test", "role": "ADVISOR"}, admin))["createUser"]
    await client.data(SET_TEAM, {"u": created["id"], "t": gid("Team", world.team_b.id)}, admin)
    await client.data(SET_ROLE, {"u": created["id"], "r": "ADMIN"}, admin)
    await client.data(DEACTIVATE, {"u": created["id"]}, admin)
    await client.data(DEACTIVATE, {"u": created["id"]}, admin)  # already inactive: no second event
    await client.data("{ contacts { totalCount } }", token=world.tokens["owner"])  # not a staff change
    page = await client.data(STAFF_CHANGES, token=world.tokens["dpo"])
    nodes = [edge["node"] for edge in page["staffChanges"]["edges"]]
    ref = f"user {created['id']} new@a.test"
    team_b = f"{gid('Team', world.team_b.id)} Team B"
    assert nodes == [
        {"actor": "admin@1.test", "action": "USER_DEACTIVATED", "detail": f"{ref}: active true -> false"},
        {"actor": "admin@1.test", "action": "ROLE_CHANGED", "detail": f"{ref}: role ADVISOR -> ADMIN"},
        {"actor": "admin@1.test", "action": "TEAM_CHANGED", "detail": f"{ref}: team {team_b} -> none"},
        {"actor": "admin@1.test", "action": "TEAM_CHANGED", "detail": f"{ref}: team none -> {team_b}"},
        {"actor": "admin@1.test", "action": "CREATE_USER", "detail": f"{ref}: role ADVISOR, team none"},
    ]
    assert (await client.data(STAFF_CHANGES, token=world.tokens["foreign_dpo"]))["staffChanges"]["edges"] == []
    for position in ("admin", "owner"):
        await forbidden(client, STAFF_CHANGES, {}, world.tokens[position])
    # The compliance report (the DPO's dashboard) counts them too, its own agency's only.
    report = "{ complianceReport { staffChangesLast30Days } }"
    assert (await client.data(report, token=world.tokens["dpo"]))["complianceReport"]["staffChangesLast30Days"] == 5
    foreign = await client.data(report, token=world.tokens["foreign_dpo"])
    assert foreign["complianceReport"]["staffChangesLast30Days"] == 0


async def test_a_dpo_promoted_by_a_dpo_signs_in_with_its_new_powers(client, world: World) -> None:
    await _second_dpo(client, world)
    signed_in = await client.data(LOGIN, {"e": world.users["mate"].email, "p": PASSWORD})
    assert signed_in["login"]["user"]["role"] == "DPO"
