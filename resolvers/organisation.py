"""The agency, its teams and users (their accounts: resolvers.staff); the agency's GDPR settings by the DPO."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from auth import passwords
from auth.errors import BadInput, NotFound
from auth.principal import Principal
from models.enums import Role, Visibility
from models.organisation import Agency, Team, User
from resolvers import audit, list_caps, validation

RETENTION_MONTHS_MAX = 240


async def agency(principal: Principal) -> Agency:
    return await Agency.get(id=principal.agency_id)


async def users(principal: Principal) -> list[User]:
    return await list_caps.at_most(
        User.filter(agency_id=principal.agency_id).order_by("name", "id"), list_caps.STAFF, "users"
    )


async def teams(principal: Principal) -> list[Team]:
    return await list_caps.at_most(
        Team.filter(agency_id=principal.agency_id).order_by("name", "id"), list_caps.TEAMS, "teams"
    )


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
