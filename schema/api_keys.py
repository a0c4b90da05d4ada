"""Root fields: partner API keys (ADMIN, DPO)."""

from __future__ import annotations

import strawberry

from resolvers import api_keys
from resolvers.ids import decode_id
from schema.context import Info
from schema.enums import ApiScope
from schema.types import ApiKey, NewApiKey


@strawberry.type
class ApiKeyQueries:
    @strawberry.field(description="ADMIN, DPO. The agency's API keys, newest first; secrets are never shown again.")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        return [ApiKey(row=k) for k in await api_keys.list_keys(info.context.viewer)]


@strawberry.type
class ApiKeyMutations:
    @strawberry.mutation(
        description="ADMIN, DPO. The secret is in this response only: store it now. With trustedDocumentsOnly, the key "
        "may send registered documents only (`alveole documents register`)."
    )
    async def create_api_key(
        self, info: Info, name: str, scopes: list[ApiScope], trusted_documents_only: bool | None = False
    ) -> NewApiKey:
        row, secret = await api_keys.create_key(info.context.viewer, name, scopes, bool(trusted_documents_only))
        return NewApiKey(api_key=ApiKey(row=row), secret=secret)

    @strawberry.mutation(description="ADMIN, DPO. The key stops working on its next request.")
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> ApiKey:
        return ApiKey(row=await api_keys.revoke_key(info.context.viewer, decode_id("ApiKey", id)))
