"""The plain-language statement an access request must include (Art. 15(1)(a)-(h)).

The categories of data are generated from models.declarations, so the notice cannot forget a
field that the models hold; recipients, consents and sources are the person's own.
"""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.models import Model

from models.crm import Contact, Traveler, TravelRequest
from models.declarations import personal_fields
from models.enums import ConsentPurpose, Visibility
from models.gdpr import ConsentRecord
from models.organisation import Agency, User
from resolvers.consent import current_state

# The data subject's models, in the words of the notice.
SUBJECT_MODELS: dict[type[Model], str] = {
    Contact: "your contact record",
    TravelRequest: "your travel requests",
    Traveler: "the people travelling with you",
    ConsentRecord: "the records of your consents",
}

PURPOSE_WORDS = {
    ConsentPurpose.MARKETING_EMAIL: "sending you offers by email",
    ConsentPurpose.MARKETING_SMS: "sending you offers by text message",
    ConsentPurpose.NEWSLETTER: "sending you the newsletter",
    ConsentPurpose.PARTNER_SHARING: "sharing your details with partner companies",
}

AUDIENCE_WORDS = {
    Visibility.ADVISOR: "your advisor, {owner}",
    Visibility.TEAM: "your advisor, {owner}, and the members of their team",
    Visibility.AGENCY: "your advisor, {owner}, and the agency's staff",
}


def categories() -> list[str]:
    """One line per category: which fields of which records hold it."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for model, name, decl in personal_fields():
        where = SUBJECT_MODELS.get(model)
        if where is not None:
            grouped.setdefault(decl.category, {}).setdefault(where, []).append(name.replace("_", " "))
    return [
        f"{category}: " + "; ".join(f"{where} ({', '.join(names)})" for where, names in places.items())
        for category, places in grouped.items()
    ]


def _granted(consents: Iterable[ConsentRecord]) -> list[ConsentPurpose]:
    return [ConsentPurpose(r.purpose) for r in current_state(consents) if r.granted]


def compose(agency: Agency, contact: Contact, owner: User, consents: list[ConsentRecord]) -> str:
    granted = _granted(consents)
    consented = (
        "; and, with your consent, for " + ", ".join(PURPOSE_WORDS[p] for p in granted)
        if granted
        else "; nothing else, as you have given no other consent"
    )
    recipients = [
        AUDIENCE_WORDS[Visibility(contact.visibility)].format(owner=owner.name),
        "the agency's data protection officer",
        "when you book, the travel suppliers the booking needs (carriers, accommodation, tour operators)",
    ]
    if ConsentPurpose.PARTNER_SHARING in granted:
        recipients.append("partner companies, as you agreed")
    sources = sorted({r.source for r in consents})
    source = "the channels recorded with your consents: " + "; ".join(sources) if sources else "collected by the agency"
    months = agency.retention_months
    lines = [
        f"What {agency.name} holds about you, and your rights (GDPR Art. 15).",
        "",
        "Why we use your data: to answer and follow up your travel requests (quotes, bookings, after-sales), "
        "which you asked us to do" + consented + ".",
        "",
        "What data we hold:",
        *(f"- {line}" for line in categories()),
        "",
        "Who can see it: " + "; ".join(recipients) + ".",
        "",
        f"How long we keep it: {months} months after the last activity on your file, and each travel request "
        f"{months} months after its own last activity; then it is deleted. A record of who viewed or changed "
        "your data is kept for accountability; it refers to you by an internal number only.",
        "",
        "Your rights: you may ask us to give you access to your data (this export); to correct it "
        "(rectification); to erase it (erasure); to restrict its use (restriction); to receive it in a "
        "reusable format and have it sent to another company (portability: the CSV and JSON files of this "
        "export); and you may object to its use, in particular for marketing, at any time (objection). You "
        "may withdraw a consent at any time. Ask your advisor or our data protection officer. You may also "
        "lodge a complaint with the CNIL (Commission nationale de l'informatique et des libertés, www.cnil.fr).",
        "",
        f"Where your data comes from: {source}.",
        "",
        "Automated decisions: none; no decision about you is made by automated means, and there is no profiling.",
    ]
    return "\n".join(lines)
