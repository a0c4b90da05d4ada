"""The demo agency seeded by `alveole serve --demo` on an empty database."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.transactions import in_transaction

from auth.passwords import hash_password
from auth.principal import SYSTEM_ACTOR
from models import (
    Agency,
    ConsentPurpose,
    ConsentRecord,
    Contact,
    ContactKind,
    OutboxMessage,
    OutboxStatus,
    RequestStatus,
    Role,
    SubjectRequest,
    SubjectRequestStatus,
    SubjectRightKind,
    Team,
    Traveler,
    TravelRequest,
    User,
    Visibility,
)
from resolvers import audit, notes_scan, outbox
from resolvers.clock import now
from resolvers.search import search_text
from resolvers.subject_requests import add_months

DEMO_PASSWORD = "demo-alveole-2026"  # noqa: S105 - the demo logins' shared password, printed on purpose
DEMO_AGENCY = "Voyages Demo"

FIRST_NAMES = [
    "Camille",
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Inès",
    "Louis",
    "Zoé",
    "Gabriel",
    "Manon",
    "Jules",
    "Éloïse",
    "Arthur",
    "Anaïs",
    "Raphaël",
    "Céline",
    "Théo",
    "Noémie",
    "Adèle",
    "François",
]
LAST_NAMES = [
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Müller",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
]
DESTINATIONS = [
    "Lisbonne",
    "Marrakech",
    "Tokyo",
    "New York",
    "Reykjavik",
    "Bali",
    "Rome",
    "Montréal",
    "Le Cap",
    "Santorin",
    "Hanoï",
    "Lima",
    "Séville",
    "Zanzibar",
    "Québec",
    "Kyoto",
]
NOTES = [
    "Préfère les vols directs.",
    "Allergique aux fruits à coque.",
    "Voyage de noces.",
    "Souhaite une chambre accessible PMR.",
    "Repas halal sur les vols.",
    "Client pénible au téléphone, rappelle sans cesse.",
    "Budget serré, flexible sur les dates.",
    None,
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    team: str | None


async def seed_demo() -> list[DemoLogin] | None:
    """Seeds the demo agency if the database has no agency yet; returns its logins, or None."""
    if await Agency.exists():
        return None
    rng = random.Random(2026)
    at = now()
    password_hash = hash_password(DEMO_PASSWORD)
    logins: list[DemoLogin] = []
    async with in_transaction() as conn:
        agency = await Agency.create(name=DEMO_AGENCY, using_db=conn)
        europe = await Team.create(agency=agency, name="Europe", using_db=conn)
        far = await Team.create(agency=agency, name="Long-courrier", using_db=conn)

        async def user(email: str, name: str, role: Role, team: Team | None) -> User:
            logins.append(DemoLogin(email, role.value, team.name if team else None))
            return await User.create(
                agency=agency, email=email, name=name, role=role, team=team, password_hash=password_hash, using_db=conn
            )

        await user("admin@demo.alveole.test", "Alice Admin", Role.ADMIN, None)
        await user("dpo@demo.alveole.test", "Denis Dpo", Role.DPO, None)
        advisors = [
            await user("sophie@demo.alveole.test", "Sophie Laurent", Role.ADVISOR, europe),
            await user("marc@demo.alveole.test", "Marc Petit", Role.ADVISOR, europe),
            await user("nadia@demo.alveole.test", "Nadia Haddad", Role.ADVISOR, far),
            await user("yann@demo.alveole.test", "Yann Le Gall", Role.ADVISOR, far),
        ]
        people = [("Pierre", "Martin")] + [(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) for _ in range(29)]
        visibilities = list(Visibility)
        for index, (first, last) in enumerate(people):
            owner = advisors[index % len(advisors)]
            email = f"{first}.{last}{index}@example.org".lower().replace("é", "e").replace("ï", "i").replace("ë", "e")
            email = email.encode("ascii", "ignore").decode()
            phone = f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            # Cas 3: a few contacts whose last activity is older than the retention period.
            old = index % 10 == 9
            # And a few that will expire within the year (the dashboard's retention forecast).
            expiring = index % 10 == 4
            created = at - timedelta(
                days=rng.randint(1300, 1600) if old else rng.randint(1000, 1090) if expiring else rng.randint(5, 700)
            )
            contact = await Contact.create(
                agency=agency,
                owner=owner,
                team_id=owner.team_id,
                visibility=visibilities[index % 3],
                kind=ContactKind.CLIENT if index % 2 else ContactKind.PROSPECT,
                first_name=first,
                last_name=last,
                email=email,
                phone=phone,
                birth_date=date(rng.randint(1950, 2002), rng.randint(1, 12), rng.randint(1, 28)),
                address=f"{rng.randint(1, 120)} rue de la Paix, 750{rng.randint(10, 20)} Paris",
                notes=rng.choice(NOTES),
                created_at=created,
                last_activity_at=created,
                search_text=search_text(first, last, email, phone),
                using_db=conn,
            )
            await ConsentRecord.create(
                contact=contact,
                purpose=ConsentPurpose.NEWSLETTER,
                granted=index % 3 != 0,
                recorded_at=created,
                source="https://demo.alveole.test/contact",
                recorded_by=owner.email,
                wording="J'accepte de recevoir la lettre d'information de Voyages Demo.",
                using_db=conn,
            )
            for _ in range(2 if index == 0 else rng.randint(1, 4)):
                departure = (created + timedelta(days=rng.randint(20, 200))).date()
                request = await TravelRequest.create(
                    agency=agency,
                    contact=contact,
                    advisor=owner,
                    destination=rng.choice(DESTINATIONS),
                    status=rng.choice(list(RequestStatus)),
                    departure_date=departure,
                    return_date=departure + timedelta(days=rng.randint(3, 21)),
                    traveler_count=rng.randint(1, 4),
                    budget_cents=rng.randint(80, 900) * 1000,
                    notes=rng.choice(NOTES),
                    created_at=created,
                    last_activity_at=created,
                    using_db=conn,
                )
                for position in range(request.traveler_count - 1):
                    await Traveler.create(
                        request=request,
                        position=position,
                        first_name=rng.choice(FIRST_NAMES),
                        last_name=last,
                        birth_date=date(rng.randint(2005, 2022), rng.randint(1, 12), rng.randint(1, 28)),
                        using_db=conn,
                    )
    await _seed_activity(agency, advisors, rng)
    return logins


async def _seed_activity(agency: Agency, advisors: list[User], rng: random.Random) -> None:
    """What the DPO's dashboard (/dpo) shows: a month of views (one advisor's day far above the others'),
    subject requests with deadlines and their acknowledgements (one bounced), an explicit consent, and the
    notes' findings."""
    at = now()
    contacts = await Contact.filter(agency=agency).order_by("id")
    for days_ago in range(29, -1, -1):
        day = (at - timedelta(days=days_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
        for advisor in advisors:
            own = [c for c in contacts if c.owner_id == advisor.id]
            views = 60 if (advisor.email.startswith("marc") and days_ago == 5) else rng.randint(2, 12)
            entries = [
                audit.Entry("VIEW_PERSONAL", rng.choice(own if views < 20 else contacts).id) for _ in range(views)
            ]
            await audit.record_many(agency.id, advisor.email, entries, at=min(day, at))
    for kind, status, received_days_ago in (
        (SubjectRightKind.ACCESS, SubjectRequestStatus.OPEN, 40),  # overdue
        (SubjectRightKind.ERASURE, SubjectRequestStatus.OPEN, 27),  # due within 7 days
        (SubjectRightKind.RECTIFICATION, SubjectRequestStatus.OPEN, 5),
        (SubjectRightKind.ACCESS, SubjectRequestStatus.DONE, 60),
    ):
        received = at - timedelta(days=received_days_ago)
        person = rng.choice(contacts)
        request = await SubjectRequest.create(
            agency=agency,
            contact=person,
            kind=kind,
            status=status,
            received_at=received,
            due_at=add_months(received, 1),
            closed_at=at if status == SubjectRequestStatus.DONE else None,
        )
        # Its acknowledgement, sent; the last one bounced (the outbox's chart and its failure tile). Older
        # ones would already be deleted, as sent mails are after a while.
        if at - received > outbox.KEEP_AFTER_SENDING:
            continue
        failed = kind == SubjectRightKind.RECTIFICATION
        await OutboxMessage.create(
            agency=agency,
            transport=outbox.MAIL,
            status=OutboxStatus.FAILED if failed else OutboxStatus.SENT,
            recipient=person.email or "inconnu@example.org",
            subject=f"{DEMO_AGENCY} : votre demande a bien été reçue",
            body="Bonjour,\n\nNous avons bien reçu votre demande et y répondrons sous un mois.\n",
            contact=person,
            subject_request=request,
            attempts=5 if failed else 1,
            created_at=received,
            next_attempt_at=received,
            sent_at=None if failed else received,
            last_error="SMTPRecipientsRefused 550" if failed else None,
        )
    allergic = next((c for c in contacts if c.notes and "Allergique" in c.notes), contacts[0])
    await ConsentRecord.create(
        contact=allergic,
        purpose=ConsentPurpose.SPECIAL_CATEGORY_DATA,
        granted=True,
        recorded_at=at - timedelta(days=3),
        source="agency desk",
        recorded_by=advisors[0].email,
        wording="J'accepte que Voyages Demo conserve mes informations de santé utiles à mon voyage.",
    )
    await notes_scan.rescan(agency.id, SYSTEM_ACTOR)
