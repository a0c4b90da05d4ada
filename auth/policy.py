"""The compartment policy, as data: who sees which rows, whose personal fields, who may do what.

auth.enforce is the only module that applies it. Deny by default: an audience, role or operation
that is not listed here gets nothing.
"""

from __future__ import annotations

from enum import Enum

from models.enums import ApiScope, Role, Visibility


class Audience(str, Enum):
    OWNER = "OWNER"  # the contact's owner (advisor)
    TEAM = "TEAM"  # a member of the contact's team (the owner's current team)
    AGENCY = "AGENCY"  # any user of the contact's agency


# Which audiences a contact's visibility lets see its personal fields.
VISIBILITY_AUDIENCES: dict[Visibility, frozenset[Audience]] = {
    Visibility.ADVISOR: frozenset({Audience.OWNER}),
    Visibility.TEAM: frozenset({Audience.OWNER, Audience.TEAM}),
    Visibility.AGENCY: frozenset({Audience.OWNER, Audience.TEAM, Audience.AGENCY}),
}

# Roles that see every contact's personal fields in their own agency, whatever the visibility.
# ADMIN manages users and teams but is deliberately NOT above the compartments.
ROLES_SEEING_ALL_PERSONAL_DATA: frozenset[Role] = frozenset({Role.DPO})

# Roles that see what a person typed into the website's rights form (requesterEmail, requesterName,
# message) and the outbox's recipients. Everyone else gets null; the queries are the DPO's anyway.
ROLES_SEEING_REQUESTERS: frozenset[Role] = frozenset({Role.DPO})

# Row filter for API keys: the contacts (and their requests) a key may read at all.
API_KEY_READABLE_VISIBILITIES: dict[ApiScope, frozenset[Visibility]] = {
    ApiScope.READ_CONTACTS: frozenset({Visibility.AGENCY}),
}

# GraphQL fields of the data subjects' types that are public (listed for the whole agency) although
# they are not model columns. Every other field not declared NOT_PERSONAL in models.declarations
# is personal and masked outside the compartment.
EXTRA_PUBLIC_FIELDS: dict[str, frozenset[str]] = {
    "Contact": frozenset({"personal_data_visible", "requests"}),
    "TravelRequest": frozenset({"personal_data_visible"}),
    "Traveler": frozenset(),
}

ANY_USER = frozenset(Role)
ANYONE = "ANYONE"  # no credentials needed

# Root operations: the roles allowed, and the API-key scopes allowed. Not listed: refused.
OPERATIONS: dict[str, frozenset[Role] | str] = {
    "login": ANYONE,
    "logout": ANY_USER,
    "changePassword": ANY_USER,
    "me": ANY_USER,
    "agency": ANY_USER,
    "users": ANY_USER,
    "teams": ANY_USER,
    "contact": ANY_USER,
    "contacts": ANY_USER,
    "travelRequest": ANY_USER,
    "travelRequests": ANY_USER,
    "createContact": ANY_USER,
    "updateContact": ANY_USER,
    "setContactVisibility": ANY_USER,  # further limited to the owner or the DPO
    "transferContact": ANY_USER,  # further limited to the owner or the DPO
    "createTravelRequest": ANY_USER,
    "updateTravelRequest": ANY_USER,
    "consentHistory": ANY_USER,
    "recordConsent": ANY_USER,
    "createTeam": frozenset({Role.ADMIN}),
    "createUser": frozenset({Role.ADMIN}),
    # Staff management: further limited by STAFF_MANAGERS and ROLE_GRANTORS below.
    "setUserTeam": frozenset({Role.ADMIN, Role.DPO}),
    "setUserRole": frozenset({Role.ADMIN, Role.DPO}),
    "deactivateUser": frozenset({Role.ADMIN, Role.DPO}),
    "endUserSessions": frozenset({Role.ADMIN, Role.DPO}),
    "staffChanges": frozenset({Role.DPO}),
    "updateAgencySettings": frozenset({Role.DPO}),
    "createApiKey": frozenset({Role.ADMIN, Role.DPO}),
    "createWebhook": frozenset({Role.ADMIN, Role.DPO}),
    "deleteWebhook": frozenset({Role.ADMIN, Role.DPO}),
    "webhooks": frozenset({Role.ADMIN, Role.DPO}),
    "revokeApiKey": frozenset({Role.ADMIN, Role.DPO}),
    "apiKeys": frozenset({Role.ADMIN, Role.DPO}),
    "personalDataInventory": frozenset({Role.ADMIN, Role.DPO}),
    "subjectAccessExport": frozenset({Role.DPO}),
    "subjectRequests": frozenset({Role.DPO}),
    "openSubjectRequest": frozenset({Role.DPO}),
    "closeSubjectRequest": frozenset({Role.DPO}),
    "extendSubjectRequest": frozenset({Role.DPO}),
    "linkSubjectRequest": frozenset({Role.DPO}),
    "deliverSubjectAccessExport": frozenset({Role.DPO}),
    "revokeExportDelivery": frozenset({Role.DPO}),
    "outbox": frozenset({Role.DPO}),
    "restrictProcessing": frozenset({Role.DPO}),
    "eraseContact": frozenset({Role.DPO}),
    "deleteTravelRequests": frozenset({Role.DPO}),
    "retentionPreview": frozenset({Role.DPO}),
    "applyRetention": frozenset({Role.DPO}),
    "auditLog": frozenset({Role.DPO}),
    "verifyAuditChain": frozenset({Role.DPO}),
    "sensitiveNotes": frozenset({Role.DPO}),
    "breaches": frozenset({Role.DPO}),
    "recordBreach": frozenset({Role.DPO}),
    "notifyBreachSubjects": frozenset({Role.DPO}),
    "complianceReport": frozenset({Role.DPO}),
}

API_KEY_OPERATIONS: dict[ApiScope, frozenset[str]] = {
    ApiScope.INTAKE: frozenset({"submitContactForm", "submitSubjectRequest"}),
    ApiScope.READ_CONTACTS: frozenset({"contact", "contacts"}),
    ApiScope.MARKETING_AUDIENCE: frozenset({"marketingAudience", "consentChanges"}),
}

# THE ONE EXCEPTION to the compartments: reads whose lawful basis is the person's consent to a purpose
# (Art. 6(1)(a)), not a compartment. An API key with one of these scopes reads, in its agency and whatever a
# contact's visibility, the contacts whose current consent to the purpose it names is granted and whose
# processing is not restricted (Art. 18), and of them these fields only: data minimisation (Art. 5(1)(c)).
# It also reads the agency's consent changes and erasures, by opaque id, so a newsletter tool can
# unsubscribe and forget. auth.enforce.consented_contacts applies it; nothing else does.
CONSENT_BASED_READS: dict[ApiScope, frozenset[str]] = {
    ApiScope.MARKETING_AUDIENCE: frozenset({"id", "email", "first_name"}),
}

# Where only trusted (registered) documents run (ALVEOLE_TRUSTED_DOCUMENTS=required), the signed-in users of
# these roles may still send documents of their own: the DPO investigates in GraphiQL.
ROLES_SENDING_FREE_FORM_DOCUMENTS: frozenset[Role] = frozenset({Role.DPO})

# API keys read staff (a contact's owner and team, a request's advisor) as ids and names only: a key's document
# selecting any other field of these types is refused as a whole, before execution. Types not listed are
# not staff.
API_KEY_STAFF_FIELDS: dict[str, frozenset[str]] = {
    "User": frozenset({"id", "name", "team", "__typename"}),
    "Team": frozenset({"id", "name", "members", "__typename"}),
}

# Only the owner or one of these roles may change a contact's visibility or owner.
ROLES_MANAGING_ANY_CONTACT: frozenset[Role] = frozenset({Role.DPO})

# -- staff: who can become what (README, Security) ------------------------------------------------------------

# An ADMIN belongs to no team: a membership would let it (or tooling it sets up) see the team's TEAM contacts,
# and ADMIN is NOT above the compartments. Promoting a user to ADMIN takes it out of its team.
ROLES_WITHOUT_TEAM: frozenset[Role] = frozenset({Role.ADMIN})

# Who may give or take each role. Changing a user from one role to another needs an actor allowed for both:
# an ADMIN switches others between ADVISOR and ADMIN; only a DPO gives or takes the DPO role; ADMIN <-> DPO
# takes both sides, in two steps (through ADVISOR).
ROLE_GRANTORS: dict[Role, frozenset[Role]] = {
    Role.ADVISOR: frozenset({Role.ADMIN, Role.DPO}),
    Role.ADMIN: frozenset({Role.ADMIN}),
    Role.DPO: frozenset({Role.DPO}),
}

# Roles createUser never makes: the first DPO is appointed with the CLI (`alveole appoint-dpo`), later ones
# are promoted by a DPO with setUserRole.
ROLES_NEVER_CREATED: frozenset[Role] = frozenset({Role.DPO})


class StaffAction(str, Enum):
    SET_TEAM = "change the team of"
    SET_ROLE = "change the role of"
    DEACTIVATE = "deactivate"
    END_SESSIONS = "end the sessions of"


# Who may act on the account of a user holding each role: only a DPO acts on a DPO's account.
STAFF_MANAGERS: dict[Role, frozenset[Role]] = {
    Role.ADVISOR: frozenset({Role.ADMIN}),
    Role.ADMIN: frozenset({Role.ADMIN}),
    Role.DPO: frozenset({Role.DPO}),
}

# Nobody changes their own team, role or active flag: no one widens (or keeps) their own powers.
NOT_ON_ONESELF: frozenset[StaffAction] = frozenset({StaffAction.SET_TEAM, StaffAction.SET_ROLE, StaffAction.DEACTIVATE})
