"""Trusted documents at request time: which document a request runs, and whether it may run it.

A registered document was validated against the schema when it was registered (`alveole documents
register`). Each server process reads it from the database the first time it is asked for, parses and
validates it once more (a release may have changed the schema since), and keeps it: requests that name
it skip parsing and validation (schema.documents, schema.guards). The guards' limits and the
authorization of every field still apply: being trusted says what a client may ask, not who may ask it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import strawberry
from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, parse, specified_rules
from strawberry.schema.schema import validate_document

from auth import enforce
from auth.errors import BadInput, Forbidden, PersistedDocumentNotFound, PersistedDocumentsOff
from auth.principal import Principal
from resolvers import trusted_documents

OFF, ALLOWED, REQUIRED = "off", "allowed", "required"


@dataclass(frozen=True)
class TrustedDocument:
    sha256: str
    body: str
    document: DocumentNode
    errors: tuple[GraphQLError, ...]  # against the schema this process serves: none, unless it changed


def problems(schema: strawberry.Schema, body: str) -> list[str]:
    """Why a document may not be registered (nothing: it may)."""
    try:
        document = parse(body)
    except GraphQLSyntaxError as error:
        return [error.message]
    return [error.message for error in validate_document(schema._schema, document, tuple(specified_rules))]


class TrustedDocuments:
    """This process's trusted documents: the app's own, and those registered, read when first asked for."""

    def __init__(self, schema: strawberry.Schema, builtin: Iterable[str] = ()) -> None:
        self.schema = schema
        self._known: dict[str, TrustedDocument] = {}
        for body in builtin:
            self._remember(body)

    def _remember(self, body: str) -> TrustedDocument:
        document = parse(body)
        errors = tuple(validate_document(self.schema._schema, document, tuple(specified_rules)))
        trusted = TrustedDocument(trusted_documents.sha256_of(body), body, document, errors)
        self._known[trusted.sha256] = trusted
        return trusted

    async def find(self, sha256: str) -> TrustedDocument | None:
        known = self._known.get(sha256)
        if known is not None:
            return known
        row = await trusted_documents.find(sha256)
        return self._remember(row.body) if row is not None else None


@dataclass(frozen=True)
class Chosen:
    query: str
    trusted: TrustedDocument | None


async def choose(
    registry: TrustedDocuments,
    mode: str,
    principal: Principal | None,
    query: str | None,
    document_id: str | None,
    persisted_hash: str | None,
) -> Chosen:
    """The document a request runs: named by `documentId` (GraphQL over HTTP's persisted documents) or
    Apollo's `extensions.persistedQuery.sha256Hash`, or sent as text."""
    if document_id is not None and query is not None:
        raise BadInput("documentId", "send either a documentId or a query, not both")
    identifier = document_id if document_id is not None else persisted_hash
    trusted = None
    if identifier is not None:
        if mode == OFF:
            raise PersistedDocumentsOff("Trusted documents are off on this server: send the document's text")
        digest = trusted_documents.document_hash(identifier)
        trusted = await registry.find(digest) if digest is not None else None
        if query is None:
            if trusted is None:
                raise PersistedDocumentNotFound(f"No trusted document has the id {identifier!r}")
            return Chosen(trusted.body, trusted)
        if digest != trusted_documents.sha256_of(query):  # Apollo sends both when it retries
            raise BadInput("extensions.persistedQuery.sha256Hash", "is not the SHA-256 of the query")
    if query is None:
        raise BadInput("query", "send a query or a documentId")
    if trusted is None and not enforce.may_send_free_form_documents(
        principal, only_trusted_documents_run=mode == REQUIRED
    ):
        # The same text as a registered document is that document.
        trusted = await registry.find(trusted_documents.sha256_of(query)) if mode != OFF else None
        if trusted is None:
            raise Forbidden(_why_not_free_form(principal, mode))
    return Chosen(query, trusted)


def _why_not_free_form(principal: Principal | None, mode: str) -> str:
    if principal is not None and principal.trusted_documents_only:
        if mode == OFF:
            return "This API key may send trusted documents only, and they are off on this server"
        return "This API key may send trusted documents only: send a registered documentId"
    return "Only trusted documents run on this server: send a registered documentId"
