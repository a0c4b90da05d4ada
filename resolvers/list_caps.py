"""The most rows a list with no natural bound holds or answers (staff, registers, histories, findings).

The cost guard counts each of these lists at its cap (schema.list_bounds), so its measure holds whatever the data.
Some caps are kept when writing (a team's members, a request's download links, a text's findings): the write past
the cap is refused, or for findings the text keeps its first ones, every category among them. The others are kept
when reading: past its cap a list answers an error naming it and the cap (`BAD_USER_INPUT`), never a list
silently cut short. The caps sit well above any agency's real numbers: reaching one says the data or the question
is unusual.
"""

from __future__ import annotations

from typing import TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from auth.errors import BadInput

# Kept when writing.
TEAM_MEMBERS = 50
DELIVERIES = 10  # download links sent for one rights request
TEXT_FINDINGS = 20  # what the notes detector keeps of one text
# Kept when reading.
STAFF = 1000  # users, active or not
TEAMS = 100
API_KEYS = 200  # revoked ones included
WEBHOOKS = 200
SUBJECT_REQUESTS = 500
BREACHES = 500
CONSENT_DECISIONS = 500  # one person's consent history (subjectAccessExport lists it whole)
CONTACT_FINDINGS = 200  # what the notes detector found in all of one person's texts
VIEWING_ACTORS = 1000  # the compliance report's actors who viewed personal data in its 30 days

T = TypeVar("T")
M = TypeVar("M", bound=Model)


class TooLong(BadInput):
    def __init__(self, field: str, cap: int, hint: str = "") -> None:
        super().__init__(field, f"more than {cap} to list, the most this list answers{hint}")


def within(rows: list[T], cap: int, field: str, hint: str = "") -> list[T]:
    if len(rows) > cap:
        raise TooLong(field, cap, hint)
    return rows


async def at_most(query: QuerySet[M], cap: int, field: str, hint: str = "") -> list[M]:
    """The query's rows, reading one past the cap to know whether there are more."""
    return within(await query.limit(cap + 1), cap, field, hint)
