"""Agencies, their teams and their users."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.enums import Role, Visibility


class Agency(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    retention_months = fields.IntField(default=36)
    default_visibility = fields.CharEnumField(Visibility, max_length=16, default=Visibility.ADVISOR)
    created_at = fields.DatetimeField(auto_now_add=True)

    teams: fields.ReverseRelation[Team]
    users: fields.ReverseRelation[User]

    class Meta:
        table = "agency"


class Team(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="teams", on_delete=fields.CASCADE
    )
    agency_id: int
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    members: fields.ReverseRelation[User]

    class Meta:
        table = "team"
        unique_together = (("agency", "name"),)


class User(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="users", on_delete=fields.CASCADE
    )
    agency_id: int
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="members", null=True, on_delete=fields.SET_NULL
    )
    team_id: int | None
    # Unique per agency, not globally: one agency learns nothing of another's staff (see README, Security).
    email = fields.CharField(max_length=254, db_index=True)
    name = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=16)
    active = fields.BooleanField(default=True)
    password_hash = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "app_user"
        unique_together = (("agency", "email"),)
        indexes = (("agency_id", "name"), ("team_id", "name"))
