"""Partner API keys: created and revoked by ADMIN or the DPO; only the secret's hash is ever stored."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.transactions import in_transaction

from auth.credentials import new_api_key_secret, secret_hash
from auth.errors import BadInput, NotFound
from auth.principal import Principal
from models.credentials import ApiKey
from models.enums import ApiScope
from resolvers import audit, list_caps, validation


async def list_keys(principal: Principal) -> list[ApiKey]:
    query = ApiKey.filter(agency_id=principal.agency_id).order_by("-created_at", "-id")
    return await list_caps.at_most(query, list_caps.API_KEYS, "apiKeys")


async def get_key(principal: Principal, key_id: int) -> ApiKey:
    key = await ApiKey.filter(id=key_id, agency_id=principal.agency_id).first()
    if key is None:
        raise NotFound("ApiKey")
    return key


async def create_key(
    principal: Principal, name: str, scopes: Iterable[ApiScope], trusted_documents_only: bool = False
) -> tuple[ApiKey, str]:
    """The new key and its secret; the secret exists only in this return value."""
    name = validation.text("name", name, max_length=validation.SHORT_TEXT_MAX)
    chosen = sorted({ApiScope(s).value for s in scopes})
    if not chosen:
        raise BadInput("scopes", "must list at least one scope")
    # The key's name is its actor in audit events and consent proofs: two live keys must not share it.
    if await ApiKey.filter(agency_id=principal.agency_id, name=name, revoked=False).exists():
        raise BadInput("name", "an active API key with this name already exists")
    secret = new_api_key_secret()
    async with in_transaction() as conn:
        key = await ApiKey.create(
            agency_id=principal.agency_id,
            name=name,
            secret_hash=secret_hash(secret),
            scopes=",".join(chosen),
            trusted_documents_only=trusted_documents_only,
            using_db=conn,
        )
        limited = " trusted documents only" if trusted_documents_only else ""
        await audit.record(
            principal, "CREATE_API_KEY", detail=f"key {key.id} scopes {','.join(chosen)}{limited}", connection=conn
        )
    return key, secret


async def revoke_key(principal: Principal, key_id: int) -> ApiKey:
    """Takes effect on the key's next request: authentication reads `revoked` every time."""
    key = await get_key(principal, key_id)
    if key.revoked:
        return key
    async with in_transaction() as conn:
        key.revoked = True
        await key.save(update_fields=["revoked"], using_db=conn)
        await audit.record(principal, "REVOKE_API_KEY", detail=f"key {key.id}", connection=conn)
    return key
