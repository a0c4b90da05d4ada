"""GetOperation (GraphQL spec, 6.1): a document with several operations must name the one to run.

Strawberry picks the first operation of such a document, and raises for a name that is not in it; the
latter is answered by app.graphql_view, this the former: both are request errors, nothing is executed.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

AMBIGUOUS = "Must provide operation name if query contains multiple operations."


class OperationChoice(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # After the guards and validation: their refusals come first.
        if document is not None and not context.pre_execution_errors and context.context.operation_name is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                context.pre_execution_errors = [GraphQLError(AMBIGUOUS, extensions={"code": "BAD_USER_INPUT"})]
        yield
