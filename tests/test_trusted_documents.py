"""Trusted documents: manifests, `alveole documents`, requests by id, keys limited to them, and the modes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.graphql_view import sign_in_documents
from app.settings import Settings
from resolvers import trusted_documents
from resolvers.trusted_documents import ManifestEntry, ManifestError, read_manifest, sha256_of
from tests.conftest import copy_sqlite_template, make_settings
from tests.test_cli import alveole
from tests.world import PASSWORD, World, make_world

ME = "query Me { me { email role } }"
CONTACTS = "query Contacts($n: Int!) { contacts(first: $n) { edges { node { id } } } }"
LOGIN = "mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def codegen_manifest(*bodies: str) -> str:
    return json.dumps({sha256_of(body): body for body in bodies})


def apollo_manifest(*bodies: str) -> str:
    operations = []
    for body in bodies:
        kind, name = re.findall(r"\w+", body)[:2]
        operations.append({"id": sha256_of(body), "name": name, "type": kind, "body": body})
    return json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations})


@pytest.fixture
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    """ALVEOLE_TRUSTED_DOCUMENTS as the test asks (indirect parametrization), else the default."""
    return make_settings(database_url, trusted_documents=getattr(request, "param", "allowed"))


@pytest.fixture
async def world(client) -> World:
    world = await make_world()
    await trusted_documents.store(read_manifest(codegen_manifest(ME, CONTACTS, LOGIN)), "web.json")
    return world


async def send(client, body: dict[str, Any], token: str | None = None, accept: str = "application/json") -> Any:
    headers = {"Accept": accept, **({"Authorization": f"Bearer {token}"} if token else {})}
    return await client.http.post("/graphql", json=body, headers=headers)


async def answer(client, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    response = await send(client, body, token)
    assert response.status_code == 200, response.text
    return response.json()


def code_of(body: dict[str, Any]) -> str:
    assert "data" not in body, body  # refused before anything ran
    return body["errors"][0]["extensions"]["code"]


# -- manifests ------------------------------------------------------------------------------------------


def test_both_manifest_formats_are_read() -> None:
    codegen = read_manifest(codegen_manifest(ME))
    assert codegen == [ManifestEntry(sha256_of(ME), ME)]
    prefixed = read_manifest(json.dumps({f"sha256:{sha256_of(ME)}": ME}))
    assert prefixed == codegen
    apollo = read_manifest(apollo_manifest(ME, CONTACTS))
    assert apollo == [ManifestEntry(sha256_of(ME), ME, "Me"), ManifestEntry(sha256_of(CONTACTS), CONTACTS, "Contacts")]
    for junk, reason in [
        ("{", "not valid JSON"),
        ("[]", "expected"),
        ('{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}', "version 1"),
        ('{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "x"}]}', "body"),
    ]:
        with pytest.raises(ManifestError, match=reason):
            read_manifest(junk)


def test_register_checks_hashes_and_the_schema_and_list_shows_what_is_stored(
    tmp_path: Path, sqlite_template: Path
) -> None:
    env = {"ALVEOLE_DATABASE_URL": copy_sqlite_template(sqlite_template, tmp_path / "db.sqlite3")}
    good = tmp_path / "web.json"
    good.write_text(codegen_manifest(ME, CONTACTS))
    result = alveole("documents", "register", str(good), env=env)
    assert result.returncode == 0, result.stderr
    assert "Registered 2 document(s) from web.json (0 already registered)" in result.stdout

    bad = tmp_path / "partner.json"
    wrong_hash = {"id": "0" * 64, "name": "Me", "type": "query", "body": ME}
    invalid = "query Broken { contacts { nope } }"
    manifest = json.loads(apollo_manifest(LOGIN, invalid))
    manifest["operations"].append(wrong_hash)
    bad.write_text(json.dumps(manifest))
    result = alveole("documents", "register", str(bad), env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"refused sha256:{sha256_of(invalid)} (Broken): Cannot query field 'nope'" in result.stdout
    assert f"refused sha256:{'0' * 64} (Me): its id is not the SHA-256 of its body (sha256:{sha256_of(ME)})" in (
        result.stdout
    )
    assert "2 problem(s), nothing registered" in result.stderr

    bad.write_text(apollo_manifest(LOGIN, ME))
    assert (
        "Registered 1 document(s) from partner.json (1 already registered)"
        in alveole("documents", "register", str(bad), env=env).stdout
    )
    listed = alveole("documents", "list", env=env).stdout.splitlines()
    assert [line.split()[0] for line in listed] == [f"sha256:{sha256_of(b)}" for b in (ME, CONTACTS, LOGIN)]
    assert listed[2].split()[1] == "Login" and listed[2].endswith("partner.json")


# -- requests by id ---------------------------------------------------------------------------------------


async def test_a_registered_document_runs_by_its_id(client, world: World) -> None:
    dpo = world.tokens["dpo"]
    expected = {"data": {"me": {"email": world.users["dpo"].email, "role": "DPO"}}}
    assert await answer(client, {"documentId": f"sha256:{sha256_of(ME)}"}, dpo) == expected
    assert await answer(client, {"documentId": sha256_of(ME)}, dpo) == expected  # GraphQL Codegen's bare hash
    apollo = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(ME)}}}
    assert await answer(client, apollo, dpo) == expected
    page = await answer(client, {"documentId": f"sha256:{sha256_of(CONTACTS)}", "variables": {"n": 2}}, dpo)
    assert len(page["data"]["contacts"]["edges"]) == 2
    # Trusted says what may be asked, not who may ask: the fields' authorization still applies.
    assert code_of(await answer(client, {"documentId": f"sha256:{sha256_of(ME)}"})) == "UNAUTHENTICATED"


async def test_unknown_ids_and_mixed_requests_are_request_errors(client, world: World) -> None:
    dpo = world.tokens["dpo"]
    unknown = {"documentId": f"sha256:{'a' * 64}"}
    assert code_of(await answer(client, unknown, dpo)) == "PERSISTED_QUERY_NOT_FOUND"
    assert code_of(await answer(client, {"documentId": "md5:abc"}, dpo)) == "PERSISTED_QUERY_NOT_FOUND"
    response = await send(client, unknown, dpo, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400 and "data" not in response.json()
    both = {"documentId": f"sha256:{sha256_of(ME)}", "query": ME}
    assert "either" in (await answer(client, both, dpo))["errors"][0]["message"]
    mismatch = {"query": CONTACTS, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(ME)}}}
    assert code_of(await answer(client, mismatch, dpo)) == "BAD_USER_INPUT"
    # Apollo's retry after PERSISTED_QUERY_NOT_FOUND: the text with its hash, run as any free-form document.
    retry = {"query": "{ __typename }", "extensions": {"persistedQuery": {"sha256Hash": sha256_of("{ __typename }")}}}
    assert await answer(client, retry, dpo) == {"data": {"__typename": "Query"}}


async def test_a_registered_document_is_parsed_and_validated_once(client, world: World, monkeypatch) -> None:
    import schema.guards
    import schema.trusted_documents as trusted

    calls: dict[str, int] = {"parse": 0, "find": 0, "validate": 0}

    def counting(name: str, original: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return original(*args, **kwargs)

        return counted

    monkeypatch.setattr(trusted, "parse", counting("parse", trusted.parse))
    monkeypatch.setattr(trusted.trusted_documents, "find", counting("find", trusted.trusted_documents.find))
    validation_init = schema.guards.Validation.__init__

    def counting_validation(self: Any, *args: Any, **kwargs: Any) -> None:
        validation_init(self, *args, **kwargs)
        self.cached_validate_document = counting("validate", self.cached_validate_document)

    monkeypatch.setattr(schema.guards.Validation, "__init__", counting_validation)
    body = {"documentId": f"sha256:{sha256_of(CONTACTS)}", "variables": {"n": 1}}
    for n in (1, 2, 3):
        body["variables"] = {"n": n}
        assert len((await answer(client, body, world.tokens["dpo"]))["data"]["contacts"]["edges"]) == n
    assert calls == {"parse": 1, "find": 1, "validate": 0}  # once for the process, on first use
    await answer(client, {"query": "{ __typename }"}, world.tokens["dpo"])
    assert calls["validate"] == 1  # control: a free-form document is validated


# -- keys limited to trusted documents ----------------------------------------------------------------------


async def test_a_key_limited_to_trusted_documents_sends_nothing_else(client, world: World) -> None:
    created = await client.data(
        'mutation { createApiKey(name: "Newsletter", scopes: [READ_CONTACTS], trustedDocumentsOnly: true)'
        " { secret apiKey { trustedDocumentsOnly } } }",
        token=world.tokens["admin"],
    )
    key = created["createApiKey"]["secret"]
    assert created["createApiKey"]["apiKey"]["trustedDocumentsOnly"] is True
    free_form = await answer(client, {"query": "query Contacts($n: Int!) { contacts(first: $n) { totalCount } }"}, key)
    assert code_of(free_form) == "FORBIDDEN" and "trusted documents only" in free_form["errors"][0]["message"]
    by_id = {"documentId": f"sha256:{sha256_of(CONTACTS)}", "variables": {"n": 5}}
    assert len((await answer(client, by_id, key))["data"]["contacts"]["edges"]) == 1  # its one AGENCY contact
    same_text = {"query": CONTACTS, "variables": {"n": 5}}  # a registered document's exact text is that document
    assert (await answer(client, same_text, key))["data"] == (await answer(client, by_id, key))["data"]


# -- ALVEOLE_TRUSTED_DOCUMENTS ----------------------------------------------------------------------------


@pytest.mark.parametrize("settings", ["required"], indirect=True)
async def test_required_lets_only_the_signed_in_dpo_send_free_form_documents(client, world: World) -> None:
    free_form = {"query": "{ me { role } }"}
    assert (await answer(client, free_form, world.tokens["dpo"]))["data"] == {"me": {"role": "DPO"}}
    for position in ("owner", "admin"):
        assert code_of(await answer(client, free_form, world.tokens[position])) == "FORBIDDEN", position
    response = await send(client, free_form, world.tokens["owner"], accept=GRAPHQL_RESPONSE)
    assert response.status_code == 403
    assert code_of(await answer(client, free_form)) == "FORBIDDEN"  # anonymous

    owner = world.users["owner"]
    by_id = {"documentId": f"sha256:{sha256_of(ME)}"}
    assert (await answer(client, by_id, world.tokens["owner"]))["data"]["me"]["email"] == owner.email
    login = {"documentId": f"sha256:{sha256_of(LOGIN)}", "variables": {"email": owner.email, "password": "wrong-one"}}
    assert (await answer(client, login))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # it ran


@pytest.mark.parametrize("settings", ["required"], indirect=True)
async def test_the_consoles_own_documents_are_trusted(client, world: World) -> None:
    """The DPO signs in to the console (or the dashboard) where only trusted documents run: the sign-in bar's
    documents are trusted."""
    login, logout, me = sign_in_documents()
    dpo = world.users["dpo"]
    body = await answer(client, {"query": login, "variables": {"email": dpo.email, "password": PASSWORD}})
    token = body["data"]["login"]["token"]
    assert (await answer(client, {"query": me}, token))["data"]["me"]["role"] == "DPO"
    assert (await answer(client, {"query": logout}, token))["data"] == {"logout": True}
    script = (Path(__file__).parents[1] / "app" / "static" / "signin.js").read_text()
    for name in ("login", "logout", "me"):
        assert f"post(DOCUMENTS.{name}" in script


@pytest.mark.parametrize("settings", ["off"], indirect=True)
async def test_off_refuses_ids_and_keys_limited_to_them(client, world: World) -> None:
    by_id = {"documentId": f"sha256:{sha256_of(ME)}"}
    assert code_of(await answer(client, by_id, world.tokens["dpo"])) == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert (await answer(client, {"query": ME}, world.tokens["owner"]))["data"]["me"]["role"] == "ADVISOR"
    created = await client.data(
        'mutation { createApiKey(name: "K", scopes: [READ_CONTACTS], trustedDocumentsOnly: true) { secret } }',
        token=world.tokens["admin"],
    )
    refused = await answer(client, {"query": CONTACTS, "variables": {"n": 1}}, created["createApiKey"]["secret"])
    assert code_of(refused) == "FORBIDDEN" and "off on this server" in refused["errors"][0]["message"]


def test_the_setting_is_checked() -> None:
    from app.settings import SettingsError, load

    assert load({"ALVEOLE_SECRET_KEY": "k" * 40, "ALVEOLE_DATABASE_URL": "postgres://x/y"}).trusted_documents == (
        "allowed"
    )
    with pytest.raises(SettingsError, match="ALVEOLE_TRUSTED_DOCUMENTS must be one of off, allowed, required"):
        load(
            {
                "ALVEOLE_TRUSTED_DOCUMENTS": "sometimes",
                "ALVEOLE_SECRET_KEY": "k" * 40,
                "ALVEOLE_DATABASE_URL": "postgres://x/y",
            }
        )
