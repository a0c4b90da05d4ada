"""The GraphQL schema: root types assembled from one mixin per domain."""

from __future__ import annotations

import functools

import strawberry
from strawberry.extensions import MaxTokensLimiter
from strawberry.schema.config import StrawberryConfig

from schema.accountability import AccountabilityQueries
from schema.api_keys import ApiKeyMutations, ApiKeyQueries
from schema.breaches import BreachMutations, BreachQueries
from schema.compliance import ComplianceQueries
from schema.consent import ConsentMutations, ConsentQueries
from schema.contacts import ContactMutations, ContactQueries
from schema.documents import ParsedDocuments
from schema.errors import ErrorCodes
from schema.execution import executor_for, resolve_directly
from schema.export import ExportQueries
from schema.gdpr import GdprMutations, GdprQueries
from schema.guards import QueryGuards
from schema.intake import IntakeMutations
from schema.marketing import MarketingQueries
from schema.notes import NotesQueries
from schema.operation_choice import OperationChoice
from schema.operation_metrics import OperationMetrics
from schema.operations import authorized_root
from schema.organisation import OrganisationMutations, OrganisationQueries
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


class AlveoleSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None):  # type: ignore[no-untyped-def]
        # Strawberry logs every error with its traceback, which may hold personal data;
        # schema.errors logs the unexpected ones by type only.
        return None


DEFAULT_MAX_TOKENS = 2000


# A process serves one schema per token limit: built once, however many apps are made (tests make hundreds).
@functools.cache
def build_schema(max_tokens: int = DEFAULT_MAX_TOKENS) -> strawberry.Schema:
    schema = AlveoleSchema(
        query=Query,
        mutation=Mutation,
        # Order matters: errors are coded last, after the guards and the token limit have refused.
        extensions=[
            OperationMetrics,
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            ParsedDocuments,
            QueryGuards,
            OperationChoice,
            ErrorCodes,
            ViewLog,
        ],
        # Incremental delivery: subjectAccessExport.requests supports @stream (schema.export).
        config=StrawberryConfig(disable_field_suggestions=True, enable_experimental_incremental_execution=True),
    )
    # Both need the built schema's fields.
    schema.execution_context_class = executor_for(schema, resolve_directly(schema))
    return schema


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
