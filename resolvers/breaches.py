"""The breach register (Art. 33, 34): who was exposed, computed from the audit log, and the notification's draft.

When an account or an API key leaks, every view, export and download it made is already in the audit log,
with the person's opaque id: the people affected are the distinct people those events name within the
window, and nothing else (other actors, other times and other agencies are not theirs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from auth.errors import BadInput, NotFound
from auth.principal import Principal
from models.breaches import Breach, BreachContact
from models.credentials import ApiKey
from models.crm import Contact
from models.declarations import (
    BIRTH_DATE,
    CONSENT,
    CONTACT_DETAILS,
    FREE_TEXT,
    IDENTITY,
    NOTE_FINDINGS,
    STAFF,
    SUBJECT_SCOPE,
    TRAVEL_COMPANIONS,
    personal_fields,
)
from models.gdpr import AuditEvent
from models.notes import NoteFinding
from models.organisation import Agency, User
from resolvers import audit, list_caps, outbox, validation
from resolvers.clock import now
from resolvers.ids import decode_id
from resolvers.mail_templates import Mail, render
from resolvers.subject_mail import day

NOTIFY_AUTHORITY_WITHIN = timedelta(hours=72)  # Art. 33(1)
# A discovery "now" sent by a client whose clock runs a little ahead of ours is not in the future.
CLOCK_LEEWAY = timedelta(minutes=5)
DESCRIPTION_MAX = 5000
# What reveals a person's data to the actor: a response showing it, an export, a download.
EXPOSING_ACTIONS = ("VIEW_PERSONAL", "EXPORT", "DELIVERY_DOWNLOADED")
API_KEY_ACTOR = "api-key:{}"


@dataclass(frozen=True)
class BreachInput:
    discovered_at: datetime
    description: str
    actor_email: str | None
    api_key_id: str | None
    window_from: datetime
    window_to: datetime


@dataclass(frozen=True)
class Exposure:
    contact_ids: list[int]  # the affected people still on file
    people: int  # every distinct person named, erased ones included
    events: int
    categories: list[str]
    special: list[str]  # what the notes detector found about the affected people


def exposed_categories(special_found: bool) -> list[str]:
    """The categories of the people's data a user or key can be shown (models.declarations): staff names aside,
    and the notes' findings only when there are some."""
    shown = {decl.category for _, _, decl in personal_fields() if decl.visible_to == SUBJECT_SCOPE} - {STAFF}
    return sorted(shown if special_found else shown - {NOTE_FINDINGS})


async def _actors(principal: Principal, data: BreachInput) -> tuple[str | None, str | None]:
    if data.actor_email is None and data.api_key_id is None:
        raise BadInput("actorEmail", "give the suspected actor: actorEmail and/or apiKeyId")
    email = None
    if data.actor_email is not None:
        email = validation.email("actorEmail", data.actor_email).lower()
        # A typo would otherwise enter the register for good as a breach of nobody. A former address
        # (the user's email changed since) still names its events, so the audit log counts too.
        known = await User.filter(agency_id=principal.agency_id, email=email).exists()
        if not known and not await AuditEvent.filter(agency_id=principal.agency_id, actor=email).exists():
            raise BadInput("actorEmail", "no user of this agency has this email, and no audit event names it")
    key_actor = None
    if data.api_key_id is not None:
        key = await ApiKey.filter(id=decode_id("ApiKey", data.api_key_id), agency_id=principal.agency_id).first()
        if key is None:
            raise NotFound("ApiKey")
        key_actor = API_KEY_ACTOR.format(key.name)
    return email, key_actor


async def exposure(agency_id: int, actors: list[str], window_from: datetime, window_to: datetime) -> Exposure:
    events = await AuditEvent.filter(
        agency_id=agency_id,
        actor__in=actors,
        action__in=EXPOSING_ACTIONS,
        at__gte=window_from,
        at__lte=window_to,
        contact_ref__isnull=False,
    ).values_list("contact_ref", flat=True)
    refs = {str(ref) for ref in events}
    ids = sorted(decode_id("Contact", ref) for ref in refs)
    on_file = sorted(row[0] for row in await Contact.filter(agency_id=agency_id, id__in=ids).values_list("id"))
    found = await NoteFinding.filter(contact_id__in=on_file).values_list("category", flat=True) if on_file else []
    special = sorted({str(category) for category in found})
    return Exposure(on_file, len(refs), len(events), exposed_categories(bool(special)), special)


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def notification_draft(
    agency: Agency, dpo: User | None, data: BreachInput, actors: list[str], found: Exposure, deadline: datetime
) -> str:
    """Art. 33(3)'s content, filled from the register; the DPO completes the bracketed parts."""
    special = (
        f"Special categories (Art. 9) or offences (Art. 10) appear in the notes of some of them: "
        f"{', '.join(found.special)}.\n"
        if found.special
        else "No special category data (Art. 9) was found in their notes.\n"
    )
    risk = (
        "High: special category data is involved (discrimination, damage to reputation, distress); "
        "the people concerned must be told without undue delay (Art. 34)."
        if found.special
        else "Identity and contact details, travel plans and companions: risk of phishing, fraud and burglary "
        "while travelling; [assess whether it is high, which requires telling the people concerned (Art. 34)]."
    )
    return "\n".join(
        [
            f"Notification of a personal data breach (GDPR Art. 33) — {agency.name}",
            f"To be sent to the supervisory authority before {_when(deadline)} (72 hours after discovery).",
            "",
            "(a) Nature of the breach",
            f"Discovered: {_when(data.discovered_at)}. {data.description}",
            f"Suspected actor: {' and '.join(actors)}, between {_when(data.window_from)} and {_when(data.window_to)}.",
            f"Approximate number of people concerned: {found.people}.",
            f"Approximate number of records concerned: {found.events} accesses (views, exports, downloads).",
            f"Categories of personal data: {', '.join(found.categories)}.",
            special.rstrip("\n"),
            "",
            "(b) Data protection officer",
            f"{dpo.name} <{dpo.email}>" if dpo is not None else "[name and contact details of the DPO]",
            "",
            "(c) Likely consequences",
            risk,
            "",
            "(d) Measures taken or proposed",
            "[e.g. account deactivated and its sessions ended, or API key revoked; passwords reset; "
            "people concerned informed; measures to prevent a recurrence]",
        ]
    )


def _instant(field: str, value: datetime) -> datetime:
    """An instant in UTC: a time without an offset is ambiguous (whose midnight?), and one at the edge of the
    calendar cannot be moved to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadInput(field, "must include a UTC offset (e.g. 2026-03-02T09:00:00Z)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise BadInput(field, "is out of range") from None


async def record_breach(principal: Principal, data: BreachInput) -> Breach:
    description = validation.text("description", data.description, max_length=DESCRIPTION_MAX, multiline=True)
    discovered_at = _instant("discoveredAt", data.discovered_at)
    if discovered_at > now() + CLOCK_LEEWAY:
        raise BadInput("discoveredAt", "must not be in the future")
    window_from, window_to = _instant("from", data.window_from), _instant("to", data.window_to)
    if window_to < window_from:
        raise BadInput("to", "must not be before from")
    data = BreachInput(discovered_at, description, data.actor_email, data.api_key_id, window_from, window_to)
    email, key_actor = await _actors(principal, data)
    actors = [a for a in (email, key_actor) if a is not None]
    found = await exposure(principal.agency_id, actors, data.window_from, data.window_to)
    agency = await Agency.get(id=principal.agency_id)
    dpo = await User.filter(id=principal.user_id).first() if principal.user_id is not None else None
    deadline = data.discovered_at + NOTIFY_AUTHORITY_WITHIN
    cleaned = BreachInput(data.discovered_at, description, email, data.api_key_id, data.window_from, data.window_to)
    async with in_transaction() as conn:
        breach = await Breach.create(
            agency_id=principal.agency_id,
            recorded_at=now(),
            recorded_by=principal.actor,
            discovered_at=data.discovered_at,
            description=description,
            actor_email=email,
            api_key_actor=key_actor,
            window_from=data.window_from,
            window_to=data.window_to,
            notify_authority_by=deadline,
            affected_contact_count=found.people,
            exposure_count=found.events,
            categories="\n".join(found.categories),
            notification_draft=notification_draft(agency, dpo, cleaned, actors, found, deadline),
            using_db=conn,
        )
        if found.contact_ids:
            await BreachContact.bulk_create(
                [BreachContact(breach_id=breach.id, contact_id=c) for c in found.contact_ids], using_db=conn
            )
        await audit.record(
            principal, "RECORD_BREACH", detail=f"breach {breach.id}: {found.people} people", connection=conn
        )
    return breach


async def list_breaches(principal: Principal) -> list[Breach]:
    query = Breach.filter(agency_id=principal.agency_id).order_by("-id")
    return await list_caps.at_most(query, list_caps.BREACHES, "breaches")


async def get_breach(principal: Principal, breach_id: int) -> Breach:
    breach = await Breach.filter(id=breach_id, agency_id=principal.agency_id).first()
    if breach is None:
        raise NotFound("Breach")
    return breach


async def affected_contact_ids(breach: Breach) -> list[int]:
    return [row[0] for row in await BreachContact.filter(breach_id=breach.id).values_list("contact_id")]


# The register's categories, as the letter to the person says them (anything not listed: as declared).
LETTER_CATEGORIES = {
    "fr": {
        IDENTITY: "vos nom et prénom",
        CONTACT_DETAILS: "vos coordonnées (email, téléphone, adresse)",
        BIRTH_DATE: "votre date de naissance",
        FREE_TEXT: "les notes sur vos voyages",
        TRAVEL_COMPANIONS: "les personnes qui voyagent avec vous",
        CONSENT: "vos choix de consentement",
        NOTE_FINDINGS: "des informations sensibles notées à votre sujet",
    },
    "en": {
        IDENTITY: "your name",
        CONTACT_DETAILS: "your contact details (email, phone, address)",
        BIRTH_DATE: "your date of birth",
        FREE_TEXT: "the notes about your trips",
        TRAVEL_COMPANIONS: "the people travelling with you",
        CONSENT: "your consent choices",
        NOTE_FINDINGS: "sensitive information noted about you",
    },
}
# How the data was reached, never whose account it was.
LETTER_MEANS = {
    "fr": {"user": "au moyen d'un compte de l'agence", "key": "au moyen de l'accès d'un partenaire"},
    "en": {"user": "using one of our accounts", "key": "using a partner's access"},
}


def _letter(breach: Breach, agency: Agency, dpo: str, name: str, language: str, flagged: bool) -> Mail:
    """`flagged`: whether this person's notes hold findings (else the letter does not say they were exposed)."""
    means = LETTER_MEANS[language]["user" if breach.actor_email else "key"]
    categories = [
        LETTER_CATEGORIES[language].get(c, c)
        for c in breach.categories.split("\n")
        if c and (flagged or c != NOTE_FINDINGS)
    ]
    return render(
        "breach",
        language,
        name=name,
        agency=agency.name,
        start=day(breach.window_from, language),
        end=day(breach.window_to, language),
        discovered=day(breach.discovered_at, language),
        means=means,
        categories=", ".join(categories),
        dpo=dpo,
    )


def _already_notified(at: datetime) -> BadInput:
    return BadInput("id", f"the people concerned were already notified on {_when(at)}")


async def notify_subjects(principal: Principal, breach_id: int) -> int:
    """Art. 34: one letter (French, then English) per affected person with an email, through the outbox,
    in one transaction; returns how many were queued. Once per breach: a second call is refused."""
    breach = await get_breach(principal, breach_id)
    if breach.subjects_notified_at is not None:
        raise _already_notified(breach.subjects_notified_at)
    agency = await Agency.get(id=principal.agency_id)
    user = await User.filter(id=principal.user_id).first() if principal.user_id is not None else None
    dpo = f"{user.name} <{user.email}>" if user is not None else agency.name
    people = await Contact.filter(
        agency_id=principal.agency_id, id__in=await affected_contact_ids(breach), email__isnull=False
    ).order_by("id")
    flagged = {
        row[0] for row in await NoteFinding.filter(contact_id__in=[p.id for p in people]).values_list("contact_id")
    }
    queued = 0
    async with in_transaction() as conn:
        # Claimed first, in the transaction: of two calls at once (two tabs, two servers) one queues the
        # letters and the other is refused, instead of every person getting two.
        claimed = (
            await Breach.filter(id=breach.id, subjects_notified_at__isnull=True)
            .using_db(conn)
            .update(subjects_notified_at=now())
        )
        if not claimed:
            raise _already_notified(now())
        for person in people:
            if not person.email:
                continue
            name = f"{person.first_name} {person.last_name}"
            french, english = (
                _letter(breach, agency, dpo, name, language, person.id in flagged) for language in ("fr", "en")
            )
            await outbox.enqueue_mail(
                conn,
                agency_id=agency.id,
                to=person.email,
                subject=french.subject,
                text=f"{french.text}\n\n— English —\n\n{english.text}",
                contact_id=person.id,
            )
            queued += 1
        await audit.record(
            principal, "NOTIFY_BREACH_SUBJECTS", detail=f"breach {breach.id}: {queued} letters queued", connection=conn
        )
    return queued
