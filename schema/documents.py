"""Parsed documents, remembered per text (schema.memo).

graphql-core's AST is never changed after parsing, so one parsed document can serve every request
with the same text and parse options (the token limit). A text that does not parse is never
remembered: it is parsed, and refused, each time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from schema.memo import MISSING, BoundedMemo

_documents: BoundedMemo[tuple[str, tuple[tuple[str, Any], ...]], Any] = BoundedMemo()


class ParsedDocuments(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        trusted = context.context.trusted_document
        if trusted is not None:  # parsed when this process first read it (schema.trusted_documents)
            context.graphql_document = trusted.document
            yield
            return
        if not context.query:
            yield
            return
        key = (context.query, tuple(sorted(context.parse_options.items())))
        document = _documents.get(key)
        if document is not MISSING:
            context.graphql_document = document  # Strawberry then skips its own parse
        yield
        if document is MISSING and context.graphql_document is not None:
            _documents.put(key, context.graphql_document)
