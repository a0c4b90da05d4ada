"""Trusted documents: manifests read and checked, documents stored and found by their SHA-256.

Two manifest formats are read, those the clients' build tools write:
- GraphQL Codegen's client preset (`persistedDocuments: true`): `{"<sha256>": "<document>", ...}`;
- Apollo's persisted-query manifest (`generate-persisted-query-manifest`):
  `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "name", "type", "body"}]}`.
Validating a document against the schema is the schema's business (schema.trusted_documents).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models.trusted_documents import TrustedDocument
from resolvers.clock import now

APOLLO_FORMAT = "apollo-persisted-query-manifest"
SHA256_PREFIX = "sha256:"
_HEX = re.compile(r"[0-9a-f]{64}")


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class ManifestEntry:
    sha256: str  # what the manifest says, lower-case hex
    body: str
    name: str | None = None


def sha256_of(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def document_hash(identifier: str) -> str | None:
    """The hex SHA-256 a document id names: `sha256:<hex>` (GraphQL over HTTP), or the bare hex that
    GraphQL Codegen's client sends; None for anything else."""
    payload = identifier.removeprefix(SHA256_PREFIX)
    return payload if _HEX.fullmatch(payload) else None


def read_manifest(text: str) -> list[ManifestEntry]:
    try:
        payload = json.loads(text)
    except ValueError:
        raise ManifestError("the manifest is not valid JSON") from None
    if isinstance(payload, dict) and payload.get("format") == APOLLO_FORMAT:
        return _apollo_entries(payload)
    if isinstance(payload, dict) and payload and all(isinstance(v, str) for v in payload.values()):
        return [_entry(key, body) for key, body in payload.items()]
    raise ManifestError(
        'expected GraphQL Codegen\'s persisted documents ({"<sha256>": "<document>"}) '
        f"or an {APOLLO_FORMAT} (version 1)"
    )


def _apollo_entries(payload: dict[str, object]) -> list[ManifestEntry]:
    if payload.get("version") != 1:
        raise ManifestError(f"only version 1 of the {APOLLO_FORMAT} is known, not {payload.get('version')!r}")
    operations = payload.get("operations")
    if not isinstance(operations, list):
        raise ManifestError("'operations' must be a list")
    entries = []
    for index, operation in enumerate(operations):
        if not (isinstance(operation, dict) and isinstance(operation.get("id"), str)):
            raise ManifestError(f"operations[{index}]: needs an 'id' string")
        if not isinstance(operation.get("body"), str):
            raise ManifestError(f"operations[{index}]: needs a 'body' string")
        name = operation.get("name")
        entries.append(_entry(operation["id"], operation["body"], name if isinstance(name, str) else None))
    return entries


def _entry(identifier: str, body: str, name: str | None = None) -> ManifestEntry:
    return ManifestEntry(identifier.removeprefix(SHA256_PREFIX).lower(), body, name)


def hash_problem(entry: ManifestEntry) -> str | None:
    actual = sha256_of(entry.body)
    if entry.sha256 != actual:
        return f"its id is not the SHA-256 of its body ({SHA256_PREFIX}{actual})"
    return None


async def store(entries: Iterable[ManifestEntry], source: str) -> tuple[int, int]:
    """(newly registered, already there): a document is registered once, and never changed."""
    by_hash: dict[str, ManifestEntry] = {entry.sha256: entry for entry in entries}
    async with in_transaction() as conn:
        known = set(
            await TrustedDocument.filter(sha256__in=list(by_hash)).using_db(conn).values_list("sha256", flat=True)
        )
        new = [entry for digest, entry in by_hash.items() if digest not in known]
        at = now()
        await TrustedDocument.bulk_create(
            [
                TrustedDocument(
                    sha256=entry.sha256, body=entry.body, operation_name=entry.name, source=source, registered_at=at
                )
                for entry in new
            ],
            using_db=conn,
        )
    return len(new), len(known)


async def find(sha256: str) -> TrustedDocument | None:
    return await TrustedDocument.filter(sha256=sha256).first()


async def all_documents() -> list[TrustedDocument]:
    return await TrustedDocument.all().order_by("registered_at", "id")
