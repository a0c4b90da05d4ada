"""GraphQL over HTTP (the GraphQL Foundation's spec), rule by rule, for POST /graphql."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.world import World, gid, make_world

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def post(
    client,
    body: Any,
    *,
    accept: str | None = GRAPHQL_RESPONSE,
    token: str | None = None,
    content_type: str = "application/json",
) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if accept is not None:
        headers["Accept"] = accept
    if token:
        headers["Authorization"] = f"Bearer {token}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.http.post("/graphql", content=content, headers=headers)


def request_error(response: httpx.Response, status: int, media_type: str = GRAPHQL_RESPONSE) -> str:
    """A request error: the status, the media type with its charset, errors and no `data` at all."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    body = response.json()
    assert "data" not in body and body["errors"], body
    return body["errors"][0]["message"]


# Request errors of well-formed requests: each is a 400 under application/graphql-response+json...
REQUEST_ERRORS = {
    "syntax": ({"query": "{"}, "Syntax Error"),
    "validation": ({"query": "{ noSuchField }"}, "Cannot query field"),
    "limits": ({"query": "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"}, "aliases"),
    "unknown operation": ({"query": "query A { __typename }", "operationName": "B"}, 'Unknown operation named "B"'),
    "no operation name": (
        {"query": "query A { __typename } query B { me { email } }"},
        "Must provide operation name if query contains multiple operations.",
    ),
    "variables": ({"query": "query($n: Int!) { contacts(first: $n) { totalCount } }", "variables": {"n": "x"}}, "$n"),
}


@pytest.mark.parametrize("case", sorted(REQUEST_ERRORS))
async def test_request_errors_are_4xx_under_graphql_response_json(client, world: World, case: str) -> None:
    body, message = REQUEST_ERRORS[case]
    assert message in request_error(await post(client, body, token=world.tokens["dpo"]), 400)


@pytest.mark.parametrize("case", sorted(REQUEST_ERRORS))
async def test_request_errors_are_200_under_application_json(client, world: World, case: str) -> None:
    """...and a 200 for a legacy client, still without `data` (the spec allows it; such clients expect it)."""
    body, message = REQUEST_ERRORS[case]
    for accept in (JSON, None, "*/*"):
        response = await post(client, body, accept=accept, token=world.tokens["dpo"])
        assert message in request_error(response, 200, JSON), accept


async def test_execution_results_are_200_with_their_data(client, world: World) -> None:
    dpo = world.tokens["dpo"]
    response = await post(client, {"query": "{ __typename }"}, token=dpo)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}

    # An error during execution is a field error: `data` is there (null here: the root field is non-null).
    missing = {"query": "query($id: ID!) { subjectAccessExport(contactId: $id) { csvUrl } }"}
    missing["variables"] = {"id": gid("Contact", 999_999)}  # type: ignore[assignment]
    response = await post(client, missing, token=dpo)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["subjectAccessExport"]


async def test_the_named_operation_runs(client, world: World) -> None:
    body = {"query": "query A { __typename } query B { me { role } }", "operationName": "B"}
    response = await post(client, body, token=world.tokens["dpo"])
    assert response.json() == {"data": {"me": {"role": "DPO"}}}
    empty_name = {"query": "query A { __typename }", "operationName": ""}  # the spec: the same as none
    assert (await post(client, empty_name, token=world.tokens["dpo"])).json() == {"data": {"__typename": "Query"}}


async def test_credentials_problems_are_401_and_403(client, world: World) -> None:
    response = await post(client, {"query": "{ contacts { totalCount } }"})  # anonymous
    request_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    legacy = await post(client, {"query": "{ contacts { totalCount } }"}, accept=JSON)
    assert request_error(legacy, 200, JSON)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"\xff\xfe", "UTF-8"),
        ({"qeury": "{ __typename }"}, "'query'"),
        ({"query": 5}, "'query'"),
        ({"query": "{ __typename }", "variables": [7]}, "'variables'"),
        ({"query": "{ __typename }", "operationName": 0}, "'operationName'"),
        ({"query": "{ __typename }", "extensions": "x"}, "'extensions'"),
    ],
)
async def test_requests_that_are_not_graphql_requests_get_400(client, world: World, body: Any, message: str) -> None:
    """Not a well-formed GraphQL-over-HTTP request: 400 under both media types, in GraphQL's shape."""
    for accept, media_type in ((GRAPHQL_RESPONSE, GRAPHQL_RESPONSE), (JSON, JSON)):
        response = await post(client, body, accept=accept, token=world.tokens["dpo"])
        assert message in request_error(response, 400, media_type)


@pytest.mark.parametrize(
    "content_type",
    [GRAPHQL_RESPONSE, "application/json; charset=latin-1", "text/plain", "application/graphql", ""],
)
async def test_unsupported_request_types_get_415(client, world: World, content_type: str) -> None:
    response = await post(client, {"query": "{ __typename }"}, token=world.tokens["dpo"], content_type=content_type)
    assert "Content-Type" in request_error(response, 415) or "UTF-8" in response.text


async def test_utf8_is_assumed_and_accepted(client, world: World) -> None:
    query = {"query": '{ __type(name: "Run🏃") { name } }'}
    for content_type in ("application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8"):
        response = await post(client, query, token=world.tokens["dpo"], content_type=content_type)
        assert response.json() == {"data": {"__type": None}}, content_type


async def test_accept_is_honoured(client, world: World) -> None:
    dpo = world.tokens["dpo"]
    expected = {
        f"{GRAPHQL_RESPONSE}, {JSON};q=0.9": GRAPHQL_RESPONSE,
        f"{JSON}, {GRAPHQL_RESPONSE};q=0.9": JSON,
        f"{GRAPHQL_RESPONSE};q=0, {JSON}": JSON,
        "application/*": JSON,
        "multipart/mixed;deferSpec=20220824, application/json": JSON,
        "multipart/mixed": JSON,  # a result that is not incremental goes as JSON
    }
    for accept, media_type in expected.items():
        response = await post(client, {"query": "{ __typename }"}, accept=accept, token=dpo)
        assert response.status_code == 200, accept
        assert response.headers["content-type"] == f"{media_type}; charset=utf-8", accept
    for accept in ("text/html", "application/xml", f"{JSON};q=0"):
        response = await post(client, {"query": "{ __typename }"}, accept=accept, token=dpo)
        assert "Accept" in request_error(response, 406, JSON), accept


async def test_get_stays_refused_for_operations(client, world: World) -> None:
    """The documented CSRF defence, a deliberate deviation: GET only serves the console's page."""
    for query in ("{ __typename }", "mutation { logout }"):
        response = await client.http.get(
            "/graphql",
            params={"query": query},
            headers={"Authorization": f"Bearer {world.tokens['dpo']}", "Accept": GRAPHQL_RESPONSE},
        )
        request_error(response, 405)
        assert response.headers["allow"] == "POST"
