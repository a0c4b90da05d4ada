"""Leak tests: every query the schema offers, run as every outsider, never shows a hidden contact's data."""

from __future__ import annotations

import json

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, is_leaf_type
from graphql.pyutils import Undefined

from models import SubjectRequest, Visibility
from schema import build_schema
from tests.world import World, gid, make_web_request, make_world, personal_values

DEPTH = 5
OUTSIDERS_OF_ADVISOR_CONTACT = ["mate", "other_team", "no_team", "admin", "foreign_dpo", "foreign_advisor"]


class EnumValue(str):
    """An argument written bare in a document (an enum value), not as a JSON string."""


# Required arguments that are no id: the marketing feed's purpose and date.
OTHER_ARGUMENTS = {"purpose": EnumValue("NEWSLETTER"), "since": "2000-01-01T00:00:00+00:00"}


def literal(value: object) -> str:
    return str(value) if isinstance(value, EnumValue) else json.dumps(value)


def _named(t):  # type: ignore[no-untyped-def]
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        t = t.of_type
    return t


def selection(t: GraphQLObjectType, depth: int) -> str:
    parts = []
    for name, field in t.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in field.args.values()):
            continue
        target = _named(field.type)
        if is_leaf_type(target):
            parts.append(name)
        elif depth > 0 and isinstance(target, GraphQLObjectType):
            inner = selection(target, depth - 1)
            if inner:
                parts.append(f"{name} {{ {inner} }}")
    return " ".join(parts)


def root_queries(schema: GraphQLSchema, args: dict[str, str]) -> dict[str, str]:
    """One document per root query field, with every field reachable to DEPTH levels."""
    documents = {}
    for name, field in schema.query_type.fields.items():  # type: ignore[union-attr]
        arguments = []
        for arg_name, arg in field.args.items():
            if arg_name in args.get(name, {}):
                arguments.append(f"{arg_name}: {literal(args[name][arg_name])}")
            elif isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined:
                arguments.append(f"{arg_name}: {literal({**OTHER_ARGUMENTS, **args['*']}[arg_name])}")
        target = _named(field.type)
        call = f"{name}({', '.join(arguments)})" if arguments else name
        body = f" {{ {selection(target, DEPTH)} }}" if isinstance(target, GraphQLObjectType) else ""
        documents[name] = f"{{ {call}{body} }}"
    return documents


@pytest.fixture
async def world(client) -> World:
    return await make_world()


@pytest.mark.parametrize("outsider", OUTSIDERS_OF_ADVISOR_CONTACT)
async def test_no_query_reveals_a_hidden_contact(client, world: World, outsider: str) -> None:
    hidden = world.contacts[Visibility.ADVISOR]
    request = await hidden.requests.all().first()
    contact_id = gid("Contact", hidden.id)
    args = {
        "*": {"id": contact_id, "contactId": contact_id},
        "travelRequest": {"id": gid("TravelRequest", request.id)},
        "contacts": {"search": hidden.last_name},
        "travelRequests": {"filter": None},
    }
    schema = build_schema()._schema  # type: ignore[attr-defined]
    documents = root_queries(schema, args)
    documents["travelRequestsOfContact"] = (
        f'{{ travelRequests(filter: {{contactId: "{contact_id}"}}) {{ edges {{ node {{ notes travelers {{ firstName lastName }} '
        f"contact {{ firstName lastName email phone notes address consents {{ purpose }} }} }} }} }} }}"
    )
    secrets = personal_values(hidden)
    assert len(documents) >= 10
    for name, document in documents.items():
        body = await client.post(document, token=world.tokens[outsider])
        if name in ("contact", "travelRequest") and not outsider.startswith("foreign"):
            assert body["data"][name]["id"], body  # listed, but masked
        text = json.dumps(body, ensure_ascii=False)
        for value in secrets:
            assert value not in text, f"{name} as {outsider} leaked {value!r}: {text[:500]}"


@pytest.mark.parametrize("outsider", OUTSIDERS_OF_ADVISOR_CONTACT)
async def test_refused_mutations_do_not_leak_in_errors(client, world: World, outsider: str) -> None:
    hidden = world.contacts[Visibility.ADVISOR]
    contact_id = gid("Contact", hidden.id)
    attempts = [
        ('mutation($id: ID!) { updateContact(id: $id, patch: {notes: "x"}) { notes firstName } }', {"id": contact_id}),
        (
            'mutation($id: ID!) { createTravelRequest(input: {contactId: $id, destination: "Oslo"}) { notes contact { firstName } } }',
            {"id": contact_id},
        ),
        (
            'mutation($id: ID!) { recordConsent(input: {contactId: $id, purpose: NEWSLETTER, granted: true, source: "s", wording: "w"}) { id } }',
            {"id": contact_id},
        ),
        ("query($id: ID!) { consentHistory(contactId: $id) { wording source } }", {"id": contact_id}),
        ("mutation($id: ID!) { setContactVisibility(id: $id, visibility: AGENCY) { firstName } }", {"id": contact_id}),
    ]
    for document, variables in attempts:
        body = await client.post(document, variables, world.tokens[outsider])
        assert body.get("errors"), (document, body)
        assert body["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND")
        text = json.dumps(body, ensure_ascii=False)
        for value in personal_values(hidden):
            assert value not in text
    await hidden.refresh_from_db()
    assert hidden.notes == "NoteXADVISORQ" and hidden.visibility == Visibility.ADVISOR


@pytest.mark.parametrize("outsider", OUTSIDERS_OF_ADVISOR_CONTACT)
async def test_search_is_no_oracle(client, world: World, outsider: str) -> None:
    hidden = world.contacts[Visibility.ADVISOR]
    token = world.tokens[outsider]
    query = "query($s: String) { contacts(search: $s) { totalCount edges { node { id } } } }"
    for term in (
        hidden.first_name,
        hidden.last_name.lower(),
        hidden.email,
        hidden.phone,
        hidden.phone.replace(" ", ""),
    ):
        data = await client.data(query, {"s": term}, token)
        assert gid("Contact", hidden.id) not in json.dumps(data)
        assert data["contacts"]["totalCount"] == 0


async def test_the_probes_do_see_what_the_owner_may_see(client, world: World) -> None:
    """Control: the same documents and searches, as the owner, do show the values the outsiders never get."""
    hidden = world.contacts[Visibility.ADVISOR]
    contact_id = gid("Contact", hidden.id)
    schema = build_schema()._schema  # type: ignore[attr-defined]
    documents = root_queries(schema, {"*": {"id": contact_id, "contactId": contact_id}})
    body = await client.post(documents["contact"], token=world.tokens["owner"])
    text = json.dumps(body, ensure_ascii=False)
    assert all(value in text for value in [hidden.first_name, hidden.email, "ReqNoteXADVISORQ0", "VoyageurXADVISORQ"])
    query = "query($s: String) { contacts(search: $s) { totalCount edges { node { id } } } }"
    for term in ("prénomxadvisorq", hidden.email.upper(), hidden.phone.replace(" ", "")):
        data = await client.data(query, {"s": term}, world.tokens["owner"])
        assert data["contacts"]["totalCount"] == 1, term


# -- the data subject's door: what a person typed into the website, and the mails to them -------------------

REQUESTER = {"email": "requester.secret@leak-probe.example", "name": "Requesterfirst Requesterlast"}
REQUESTER_MESSAGE = "MessageOnlyTheDpoReads"
MAIL_BODY = "MailBodyNobodyReads"
DOOR_QUERIES = [
    "{ subjectRequests { id reference requesterEmail requesterName message deliveries { id } } }",
    "{ subjectRequests(verifiedOnly: true) { requesterEmail requesterName message } }",
    "{ outbox { id to subject status lastError } }",
    "{ personalDataInventory { entity field } }",
]


async def web_request_with_a_mail(world: World) -> SubjectRequest:
    body = f"{MAIL_BODY} {REQUESTER['name']}"
    return await make_web_request(world.agency, REQUESTER["email"], REQUESTER["name"], REQUESTER_MESSAGE, body)


@pytest.mark.parametrize(
    "outsider", ["owner", "mate", "no_team", "admin", "foreign_dpo", "foreign_advisor", "anonymous", "api_key"]
)
async def test_requesters_and_mails_stay_with_the_dpo(client, world: World, outsider: str) -> None:
    request = await web_request_with_a_mail(world)
    if outsider == "anonymous":
        token = None
    elif outsider == "api_key":
        key = await client.data(
            'mutation { createApiKey(name: "all scopes", scopes: [INTAKE, READ_CONTACTS]) { secret } }',
            token=world.tokens["dpo"],
        )
        token = key["createApiKey"]["secret"]
    else:
        token = world.tokens[outsider]
    request_id = gid("SubjectRequest", request.id)
    attempts = [
        *DOOR_QUERIES,
        f'mutation {{ closeSubjectRequest(id: "{request_id}", status: DONE) '
        "{ requesterEmail requesterName message } }",
        f'mutation {{ linkSubjectRequest(id: "{request_id}", contactId: "{gid("Contact", world.foreign_contact.id)}") '
        "{ requesterEmail message } }",
        f'mutation {{ deliverSubjectAccessExport(requestId: "{request_id}") {{ id }} }}',
    ]
    secrets = [REQUESTER["email"], REQUESTER["name"], "Requesterfirst", REQUESTER_MESSAGE, MAIL_BODY]
    for document in attempts:
        body = await client.post(document, token=token)
        text = json.dumps(body, ensure_ascii=False)
        for value in secrets:
            assert value not in text, f"{document} as {outsider} leaked {value!r}: {text[:500]}"
    # The person's pages answer nothing without their link's secret.
    for path in ("/requests/confirm/guess", f"/delivery/{request.reference}", "/delivery/guess/json"):
        response = await client.http.request("POST" if path.endswith("json") else "GET", path)
        assert response.status_code == 404 and not any(value in response.text for value in secrets)
    assert (await SubjectRequest.get(id=request.id)).status == "OPEN"


async def test_the_dpo_does_see_the_requester_but_never_a_mail_body(client, world: World) -> None:
    """Control: the same documents as the DPO show what the outsiders never get, but no mail body to anyone."""
    await web_request_with_a_mail(world)
    text = ""
    for document in DOOR_QUERIES:
        text += json.dumps(await client.data(document, token=world.tokens["dpo"]), ensure_ascii=False)
    assert REQUESTER["email"] in text and REQUESTER["name"] in text and REQUESTER_MESSAGE in text
    assert MAIL_BODY not in text
