"""How many objects each list field may hold: the number the cost guard (schema.guards) multiplies it by.

Default deny: every list of objects in the schema has its line here, or the schema is not built (check), so a
new list cannot slip past the guard counted as one. A bound is the data's own (one consent state per purpose,
a request's travelers as validation caps them, the report's rows per status or month), a cap kept by the
resolvers (resolvers.list_caps), the page of a `first` argument, or, for the subject access export, the whole
record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from graphql import (
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
    is_composite_type,
)

from models.enums import ConsentPurpose, OutboxStatus, SubjectRequestStatus, Visibility
from resolvers import list_caps, validation
from resolvers.compliance import MONTHS
from resolvers.inventory import inventory
from resolvers.sensitive_notes import CATEGORIES


class Per(Enum):
    PAGE = "the field's own `first`, counted as a connection's page"
    EDGES = "a connection's edges: the connection multiplies them by its `first` already"
    # Counted once, and each row may cost no more than a row of the largest page (the limit / MAX_PAGE: 100 by
    # default): a request with its 50 travelers, findings and advisor fits; a connection under it
    # (contact { requests(first: 50) ... }) does not, since every row of the record would run it.
    WHOLE = "one person's whole record (Art. 15 lists all of it, streamed)"


@dataclass(frozen=True)
class Bound:
    most: int | Per
    why: str


_TEXT_FINDINGS = Bound(list_caps.TEXT_FINDINGS, "one text's findings, as many as the detector keeps")
_WHOLE = Bound(Per.WHOLE, "the subject access export: one person's whole record, read in chunks")
_EDGES = Bound(Per.EDGES, "one edge per row of the page")

LIST_BOUNDS: dict[str, Bound] = {
    # Connections and pages.
    "AuditEventConnection.edges": _EDGES,
    "ContactConnection.edges": _EDGES,
    "SensitiveNoteConnection.edges": _EDGES,
    "TravelRequestConnection.edges": _EDGES,
    "MarketingAudienceConnection.edges": _EDGES,
    "ConsentChangeConnection.edges": _EDGES,
    "Query.outbox": Bound(Per.PAGE, "outbox(first:) reads at most a page"),
    # Bounded by the data.
    "Contact.consents": Bound(len(ConsentPurpose), "the current state: one per purpose"),
    "TravelRequest.travelers": Bound(validation.TRAVELERS_MAX, "validated on every write of a request"),
    "TravelRequest.noteFindings": _TEXT_FINDINGS,
    "SubjectRequest.noteFindings": _TEXT_FINDINGS,
    "SensitiveNote.findings": _TEXT_FINDINGS,
    "Team.members": Bound(list_caps.TEAM_MEMBERS, "a user joins a team only while it has room"),
    "SubjectRequest.deliveries": Bound(list_caps.DELIVERIES, "a link is sent only while the request has room"),
    "Query.personalDataInventory": Bound(len(inventory()), "one row per declared personal field"),
    "ComplianceReport.subjectRequestsByStatus": Bound(len(SubjectRequestStatus), "one row per status"),
    "ComplianceReport.contactsByVisibility": Bound(len(Visibility), "one row per visibility"),
    "ComplianceReport.consentsByMonth": Bound(MONTHS * len(ConsentPurpose), "one row per month and purpose"),
    "ComplianceReport.retentionForecast": Bound(MONTHS, "one row per month"),
    "ComplianceReport.noteFindingsByCategory": Bound(len(CATEGORIES), "one row per category"),
    "ComplianceReport.mailByStatus": Bound(len(OutboxStatus), "one row per status"),
    "ComplianceReport.webhookDeliveriesByStatus": Bound(len(OutboxStatus), "one row per status"),
    # Capped when read: past the cap the field is an error, never a shortened list.
    "Query.users": Bound(list_caps.STAFF, "capped"),
    "Query.teams": Bound(list_caps.TEAMS, "capped"),
    "Query.apiKeys": Bound(list_caps.API_KEYS, "capped"),
    "Query.webhooks": Bound(list_caps.WEBHOOKS, "capped"),
    "Query.subjectRequests": Bound(list_caps.SUBJECT_REQUESTS, "capped"),
    "Query.breaches": Bound(list_caps.BREACHES, "capped"),
    "Query.consentHistory": Bound(list_caps.CONSENT_DECISIONS, "capped; the export lists it whole"),
    "Contact.noteFindings": Bound(list_caps.CONTACT_FINDINGS, "capped; sensitiveNotes pages through them"),
    "ComplianceReport.personalDataViews": Bound(list_caps.VIEWING_ACTORS, "capped"),
    # The whole record.
    "SubjectAccessExport.requests": _WHOLE,
    "SubjectAccessExport.consentHistory": _WHOLE,
    "SubjectAccessExport.accessLog": _WHOLE,
}


class UnboundedList(Exception):
    pass


def bound(type_name: str, field_name: str) -> Bound:
    return LIST_BOUNDS[f"{type_name}.{field_name}"]


def lists_objects(type_: GraphQLOutputType) -> bool:
    return isinstance(get_nullable_type(type_), GraphQLList) and is_composite_type(get_named_type(type_))


def check(schema: GraphQLSchema) -> None:
    """UnboundedList, naming every list of objects without a bound and every bound that matches nothing."""
    problems, lists = [], set()
    object_types = [t for name, t in schema.type_map.items() if isinstance(t, GraphQLObjectType) and name[:2] != "__"]
    for type_ in object_types:
        for name, field in type_.fields.items():
            key = f"{type_.name}.{name}"
            if not lists_objects(field.type):
                continue
            lists.add(key)
            found = LIST_BOUNDS.get(key)
            if found is None:
                problems.append(f"{key} lists objects: give it a bound in schema.list_bounds.LIST_BOUNDS")
            elif found.most is Per.PAGE and "first" not in field.args:
                problems.append(f"{key} is counted by its page but takes no `first`")
    problems += [f"{key} has a bound but is no list of objects" for key in sorted(LIST_BOUNDS.keys() - lists)]
    # A connection's edges count once per edge only because every field returning the connection has a page.
    connections = {key.split(".")[0] for key, found in LIST_BOUNDS.items() if found.most is Per.EDGES}
    problems += [
        f"{type_.name}.{name} returns {get_named_type(field.type).name} without a `first` to count its edges"
        for type_ in object_types
        for name, field in type_.fields.items()
        if get_named_type(field.type).name in connections and "first" not in field.args
    ]
    if problems:
        raise UnboundedList("; ".join(problems))
