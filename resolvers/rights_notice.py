"""The plain-language statement an access request must include (Art. 15(1)(a)-(h)), in English or French.

The categories of data are generated from models.declarations, so the notice cannot forget a
field that the models hold; recipients, consents and sources are the person's own. Every word the
notice takes from the models has its French twin here: tests/test_rights_notice.py fails when a new
personal field or consent purpose lacks one.
"""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.models import Model

from models.crm import Contact, Traveler, TravelRequest
from models.declarations import personal_fields
from models.enums import ConsentPurpose, Visibility
from models.gdpr import ConsentRecord
from models.notes import NoteFinding
from models.organisation import Agency, User
from resolvers.consent import current_state

LANGUAGES = ("en", "fr")

# The data subject's models, in the words of the notice.
SUBJECT_MODELS: dict[str, dict[type[Model], str]] = {
    "en": {
        Contact: "your contact record",
        TravelRequest: "your travel requests",
        Traveler: "the people travelling with you",
        ConsentRecord: "the records of your consents",
        NoteFinding: "what our checks of the notes about you found",
    },
    "fr": {
        Contact: "votre fiche de contact",
        TravelRequest: "vos demandes de voyage",
        Traveler: "les personnes qui voyagent avec vous",
        ConsentRecord: "les preuves de vos consentements",
        NoteFinding: "ce que nos contrôles des notes vous concernant ont relevé",
    },
}

# French for the categories and field names models.declarations gives in English.
FRENCH_WORDS = {
    "identity": "identité",
    "contact": "coordonnées",
    "birth date": "date de naissance",
    "free text": "texte libre",
    "travel companions": "compagnons de voyage",
    "consent": "consentement",
    "staff identity": "identité du personnel",
    "search index": "index de recherche",
    "search text": "texte de recherche",
    "sensitive data found in free text (Art. 9, 10)": "données sensibles relevées dans le texte libre (art. 9, 10)",
    "first name": "prénom",
    "last name": "nom",
    "email": "e-mail",
    "phone": "téléphone",
    "address": "adresse",
    "notes": "notes",
    "purpose": "finalité",
    "granted": "accord",
    "recorded at": "date",
    "source": "source",
    "wording": "texte accepté",
    "recorded by": "enregistré par",
    "category": "catégorie",
    "excerpt": "extrait",
}

PURPOSE_WORDS = {
    "en": {
        ConsentPurpose.MARKETING_EMAIL: "sending you offers by email",
        ConsentPurpose.MARKETING_SMS: "sending you offers by text message",
        ConsentPurpose.NEWSLETTER: "sending you the newsletter",
        ConsentPurpose.PARTNER_SHARING: "sharing your details with partner companies",
        ConsentPurpose.SPECIAL_CATEGORY_DATA: "keeping the sensitive details (such as health or diet) your trips need",
    },
    "fr": {
        ConsentPurpose.MARKETING_EMAIL: "vous envoyer des offres par e-mail",
        ConsentPurpose.MARKETING_SMS: "vous envoyer des offres par SMS",
        ConsentPurpose.NEWSLETTER: "vous envoyer la lettre d'information",
        ConsentPurpose.PARTNER_SHARING: "transmettre vos coordonnées à des sociétés partenaires",
        ConsentPurpose.SPECIAL_CATEGORY_DATA: (
            "conserver les informations sensibles (santé, régime alimentaire…) nécessaires à vos voyages"
        ),
    },
}

AUDIENCE_WORDS = {
    "en": {
        Visibility.ADVISOR: "your advisor, {owner}",
        Visibility.TEAM: "your advisor, {owner}, and the members of their team",
        Visibility.AGENCY: "your advisor, {owner}, and the agency's staff",
    },
    "fr": {
        Visibility.ADVISOR: "votre conseiller ou conseillère, {owner}",
        Visibility.TEAM: "votre conseiller ou conseillère, {owner}, et les membres de son équipe",
        Visibility.AGENCY: "votre conseiller ou conseillère, {owner}, et le personnel de l'agence",
    },
}


def _word(text: str, language: str) -> str:
    return FRENCH_WORDS.get(text, text) if language == "fr" else text


def categories(language: str = "en") -> list[str]:
    """One line per category: which fields of which records hold it."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for model, name, decl in personal_fields():
        where = SUBJECT_MODELS[language].get(model)
        if where is not None:
            field = _word(name.replace("_", " "), language)
            grouped.setdefault(_word(decl.category, language), {}).setdefault(where, []).append(field)
    return [
        f"{category}: " + "; ".join(f"{where} ({', '.join(names)})" for where, names in places.items())
        for category, places in grouped.items()
    ]


def _granted(consents: Iterable[ConsentRecord]) -> list[ConsentPurpose]:
    return [ConsentPurpose(r.purpose) for r in current_state(consents) if r.granted]


def compose(agency: Agency, contact: Contact, owner: User, consents: list[ConsentRecord], language: str = "en") -> str:
    if language not in LANGUAGES:
        raise ValueError(f"no rights notice in {language!r}")
    granted = _granted(consents)
    purposes = ", ".join(PURPOSE_WORDS[language][p] for p in granted)
    recipients = [AUDIENCE_WORDS[language][Visibility(contact.visibility)].format(owner=owner.name)]
    sources = "; ".join(sorted({r.source for r in consents}))
    compose_in = _french if language == "fr" else _english
    return "\n".join(compose_in(agency, granted, purposes, recipients, sources))


def _english(
    agency: Agency, granted: list[ConsentPurpose], purposes: str, recipients: list[str], sources: str
) -> list[str]:
    consented = (
        "; and, with your consent, for " + purposes if granted else "; nothing else, as you have given no other consent"
    )
    recipients = [
        *recipients,
        "the agency's data protection officer",
        "when you book, the travel suppliers the booking needs (carriers, accommodation, tour operators)",
    ]
    if ConsentPurpose.PARTNER_SHARING in granted:
        recipients.append("partner companies, as you agreed")
    source = "the channels recorded with your consents: " + sources if sources else "collected by the agency"
    months = agency.retention_months
    return [
        f"What {agency.name} holds about you, and your rights (GDPR Art. 15).",
        "",
        "Why we use your data: to answer and follow up your travel requests (quotes, bookings, after-sales), "
        "which you asked us to do" + consented + ".",
        "",
        "What data we hold:",
        *(f"- {line}" for line in categories("en")),
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


def _french(
    agency: Agency, granted: list[ConsentPurpose], purposes: str, recipients: list[str], sources: str
) -> list[str]:
    consented = (
        " ; et, avec votre consentement, pour " + purposes
        if granted
        else " ; rien d'autre, car vous n'avez donné aucun autre consentement"
    )
    recipients = [
        *recipients,
        "le ou la délégué·e à la protection des données de l'agence",
        "lors d'une réservation, les prestataires qu'elle nécessite (transporteurs, hébergements, voyagistes)",
    ]
    if ConsentPurpose.PARTNER_SHARING in granted:
        recipients.append("des sociétés partenaires, comme vous l'avez accepté")
    source = "les canaux enregistrés avec vos consentements : " + sources if sources else "collectées par l'agence"
    months = agency.retention_months
    return [
        f"Ce que {agency.name} détient sur vous, et vos droits (RGPD, art. 15).",
        "",
        "Pourquoi nous utilisons vos données : pour répondre à vos demandes de voyage et les suivre (devis, "
        "réservations, après-vente), comme vous nous l'avez demandé" + consented + ".",
        "",
        "Les données que nous détenons :",
        *(f"- {line}" for line in categories("fr")),
        "",
        "Qui peut les voir : " + " ; ".join(recipients) + ".",
        "",
        f"Combien de temps nous les gardons : {months} mois après la dernière activité sur votre dossier, et "
        f"chaque demande de voyage {months} mois après sa propre dernière activité ; elles sont ensuite "
        "supprimées. La trace de qui a consulté ou modifié vos données est conservée pour rendre des comptes ; "
        "elle ne vous désigne que par un numéro interne.",
        "",
        "Vos droits : vous pouvez nous demander l'accès à vos données (cet export) ; leur rectification ; leur "
        "effacement ; la limitation de leur utilisation ; de les recevoir dans un format réutilisable et de les "
        "faire transmettre à une autre société (portabilité : les fichiers CSV et JSON de cet export) ; et vous "
        "pouvez vous opposer à tout moment à leur utilisation, notamment à des fins de prospection (opposition). "
        "Vous pouvez retirer un consentement à tout moment. Adressez-vous à votre conseiller ou à notre "
        "délégué·e à la protection des données. Vous pouvez aussi introduire une réclamation auprès de la CNIL "
        "(Commission nationale de l'informatique et des libertés, www.cnil.fr).",
        "",
        f"D'où viennent vos données : {source}.",
        "",
        "Décisions automatisées : aucune ; aucune décision vous concernant n'est prise par des moyens "
        "automatisés, et il n'y a pas de profilage.",
    ]
