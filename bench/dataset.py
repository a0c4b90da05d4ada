"""A realistic agency, generated: advisors in teams, contacts in every visibility, requests with travelers.

Deterministic (seeded). Ids are chosen here, so later steps (expired rows for the purge, the
export's people) know them without reading back. Sessions are written with known tokens.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from auth.credentials import new_session_token, secret_hash
from bench.storage import BENCH_AGENCY, Writer
from resolvers.audit import GENESIS, chain_hash, contact_ref
from resolvers.search import search_text

TEAMS = ("Europe", "Long-courrier", "Groupes", "Croisières")
ADVISORS_PER_TEAM = 5
FIRST_NAMES = (
    "Amélie",
    "Benoît",
    "Chloé",
    "Élodie",
    "François",
    "Gaëlle",
    "Hélène",
    "Jérôme",
    "Léa",
    "Noël",
    "Océane",
    "Raphaël",
    "Sébastien",
    "Zoé",
    "Pierre",
    "Marie",
    "Jean",
    "Luc",
    "Inès",
    "Björn",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "García",
    "Fontaine",
    "Chevalier",
    "Müller",
    "Núñez",
    "Roux",
)
DESTINATIONS = (
    "Lisbonne",
    "Reykjavik",
    "Kyoto",
    "Marrakech",
    "New York",
    "Bali",
    "Québec",
    "Rome",
    "Le Cap",
    "Santorin",
    "Patagonie",
    "Hanoï",
    "La Réunion",
    "Oslo",
    "Lima",
)
STATUSES = ("NEW", "QUOTED", "BOOKED", "LOST", "CANCELLED")
VISIBILITIES = ("ADVISOR",) * 8 + ("TEAM",) * 7 + ("AGENCY",) * 5  # 40 / 35 / 25 %
PURPOSES = ("MARKETING_EMAIL", "MARKETING_SMS", "NEWSLETTER", "PARTNER_SHARING")
CLIENTS = 8  # one session per concurrent client, each an advisor

CONTACT_COLUMNS = (
    "id",
    "agency_id",
    "owner_id",
    "team_id",
    "kind",
    "visibility",
    "restricted",
    "created_at",
    "last_activity_at",
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "address",
    "notes",
    "search_text",
)
REQUEST_COLUMNS = (
    "id",
    "agency_id",
    "contact_id",
    "advisor_id",
    "status",
    "destination",
    "departure_date",
    "return_date",
    "traveler_count",
    "budget_cents",
    "notes",
    "created_at",
    "last_activity_at",
)
TRAVELER_COLUMNS = ("id", "request_id", "position", "first_name", "last_name", "birth_date")


@dataclass
class Agency:
    """What the measurements need to know about the generated agency."""

    agency_id: int
    advisors: list[tuple[int, int]]  # (user id, team id)
    client_tokens: list[str]  # advisors' sessions, one per concurrent client
    dpo_token: str
    export_people: dict[int, int] = field(default_factory=dict)  # request count -> contact id
    next_ids: dict[str, int] = field(default_factory=dict)
    contacts: int = 0
    requests: int = 0


def _moment(rng: random.Random, now: datetime, min_days: float, max_days: float) -> datetime:
    at = now - timedelta(days=rng.uniform(min_days, max_days))
    return at.replace(microsecond=rng.randint(1, 999_999))  # never 0: keeps one text format in SQLite


class _Rows:
    def __init__(self, agency: Agency, rng: random.Random, now: datetime) -> None:
        self.agency, self.rng, self.now = agency, rng, now

    def _next(self, table: str) -> int:
        value = self.agency.next_ids.get(table, 1)
        self.agency.next_ids[table] = value + 1
        return value

    def contact(self, age: tuple[float, float], visibility: str | None = None) -> tuple:
        rng = self.rng
        owner_id, team_id = rng.choice(self.agency.advisors)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        contact_id = self._next("contact")
        email = f"{first[0].lower()}.{last.lower()}{contact_id}@example.org"
        phone = f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        created = _moment(rng, self.now, *age)
        return (
            contact_id,
            self.agency.agency_id,
            owner_id,
            team_id,
            rng.choice(("PROSPECT", "CLIENT")),
            visibility or rng.choice(VISIBILITIES),
            False,
            created,
            created,
            first,
            last,
            email,
            phone,
            date(rng.randint(1945, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            f"{rng.randint(1, 120)} rue des Lilas, Lyon",
            "Préfère les vols du matin.",
            search_text(first, last, email, phone),
        )

    def request(self, contact: tuple, age: tuple[float, float]) -> tuple:
        rng = self.rng
        at = _moment(rng, self.now, *age)
        departure = (at + timedelta(days=rng.randint(20, 200))).date()
        travelers = rng.choice((1, 1, 2, 2, 3)) if age[0] < 365 else 1
        return (
            self._next("travel_request"),
            self.agency.agency_id,
            contact[0],
            contact[2],
            rng.choice(STATUSES),
            rng.choice(DESTINATIONS),
            departure,
            departure + timedelta(days=rng.randint(3, 21)),
            travelers,
            rng.randint(80, 900) * 1000,
            "Chambre vue mer si possible.",
            at,
            at,
        )

    def travelers(self, request: tuple) -> list[tuple]:
        return [
            (
                self._next("traveler"),
                request[0],
                position,
                self.rng.choice(FIRST_NAMES),
                self.rng.choice(LAST_NAMES),
                date(self.rng.randint(1950, 2020), 6, 15),
            )
            for position in range(request[8])
        ]

    def consents(self, contact: tuple) -> list[tuple]:
        return [
            (
                self._next("consent_record"),
                contact[0],
                purpose,
                self.rng.random() < 0.7,
                contact[7],
                "https://voyages.example/contact",
                "J'accepte de recevoir des offres.",
                "bench@alveole.test",
            )
            for purpose in self.rng.sample(PURPOSES, self.rng.randint(0, 2))
        ]


CONSENT_COLUMNS = ("id", "contact_id", "purpose", "granted", "recorded_at", "source", "wording", "recorded_by")
ACTIVE = (1.0, 700.0)  # days: well inside the default 36-month retention
EXPIRED = (5 * 365.0, 6 * 365.0)


async def create_agency(writer: Writer) -> Agency:
    now = datetime.now(UTC)
    await writer.insert(
        "agency",
        ("id", "name", "retention_months", "default_visibility", "created_at"),
        [(1, BENCH_AGENCY, 36, "ADVISOR", now)],
    )
    await writer.insert(
        "team", ("id", "agency_id", "name", "created_at"), [(i + 1, 1, name, now) for i, name in enumerate(TEAMS)]
    )
    users: list[tuple[object, ...]] = []  # app_user rows (the DPO has no team)
    advisors: list[tuple[int, int]] = []
    # Nobody logs in with a password here: sessions are written directly, so no argon2 cost.
    unusable = "$argon2id$v=19$m=65536,t=3,p=4$bench$bench"
    for t in range(len(TEAMS)):
        for _ in range(ADVISORS_PER_TEAM):
            user_id = len(users) + 1
            users.append(
                (
                    user_id,
                    1,
                    t + 1,
                    f"advisor{user_id}@bench.alveole.test",
                    f"Conseiller {user_id}",
                    "ADVISOR",
                    True,
                    unusable,
                    now,
                )
            )
            advisors.append((user_id, t + 1))
    dpo_id = len(users) + 1
    users.append((dpo_id, 1, None, "dpo@bench.alveole.test", "Délégué", "DPO", True, unusable, now))
    await writer.insert(
        "app_user",
        ("id", "agency_id", "team_id", "email", "name", "role", "active", "password_hash", "created_at"),
        users,
    )
    # Clients spread over the teams: advisors 1, 6, 11, 16, 2, 7, ...
    client_users = [advisors[(i % len(TEAMS)) * ADVISORS_PER_TEAM + i // len(TEAMS)][0] for i in range(CLIENTS)]
    tokens = [new_session_token() for _ in range(CLIENTS + 1)]
    await writer.insert(
        "session",
        ("id", "user_id", "token_hash", "created_at", "last_seen_at", "expires_at", "revoked"),
        [
            (i + 1, user_id, secret_hash(token), now, now, now + timedelta(days=1), False)
            for i, (user_id, token) in enumerate(zip([*client_users, dpo_id], tokens, strict=True))
        ],
    )
    return Agency(agency_id=1, advisors=advisors, client_tokens=tokens[:-1], dpo_token=tokens[-1])


async def add_people(writer: Writer, agency: Agency, contacts: int, requests: int, seed: int = 7) -> None:
    """Active contacts with `requests` spread over them, travelers and consents; in chunks to bound memory."""
    rng, now = random.Random(seed), datetime.now(UTC)
    rows = _Rows(agency, rng, now)
    chunk = 5000
    for start in range(0, contacts, chunk):
        batch = [rows.contact(ACTIVE) for _ in range(min(chunk, contacts - start))]
        share = requests * len(batch) // contacts if start + chunk < contacts else requests - agency.requests
        await _insert_people(writer, rows, batch, [rng.choice(batch) for _ in range(share)], ACTIVE)
        agency.contacts += len(batch)
        agency.requests += share


async def add_history(writer: Writer, agency: Agency, events: int, seed: int = 17) -> None:
    """The agency's audit trail so far, a valid hash chain with its head: advisors viewing their contacts over the
    past weeks, as a database with this many contacts has. Both servers append to it."""
    rng, now = random.Random(seed), datetime.now(UTC)
    emails = [f"advisor{user_id}@bench.alveole.test" for user_id, _team in agency.advisors]
    start = now - timedelta(days=30)
    step = timedelta(days=29) / max(events, 1)
    prev, rows = GENESIS, []
    for i in range(events):
        at, actor, ref = start + step * i, rng.choice(emails), contact_ref(rng.randint(1, max(agency.contacts, 1)))
        digest = chain_hash(agency.agency_id, at, actor, "VIEW_PERSONAL", ref, "", prev)
        rows.append((i + 1, agency.agency_id, at, actor, "VIEW_PERSONAL", ref, "", prev, digest))
        prev = digest
    await writer.insert("audit_event", AUDIT_COLUMNS, rows)
    await writer.insert("audit_chain_head", ("agency_id", "hash"), [(agency.agency_id, prev)])


AUDIT_COLUMNS = ("id", "agency_id", "at", "actor", "action", "contact_ref", "detail", "prev_hash", "hash")


async def add_export_person(writer: Writer, agency: Agency, requests: int, seed: int = 11) -> int:
    """One AGENCY-visible contact with `requests` requests and their travelers (add it before the others: the
    newest-first page then never shows it)."""
    rows = _Rows(agency, random.Random(seed), datetime.now(UTC))
    contact = rows.contact((700.0, 701.0), visibility="AGENCY")
    await _insert_people(writer, rows, [contact], [contact] * requests, (1.0, 700.0))
    agency.export_people[requests] = contact[0]
    return contact[0]


async def add_expired(writer: Writer, agency: Agency, requests: int, per_contact: int = 20, seed: int = 13) -> None:
    """Requests (and their contacts) whose last activity is 5-6 years old: what retention purges."""
    rows = _Rows(agency, random.Random(seed), datetime.now(UTC))
    chunk = 20_000
    for start in range(0, requests, chunk):
        count = min(chunk, requests - start)
        contacts = [rows.contact(EXPIRED) for _ in range(max(1, count // per_contact))]
        await _insert_people(writer, rows, contacts, [contacts[i % len(contacts)] for i in range(count)], EXPIRED)


async def _insert_people(
    writer: Writer, rows: _Rows, contacts: list[tuple], owners_of_requests: list[tuple], age: tuple[float, float]
) -> None:
    await writer.insert("contact", CONTACT_COLUMNS, contacts)
    await writer.insert("consent_record", CONSENT_COLUMNS, [c for contact in contacts for c in rows.consents(contact)])
    requests = [rows.request(contact, age) for contact in owners_of_requests]
    await writer.insert("travel_request", REQUEST_COLUMNS, requests)
    await writer.insert("traveler", TRAVELER_COLUMNS, [t for r in requests for t in rows.travelers(r)])
