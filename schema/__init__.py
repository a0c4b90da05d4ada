"""The GraphQL schema: root types assembled from one mixin per domain."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxTokensLimiter, ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema import fastpath, list_bounds
from schema.accountability import AccountabilityQueries
from schema.api_keys import ApiKeyMutations, ApiKeyQueries
from schema.breaches import BreachMutations, BreachQueries
from schema.compliance import ComplianceQueries
from schema.consent import ConsentMutations, ConsentQueries
from schema.contacts import ContactMutations, ContactQueries
from schema.errors import ErrorCodes
from schema.export import ExportQueries
from schema.gdpr import GdprMutations, GdprQueries
from schema.guards import QueryGuards, Validation
from schema.intake import IntakeMutations
from schema.marketing import MarketingQueries
from schema.notes import NotesQueries
from schema.operation_choice import OperationChoice
from schema.operation_metrics import OperationMetrics
from schema.operations import authorized_root
from schema.organisation import OrganisationMutations, OrganisationQueries
from schema.prefetch import read_attribute
from schema.retention import RetentionMutations, RetentionQueries
from schema.self_service import SelfServiceMutations, SelfServiceQueries
from schema.view_log import ViewLog
from schema.webhooks import WebhookMutations, WebhookQueries


@authorized_root
@strawberry.type
class Query(
    OrganisationQueries,
    ContactQueries,
    ConsentQueries,
    ApiKeyQueries,
    GdprQueries,
    AccountabilityQueries,
    RetentionQueries,
    ExportQueries,
    MarketingQueries,
    WebhookQueries,
    NotesQueries,
    BreachQueries,
    ComplianceQueries,
    SelfServiceQueries,
):
    pass


@authorized_root
@strawberry.type
class Mutation(
    OrganisationMutations,
    ContactMutations,
    ConsentMutations,
    ApiKeyMutations,
    IntakeMutations,
    GdprMutations,
    RetentionMutations,
    BreachMutations,
    SelfServiceMutations,
    WebhookMutations,
):
    pass


class Documents(ParserCache):
    """Strawberry's parser cache, except for a text that does not parse: Strawberry's own parse then meets the
    error again and answers it as any syntax error (coded by ErrorCodes), where an error raised by this hook
    would bypass the extensions. A failed parse is never remembered."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        trusted = context.context.trusted_document
        if trusted is not None:  # parsed when this process first read it (schema.trusted_documents)
            context.graphql_document = trusted.document
            yield
            return
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


class AlveoleSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Strawberry logs every error with its traceback, which may hold personal data;
        # schema.errors logs the unexpected ones by type only.
        return None


DEFAULT_MAX_TOKENS = 2000


# Documents remembered by text: a frontend sends the same few again and again; a client sending endless
# distinct texts only evicts the oldest.
DOCUMENT_CACHE_SIZE = 256


# A process serves one schema per token limit and execution choice: built once, however many apps are made
# (tests make hundreds).
@functools.cache
def build_schema(max_tokens: int = DEFAULT_MAX_TOKENS, fast_execution: bool = True) -> strawberry.Schema:
    schema = AlveoleSchema(
        query=Query,
        mutation=Mutation,
        # Order matters: the token limit is a parse option, so it comes before the parser cache; the guards
        # refuse before validation runs (ValidationCache then keeps their refusal), and the choice of the
        # operation comes after both; errors are coded last.
        extensions=[
            OperationMetrics,
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: Documents(maxsize=DOCUMENT_CACHE_SIZE),
            QueryGuards,
            lambda: Validation(maxsize=DOCUMENT_CACHE_SIZE),
            OperationChoice,
            ErrorCodes,
            ViewLog,
        ],
        # Incremental delivery: subjectAccessExport.requests supports @stream (schema.export).
        config=StrawberryConfig(
            disable_field_suggestions=True,
            enable_experimental_incremental_execution=True,
            # Relations held in attributes (schema.prefetch.Relation) resolve when their field is read.
            default_resolver=read_attribute,
        ),
    )
    list_bounds.check(schema._schema)
    fastpath.install(schema, fast_execution=fast_execution)
    return schema


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
