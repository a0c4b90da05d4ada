"""Trusted documents: the GraphQL documents a build of a frontend or a partner registered ahead of use."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


# Registered by the `alveole documents register` command, for every agency (the documents are the clients'
# code, not data); never changed afterwards, so each server process may keep what it has read.
class TrustedDocument(Model):
    id = fields.IntField(primary_key=True)
    sha256 = fields.CharField(max_length=64, unique=True, description="hex SHA-256 of the body, as UTF-8")
    body = fields.TextField()
    operation_name = fields.CharField(max_length=200, null=True)
    source = fields.CharField(max_length=500, description="the manifest it was registered from")
    registered_at = fields.DatetimeField()

    class Meta:
        table = "trusted_document"
