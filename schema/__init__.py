"""The GraphQL schema: root types assembled from one mixin per domain."""
from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.consent import ConsentMutations, ConsentQueries
from schema.contacts import ContactMutations, ContactQueries
from schema.errors import ErrorCodes
from schema.operations import authorized_root
from schema.organisation import OrganisationMutations, OrganisationQueries
from schema.view_log import ViewLog


@authorized_root
@strawberry.type
class Query(OrganisationQueries, ContactQueries, ConsentQueries):
    pass


@authorized_root
@strawberry.type
class Mutation(OrganisationMutations, ContactMutations, ConsentMutations):
    pass


class AlveoleSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None):  # type: ignore[no-untyped-def]
        # Strawberry logs every error with its traceback, which may hold personal data;
        # schema.errors logs the unexpected ones by type only.
        return None


def build_schema() -> strawberry.Schema:
    return AlveoleSchema(
        query=Query,
        mutation=Mutation,
        extensions=[ErrorCodes, ViewLog],
        config=StrawberryConfig(disable_field_suggestions=True),
    )


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
