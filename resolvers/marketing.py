"""The purpose-bound marketing feed (API-key scope MARKETING_AUDIENCE): who may be written to, what changed.

Who is in the audience, and which of their fields a key reads, is the one exception of auth.policy
(CONSENT_BASED_READS), applied by auth.enforce. Changes are the consent decisions (grants and
withdrawals) and the erasures: the audit events of people deleted for good, by erasure or by the retention
purge (resolvers.erasure.GONE), outlive the person and name them by the same opaque id the feed gave,
nothing else.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from auth import enforce
from auth.errors import BadInput
from auth.principal import Principal
from models.enums import ConsentPurpose
from models.gdpr import AuditEvent
from resolvers import erasure
from resolvers.audit import contact_ref
from resolvers.pagination import ListedRow, Page, page_size, paginate

# Changes are listed oldest first; at the same instant, consent decisions before erasures.
DECISION, ERASURE = 0, 1


async def audience(
    principal: Principal, purpose: ConsentPurpose, first: int | None, after: str | None
) -> Page[ListedRow]:
    return await paginate(enforce.consented_contacts(principal, purpose), first, after)


def audience_values(principal: Principal, row: ListedRow) -> dict[str, Any]:
    """Of a contact in the audience, the fields the policy lets this key read, and no other."""
    return {name: getattr(row, name) for name in enforce.consent_based_fields(principal)}


@dataclass(frozen=True)
class Change:
    contact_id: str  # opaque, as the API shows it
    purpose: ConsentPurpose | None  # None for an erasure
    granted: bool | None
    at: datetime
    row_id: int  # of the consent record, or of the erasure's audit event
    revealed: int | None  # the contact whose consent it shows (VIEW_PERSONAL); None for an erasure

    @property
    def erased(self) -> bool:
        return self.revealed is None

    @property
    def order(self) -> tuple[datetime, int, int]:
        return self.at, ERASURE if self.erased else DECISION, self.row_id

    @property
    def cursor(self) -> str:
        return _cursor(*self.order)


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.changes[-1].cursor if self.changes else None


# A cursor names the rows it pages (resolvers.pagination): these, then the position in (time, kind, id) order.
_CURSOR_PREFIX = "c:ConsentChange:"
_CURSOR_MAX = 200


def _cursor(at: datetime, kind: int, row_id: int) -> str:
    raw = f"{_CURSOR_PREFIX}{kind}:{row_id}:{at.isoformat()}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _position(cursor: str) -> tuple[datetime, int, int]:
    invalid = BadInput("after", "is not a valid cursor for this list")
    if len(cursor) > _CURSOR_MAX:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        if not raw.startswith(_CURSOR_PREFIX):
            raise invalid
        kind, row_id, at = raw.removeprefix(_CURSOR_PREFIX).split(":", 2)
        if kind not in ("0", "1") or not row_id.isdigit() or len(row_id) > 10:
            raise invalid
        moment = datetime.fromisoformat(at)
    except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
        raise invalid from None
    if moment.tzinfo is None:
        raise invalid
    return moment, int(kind), int(row_id)


def _after(field: str, kind: int, position: tuple[datetime, int, int]) -> Q:
    """Rows of `kind` that come after `position` in (time, kind, id) order."""
    at, last_kind, last_id = position
    later: dict[str, Any] = {f"{field}__gt": at}
    if kind > last_kind:  # the same instant comes after, too
        later = {f"{field}__gte": at}
    if kind != last_kind:
        return Q(**later)
    same_instant: dict[str, Any] = {field: at, "id__gt": last_id}
    return Q(**later) | Q(**same_instant)


async def changes(principal: Principal, since: datetime, first: int | None, after: str | None) -> ChangePage:
    size = page_size(first)
    decisions = enforce.consent_records(principal).filter(recorded_at__gte=since)
    erasures = AuditEvent.filter(
        agency_id=principal.agency_id, action__in=erasure.GONE, contact_ref__isnull=False, at__gte=since
    )
    if after is not None:
        position = _position(after)
        decisions = decisions.filter(_after("recorded_at", DECISION, position))
        erasures = erasures.filter(_after("at", ERASURE, position))
    columns = ("id", "contact_id", "purpose", "granted", "recorded_at")
    found = [
        Change(
            contact_ref(row["contact_id"]),
            ConsentPurpose(row["purpose"]),
            bool(row["granted"]),
            row["recorded_at"],
            row["id"],
            row["contact_id"],
        )
        for row in await decisions.order_by("recorded_at", "id").limit(size + 1).values(*columns)
    ]
    found += [
        Change(row["contact_ref"], None, None, row["at"], row["id"], None)
        for row in await erasures.order_by("at", "id").limit(size + 1).values("id", "contact_ref", "at")
    ]
    found.sort(key=lambda change: change.order)
    return ChangePage(changes=found[:size], has_next_page=len(found) > size)
