"""Outside tools against the real server: clairvoyance (schema recovery) and Schemathesis (fuzzing).

Both run against `alveole serve` in a subprocess on a loopback port (tests.live_server), bounded in time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import requests
from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    experimental_execute_incrementally,
    get_introspection_query,
    parse,
)
from graphql.pyutils import Undefined
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from auth.credentials import new_api_key_secret, secret_hash
from models import ApiKey, ConsentRecord, Role, Team, TravelRequest, User
from schema import build_schema
from tests.conftest import POSTGRES_URL
from tests.live_server import LiveServer, live_server, seed
from tests.world import gid, make_world

pytestmark = pytest.mark.slow  # outside tools against live servers: the second stage of .ci/run

CLAIRVOYANCE_SECONDS = 300  # a guard against a hang: a run takes seconds to a minute, more on a busy machine


def schema_words() -> list[str]:
    """Every name of our schema: types, fields, arguments, input fields (what a good word list would hold)."""
    words: set[str] = set()
    for name, type_ in build_schema()._schema.type_map.items():
        if name.startswith("__"):
            continue
        words.add(name)
        if isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            for field_name, field_ in type_.fields.items():
                words.add(field_name)
                words.update(getattr(field_, "args", None) or {})
    return sorted(words)


def our_field_names() -> set[str]:
    schema = build_schema()._schema
    return {
        name
        for type_name, type_ in schema.type_map.items()
        if not type_name.startswith("__")
        and isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType))
        for name in type_.fields
    }


def control_words() -> list[str]:
    """The signed-in control's words: Query's fields with their arguments, and Contact's fields. Enough to show
    that the probe works (it rebuilds Query and Contact from them), without typing every type of the schema,
    which takes clairvoyance minutes on a busy machine. Mutations that run without arguments are left out:
    `logout` would end the session."""
    schema = build_schema()._schema
    words: set[str] = set()
    for type_name in ("Query", "Contact"):
        for name, field_ in schema.type_map[type_name].fields.items():
            words.add(name)
            words.update(field_.args)
    return sorted(words - mutations_runnable_without_arguments())


def mutations_runnable_without_arguments() -> set[str]:
    mutation = build_schema()._schema.mutation_type
    return {
        name
        for name, field_ in mutation.fields.items()
        if not any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in field_.args.values())
    }


# ---------------------------------------------------------------------------------------------------------------
# clairvoyance: rebuilds a schema from validation messages, with introspection off. Its CLI is
# `clairvoyance URL -w WORDLIST -o OUT.json [-d DOCUMENT] [-H 'Name: value']`; it asks
# `query { __typename }` for the root names, then sends buckets of words and reads graphql-core's
# messages ("Cannot query field ...", "Field 'x' of type 'T' must have a selection of subfields").
# ---------------------------------------------------------------------------------------------------------------

# What clairvoyance puts in every output whatever the server: the root types it got from `__typename`
# (Query and Mutation are answered to anyone, as in every GraphQL server) and the scalars it assumes.
ASSUMED_TYPES = {"Query", "Mutation", "Subscription", "String", "ID", "Int", "Float", "Boolean"}


@dataclass
class Recovery:
    types: dict[str, list[str]]  # type name -> field names
    gave_up: bool  # clairvoyance stopped because it could not type a single field
    log: str


def run_clairvoyance(
    server: LiveServer, words: list[str], work: Path, document: str, headers: dict[str, str] | None = None
) -> Recovery:
    wordlist, out = work / "words.txt", work / f"out-{abs(hash((document, str(headers))))}.json"
    wordlist.write_text("\n".join(words) + "\n")
    command = [
        sys.executable,
        "-m",
        "clairvoyance",
        server.graphql_url,
        "-w",
        str(wordlist),
        "-o",
        str(out),
        "-d",
        document,
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=CLAIRVOYANCE_SECONDS, stdin=subprocess.DEVNULL
    )
    log = done.stdout + done.stderr
    if not out.exists():
        # It writes its output after each pass; with nothing written it must have given up on the first one.
        assert done.returncode != 0 and "EndpointError" in log and "Unable to get TypeRef" in log, log[-3000:]
        return Recovery({}, gave_up=True, log=log)
    schema = json.loads(out.read_text())["data"]["__schema"]
    types = {t["name"]: [f["name"] for f in t.get("fields") or []] for t in schema["types"]}
    return Recovery(types, gave_up=False, log=log)


async def test_clairvoyance_recovers_nothing_without_a_login(tmp_path: Path) -> None:
    database_url = f"sqlite://{tmp_path / 'db.sqlite3'}"
    world = await seed(database_url, make_world)
    words = schema_words()
    ours = our_field_names()
    with live_server(database_url, tmp_path) as server:
        for document in ("query { FUZZ }", "mutation { FUZZ }"):
            recovery = run_clairvoyance(server, words, tmp_path, document)
            unexpected_types = set(recovery.types) - ASSUMED_TYPES
            leaked_fields = {f"{t}.{f}" for t, fields in recovery.types.items() for f in fields if f in ours}
            assert not unexpected_types and not leaked_fields, (document, unexpected_types, leaked_fields)

        # Control: the same tool with words of that list, signed in (validation messages are then detailed),
        # does rebuild the schema, so the empty result above is the server's doing, not a broken probe.
        assert set(control_words()) <= set(words)
        recovery = run_clairvoyance(
            server, control_words(), tmp_path, "query { FUZZ }", {"Authorization": f"Bearer {world.tokens['owner']}"}
        )
        assert not recovery.gave_up, recovery.log[-3000:]
        assert "contacts" in recovery.types["Query"] and "Contact" in recovery.types, recovery.types


async def test_anonymous_documents_get_one_answer_whatever_they_name(client) -> None:
    """What the clairvoyance run relies on, checked directly and fast (schema.guards)."""
    world = await make_world()
    refused = [
        await client.post(document)
        for document in (
            "{ contacts }",
            "{ IAmWrongField }",
            "{ me { emial } }",
            "{ contact(id: 1) { id } }",
            "{ ...F } fragment F on Query { users { id } }",
            "mutation { logout createTeam }",
        )
    ]
    assert all(body == refused[0] for body in refused), refused
    assert refused[0]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and "data" not in refused[0]
    invalid_login = await client.post("mutation { login }")
    assert invalid_login["errors"] == [
        {"message": "Refused: the document is not valid (sign in to see why)", "extensions": {"code": "BAD_USER_INPUT"}}
    ]
    assert (await client.post("{ __typename }")) == {"data": {"__typename": "Query"}}
    signed_in = await client.post("{ contacts }", token=world.tokens["owner"])
    assert "ContactConnection" in signed_in["errors"][0]["message"]  # the detail is for signed-in users


# ---------------------------------------------------------------------------------------------------------------
# Schemathesis, GraphQL mode: for every root field, queries and mutations generated from the schema with
# Hypothesis, sent as each role. `schemathesis.graphql.from_asgi` would need the app in Schemathesis'
# own event loop (a Starlette TestClient thread), away from the database connections Tortoise opened
# in ours; a live server has no such problem and runs the real uvicorn stack too.
# ---------------------------------------------------------------------------------------------------------------

# Per operation, role and database. The SQLite and the PostgreSQL runs draw from seeds of their own, so each
# operation is fuzzed with 20 different documents per role across the two (not the same 10 twice).
EXAMPLES_PER_OPERATION = 10
# Each of these checks an argon2id hash (~0.2 s in production, m=64 MiB): fewer examples keep the run short.
EXAMPLES_FOR_SLOW_OPERATIONS = {"Mutation.login": 3, "Mutation.changePassword": 3}
SEEDS = {"sqlite": 1, "postgres": 2}
# Refusals the contract promises, not failures: Schemathesis counts any error with a `path` as a
# server error, and these are the app saying no on purpose.
EXPECTED_REFUSALS = {
    "FORBIDDEN",  # the role or the key's scope may not do this (every role is fuzzed on every operation)
    "NOT_FOUND",  # random or other-agency ids
    "BAD_USER_INPUT",  # random strings, sizes, dates: the message names the field
    "RATE_LIMITED",  # `login` fuzzed many times with wrong passwords
}
# `login` and `changePassword` answer wrong credentials with UNAUTHENTICATED; anywhere else it would mean
# the fuzzing session was lost, which the test checks separately.
UNAUTHENTICATED_EXPECTED_IN = {"Mutation.login", "Mutation.changePassword"}
# Left out: `logout` ends the session the role is fuzzed with (tests/test_sessions.py covers it).
SKIPPED_OPERATIONS = {"Mutation.logout"}
ROLES = ("owner", "read_contacts_key", "dpo", "admin")  # the admin last: it may deactivate the others' accounts


@dataclass
class FuzzTarget:
    database: str  # sqlite or postgres
    server: LiveServer
    tokens: dict[str, str]
    own_ids: dict[str, str]  # role -> its own user id, kept out of its id pool (no self-deactivation)
    ids: list[str] = field(default_factory=list)


async def _fuzz_world() -> tuple[dict[str, str], dict[str, str], list[str]]:
    world = await make_world()
    secret = new_api_key_secret()
    key = await ApiKey.create(
        agency=world.agency, name="partner", secret_hash=secret_hash(secret), scopes="READ_CONTACTS"
    )
    tokens = {
        "owner": world.tokens["owner"],
        "dpo": world.tokens["dpo"],
        "admin": world.tokens["admin"],
        "read_contacts_key": secret,
    }
    own_ids = {role: gid("User", world.users[role].id) for role in ("owner", "dpo", "admin")}
    # Contacts and requests weigh more: most arguments take one of them.
    ids = [gid("Contact", c.id) for c in [*world.contacts.values(), world.foreign_contact]] * 4
    ids += [gid("TravelRequest", r.id) for r in await TravelRequest.all()] * 2
    ids += [gid("ConsentRecord", r.id) for r in await ConsentRecord.all()]
    ids += [gid("User", u.id) for u in await User.filter(role__in=[Role.ADVISOR, Role.DPO, Role.ADMIN])]
    ids += [gid("Team", t.id) for t in await Team.all()]
    ids += [gid("ApiKey", key.id)]
    return tokens, own_ids, ids


@pytest_asyncio.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def fuzz_target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FuzzTarget]:
    work = tmp_path_factory.mktemp("fuzz")
    if request.param == "postgres":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL not configured: set ALVEOLE_TEST_POSTGRES_URL to run this on PostgreSQL")
        database_url = POSTGRES_URL
    else:
        database_url = f"sqlite://{work / 'db.sqlite3'}"
    tokens, own_ids, ids = await seed(database_url, _fuzz_world)
    with live_server(database_url, work) as server:
        yield FuzzTarget(request.param, server, tokens, own_ids, ids)


def _graphql_schema() -> Any:
    import schemathesis

    # Our own introspection, not the server's: graphql-core only runs it with incremental delivery on.
    introspection = experimental_execute_incrementally(
        build_schema()._schema,
        parse(get_introspection_query()),
    )
    return schemathesis.graphql.from_dict(introspection.data)  # type: ignore[union-attr]


def _codes(body: Any) -> list[str | None]:
    if not isinstance(body, dict):
        return []
    return [(error.get("extensions") or {}).get("code") for error in body.get("errors") or []]


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_no_server_error(fuzz_target: FuzzTarget, role: str) -> None:
    import schemathesis
    from schemathesis.graphql import nodes

    # Real ids (every type, so some go to the wrong argument), and junk shaped or not like an id.
    pool = [i for i in fuzz_target.ids if i != fuzz_target.own_ids.get(role)]
    junk = st.sampled_from(["", "0", "Q29udGFjdDo5OTk5OTk5OTk5OTk5OTk5", "Q29udGFjdDotMQ", "%%%", "Contact:1"])
    ids = st.one_of(st.sampled_from(pool), st.sampled_from(pool), st.sampled_from(pool), junk, st.text(max_size=20))
    schemathesis.graphql.scalar("ID", ids.map(nodes.String))
    schema = _graphql_schema()
    headers = {"Authorization": f"Bearer {fuzz_target.tokens[role]}"}
    base_url = fuzz_target.server.graphql_url
    failures: dict[str, str] = {}  # one report per operation and kind of failure

    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.label not in SKIPPED_OPERATIONS:
                _fuzz_operation(operation, session, base_url, headers, failures, SEEDS[fuzz_target.database])
        # The role's credentials still work: the run was not silently fuzzing as an anonymous caller.
        probe = "{ contacts(first: 1) { totalCount } }"
        still = session.post(base_url, json={"query": probe}, headers=headers, timeout=30).json()
    assert "errors" not in still, still
    assert not failures, "Schemathesis found:\n\n" + "\n\n".join(f"{k}\n{v}" for k, v in failures.items())


def _fuzz_operation(
    operation: Any,
    session: requests.Session,
    base_url: str,
    headers: dict[str, str],
    failures: dict[str, str],
    run_seed: int,
) -> None:
    from schemathesis.core.failures import FailureGroup
    from schemathesis.graphql.checks import GraphQLClientError, GraphQLServerError

    label = operation.label
    allowed = EXPECTED_REFUSALS | ({"UNAUTHENTICATED"} if label in UNAUTHENTICATED_EXPECTED_IN else set())

    @hypothesis_seed(run_seed)  # fixed: a run asks what the previous one asked
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_FOR_SLOW_OPERATIONS.get(label, EXAMPLES_PER_OPERATION),
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        # Failures are collected, not raised: no shrinking, a bounded run, and every kind reported at once.
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        try:
            body = response.json()
        except ValueError:
            body = None
        codes = _codes(body)
        if response.status_code >= 500 or "INTERNAL_SERVER_ERROR" in codes:
            failures.setdefault(
                f"{label}: server error", f"{case.body}\n-> {response.status_code} {response.text[:800]}"
            )
            return
        try:
            case.validate_response(response, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                if isinstance(failure, (GraphQLServerError, GraphQLClientError)) and codes and set(codes) <= allowed:
                    continue  # a refusal the contract promises (see EXPECTED_REFUSALS)
                failures.setdefault(
                    f"{label}: {type(failure).__name__}",
                    f"{case.body}\n-> {response.status_code} {response.text[:800]}",
                )

    fuzz()


@pytest.fixture(autouse=True)
def _restore_schemathesis_scalars() -> Iterator[None]:
    yield
    try:
        from schemathesis.specs.graphql.scalars import CUSTOM_SCALARS
    except ImportError:
        return
    CUSTOM_SCALARS.pop("ID", None)
