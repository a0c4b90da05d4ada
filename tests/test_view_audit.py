"""Every read of personal data is audited: each root field that can return a personal field (found from the schema
itself, through the types) writes exactly one VIEW_PERSONAL event per contact its answer reveals."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from graphql import GraphQLObjectType, GraphQLSchema

from auth.principal import Principal
from models import (
    AuditEvent,
    ConsentRecord,
    Contact,
    NoteFinding,
    SubjectRequest,
    Traveler,
    TravelRequest,
    Visibility,
)
from resolvers import audit, breaches
from resolvers.audit import contact_ref
from resolvers.clock import now
from schema import build_schema
from schema.masking import PERSONAL_FIELDS
from tests.test_leaks import (
    DEPTH,
    _named,
    selection,
    settings,  # noqa: F401 - the fixture: the probes run whole, past the cost limit
)
from tests.world import World, gid, make_web_request, make_world

# Arguments of each root field that can return personal data: a root field missing here fails the test (a new
# one must be added, and so be checked). `{agency}` is the AGENCY contact, `{request}` one of its requests,
# `{subject_request}` an open subject request of the TEAM contact, `{web_request}` a confirmed one from the website;
# the AGENCY contact also has a finding in its notes, a recorded breach, and was viewed by its owner (`{owner}`)
# between `{since}` and `{now}`.
ARGUMENTS: dict[str, str] = {
    "Query.contact": 'id: "{agency}"',
    "Query.contacts": "",
    "Query.travelRequest": 'id: "{request}"',
    "Query.travelRequests": "",
    "Query.consentHistory": 'contactId: "{agency}"',
    "Query.subjectAccessExport": 'contactId: "{agency}"',
    "Mutation.createContact": 'input: {firstName: "PrenomNEWQ", lastName: "NomNEWQ", notes: "NoteNEWQ"}',
    "Mutation.updateContact": 'id: "{agency}", patch: {notes: "NoteUPDATEDQ"}',
    "Mutation.setContactVisibility": 'id: "{team}", visibility: AGENCY',
    "Mutation.transferContact": 'id: "{agency}", ownerId: "{mate}"',
    "Mutation.restrictProcessing": 'contactId: "{agency}", restricted: true',
    "Mutation.createTravelRequest": 'input: {contactId: "{agency}", destination: "Oslo", notes: "ReqNoteNEWQ"}',
    "Mutation.updateTravelRequest": 'id: "{request}", patch: {notes: "ReqNoteUPDATEDQ"}',
    "Query.subjectRequests": "",
    "Mutation.openSubjectRequest": 'contactId: "{agency}", kind: ACCESS',
    "Mutation.extendSubjectRequest": 'id: "{subject_request}"',
    "Mutation.closeSubjectRequest": 'id: "{subject_request}", status: DONE',
    "Mutation.linkSubjectRequest": 'id: "{web_request}", contactId: "{agency}"',
    "Query.sensitiveNotes": "",
    "Query.breaches": "",
    "Mutation.recordBreach": (
        'input: {discoveredAt: "{now}", description: "Leak", actorEmail: "{owner}", from: "{since}", to: "{now}"}'
    ),
    "Mutation.recordConsent": (
        'input: {contactId: "{agency}", purpose: MARKETING_SMS, granted: true, source: "https://form/SMSQ", '
        'wording: "WordingSMSQ"}'
    ),
}


def reaches_personal_data(schema: GraphQLSchema, root: GraphQLObjectType, name: str) -> bool:
    seen: set[str] = set()
    pending = [_named(root.fields[name].type)]
    while pending:
        current = pending.pop()
        if not isinstance(current, GraphQLObjectType) or current.name in seen:
            continue
        if PERSONAL_FIELDS.get(current.name):
            return True
        seen.add(current.name)
        pending.extend(_named(field.type) for field in current.fields.values())
    return False


def personal_roots(schema: GraphQLSchema) -> set[str]:
    roots = {"Query": schema.query_type, "Mutation": schema.mutation_type}
    return {
        f"{kind}.{name}"
        for kind, root in roots.items()
        for name in root.fields  # type: ignore[union-attr]
        if reaches_personal_data(schema, root, name)  # type: ignore[arg-type]
    }


async def personal_values_in_database() -> dict[int, list[str]]:
    """Every contact's personal values, as stored now (contact, requests, travelers, consent proofs)."""
    values: dict[int, list[str]] = {}
    for contact in await Contact.all():
        values[contact.id] = [
            v
            for v in (
                contact.first_name,
                contact.last_name,
                contact.email,
                contact.phone,
                contact.address,
                contact.notes,
            )
            if v
        ]
    for request in await TravelRequest.all():
        if request.notes:
            values[request.contact_id].append(request.notes)
    for traveler in await Traveler.all().select_related("request"):
        values[traveler.request.contact_id].extend([traveler.first_name, traveler.last_name])
    for record in await ConsentRecord.all():
        values[record.contact_id].extend([record.wording, record.source])
    return values


def test_every_root_field_reaching_personal_data_is_checked() -> None:
    schema = build_schema()._schema
    assert personal_roots(schema) == set(ARGUMENTS), "add the new root field to ARGUMENTS"


@pytest.fixture
async def world(client) -> World:
    return await make_world()


@pytest.mark.parametrize("root", sorted(ARGUMENTS))
async def test_one_view_event_per_contact_revealed(client, world: World, root: str) -> None:
    schema = build_schema()._schema
    kind, name = root.split(".")
    parent = schema.query_type if kind == "Query" else schema.mutation_type
    agency = world.contacts[Visibility.AGENCY]
    request = await agency.requests.all().first()
    at = now()
    subject_request = await SubjectRequest.create(
        agency=world.agency, contact=world.contacts[Visibility.TEAM], kind="ACCESS", received_at=at, due_at=at
    )
    web_request = await make_web_request(world.agency, "someone@example.org", "Some One", "Hello", "Mail")
    await NoteFinding.create(
        agency=world.agency, contact=agency, field="Contact.notes", category="HEALTH", excerpt="x", found_at=at
    )
    owner = world.users["owner"].email
    await audit.record_many(world.agency.id, owner, [audit.Entry("VIEW_PERSONAL", agency.id)], at=at)
    breach = await breaches.record_breach(
        Principal(agency_id=world.agency.id, actor=world.users["dpo"].email, user_id=world.users["dpo"].id),
        breaches.BreachInput(at, "Earlier leak", owner, None, at - timedelta(hours=1), at),
    )
    assert breach.affected_contact_count == 1
    arguments = (
        ARGUMENTS[root]
        .replace("{agency}", gid("Contact", agency.id))
        .replace("{team}", gid("Contact", world.contacts[Visibility.TEAM].id))
        .replace("{request}", gid("TravelRequest", request.id))
        .replace("{mate}", gid("User", world.users["mate"].id))
        .replace("{subject_request}", gid("SubjectRequest", subject_request.id))
        .replace("{web_request}", gid("SubjectRequest", web_request.id))
        .replace("{owner}", owner)
        .replace("{since}", (at - timedelta(hours=1)).isoformat())
        .replace("{now}", now().isoformat())
    )
    call = f"{name}({arguments})" if arguments else name
    document = f"{kind.lower()} {{ {call} {{ {selection(_named(parent.fields[name].type), DEPTH)} }} }}"
    last = await AuditEvent.all().order_by("-id").first()
    body = await client.post(document, token=world.tokens["dpo"])
    assert "errors" not in body, body
    text = json.dumps(body, ensure_ascii=False)
    revealed = {
        contact_ref(contact_id)
        for contact_id, values in (await personal_values_in_database()).items()
        if any(value in text for value in values)
    }
    assert revealed, f"{root} revealed nothing: the check would be vacuous"
    events = AuditEvent.filter(id__gt=last.id if last else 0, action="VIEW_PERSONAL")
    written = Counter(await events.values_list("contact_ref", flat=True))
    assert written == dict.fromkeys(revealed, 1), (root, written, revealed)
    assert all(actor == world.users["dpo"].email for actor in await events.values_list("actor", flat=True))
