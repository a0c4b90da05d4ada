"""Staff accounts: creating users, their team, role and active flag, and the DPO's view of those changes.

Who may do what is auth.policy's (STAFF_MANAGERS, ROLE_GRANTORS, ROLES_WITHOUT_TEAM), applied by auth.enforce.
Every change writes, in its own transaction, an audit event naming both sides: the actor, and the target user
by id and email with the old and new value. A role refused (a user created with a role its creator may not give, a
role change its author may not make) is recorded too, as STAFF_CHANGE_REFUSED with the reason: an ADMIN reaching
for the DPO's role is what the DPO most needs to know of.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth import enforce, passwords
from auth.errors import BadInput, Forbidden
from auth.policy import StaffAction
from auth.principal import SYSTEM_ACTOR, Principal
from models.crm import Contact
from models.enums import Role
from models.gdpr import AuditEvent
from models.organisation import Agency, Team, User
from resolvers import audit, list_caps, validation
from resolvers.ids import encode_id
from resolvers.organisation import get_team, get_user
from resolvers.pagination import Page, paginate
from resolvers.sessions import end_sessions

# The changes staffChanges lists and staffChangesLast30Days counts (README, Security). Refusals are not changes:
# auditLog(action: "STAFF_CHANGE_REFUSED") lists them.
STAFF_CHANGES = ("CREATE_USER", "ROLE_CHANGED", "TEAM_CHANGED", "USER_DEACTIVATED")
REFUSED = "STAFF_CHANGE_REFUSED"
DUPLICATE_EMAIL = "a user with this email already exists in your agency"


def _user_ref(user: User) -> str:
    return f"user {encode_id('User', user.id)} {user.email}"


def _team_ref(team: Team | None) -> str:
    return f"{encode_id('Team', team.id)} {team.name}" if team is not None else "none"


def _credentials(email: str, name: str, password: str) -> tuple[str, str, str]:
    """Checked address, name and a hash of the password (hashing is slow: checks come first)."""
    email = validation.email("email", email)
    name = validation.name("name", name)
    problem = passwords.password_problem(password)
    if problem:
        raise BadInput("password", problem)
    return email, name, passwords.hash_password(password)


async def _create(
    agency_id: int,
    email: str,
    name: str,
    password_hash: str,
    role: Role,
    team: Team | None,
    conn: BaseDBAsyncClient,
    email_field: str,
) -> User:
    # Unique per agency only: an address used in another agency is no concern of this one, and saying so would
    # tell it who works there.
    if await User.filter(agency_id=agency_id, email=email).using_db(conn).exists():
        raise BadInput(email_field, DUPLICATE_EMAIL)
    if team is not None:
        await _room_in(team, conn)
    try:
        return await User.create(
            agency_id=agency_id,
            email=email,
            name=name,
            role=role,
            team=team,
            password_hash=password_hash,
            using_db=conn,
        )
    except IntegrityError:
        raise BadInput(email_field, DUPLICATE_EMAIL) from None


# The operations that give roles: a refusal of any of them is recorded, at the door (schema.operations) too.
ROLE_OPERATIONS = frozenset({"createUser", "setUserRole"})


async def record_refusal(principal: Principal, attempt: str, refusal: Forbidden) -> None:
    """In its own transaction: the refused operation wrote nothing."""
    await audit.record(principal, REFUSED, detail=f"{attempt}: {refusal.message}")


@asynccontextmanager
async def _recording_refusal(principal: Principal, attempt: str) -> AsyncIterator[None]:
    try:
        yield
    except Forbidden as refusal:
        await record_refusal(principal, attempt, refusal)
        raise


async def create_user(
    principal: Principal, email: str, name: str, password: str, role: Role, team_id: int | None
) -> User:
    async with _recording_refusal(principal, f"createUser with role {role.value}"):
        enforce.authorize_new_user(principal, role, team_id)
    team = await get_team(principal, team_id) if team_id is not None else None
    email, name, password_hash = _credentials(email, name, password)
    async with in_transaction() as conn:
        user = await _create(principal.agency_id, email, name, password_hash, role, team, conn, "email")
        detail = f"{_user_ref(user)}: role {role.value}, team {_team_ref(team)}"
        await audit.record(principal, "CREATE_USER", detail=detail, connection=conn)
    return user


async def _room_in(team: Team, conn: BaseDBAsyncClient) -> None:
    """A team has at most list_caps.TEAM_MEMBERS members (Team.members lists them all); the team's row is locked
    first, so two users moved in at once cannot both take the last place."""
    await Team.filter(id=team.id).select_for_update().using_db(conn).first()
    if await User.filter(team_id=team.id).using_db(conn).count() >= list_caps.TEAM_MEMBERS:
        raise BadInput("teamId", f"team {team.name} has {list_caps.TEAM_MEMBERS} members, the most a team may have")


async def _move(principal: Principal, user: User, team: Team | None, conn: BaseDBAsyncClient) -> None:
    """Puts the user in the team (or none), its contacts with it, and records the change."""
    old = await Team.filter(id=user.team_id).using_db(conn).first() if user.team_id else None
    if (old.id if old else None) == (team.id if team else None):
        return
    if team is not None:
        await _room_in(team, conn)
    user.team = team
    await user.save(update_fields=["team_id"], using_db=conn)
    # TEAM compartments follow the owner: their contacts move with them.
    await Contact.filter(owner_id=user.id).using_db(conn).update(team_id=team.id if team else None)
    detail = f"{_user_ref(user)}: team {_team_ref(old)} -> {_team_ref(team)}"
    await audit.record(principal, "TEAM_CHANGED", detail=detail, connection=conn)


async def set_user_team(principal: Principal, user_id: int, team_id: int | None) -> User:
    user = await get_user(principal, user_id)
    enforce.authorize_staff_action(principal, StaffAction.SET_TEAM, user)
    team = await get_team(principal, team_id) if team_id is not None else None
    async with in_transaction() as conn:
        await _move(principal, user, team, conn)
    return user


async def set_user_role(principal: Principal, user_id: int, role: Role) -> User:
    user = await get_user(principal, user_id)
    old = Role(user.role)
    async with _recording_refusal(principal, f"{_user_ref(user)}: role {old.value} -> {role.value}"):
        enforce.authorize_role_change(principal, user, role)
    if old is role:
        return user
    async with in_transaction() as conn:
        if not enforce.keeps_team(role):
            await _move(principal, user, None, conn)
        user.role = role
        await user.save(update_fields=["role"], using_db=conn)
        detail = f"{_user_ref(user)}: role {old.value} -> {role.value}"
        await audit.record(principal, "ROLE_CHANGED", detail=detail, connection=conn)
    return user


async def deactivate_user(principal: Principal, user_id: int) -> User:
    user = await get_user(principal, user_id)
    enforce.authorize_staff_action(principal, StaffAction.DEACTIVATE, user)
    if user.active:
        async with in_transaction() as conn:
            user.active = False
            await user.save(update_fields=["active"], using_db=conn)
            detail = f"{_user_ref(user)}: active true -> false"
            await audit.record(principal, "USER_DEACTIVATED", detail=detail, connection=conn)
    await end_sessions(user.id)
    return user


async def end_user_sessions(principal: Principal, user_id: int) -> int:
    user = await get_user(principal, user_id)
    enforce.authorize_staff_action(principal, StaffAction.END_SESSIONS, user)
    return await end_sessions(user.id)


async def staff_changes(principal: Principal, first: int | None, after: str | None) -> Page[AuditEvent]:
    query = AuditEvent.filter(agency_id=principal.agency_id, action__in=STAFF_CHANGES)
    return await paginate(query, first, after)


async def appoint_dpo(agency_name: str, email: str, name: str, password: str) -> User:
    """For the CLI: an agency's first DPO. Later ones are promoted by a DPO (setUserRole)."""
    agency = await Agency.filter(name=agency_name).first()
    if agency is None:
        raise BadInput("agency", "no agency has this name")
    email, name, password_hash = _credentials(email, name, password)
    async with in_transaction() as conn:
        if await User.filter(agency_id=agency.id, role=Role.DPO, active=True).using_db(conn).exists():
            raise Forbidden("The agency already has an active DPO: promote with setUserRole as the DPO")
        user = await _create(agency.id, email, name, password_hash, Role.DPO, None, conn, "email")
        detail = f"{_user_ref(user)}: role {Role.DPO.value}, team none (appointed with the CLI)"
        await audit.record(None, "CREATE_USER", agency_id=agency.id, actor=SYSTEM_ACTOR, detail=detail, connection=conn)
    return user
