"""Contacts (clients and prospects), their travel requests and the people travelling."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.enums import ContactKind, RequestStatus, Visibility
from models.organisation import Agency, Team, User


class Contact(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="contacts", on_delete=fields.RESTRICT
    )
    agency_id: int
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="contacts", on_delete=fields.RESTRICT
    )
    owner_id: int
    # Always the owner's current team, kept in step by resolvers.users and resolvers.contacts,
    # so that the TEAM compartment is a plain indexed column in SQL.
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="contacts", null=True, on_delete=fields.SET_NULL
    )
    team_id: int | None
    kind = fields.CharEnumField(ContactKind, max_length=16, default=ContactKind.PROSPECT)
    visibility = fields.CharEnumField(Visibility, max_length=16, db_index=True)
    restricted = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    last_activity_at = fields.DatetimeField(db_index=True)
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=254, null=True)
    phone = fields.CharField(max_length=32, null=True)
    birth_date = fields.DateField(null=True)
    address = fields.CharField(max_length=500, null=True)
    notes = fields.TextField(null=True)
    search_text = fields.TextField(
        default="", description="accent- and case-folded names, email and phone digits, for search"
    )

    requests: fields.ReverseRelation[TravelRequest]

    class Meta:
        table = "contact"
        # The compartment predicate (agency + visibility / owner / team), the newest-first pages, retention.
        indexes = (
            ("agency_id", "visibility"),
            ("agency_id", "owner_id"),
            ("agency_id", "team_id"),
            ("agency_id", "id"),
            ("agency_id", "last_activity_at"),
        )


class TravelRequest(Model):
    id = fields.IntField(primary_key=True)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "models.Agency", related_name="travel_requests", on_delete=fields.RESTRICT
    )
    agency_id: int
    contact: fields.ForeignKeyRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="requests", on_delete=fields.CASCADE
    )
    contact_id: int
    advisor: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="travel_requests", on_delete=fields.RESTRICT
    )
    advisor_id: int
    status = fields.CharEnumField(RequestStatus, max_length=16, default=RequestStatus.NEW)
    destination = fields.CharField(max_length=200)
    departure_date = fields.DateField(null=True)
    return_date = fields.DateField(null=True)
    traveler_count = fields.IntField(default=1)
    budget_cents = fields.IntField(null=True)
    notes = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    last_activity_at = fields.DatetimeField()

    travelers: fields.ReverseRelation[Traveler]

    class Meta:
        table = "travel_request"
        # Every filter of travelRequests and the newest-first pages; (contact_id, agency_id, id) serves a
        # page's requests (contact_id IN ... within the agency: both columns, or SQLite's planner, without
        # statistics, prefers scanning the agency) and the cascade when a contact is deleted.
        indexes = (
            ("agency_id", "created_at"),
            ("agency_id", "last_activity_at"),
            ("agency_id", "status"),
            ("agency_id", "id"),
            ("contact_id", "agency_id", "id"),
        )


class Traveler(Model):
    id = fields.IntField(primary_key=True)
    request: fields.ForeignKeyRelation[TravelRequest] = fields.ForeignKeyField(
        "models.TravelRequest", related_name="travelers", on_delete=fields.CASCADE
    )
    request_id: int
    position = fields.IntField(default=0)
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100)
    birth_date = fields.DateField(null=True)

    class Meta:
        table = "traveler"
        indexes = (("request_id", "position"),)
