"""Parsed documents, remembered per text: a frontend sends the same few queries again and again.

graphql-core's AST is never changed after parsing, so one parsed document can serve every request
with the same text and parse options (the token limit). A text that does not parse is never
remembered: it is parsed, and refused, each time. Bounded, so endless distinct texts only evict
each other.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

SIZE = 256
_documents: OrderedDict[tuple[str, tuple[tuple[str, Any], ...]], Any] = OrderedDict()


class ParsedDocuments(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        key = (context.query, tuple(sorted(context.parse_options.items()))) if context.query else None
        if key is not None and key in _documents:
            _documents.move_to_end(key)
            context.graphql_document = _documents[key]  # Strawberry then skips its own parse
            yield
            return
        yield
        if key is not None and context.graphql_document is not None:
            _documents[key] = context.graphql_document
            if len(_documents) > SIZE:
                _documents.popitem(last=False)
