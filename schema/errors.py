"""The one mapping from exceptions to the contract's error codes; anything unexpected is masked."""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from auth.errors import AlveoleError
from resolvers.faults import unavailable
from resolvers.metrics import count_error

log = logging.getLogger("alveole.errors")

UNEXPECTED = "Unexpected error"


def coded(error: GraphQLError) -> GraphQLError:
    mapped = _mapped(error)
    count_error((mapped.extensions or {}).get("code", "INTERNAL_SERVER_ERROR"))
    return mapped


def _mapped(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is not None and not isinstance(original, AlveoleError):
        # The database down, locked, read-only or full: the client's request was fine, let it retry.
        original = unavailable(original) or original
    if isinstance(original, AlveoleError):
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": original.code, **original.extensions},
        )
    if original is None or error.path is None:
        # Syntax, validation and variable-coercion errors happen before any resolver runs (no path):
        # the client's mistake, with graphql-core's useful message.
        extensions = dict(error.extensions or {})
        extensions.setdefault("code", "BAD_USER_INPUT")
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
    # Never the exception's text: it may hold SQL or personal data. Only its type is logged.
    log.error("unexpected %s at path %s", type(original).__name__, error.path)
    return GraphQLError(
        UNEXPECTED,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )


def _every_error(_error: GraphQLError) -> bool:
    # Even an error that carries a code: an unexpected exception may carry one of its own, and only `coded`
    # decides what a client may read.
    return True


class ErrorCodes(MaskErrors):
    """MaskErrors' hooks (normal and streamed results alike), anonymising every error with our mapping instead of
    one blanket message."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_every_error, error_message=UNEXPECTED)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return coded(error)
