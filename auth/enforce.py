"""The one place that applies auth.policy. Every resolver reads contacts and requests through here."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet

from auth.errors import Forbidden, Unauthenticated
from auth.policy import (
    ANYONE,
    API_KEY_OPERATIONS,
    API_KEY_READABLE_VISIBILITIES,
    API_KEY_STAFF_FIELDS,
    CONSENT_BASED_READS,
    EXTRA_PUBLIC_FIELDS,
    NOT_ON_ONESELF,
    OPERATIONS,
    ROLE_GRANTORS,
    ROLES_MANAGING_ANY_CONTACT,
    ROLES_NEVER_CREATED,
    ROLES_SEEING_ALL_PERSONAL_DATA,
    ROLES_SEEING_REQUESTERS,
    ROLES_SENDING_FREE_FORM_DOCUMENTS,
    ROLES_WITHOUT_TEAM,
    STAFF_MANAGERS,
    VISIBILITY_AUDIENCES,
    Audience,
    StaffAction,
)
from auth.principal import Principal
from models.crm import Contact, Traveler, TravelRequest
from models.declarations import DECLARATIONS
from models.enums import ConsentPurpose, Role, Visibility
from models.gdpr import ConsentRecord
from models.organisation import User

# -- operations ---------------------------------------------------------------------------------


def authorize(principal: Principal | None, operation: str) -> None:
    # A key first: it calls its scopes' operations and nothing else, not even one open to anyone (login).
    if principal is not None and principal.is_api_key:
        if not any(operation in API_KEY_OPERATIONS.get(scope, ()) for scope in principal.scopes):
            raise Forbidden(f"This API key's scopes do not allow '{operation}'")
        return
    allowed = OPERATIONS.get(operation)
    if allowed == ANYONE:
        return
    if principal is None:
        raise Unauthenticated()
    if allowed is None or principal.role not in allowed:
        raise Forbidden(f"Your role may not perform '{operation}'")


def require_user(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated()
    require_user_id(principal)
    return principal


def require_user_id(principal: Principal | None) -> int:
    """The signed-in user's id, refused as require_user refuses (an API key has none)."""
    if principal is None:
        raise Unauthenticated()
    if principal.user_id is None:
        raise Forbidden("This operation needs a signed-in user, not an API key")
    return principal.user_id


def may_send_free_form_documents(principal: Principal | None, *, only_trusted_documents_run: bool) -> bool:
    """Whether the caller may send a document that is not registered as trusted (anonymous callers included)."""
    if principal is not None and principal.trusted_documents_only:
        return False
    if not only_trusted_documents_run:
        return True
    return principal is not None and principal.is_user and principal.role in ROLES_SENDING_FREE_FORM_DOCUMENTS


def may_manage_contact(principal: Principal, contact: Contact) -> bool:
    return principal.role in ROLES_MANAGING_ANY_CONTACT or contact.owner_id == principal.user_id


def sees_requesters(principal: Principal) -> bool:
    """What a person typed into the website's rights form, and whom mails go to."""
    return principal.is_user and principal.role in ROLES_SEEING_REQUESTERS


def api_key_refused_field(type_name: str, field_name: str) -> str | None:
    """The reason an API key may not select this field, or None when it may."""
    allowed = API_KEY_STAFF_FIELDS.get(type_name)
    if allowed is None or field_name in allowed:
        return None
    return f"API keys read staff as ids and names only: '{type_name}.{field_name}' is not readable with a key"


# -- staff ------------------------------------------------------------------------------------------------------


def _roles(roles: frozenset[Role]) -> str:
    return " or ".join(sorted(role.value for role in roles)) or "nobody"


def authorize_staff_action(principal: Principal, action: StaffAction, target: User) -> None:
    if action in NOT_ON_ONESELF and target.id == principal.user_id:
        raise Forbidden(f"You may not {action.value} yourself")
    if action is StaffAction.SET_ROLE:
        return  # who may give or take which role: authorize_role_change
    managers = STAFF_MANAGERS[Role(target.role)]
    if principal.role not in managers:
        raise Forbidden(f"Only {_roles(managers)} may {action.value} a user whose role is {Role(target.role).value}")
    if action is StaffAction.SET_TEAM and Role(target.role) in ROLES_WITHOUT_TEAM:
        raise Forbidden(f"A user whose role is {Role(target.role).value} belongs to no team")


def authorize_role_change(principal: Principal, target: User, role: Role) -> None:
    authorize_staff_action(principal, StaffAction.SET_ROLE, target)
    current = Role(target.role)
    for side in (current, role):
        if principal.role not in ROLE_GRANTORS[side]:
            raise Forbidden(
                f"Only {_roles(ROLE_GRANTORS[side])} may give or take the role {side.value}"
                + (" (appoint the first DPO with `alveole appoint-dpo`)" if side is Role.DPO else "")
            )


def authorize_new_user(principal: Principal, role: Role, team_id: int | None) -> None:
    if role in ROLES_NEVER_CREATED:
        raise Forbidden(
            f"createUser never makes a {role.value}: appoint the first one with `alveole appoint-dpo`, "
            "or have a DPO promote an existing user with setUserRole"
        )
    if principal.role not in ROLE_GRANTORS[role]:
        raise Forbidden(f"Only {_roles(ROLE_GRANTORS[role])} may give the role {role.value}")
    if team_id is not None and role in ROLES_WITHOUT_TEAM:
        raise Forbidden(f"A user whose role is {role.value} belongs to no team: leave teamId out")


def keeps_team(role: Role) -> bool:
    return role not in ROLES_WITHOUT_TEAM


# -- rows -----------------------------------------------------------------------------------------


def _api_key_visibilities(principal: Principal) -> frozenset[Visibility]:
    readable: set[Visibility] = set()
    for scope in principal.scopes:
        readable |= API_KEY_READABLE_VISIBILITIES.get(scope, frozenset())
    return frozenset(readable)


def _column_is(column: str, value: object) -> Q:
    """Q(<column>=value) for a column named at run time (behind a relation's prefix)."""
    condition: dict[str, Any] = {column: value}  # Any: else mypy matches the value to Q's own join_type: str
    return Q(**condition)


def contact_row_filter(principal: Principal, prefix: str = "") -> Q:
    """The contacts this principal may list at all: its agency's (an API key: fewer)."""
    q = _column_is(f"{prefix}agency_id", principal.agency_id)
    if principal.is_api_key:
        q &= _column_is(f"{prefix}visibility__in", sorted(_api_key_visibilities(principal)))
    return q


def contacts(principal: Principal) -> QuerySet[Contact]:
    return Contact.filter(contact_row_filter(principal))


def travel_requests(principal: Principal) -> QuerySet[TravelRequest]:
    q = Q(agency_id=principal.agency_id)
    if principal.is_api_key:
        q &= contact_row_filter(principal, prefix="contact__")
    return TravelRequest.filter(q)


# -- the one exception: reads based on consent (auth.policy.CONSENT_BASED_READS) ------------------------------


def consent_based_fields(principal: Principal) -> frozenset[str]:
    """The contact fields this API key may read of the people who consented; refused when it has no such scope."""
    fields: set[str] = set()
    for scope in principal.scopes if principal.is_api_key else ():
        fields |= CONSENT_BASED_READS.get(scope, frozenset())
    if not fields:
        raise Forbidden("Only an API key with a consent-based scope may read this")
    return frozenset(fields)


def _latest_consent(purpose: ConsentPurpose) -> RawSQL:
    # The person's current decision for the purpose: the latest record, in the order consent.current_state
    # reads them (recorded_at, then id). The purpose is an enum member's value, never the client's text.
    latest = (
        "(SELECT r.granted FROM consent_record r WHERE r.contact_id = contact.id"  # noqa: S608 - see above
        f" AND r.purpose = '{ConsentPurpose(purpose).value}' ORDER BY r.recorded_at DESC, r.id DESC LIMIT 1)"
    )
    return RawSQL(latest)


def consented_contacts(principal: Principal, purpose: ConsentPurpose) -> QuerySet[Contact]:
    """The key's agency's contacts whose current consent to `purpose` is granted and who are not restricted,
    whatever their visibility: the consent is the lawful basis here, not the compartment."""
    consent_based_fields(principal)
    return (
        Contact.filter(agency_id=principal.agency_id, restricted=False)
        .annotate(current_consent=_latest_consent(purpose))
        .filter(current_consent=True)
    )


def consent_records(principal: Principal) -> QuerySet[ConsentRecord]:
    """The consent decisions of the key's agency's contacts, for its consent changes feed."""
    consent_based_fields(principal)
    return ConsentRecord.filter(contact__agency_id=principal.agency_id)


# -- personal fields --------------------------------------------------------------------------------


def _team_id(principal: Principal) -> int | None:
    """The team whose TEAM contacts the principal sees: none for the roles that belong to no team, whatever
    the row says."""
    return principal.team_id if principal.role not in ROLES_WITHOUT_TEAM else None


def _audiences(principal: Principal, contact: Contact) -> set[Audience]:
    audiences = {Audience.AGENCY}
    if principal.user_id is not None and contact.owner_id == principal.user_id:
        audiences.add(Audience.OWNER)
    team_id = _team_id(principal)
    if team_id is not None and contact.team_id == team_id:
        audiences.add(Audience.TEAM)
    return audiences


def sees_personal_data(principal: Principal, contact: Contact) -> bool:
    if contact.agency_id != principal.agency_id:
        return False
    if principal.is_api_key:
        return contact.visibility in _api_key_visibilities(principal)
    if principal.role in ROLES_SEEING_ALL_PERSONAL_DATA:
        return True
    return bool(_audiences(principal, contact) & VISIBILITY_AUDIENCES[Visibility(contact.visibility)])


def personal_data_filter(principal: Principal, prefix: str = "") -> Q:
    """SQL twin of sees_personal_data: search, filters and ordering on personal data use it."""
    if principal.is_api_key:
        return _column_is(f"{prefix}visibility__in", sorted(_api_key_visibilities(principal)))
    if principal.role in ROLES_SEEING_ALL_PERSONAL_DATA:
        return _column_is(f"{prefix}agency_id", principal.agency_id)
    team_id = _team_id(principal)
    by_audience = {
        Audience.AGENCY: Q(),
        Audience.OWNER: _column_is(f"{prefix}owner_id", principal.user_id),
        Audience.TEAM: _column_is(f"{prefix}team_id", team_id) if team_id else None,
    }
    clauses = []
    for visibility, audiences in VISIBILITY_AUDIENCES.items():
        for audience in audiences:
            condition = by_audience[audience]
            if condition is not None:
                clauses.append(_column_is(f"{prefix}visibility", visibility.value) & condition)
    combined = Q(*clauses, join_type=Q.OR)
    return _column_is(f"{prefix}agency_id", principal.agency_id) & combined


_MODEL_BY_TYPE = {
    "Contact": Contact,
    "TravelRequest": TravelRequest,
    "Traveler": Traveler,
    "ConsentRecord": ConsentRecord,
}


def public_fields(type_name: str) -> frozenset[str]:
    """Fields of a data subject's GraphQL type that are not personal: shown outside the compartment, and read
    without a VIEW_PERSONAL event. All others are personal."""
    model = _MODEL_BY_TYPE[type_name]
    declared_public = {name for name, decl in DECLARATIONS[model].items() if decl is None}
    return frozenset(declared_public) | EXTRA_PUBLIC_FIELDS.get(type_name, frozenset())
