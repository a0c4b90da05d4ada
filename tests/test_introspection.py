"""Introspection for signed-in callers: what GraphQL Codegen, gql and GraphiQL's Docs panel send works, within
its own bound; anonymous callers stay refused."""

from __future__ import annotations

import pytest
from graphql import build_client_schema, build_schema, get_introspection_query, lexicographic_sort_schema, print_schema

from schema import print_sdl
from tests.world import World, make_world

EVERY_OPTION = {
    "descriptions": True,
    "specified_by_url": True,
    "directive_is_repeatable": True,
    "schema_description": True,
    "input_value_deprecation": True,
    "experimental_directive_deprecation": True,
    "one_of": True,
}
GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
async def world(client) -> World:
    return await make_world()


def same_schema(sdl: str) -> str:
    """The schema printed in a canonical order: introspection lists types in the executable schema's order."""
    return print_schema(lexicographic_sort_schema(build_schema(sdl)))


def nested(field: str, times: int, leaf: str = "name") -> str:
    return f"{field} {{ " * times + leaf + " }" * times


@pytest.mark.parametrize("position", ["dpo", "owner"])
async def test_the_standard_introspection_query_returns_the_whole_schema(client, world: World, position: str) -> None:
    query = get_introspection_query(**EVERY_OPTION)  # TypeRef nests ofType 9 deep
    response = await client.http.post(
        "/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {world.tokens[position]}", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    rebuilt = print_schema(lexicographic_sort_schema(build_client_schema(body["data"])))
    assert rebuilt == same_schema(print_sdl())  # what `alveole schema` prints


async def test_anonymous_callers_still_may_not_introspect(client, world: World) -> None:
    response = await client.http.post(
        "/graphql", json={"query": get_introspection_query()}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "Refused: introspection needs authentication"


async def test_of_type_is_bounded_at_12(client, world: World) -> None:
    dpo = world.tokens["dpo"]
    deepest = await client.data('{ __type(name: "Contact") { ' + nested("ofType", 12) + " } }", token=dpo)
    assert deepest == {"__type": {"ofType": None}}
    for times in (13, 50):
        body = await client.post('{ __type(name: "Contact") { ' + nested("ofType", times) + " } }", token=dpo)
        assert "data" not in body
        assert body["errors"][0]["message"] == "Refused: introspection nests ofType more than 12 deep"
    # Through fragments too, each counted where it is spread.
    fragment = "fragment T on __Type { " + nested("ofType", 7) + " }"
    spread = '{ __type(name: "Contact") { ofType { ofType { ofType { ofType { ofType { ofType { ...T } } } } } } } }'
    assert "ofType more than 12" in (await client.post(f"{spread} {fragment}", token=dpo))["errors"][0]["message"]


async def test_one_introspection_root_per_document(client, world: World) -> None:
    for query in (
        '{ a: __type(name: "Contact") { name } b: __type(name: "User") { name } }',
        '{ __schema { queryType { name } } __type(name: "Contact") { name } }',
    ):
        body = await client.post(query, token=world.tokens["dpo"])
        assert (
            body["errors"][0]["message"] == "Refused: a document may hold one introspection root (__schema or __type)"
        )


async def test_the_rest_of_the_document_keeps_its_limits(client, world: World) -> None:
    """Exempt is the introspection part only: beside it, a deep query is refused as always, and the
    introspection part cannot loop through fields and types (graphql-js's MaxIntrospectionDepthRule)."""
    dpo = world.tokens["dpo"]
    inner = "id"
    for _ in range(5):
        inner = f"requests {{ edges {{ node {{ contact {{ {inner} }} }} }} }}"
    deep = "{ __schema { queryType { name } } contacts { edges { node { " + inner + " } } } }"
    assert "depth exceeds" in (await client.post(deep, token=dpo))["errors"][0]["message"]
    looping = "{ __schema { types { " + "fields { type { " * 4 + "name" + " } }" * 4 + " } } }"
    assert "introspection depth exceeds" in (await client.post(looping, token=dpo))["errors"][0]["message"]
    assert (await client.data("{ __schema { types { fields { type { fields { name } } } } } }", token=dpo))["__schema"]
