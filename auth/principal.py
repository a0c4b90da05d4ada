"""Who is asking: a signed-in user or a partner's API key, always inside one agency."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.enums import ApiScope, Role


@dataclass(frozen=True)
class Principal:
    agency_id: int
    actor: str  # the user's email or the API key's name, as written in audit events
    user_id: int | None = None
    team_id: int | None = None
    role: Role | None = None
    session_id: int | None = None
    api_key_id: int | None = None
    scopes: frozenset[ApiScope] = field(default_factory=frozenset)
    trusted_documents_only: bool = False  # an API key that may send registered documents only

    @property
    def is_user(self) -> bool:
        return self.user_id is not None

    @property
    def is_api_key(self) -> bool:
        return self.api_key_id is not None


SYSTEM_ACTOR = "system"
