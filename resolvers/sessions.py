"""Signing in and out, and turning a bearer secret into a Principal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from auth import passwords
from auth.credentials import API_KEY_PREFIX, new_session_token, secret_hash
from auth.errors import BadInput, Unauthenticated
from auth.principal import Principal
from models.credentials import ApiKey, LoginFailure, Session
from models.enums import ApiScope
from models.organisation import User
from resolvers import audit, throttle
from resolvers.clock import now
from resolvers.statements import queryset_sql, statement, text_placeholders

AGENCY_NAME_MAX = 200
# Refreshing last_seen_at at most this often keeps the idle timeout without a write per request.
LAST_SEEN_GRANULARITY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    lifetime: timedelta
    idle: timedelta


@dataclass(frozen=True)
class LoginResult:
    token: str
    user: User
    expires_at: datetime


class LoginFailed(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("Unknown email or wrong password")


def principal_for_user(user: User, session_id: int | None = None) -> Principal:
    return Principal(
        agency_id=user.agency_id,
        actor=user.email,
        user_id=user.id,
        team_id=user.team_id,
        role=user.role,
        session_id=session_id,
    )


async def _accounts(email: str, agency: str | None) -> list[User]:
    """The accounts an address may sign in to: in the named agency only, or in every agency that uses it."""
    query = User.filter(email=email)
    if agency is not None and agency.strip():
        query = query.filter(agency__name=agency.strip()[:AGENCY_NAME_MAX])
    return await query.order_by("id")


async def login(
    email: str,
    password: str,
    client: str,
    policy: SessionPolicy,
    limits: throttle.Limits,
    agency: str | None = None,
) -> LoginResult:
    """Signs in to the one account the address and password match. Staff emails are unique per agency: without
    `agency`, an address used by several agencies signs in only when the password matches exactly one of them.
    Every failure answers the same, so no caller learns whether, or in how many agencies, an address exists."""
    email = (email or "").strip().lower()[:254]
    password = password[:1024]
    keys = [throttle.account_key(email), throttle.address_key(client)]
    await throttle.check(keys, limits)
    accounts = await _accounts(email, agency)
    if accounts:
        # One check per agency sharing the address: bounded by how many do.
        matching = [account for account in accounts if passwords.verify_password(account.password_hash, password)]
    else:
        passwords.verify_unknown_account(password)  # the same work as a real check: no timing oracle
        matching = []
    user = matching[0] if len(matching) == 1 and matching[0].active else None
    if user is None:
        await throttle.fail(keys)
        for account in accounts:  # each agency's trail shows the failed attempts on its own account
            await audit.record(None, "LOGIN_FAILED", agency_id=account.agency_id, actor=account.email)
        raise LoginFailed()
    token = new_session_token()
    at = now()
    expires = at + policy.lifetime
    async with in_transaction() as conn:
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
            await user.save(update_fields=["password_hash"], using_db=conn)
        await Session.create(
            user=user,
            token_hash=secret_hash(token),
            created_at=at,
            last_seen_at=at,
            expires_at=expires,
            using_db=conn,
        )
        await LoginFailure.filter(key=keys[0]).using_db(conn).delete()
        await audit.record(principal_for_user(user), "LOGIN", connection=conn)
    return LoginResult(token=token, user=user, expires_at=expires)


async def logout(principal: Principal) -> bool:
    if principal.session_id is None:
        return False
    await Session.filter(id=principal.session_id).update(revoked=True)
    return True


async def end_sessions(user_id: int) -> int:
    return await Session.filter(user_id=user_id, revoked=False).update(revoked=True)


async def authenticate(secret: str | None, policy: SessionPolicy) -> Principal | None:
    """The principal behind a bearer secret, or None when it is missing, unknown, expired or revoked."""
    if not secret or len(secret) > 256:
        return None
    digest = secret_hash(secret)
    if secret.startswith(API_KEY_PREFIX):
        key = await ApiKey.filter(secret_hash=digest, revoked=False).first()
        if key is None:
            return None
        return Principal(
            agency_id=key.agency_id,
            actor=f"api-key:{key.name}",
            api_key_id=key.id,
            scopes=frozenset(ApiScope(s) for s in key.scopes.split(",") if s),
            trusted_documents_only=key.trusted_documents_only,
        )
    found = await statement(("session",), Session, _session_query, 1, text_placeholders).rows([digest])
    if not found:
        return None
    session = found[0]
    expires_at, last_seen_at = _EXPIRES_AT(session.expires_at), _LAST_SEEN_AT(session.last_seen_at)
    at = now()
    if expires_at <= at or last_seen_at + policy.idle <= at or not _ACTIVE(session.user__active):
        return None
    if at - last_seen_at > LAST_SEEN_GRANULARITY:
        await Session.filter(id=session.id).update(last_seen_at=at)
    return Principal(
        agency_id=session.user__agency_id,
        actor=session.user__email,
        user_id=session.user__id,
        team_id=session.user__team_id,
        role=_ROLE(session.user__role),
        session_id=session.id,
    )


# The session behind a bearer token and its user: read on every request, so its statement is built once
# (resolvers.statements), and its values converted as the models' fields convert them.
_SESSION_FIELDS = (
    "id",
    "expires_at",
    "last_seen_at",
    "user__id",
    "user__agency_id",
    "user__email",
    "user__team_id",
    "user__role",
    "user__active",
)
_EXPIRES_AT = Session._meta.fields_map["expires_at"].to_python_value
_LAST_SEEN_AT = Session._meta.fields_map["last_seen_at"].to_python_value
_ROLE = User._meta.fields_map["role"].to_python_value
_ACTIVE = User._meta.fields_map["active"].to_python_value


def _session_query(slots: list[str]) -> Any:
    return queryset_sql(Session.filter(token_hash=slots[0], revoked=False).limit(1).values(*_SESSION_FIELDS))


def session_policy(settings: Any) -> SessionPolicy:
    return SessionPolicy(
        lifetime=timedelta(minutes=settings.token_lifetime_minutes),
        idle=timedelta(minutes=settings.token_idle_minutes),
    )


def login_limits(settings: Any) -> throttle.Limits:
    return throttle.Limits(
        per_account=settings.login_max_failures_per_account,
        per_address=settings.login_max_failures_per_address,
        window=timedelta(minutes=settings.login_lockout_minutes),
    )


async def change_password(principal: Principal, current: str, new: str) -> int:
    """Changes the viewer's password and ends every one of their sessions; returns how many ended."""
    user = await User.get(id=principal.user_id)
    if not passwords.verify_password(user.password_hash, current[:1024]):
        raise BadInput("currentPassword", "is wrong")
    problem = passwords.password_problem(new)
    if problem:
        raise BadInput("newPassword", problem)
    async with in_transaction() as conn:
        user.password_hash = passwords.hash_password(new)
        await user.save(update_fields=["password_hash"], using_db=conn)
        ended = await Session.filter(user_id=user.id, revoked=False).using_db(conn).update(revoked=True)
        await audit.record(principal, "PASSWORD_CHANGE", detail=f"{ended} sessions ended", connection=conn)
    return ended
