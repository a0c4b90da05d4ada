"""submitContactForm: a prospect, its request and its consent proofs from a website, in one transaction."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from models import AuditEvent, ConsentRecord, Contact, Traveler, TravelRequest, User
from resolvers.ids import decode_id
from tests.world import World, gid, make_world

SUBMIT = "mutation($input: ContactFormInput!) { submitContactForm(input: $input) }"
CREATE_KEY = "mutation($n: String!, $s: [ApiScope!]!) { createApiKey(name: $n, scopes: $s) { secret apiKey { id } } }"
FORM: dict[str, Any] = {
    "firstName": "Ottilie",
    "lastName": "Vandersteen-Intake",
    "email": "Ottilie.V@Example.NET",
    "phone": "+32 470 12 34 56",
    "destination": "Lofoten",
    "departureDate": "2031-06-14",
    "travelerCount": 3,
    "message": "Nous aimerions voir les aurores.\nMerci !",
    "sourceUrl": "https://agence-a.example/contact",
    "consents": [
        {"purpose": "MARKETING_EMAIL", "granted": True, "wording": "J'accepte de recevoir des offres par e-mail."},
        {"purpose": "PARTNER_SHARING", "granted": False, "wording": "J'accepte le partage avec nos partenaires."},
    ],
}
DETAILS = """query($id: ID!, $c: ID!) {
  travelRequest(id: $id) {
    status destination departureDate travelerCount notes advisor { email } travelers { firstName }
    contact { id kind visibility restricted firstName lastName email phone owner { email } team { name }
              consents { purpose granted } }
  }
  consentHistory(contactId: $c) { purpose granted source wording recordedBy }
}"""


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def make_key(client, world: World, scopes: list[str], name: str = "Site web") -> dict:
    return (await client.data(CREATE_KEY, {"n": name, "s": scopes}, world.tokens["admin"]))["createApiKey"]


async def counts() -> tuple[int, ...]:
    return (
        await Contact.all().count(),
        await TravelRequest.all().count(),
        await Traveler.all().count(),
        await ConsentRecord.all().count(),
        await AuditEvent.filter(action="INTAKE").count(),
    )


async def submit(client, secret: str, form: dict[str, Any] = FORM) -> int:
    request_id = (await client.data(SUBMIT, {"input": form}, secret))["submitContactForm"]
    return decode_id("TravelRequest", request_id)


async def test_a_form_creates_a_prospect_its_request_and_its_consents(client, world: World) -> None:
    secret = (await make_key(client, world, ["INTAKE"]))["secret"]
    request_id = await submit(client, secret)
    request = await TravelRequest.get(id=request_id)
    contact_id = gid("Contact", request.contact_id)
    data = await client.data(DETAILS, {"id": gid("TravelRequest", request_id), "c": contact_id}, world.tokens["dpo"])

    mate = world.users["mate"]  # the active advisor with the fewest contacts, lowest id first
    assert data["travelRequest"] == {
        "status": "NEW",
        "destination": "Lofoten",
        "departureDate": "2031-06-14",
        "travelerCount": 3,
        "notes": "Nous aimerions voir les aurores.\nMerci !",
        "advisor": {"email": mate.email},
        "travelers": [],
        "contact": {
            "id": contact_id,
            "kind": "PROSPECT",
            "visibility": "ADVISOR",
            "restricted": False,
            "firstName": "Ottilie",
            "lastName": "Vandersteen-Intake",
            "email": "ottilie.v@example.net",
            "phone": "+32 470 12 34 56",
            "owner": {"email": mate.email},
            "team": {"name": "Team A"},
            "consents": [
                {"purpose": "MARKETING_EMAIL", "granted": True},
                {"purpose": "PARTNER_SHARING", "granted": False},
            ],
        },
    }
    assert data["consentHistory"] == [
        {
            "purpose": "MARKETING_EMAIL",
            "granted": True,
            "source": "https://agence-a.example/contact",
            "wording": "J'accepte de recevoir des offres par e-mail.",
            "recordedBy": "api-key:Site web",
        },
        {
            "purpose": "PARTNER_SHARING",
            "granted": False,
            "source": "https://agence-a.example/contact",
            "wording": "J'accepte le partage avec nos partenaires.",
            "recordedBy": "api-key:Site web",
        },
    ]
    # Searchable by the owner like any contact.
    found = await client.data('{ contacts(search: "vandersteen") { totalCount } }', token=world.tokens["mate"])
    assert found["contacts"]["totalCount"] == 1

    event = await AuditEvent.get(action="INTAKE")
    assert event.agency_id == world.agency.id
    assert (event.actor, event.contact_ref) == ("api-key:Site web", contact_id)
    assert event.detail == f"request {request_id}, 2 consent records"


async def test_the_agency_default_visibility_applies(client, world: World) -> None:
    await client.data("mutation { updateAgencySettings(defaultVisibility: TEAM) { id } }", token=world.tokens["dpo"])
    secret = (await make_key(client, world, ["INTAKE"]))["secret"]
    request = await TravelRequest.get(id=await submit(client, secret, {**FORM, "consents": []}))
    contact = await Contact.get(id=request.contact_id)
    assert contact.visibility == "TEAM" and contact.kind == "PROSPECT"
    assert await ConsentRecord.filter(contact_id=contact.id).count() == 0


async def test_intake_spreads_prospects_over_active_advisors(client, world: World) -> None:
    secret = (await make_key(client, world, ["INTAKE"]))["secret"]

    async def owner_of_next() -> str:
        request = await TravelRequest.get(id=await submit(client, secret)).prefetch_related("contact__owner")
        assert request.advisor_id == request.contact.owner_id
        return next(p for p, u in world.users.items() if u.id == request.contact.owner.id)

    # owner already has 3 contacts; mate, other_team and no_team none: fewest first, ties by lowest id.
    assert [await owner_of_next() for _ in range(4)] == ["mate", "other_team", "no_team", "mate"]

    await User.filter(id__in=[world.users[p].id for p in ("mate", "other_team", "no_team")]).update(active=False)
    assert await owner_of_next() == "owner"  # deactivated advisors are skipped, even with fewer contacts

    await User.filter(id=world.users["owner"].id).update(active=False)
    assert await owner_of_next() == "admin"  # no active advisor left: the lowest-id active DPO or ADMIN

    await User.filter(agency_id=world.agency.id).update(active=False)
    before = await counts()
    assert await client.error_code(SUBMIT, {"input": FORM}, secret) == "FORBIDDEN"  # nobody could own it
    assert await counts() == before


async def test_only_a_live_intake_key_may_submit(client, world: World) -> None:
    intake = await make_key(client, world, ["INTAKE"])
    reader = await make_key(client, world, ["READ_CONTACTS"], name="CRM sync")
    before = await counts()
    await client.data(
        "mutation($id: ID!) { revokeApiKey(id: $id) { revoked } }",
        {"id": intake["apiKey"]["id"]},
        world.tokens["admin"],
    )
    variables = {"input": FORM}
    assert await client.error_code(SUBMIT, variables, intake["secret"]) == "UNAUTHENTICATED"  # revoked
    assert await client.error_code(SUBMIT, variables, reader["secret"]) == "FORBIDDEN"  # wrong scope
    assert await client.error_code(SUBMIT, variables, "alv_key_" + "A" * 43) == "UNAUTHENTICATED"  # bogus
    assert await client.error_code(SUBMIT, variables) == "UNAUTHENTICATED"
    for position in ("dpo", "admin", "owner"):  # users post through createContact, not the form
        assert await client.error_code(SUBMIT, variables, world.tokens[position]) == "FORBIDDEN"
    assert await counts() == before


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    form = copy.deepcopy(FORM)
    target: Any = form
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return form


BAD_INPUTS = [
    (("firstName",), "   ", "firstName"),
    (("lastName",), "x" * 101, "lastName"),
    (("email",), "ottilie-at-example.net", "email"),
    (("email",), "", "email"),
    (("phone",), "call me", "phone"),
    (("destination",), "", "destination"),
    (("travelerCount",), 0, "travelerCount"),
    (("travelerCount",), 100, "travelerCount"),
    (("message",), "x" * 10_001, "message"),
    (("sourceUrl",), "javascript:alert(1)", "sourceUrl"),
    (("sourceUrl",), "", "sourceUrl"),
    (("consents", 1, "wording"), "  ", "consents[1].wording"),
    (("consents", 1, "purpose"), "MARKETING_EMAIL", "consents[1].purpose"),
]


async def test_bad_input_names_the_field_and_writes_nothing(client, world: World) -> None:
    secret = (await make_key(client, world, ["INTAKE"]))["secret"]
    before = await counts()
    for path, value, field in BAD_INPUTS:
        body = await client.post(SUBMIT, {"input": _with(path, value)}, secret)
        error = body["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, (path, error)
        assert error["message"].startswith(f"{field}: ")
    assert await counts() == before


async def test_a_failure_midway_leaves_nothing_half_written(client, world: World, monkeypatch) -> None:
    secret = (await make_key(client, world, ["INTAKE"]))["secret"]
    before = await counts()

    async def audit_fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    # The audit event is the transaction's last write: contact, request and consents are already in.
    monkeypatch.setattr("resolvers.intake.audit.record", audit_fails)
    body = await client.post(SUBMIT, {"input": FORM}, secret)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "audit store" not in str(body)
    assert await counts() == before
    assert not await Contact.filter(last_name="Vandersteen-Intake").exists()
