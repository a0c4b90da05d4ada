"""The rights notice (Art. 15(1)(a)-(h)) exists in English and French, for every purpose and personal field."""

from __future__ import annotations

import pytest

from models import Agency, ConsentPurpose, ConsentRecord, Contact, User, Visibility
from models.declarations import personal_fields
from resolvers import rights_notice
from resolvers.clock import now


def _person(purposes: list[ConsentPurpose]) -> tuple[Agency, Contact, User, list[ConsentRecord]]:
    agency = Agency(name="Voyages Soleil", retention_months=36)
    owner = User(name="Sophie Laurent")
    contact = Contact(visibility=Visibility.TEAM)
    consents = [
        ConsentRecord(purpose=p, granted=True, recorded_at=now(), source=f"https://site/{p.value}", wording="w")
        for p in purposes
    ]
    return agency, contact, owner, consents


@pytest.mark.parametrize("language", rights_notice.LANGUAGES)
def test_every_purpose_has_words_in_every_language(language: str) -> None:
    agency, contact, owner, consents = _person(list(ConsentPurpose))
    notice = rights_notice.compose(agency, contact, owner, consents, language)
    for purpose in ConsentPurpose:
        assert rights_notice.PURPOSE_WORDS[language][purpose] in notice
    assert "CNIL" in notice and "36" in notice and "Sophie Laurent" in notice


def test_every_personal_field_of_the_person_has_french_words() -> None:
    subject_models = rights_notice.SUBJECT_MODELS["fr"]
    missing = [
        f"{model.__name__}.{name} ({decl.category})"
        for model, name, decl in personal_fields()
        if model in subject_models and not {name.replace("_", " "), decl.category} <= rights_notice.FRENCH_WORDS.keys()
    ]
    assert not missing, f"add their French words to resolvers/rights_notice.FRENCH_WORDS: {missing}"
    assert rights_notice.SUBJECT_MODELS["en"].keys() == subject_models.keys()


def test_the_french_notice_is_french() -> None:
    agency, contact, owner, consents = _person([ConsentPurpose.NEWSLETTER])
    notice = rights_notice.compose(agency, contact, owner, consents, "fr")
    assert notice.startswith("Ce que Voyages Soleil détient sur vous")
    assert "prénom" in notice and "Vos droits" in notice and "What data" not in notice
    with pytest.raises(ValueError, match="de"):
        rights_notice.compose(agency, contact, owner, consents, "de")
