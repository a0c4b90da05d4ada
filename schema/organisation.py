"""Root fields: the viewer, the agency, its teams and users."""

from __future__ import annotations

import strawberry

from auth import enforce
from resolvers import organisation, sessions
from resolvers.ids import decode_id
from resolvers.loaders import build_loaders
from schema.context import Info
from schema.enums import Role, Visibility
from schema.types import Agency, LoginPayload, Team, User


def _optional_id(type_name: str, value: strawberry.ID | None) -> int | None:
    return None if value is None else decode_id(type_name, value)


@strawberry.type
class OrganisationQueries:
    @strawberry.field
    async def me(self, info: Info) -> User:
        viewer = info.context.viewer
        return User.of(await organisation.get_user(viewer, viewer.user_id))  # type: ignore[arg-type]

    @strawberry.field
    async def agency(self, info: Info) -> Agency:
        return Agency(row=await organisation.agency(info.context.viewer))

    @strawberry.field
    async def users(self, info: Info) -> list[User]:
        return [User.of(u) for u in await organisation.users(info.context.viewer)]

    @strawberry.field
    async def teams(self, info: Info) -> list[Team]:
        return [Team.of(t) for t in await organisation.teams(info.context.viewer)]


@strawberry.type
class OrganisationMutations:
    @strawberry.mutation
    async def login(self, info: Info, email: str, password: str) -> LoginPayload:
        settings = info.context.settings
        result = await sessions.login(
            email,
            password,
            info.context.client_address,
            sessions.session_policy(settings),
            sessions.login_limits(settings),
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

    @strawberry.mutation(description="ADMIN. Ends every open session of a user (they must sign in again).")
    async def end_user_sessions(self, info: Info, user_id: strawberry.ID) -> int:
        user = await organisation.get_user(info.context.viewer, decode_id("User", user_id))
        return await sessions.end_sessions(user.id)

    @strawberry.mutation
    async def create_team(self, info: Info, name: str) -> Team:
        return Team.of(await organisation.create_team(info.context.viewer, name))

    @strawberry.mutation
    async def create_user(
        self, info: Info, email: str, name: str, password: str, role: Role, team_id: strawberry.ID | None = None
    ) -> User:
        row = await organisation.create_user(
            info.context.viewer, email, name, password, role, _optional_id("Team", team_id)
        )
        return User.of(row)

    @strawberry.mutation
    async def set_user_team(self, info: Info, user_id: strawberry.ID, team_id: strawberry.ID | None) -> User:
        row = await organisation.set_user_team(
            info.context.viewer, decode_id("User", user_id), _optional_id("Team", team_id)
        )
        return User.of(row)

    @strawberry.mutation
    async def deactivate_user(self, info: Info, user_id: strawberry.ID) -> User:
        return User.of(await organisation.deactivate_user(info.context.viewer, decode_id("User", user_id)))

    @strawberry.mutation
    async def update_agency_settings(
        self, info: Info, retention_months: int | None = None, default_visibility: Visibility | None = None
    ) -> Agency:
        row = await organisation.update_agency_settings(info.context.viewer, retention_months, default_visibility)
        return Agency(row=row)
