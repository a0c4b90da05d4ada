"""The agency, its teams and users: managed by ADMIN; the agency's GDPR settings by the DPO."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from auth import passwords
from auth.errors import BadInput, NotFound
from auth.principal import Principal
from models.crm import Contact
from models.enums import Role, Visibility
from models.organisation import Agency, Team, User
from resolvers import audit, validation
from resolvers.sessions import end_sessions

RETENTION_MONTHS_MAX = 240


async def agency(principal: Principal) -> Agency:
    return await Agency.get(id=principal.agency_id)


async def users(principal: Principal) -> list[User]:
    return await User.filter(agency_id=principal.agency_id).order_by("name", "id")


async def teams(principal: Principal) -> list[Team]:
    return await Team.filter(agency_id=principal.agency_id).order_by("name", "id")


async def get_user(principal: Principal, user_id: int) -> User:
    user = await User.filter(id=user_id, agency_id=principal.agency_id).first()
    if user is None:
        raise NotFound("User")
    return user


async def get_team(principal: Principal, team_id: int) -> Team:
    team = await Team.filter(id=team_id, agency_id=principal.agency_id).first()
    if team is None:
        raise NotFound("Team")
    return team


async def create_team(principal: Principal, name: str) -> Team:
    name = validation.text("name", name, max_length=validation.SHORT_TEXT_MAX)
    if await Team.filter(agency_id=principal.agency_id, name=name).exists():
        raise BadInput("name", "a team with this name already exists")
    async with in_transaction() as conn:
        team = await Team.create(agency_id=principal.agency_id, name=name, using_db=conn)
        await audit.record(principal, "CREATE_TEAM", detail=f"team {team.id}", connection=conn)
    return team


async def create_user(
    principal: Principal, email: str, name: str, password: str, role: Role, team_id: int | None
) -> User:
    email = validation.email("email", email)
    name = validation.name("name", name)
    problem = passwords.password_problem(password)
    if problem:
        raise BadInput("password", problem)
    team = await get_team(principal, team_id) if team_id is not None else None
    if await User.filter(email=email).exists():
        raise BadInput("email", "a user with this email already exists")
    password_hash = passwords.hash_password(password)
    try:
        async with in_transaction() as conn:
            user = await User.create(
                agency_id=principal.agency_id,
                email=email,
                name=name,
                role=role,
                team=team,
                password_hash=password_hash,
                using_db=conn,
            )
            await audit.record(principal, "CREATE_USER", detail=f"user {user.id} role {role.value}", connection=conn)
    except IntegrityError:
        raise BadInput("email", "a user with this email already exists") from None
    return user


async def set_user_team(principal: Principal, user_id: int, team_id: int | None) -> User:
    user = await get_user(principal, user_id)
    team = await get_team(principal, team_id) if team_id is not None else None
    async with in_transaction() as conn:
        user.team = team  # type: ignore[assignment]
        await user.save(update_fields=["team_id"], using_db=conn)
        # TEAM compartments follow the owner: their contacts move with them.
        await Contact.filter(owner_id=user.id).using_db(conn).update(team_id=team.id if team else None)
        await audit.record(principal, "SET_USER_TEAM", detail=f"user {user.id} team {team_id}", connection=conn)
    return user


async def deactivate_user(principal: Principal, user_id: int) -> User:
    user = await get_user(principal, user_id)
    async with in_transaction() as conn:
        user.active = False
        await user.save(update_fields=["active"], using_db=conn)
        await audit.record(principal, "DEACTIVATE_USER", detail=f"user {user.id}", connection=conn)
    await end_sessions(user.id)
    return user


async def update_agency_settings(
    principal: Principal, retention_months: int | None, default_visibility: Visibility | None
) -> Agency:
    agency_row = await agency(principal)
    changed = []
    if retention_months is not None:
        agency_row.retention_months = validation.count(
            "retentionMonths", retention_months, minimum=1, maximum=RETENTION_MONTHS_MAX
        )
        changed.append("retentionMonths")
    if default_visibility is not None:
        agency_row.default_visibility = default_visibility
        changed.append("defaultVisibility")
    async with in_transaction() as conn:
        await agency_row.save(using_db=conn)
        await audit.record(principal, "UPDATE_SETTINGS", detail=",".join(changed), connection=conn)
    return agency_row


async def create_agency(name: str, admin_email: str, admin_name: str, password: str) -> tuple[Agency, User]:
    """For the CLI: a new agency and its first ADMIN."""
    name = validation.text("name", name, max_length=validation.SHORT_TEXT_MAX)
    admin_email = validation.email("admin-email", admin_email)
    admin_name = validation.name("admin-name", admin_name)
    problem = passwords.password_problem(password)
    if problem:
        raise BadInput("password", problem)
    if await Agency.filter(name=name).exists():
        raise BadInput("name", "an agency with this name already exists")
    if await User.filter(email=admin_email).exists():
        raise BadInput("admin-email", "a user with this email already exists")
    async with in_transaction() as conn:
        agency_row = await Agency.create(name=name, using_db=conn)
        admin = await User.create(
            agency=agency_row,
            email=admin_email,
            name=admin_name,
            role=Role.ADMIN,
            password_hash=passwords.hash_password(password),
            using_db=conn,
        )
        await audit.record(
            None,
            "CREATE_AGENCY",
            agency_id=agency_row.id,
            actor="system",
            detail=f"admin user {admin.id}",
            connection=conn,
        )
    return agency_row, admin
