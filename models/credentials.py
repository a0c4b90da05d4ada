"""Sessions, login throttling and partner API keys: only hashes of secrets are stored."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.organisation import Agency, User


class Session(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked = fields.BooleanField(default=False)

    class Meta:
        table = "session"
        indexes = (("user_id", "revoked"),)


# One failed login, keyed by account and by client address, counted over a sliding window.
class LoginFailure(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=128, db_index=True)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "login_failure"


class ApiKey(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="api_keys", on_delete=fields.CASCADE
    )
    agency_id: int
    name = fields.CharField(max_length=200)
    secret_hash = fields.CharField(max_length=64, unique=True)
    scopes = fields.CharField(max_length=200, description="comma-separated ApiScope values")
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked = fields.BooleanField(default=False)
    trusted_documents_only = fields.BooleanField(default=False, description="may send registered documents only")

    class Meta:
        table = "api_key"
        indexes = (("agency_id", "revoked"),)
