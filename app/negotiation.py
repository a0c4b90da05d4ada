"""What a /graphql answer looks like, chosen from the request's Accept header (GraphQL over HTTP).

- `application/graphql-response+json`: request errors (no `data`) get a 4xx status, execution results 200.
- `application/json` (and no Accept, `*/*`, `application/*`): every GraphQL response is a 200, as legacy
  clients expect; only requests that are not GraphQL requests at all (junk, wrong type) get a 4xx.
- `multipart/mixed` (with `deferSpec=20220824` or no deferSpec): @stream / @defer answers are sent part by
  part; without it they are answered as one JSON result.
"""

from __future__ import annotations

from dataclasses import dataclass

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
CHARSET = "; charset=utf-8"
# The only incremental format sent (Apollo Client's and urql's): see app/incremental_parts.py.
DEFER_SPEC = "20220824"


@dataclass(frozen=True)
class MediaRange:
    type: str
    params: dict[str, str]
    quality: float


def media_ranges(accept: str | None) -> list[MediaRange]:
    """The Accept header's ranges, most preferred first (the header's order breaks ties); q=0 is left out."""
    ranges: list[MediaRange] = []
    for part in (accept or "").split(","):
        kind, *raw_params = (piece.strip() for piece in part.split(";"))
        if not kind:
            continue
        params: dict[str, str] = {}
        for raw in raw_params:
            name, _, value = raw.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 0.0
        if quality > 0:
            ranges.append(MediaRange(kind.lower(), params, quality))
    return sorted(ranges, key=lambda r: -r.quality)  # sorted() is stable


def response_type(accept: str | None) -> str | None:
    """The media type of a JSON answer, or None when the client accepts none that we send (406)."""
    if not (accept or "").strip():
        return JSON  # no Accept header: a legacy client
    for media in media_ranges(accept):
        if media.type == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON
        if media.type in (JSON, "application/*", "*/*"):
            return JSON
    # Only multipart/mixed: a result that is not incremental still goes as JSON, which such clients read.
    return JSON if accepts_incremental(accept) else None


def accepts_incremental(accept: str | None) -> bool:
    return any(
        media.type == "multipart/mixed" and media.params.get("deferspec", DEFER_SPEC) == DEFER_SPEC
        for media in media_ranges(accept)
    )


def content_type(media_type: str) -> str:
    return media_type + CHARSET


# A request error (the response has no `data`) under application/graphql-response+json: the status its
# first error's code calls for. Under application/json every GraphQL response is a 200.
REQUEST_ERROR_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "INTERNAL_SERVER_ERROR": 500}


def request_error_status(media_type: str, code: str | None) -> int:
    if media_type != GRAPHQL_RESPONSE_JSON:
        return 200
    return REQUEST_ERROR_STATUS.get(code or "", 400)
