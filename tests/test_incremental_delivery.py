"""@stream / @defer as clients read them: 2022 parts assembled the way urql and Apollo Client do, or one
JSON result when the client does not accept multipart; masked and audited alike."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from models import AuditEvent, Contact, Visibility
from tests.test_export import multipart_parts
from tests.world import World, gid, make_contact, make_world

MULTIPART = "multipart/mixed;deferSpec=20220824, application/json"
EXPORT = """query($id: ID!) { subjectAccessExport(contactId: $id) {
  contact { id }
  ... @defer(label: "person") { contact { firstName email } }
  requests @stream(initialCount: 1) {
    id destination
    travelers @stream(initialCount: 0) { firstName lastName }
    ... @defer { notes }
  }
} }"""
PAGE = """{ contacts(first: 10) { edges @stream(initialCount: 1) {
  node { id visibility personalDataVisible ... @defer { firstName email } }
} } }"""


@pytest.fixture
async def world(client) -> World:
    world = await make_world()
    world.contacts[Visibility.ADVISOR] = await make_contact(
        world.agency, world.users["owner"], Visibility.ADVISOR, "STREAMQ", requests=4
    )
    return world


def without_incremental(query: str) -> str:
    return re.sub(r"\s*@(stream|defer)(\([^)]*\))?", "", query)


def deep_merge(target: Any, source: Any) -> Any:
    """Apollo Client's DeepMerger: objects and arrays merged key by key, anything else replaced."""
    if isinstance(target, dict) and isinstance(source, dict):
        merged = dict(target)
        for key, value in source.items():
            merged[key] = deep_merge(target.get(key), value)
        return merged
    if isinstance(target, list) and isinstance(source, list):
        return (
            [deep_merge(t, s) for t, s in zip(target, source, strict=False)]
            + target[len(source) :]
            + source[len(target) :]
        )
    return source


def assemble(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """What urql's mergeResultPatch (items) and Apollo Client's mergeIncrementalData (data) make of the parts.

    urql walks the patch's `path` to its last key: for `items` that key is the index of the first item
    and the node reached is the list. Were the path to end at the list's name, the node would be the
    object holding the list and the items would land on it as keys "0", "1"... (the bug clients saw)."""
    first, *rest = parts
    result: dict[str, Any] = {"data": first["data"], "errors": list(first.get("errors", []))}
    for part in rest:
        for patch in part.get("incremental", []):
            result["errors"] += patch.get("errors", [])
            node: Any = result
            prop: str | int = "data"
            for key in patch["path"]:
                node, prop = node[prop], key
            if patch.get("items"):
                start = prop if isinstance(prop, int) else 0
                for offset, item in enumerate(patch["items"]):
                    index = start + offset
                    if isinstance(node, list) and index == len(node):
                        node.append(item)
                    elif isinstance(node, list):
                        node[index] = deep_merge(node[index], item)
                    else:
                        node[str(index)] = item
            elif patch.get("data") is not None:
                node[prop] = deep_merge(node[prop], patch["data"])
    if not result["errors"]:
        del result["errors"]
    return result


async def post(client, query: str, variables: dict[str, Any], token: str, accept: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": accept}
    response = await client.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response


def assert_2022_format(parts: list[dict[str, Any]]) -> None:
    assert set(parts[0]) <= {"data", "errors", "hasNext"} and parts[0]["hasNext"] is True
    for part in parts[1:]:
        assert set(part) <= {"incremental", "hasNext"}, part
        for entry in part.get("incremental", []):
            assert set(entry) - {"errors", "label"} in ({"items", "path"}, {"data", "path"}), entry
            assert entry.get("label", "set") is not None
            if "items" in entry:
                assert isinstance(entry["path"][-1], int), entry  # ends with the first item's index
    assert [p["hasNext"] for p in parts] == [True] * (len(parts) - 1) + [False]


async def test_a_stream_assembled_as_clients_do_equals_the_plain_answer(client, world: World) -> None:
    person = world.contacts[Visibility.ADVISOR]
    variables, dpo = {"id": gid("Contact", person.id)}, world.tokens["dpo"]
    parts = multipart_parts(await post(client, EXPORT, variables, dpo, MULTIPART))
    assert_2022_format(parts)
    labels = [e["label"] for p in parts for e in p.get("incremental", []) if "label" in e]
    assert labels == ["person"]
    assert any(e["path"][-2:] == ["travelers", 0] for p in parts for e in p.get("incremental", []))

    plain = (await post(client, without_incremental(EXPORT), variables, dpo, "application/json")).json()
    assert len(plain["data"]["subjectAccessExport"]["requests"]) == 4
    assert assemble(parts) == plain


async def test_without_multipart_in_accept_the_answer_is_one_json_result(client, world: World) -> None:
    person = world.contacts[Visibility.ADVISOR]
    variables, dpo = {"id": gid("Contact", person.id)}, world.tokens["dpo"]
    plain = (await post(client, without_incremental(EXPORT), variables, dpo, "application/json")).json()
    for accept in (
        "application/json",
        "application/graphql-response+json",
        "*/*",
        "multipart/mixed;deferSpec=1, application/json",
    ):
        response = await post(client, EXPORT, variables, dpo, accept)
        assert response.headers["content-type"].endswith("json; charset=utf-8"), accept
        assert response.json() == plain, accept


async def test_every_part_is_masked_and_audited_as_the_plain_answer(client, world: World) -> None:
    """An advisor of the other team streams a page: what is hidden stays null in every part, and the
    VIEW_PERSONAL events are those of the same page asked without @stream / @defer."""
    viewer = world.tokens["other_team"]
    plain = (await post(client, without_incremental(PAGE), {}, viewer, "application/json")).json()
    events = AuditEvent.filter(action="VIEW_PERSONAL").order_by("id")
    plain_views = sorted(await events.values_list("contact_ref", flat=True))
    await AuditEvent.filter(action="VIEW_PERSONAL").delete()

    parts = multipart_parts(await post(client, PAGE, {}, viewer, MULTIPART))
    assert_2022_format(parts)
    assembled = assemble(parts)
    assert assembled == plain
    nodes = [edge["node"] for edge in assembled["data"]["contacts"]["edges"]]
    hidden = {gid("Contact", c.id) for c in await Contact.filter(visibility__in=["ADVISOR", "TEAM"])}
    assert {n["id"] for n in nodes if n["firstName"] is None} >= hidden
    for contact in await Contact.filter(visibility__in=["ADVISOR", "TEAM"]):
        assert contact.first_name not in json.dumps(parts) and contact.email not in json.dumps(parts)
    assert sorted(await events.values_list("contact_ref", flat=True)) == plain_views
    assert plain_views  # the AGENCY contacts were revealed, and logged

    await AuditEvent.filter(action="VIEW_PERSONAL").delete()
    assert (await post(client, PAGE, {}, viewer, "application/json")).json() == plain
    assert sorted(await events.values_list("contact_ref", flat=True)) == plain_views
