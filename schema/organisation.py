"""Root fields: the viewer, the agency, its teams and users."""

from __future__ import annotations

import strawberry

from auth import enforce
from resolvers import organisation, sessions, staff
from resolvers.ids import decode_id
from resolvers.loaders import build_loaders
from schema.accountability import AuditEventConnection
from schema.context import Info
from schema.enums import Role, Visibility
from schema.types import Agency, LoginPayload, Team, User


def _optional_id(type_name: str, value: strawberry.ID | None) -> int | None:
    return None if value is None else decode_id(type_name, value)


@strawberry.type
class OrganisationQueries:
    @strawberry.field
    async def me(self, info: Info) -> User:
        viewer = info.context.viewer  # a signed-in user: auth.policy refuses `me` to anyone else
        return User.of(await organisation.get_user(viewer, enforce.require_user_id(viewer)))

    @strawberry.field
    async def agency(self, info: Info) -> Agency:
        return Agency(row=await organisation.agency(info.context.viewer))

    @strawberry.field
    async def users(self, info: Info) -> list[User]:
        return [User.of(u) for u in await organisation.users(info.context.viewer)]

    @strawberry.field
    async def teams(self, info: Info) -> list[Team]:
        return [Team.of(t) for t in await organisation.teams(info.context.viewer)]

    @strawberry.field(
        description="DPO. Who created which user and changed whose role, team or active flag, newest first "
        "(CREATE_USER, ROLE_CHANGED, TEAM_CHANGED, USER_DEACTIVATED)."
    )
    async def staff_changes(self, info: Info, first: int | None = 50, after: str | None = None) -> AuditEventConnection:
        return AuditEventConnection.of(await staff.staff_changes(info.context.viewer, first, after))


@strawberry.type
class OrganisationMutations:
    @strawberry.mutation(
        description="Signs in. Staff emails are unique per agency: `agency` (the agency's exact name) is needed "
        "only when the address is used in several agencies with the same password."
    )
    async def login(self, info: Info, email: str, password: str, agency: str | None = None) -> LoginPayload:
        settings = info.context.settings
        result = await sessions.login(
            email,
            password,
            info.context.client_address,
            sessions.session_policy(settings),
            sessions.login_limits(settings),
            agency,
        )
        # The payload's nested fields are read as the user who just signed in.
        info.context.principal = sessions.principal_for_user(result.user)
        info.context.loaders = build_loaders(info.context.principal)
        return LoginPayload(token=result.token, user=User.of(result.user), expires_at=result.expires_at)

    @strawberry.mutation
    async def logout(self, info: Info) -> bool:
        return await sessions.logout(info.context.viewer)

    @strawberry.mutation(description="Changes your password; every one of your sessions ends (sign in again).")
    async def change_password(self, info: Info, current_password: str, new_password: str) -> bool:
        await sessions.change_password(enforce.require_user(info.context.principal), current_password, new_password)
        return True

    @strawberry.mutation(
        description="ADMIN (a DPO for a DPO). Ends every open session of a user (they must sign in again)."
    )
    async def end_user_sessions(self, info: Info, user_id: strawberry.ID) -> int:
        return await staff.end_user_sessions(info.context.viewer, decode_id("User", user_id))

    @strawberry.mutation
    async def create_team(self, info: Info, name: str) -> Team:
        return Team.of(await organisation.create_team(info.context.viewer, name))

    @strawberry.mutation(
        description="ADMIN. Makes an ADVISOR or an ADMIN (never a DPO: see setUserRole); an ADMIN belongs to no team."
    )
    async def create_user(
        self, info: Info, email: str, name: str, password: str, role: Role, team_id: strawberry.ID | None = None
    ) -> User:
        row = await staff.create_user(info.context.viewer, email, name, password, role, _optional_id("Team", team_id))
        return User.of(row)

    @strawberry.mutation(
        description="ADMIN (a DPO for a DPO), never for oneself nor for an ADMIN (an ADMIN belongs to no team). "
        "The user's contacts follow it into the team."
    )
    async def set_user_team(self, info: Info, user_id: strawberry.ID, team_id: strawberry.ID | None = None) -> User:
        row = await staff.set_user_team(info.context.viewer, decode_id("User", user_id), _optional_id("Team", team_id))
        return User.of(row)

    @strawberry.mutation(
        description="Never one's own. An ADMIN switches others between ADVISOR and ADMIN (a new ADMIN leaves its "
        "team); only a DPO gives or takes the DPO role."
    )
    async def set_user_role(self, info: Info, user_id: strawberry.ID, role: Role) -> User:
        return User.of(await staff.set_user_role(info.context.viewer, decode_id("User", user_id), role))

    @strawberry.mutation(description="ADMIN (a DPO for a DPO), never oneself. Ends the user's sessions.")
    async def deactivate_user(self, info: Info, user_id: strawberry.ID) -> User:
        return User.of(await staff.deactivate_user(info.context.viewer, decode_id("User", user_id)))

    @strawberry.mutation
    async def update_agency_settings(
        self, info: Info, retention_months: int | None = None, default_visibility: Visibility | None = None
    ) -> Agency:
        row = await organisation.update_agency_settings(info.context.viewer, retention_months, default_visibility)
        return Agency(row=row)
