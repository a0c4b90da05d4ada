"""Domain errors. schema.errors maps each to the contract's extensions.code, in one place."""

from __future__ import annotations


class AlveoleError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: object) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class Unauthenticated(AlveoleError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Authentication required: send 'Authorization: Bearer <token>'") -> None:
        super().__init__(message)


class Forbidden(AlveoleError):
    code = "FORBIDDEN"


class NotFound(AlveoleError):
    code = "NOT_FOUND"

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class BadInput(AlveoleError):
    code = "BAD_USER_INPUT"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field)
        self.field = field


class PersistedDocumentNotFound(AlveoleError):
    """An id that names no trusted document (Apollo's persisted-query code: its clients then send the text)."""

    code = "PERSISTED_QUERY_NOT_FOUND"


class PersistedDocumentsOff(AlveoleError):
    code = "PERSISTED_QUERY_NOT_SUPPORTED"


class Gone(AlveoleError):
    """A link that existed but no longer works (used, expired, revoked, out of downloads): its page says 410."""

    code = "GONE"

    def __init__(self, reason: str) -> None:
        super().__init__(f"This link no longer works: {reason}")
        self.reason = reason


class RateLimited(AlveoleError):
    code = "RATE_LIMITED"

    def __init__(self, retry_after_seconds: int, what: str = "Too many failed attempts") -> None:
        super().__init__(
            f"{what}; try again in {retry_after_seconds} seconds",
            retryAfterSeconds=retry_after_seconds,
        )


class ServiceUnavailable(AlveoleError):
    """The database cannot serve the request right now (down, locked, read-only, full): nothing was changed
    by this request, and the client may try again after `retry_after_seconds`."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, retryAfterSeconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds
