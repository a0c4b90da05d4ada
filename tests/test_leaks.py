"""Leak tests: every query the schema offers, run as every outsider, never shows a hidden contact's data."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, is_leaf_type
from graphql.pyutils import Undefined

from app.settings import Settings
from auth.enforce import api_key_refused_field
from auth.policy import API_KEY_STAFF_FIELDS
from models import Role, SubjectRequest, User, Visibility
from schema import build_schema
from tests.conftest import make_settings
from tests.world import World, gid, make_web_request, make_world, personal_values

DEPTH = 5
PROBE_COST = 10**9
OUTSIDERS_OF_ADVISOR_CONTACT = ["mate", "other_team", "no_team", "admin", "foreign_dpo", "foreign_advisor"]


class EnumValue(str):
    """An argument written bare in a document (an enum value), not as a JSON string."""


# Required arguments that are no id: the marketing feed's purpose and date.
OTHER_ARGUMENTS = {"purpose": EnumValue("NEWSLETTER"), "since": "2000-01-01T00:00:00+00:00"}


def literal(value: object) -> str:
    return str(value) if isinstance(value, EnumValue) else json.dumps(value)


def _named(t):
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        t = t.of_type
    return t


def selection(t: GraphQLObjectType, depth: int, allowed: Callable[[str, str], bool] = lambda t, f: True) -> str:
    """Every field of `t` reachable to `depth` levels (that `allowed(type name, field name)`)."""
    parts = []
    for name, field in t.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in field.args.values()):
            continue
        if not allowed(t.name, name):
            continue
        target = _named(field.type)
        if is_leaf_type(target):
            parts.append(name)
        elif depth > 0 and isinstance(target, GraphQLObjectType):
            inner = selection(target, depth - 1, allowed)
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
def settings(database_url: str, fast_execution: bool) -> Settings:
    """The probes select every field DEPTH levels down, lists in lists: the cost guard (tests/test_cost.py) would
    refuse most of them, and a refused probe shows nothing, so leaks nothing. Over this small world they run whole."""
    return make_settings(database_url, fast_execution=fast_execution, max_query_cost=PROBE_COST)


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
    schema = build_schema()._schema
    documents = root_queries(schema, args)
    documents["travelRequestsOfContact"] = (
        f'{{ travelRequests(filter: {{contactId: "{contact_id}"}}) '
        "{ edges { node { notes travelers { firstName lastName } "
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
            'mutation($id: ID!) { createTravelRequest(input: {contactId: $id, destination: "Oslo"}) '
            "{ notes contact { firstName } } }",
            {"id": contact_id},
        ),
        (
            "mutation($id: ID!) { recordConsent(input: "
            '{contactId: $id, purpose: NEWSLETTER, granted: true, source: "s", wording: "w"}) { id } }',
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
    schema = build_schema()._schema
    documents = root_queries(schema, {"*": {"id": contact_id, "contactId": contact_id}})
    body = await client.post(documents["contact"], token=world.tokens["owner"])
    text = json.dumps(body, ensure_ascii=False)
    assert all(value in text for value in [hidden.first_name, hidden.email, "ReqNoteXADVISORQ0", "VoyageurXADVISORQ"])
    query = "query($s: String) { contacts(search: $s) { totalCount edges { node { id } } } }"
    for term in ("prénomxadvisorq", hidden.email.upper(), hidden.phone.replace(" ", "")):
        data = await client.data(query, {"s": term}, world.tokens["owner"])
        assert data["contacts"]["totalCount"] == 1, term


@pytest.mark.parametrize("outsider", OUTSIDERS_OF_ADVISOR_CONTACT)
async def test_no_query_reveals_a_hidden_contacts_note_findings(client, world: World, outsider: str) -> None:
    """Findings are personal: every query, sensitiveNotes included, keeps them from whoever may not see the notes."""
    hidden = world.contacts[Visibility.ADVISOR]
    contact_id = gid("Contact", hidden.id)
    request = await hidden.requests.all().first()
    patch = 'mutation($id: ID!) { updateContact(id: $id, patch: {notes: "Diabétique, repas halal"}) { id } }'
    await client.data(patch, {"id": contact_id}, world.tokens["owner"])
    patch = 'mutation($id: ID!) { updateTravelRequest(id: $id, patch: {notes: "Syndicaliste CGT"}) { id } }'
    await client.data(patch, {"id": gid("TravelRequest", request.id)}, world.tokens["owner"])
    schema = build_schema()._schema
    args = {
        "*": {"id": contact_id, "contactId": contact_id},
        "travelRequest": {"id": gid("TravelRequest", request.id)},
        "travelRequests": {"filter": None},
    }
    documents = root_queries(schema, args)
    assert "noteFindings" in documents["contact"] and "sensitiveNotes" in documents
    words = ("Diabétique", "halal", "Syndicaliste")
    for name, document in documents.items():
        body = await client.post(document, token=world.tokens[outsider])
        text = json.dumps(body, ensure_ascii=False)
        assert not any(word in text for word in words), f"{name} as {outsider} leaked: {text[:500]}"
        if name == "contact" and not outsider.startswith("foreign"):
            assert body["data"]["contact"]["noteFindings"] is None
        if name == "complianceReport" and outsider == "foreign_dpo":  # counts of its own agency only
            assert all(c["count"] == 0 for c in body["data"]["complianceReport"]["noteFindingsByCategory"])
    # Control: the owner and the DPO do see them.
    for insider in ("owner", "dpo"):
        text = json.dumps(await client.post(documents["contact"], token=world.tokens[insider]), ensure_ascii=False)
        assert all(word in text for word in ("Diabétique", "halal", "Syndicaliste")), insider
    listed = await client.post(documents["sensitiveNotes"], token=world.tokens["dpo"])
    assert "Syndicaliste" in json.dumps(listed, ensure_ascii=False)


async def test_a_key_sees_staff_as_ids_and_names_only(client, world: World) -> None:
    """Keys read contacts (AGENCY ones): their owners, teams and advisors show ids and names, nothing else. Every
    other staff field, anywhere in a document, refuses the whole document up front."""
    created = await client.data(
        'mutation { createApiKey(name: "crm", scopes: [READ_CONTACTS]) { secret } }', token=world.tokens["admin"]
    )
    secret = created["createApiKey"]["secret"]
    schema = build_schema()._schema
    shared = gid("Contact", world.contacts[Visibility.AGENCY].id)
    roots = {"contacts": "contacts", "contact": f'contact(id: "{shared}")'}
    staff_values = [u.email for u in await User.all()] + [role.value for role in Role]

    def allowed(type_name: str, field: str) -> bool:
        return api_key_refused_field(type_name, field) is None

    for root, call in roots.items():
        target = _named(schema.query_type.fields[root].type)
        readable = await client.data(f"{{ {call} {{ {selection(target, DEPTH, allowed)} }} }}", token=secret)
        text = json.dumps(readable, ensure_ascii=False)
        assert "PrenomXAGENCYQ" in text and world.users["owner"].name in text  # names are there
        for value in staff_values:
            assert value not in text, f"{root} showed {value!r} to a key"
        everything = await client.post(f"{{ {call} {{ {selection(target, DEPTH)} }} }}", token=secret)
        assert "data" not in everything and everything["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for type_name, readable_fields in API_KEY_STAFF_FIELDS.items():
        for field in set(schema.type_map[type_name].fields) - readable_fields:
            inner = (
                field if is_leaf_type(_named(schema.type_map[type_name].fields[field].type)) else f"{field} {{ id }}"
            )
            owner = f"owner {{ {inner} }}" if type_name == "User" else f"team {{ {inner} }}"
            body = await client.post(f"{{ contacts {{ edges {{ node {{ id {owner} }} }} }} }}", token=secret)
            assert "data" not in body, body
            assert body["errors"] == [
                {"message": f"Refused: {api_key_refused_field(type_name, field)}", "extensions": {"code": "FORBIDDEN"}}
            ]


async def test_admin_tries_to_become_more(client, world: World) -> None:
    """An ADMIN appointing a DPO it could sign in as, promoting itself, joining the owner's team, or making a
    helper ADMIN inside it: each refused, and afterwards no query shows it the ADVISOR or TEAM contacts' data."""
    admin, team = world.tokens["admin"], gid("Team", world.team_a.id)
    me = gid("User", world.users["admin"].id)
    password = "a-long-enough-passphrase"
    create = (
        "mutation($e: String!, $r: Role!, $t: ID, $p: String!) "
        '{ createUser(email: $e, name: "S", password: $p, role: $r, teamId: $t) { id } }'
    )
    attempts = [
        (create, {"e": "shadow@1.test", "r": "DPO", "t": None, "p": password}),
        (create, {"e": "helper@1.test", "r": "ADMIN", "t": team, "p": password}),
        ("mutation($u: ID!) { setUserRole(userId: $u, role: DPO) { role } }", {"u": me}),
        ("mutation($u: ID!, $t: ID) { setUserTeam(userId: $u, teamId: $t) { team { name } } }", {"u": me, "t": team}),
        (
            "mutation($u: ID!) { setUserRole(userId: $u, role: DPO) { role } }",
            {"u": gid("User", world.users["no_team"].id)},
        ),
        ("mutation($u: ID!) { deactivateUser(userId: $u) { active } }", {"u": gid("User", world.users["dpo"].id)}),
    ]
    for document, variables in attempts:
        body = await client.post(document, variables, admin)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (document, body)
    login = await client.post(
        'mutation($p: String!) { login(email: "shadow@1.test", password: $p) { token } }', {"p": password}
    )
    assert login["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await User.filter(role=Role.DPO, agency_id=world.agency.id).count() == 1
    assert (await User.get(id=world.users["admin"].id)).team_id is None
    hidden = [world.contacts[Visibility.ADVISOR], world.contacts[Visibility.TEAM]]
    contact_id = gid("Contact", hidden[1].id)
    request = await hidden[1].requests.all().first()
    args = {
        "*": {"id": contact_id, "contactId": contact_id},
        "travelRequest": {"id": gid("TravelRequest", request.id)},
        "contacts": {"search": hidden[1].last_name},
    }
    schema = build_schema()._schema
    for name, document in root_queries(schema, args).items():
        text = json.dumps(await client.post(document, token=admin), ensure_ascii=False)
        for contact in hidden:
            for value in personal_values(contact):
                assert value not in text, f"{name} showed the ADMIN {value!r}"


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
