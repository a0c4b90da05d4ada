from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry
from starlette.requests import Request

from auth.errors import Unauthenticated
from auth.principal import Principal
from resolvers.loaders import Loaders

if TYPE_CHECKING:
    from app.settings import Settings
    from schema.trusted_documents import TrustedDocument


@dataclass
class Context:
    request: Request | None
    settings: Settings
    principal: Principal | None
    loaders: Loaders
    # The operationName the request gave (Strawberry's own names the first operation when none is given).
    operation_name: str | None = None
    # The registered document this request runs, parsed and validated already (schema.trusted_documents).
    trusted_document: TrustedDocument | None = None
    # Contacts whose personal fields this response revealed: one VIEW_PERSONAL event each (schema.view_log).
    viewed_contacts: set[int] = field(default_factory=set)
    # Those already written: @stream / @defer frames reveal more after the first (schema.incremental).
    logged_contacts: set[int] = field(default_factory=set)
    # Which compartmented types' personal fields each selection asks for (schema.masking): asked once per page.
    personal_selections: dict[tuple[int, ...], frozenset[str]] = field(default_factory=dict)
    # Staff and teams already wrapped for this response (schema.types.user_of, team_of): not data subjects.
    users: dict[int, Any] = field(default_factory=dict)
    teams: dict[int, Any] = field(default_factory=dict)

    @property
    def viewer(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated()
        return self.principal

    @property
    def client_address(self) -> str:
        if self.request is None or self.request.client is None:
            return "unknown"
        return self.request.client.host


Info = strawberry.Info[Context, None]
