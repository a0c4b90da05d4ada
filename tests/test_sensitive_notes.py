"""The notes detector: measured on the labelled corpus (tests/fixtures/notes_corpus.jsonl), and its reading rules."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from resolvers.sensitive_notes import CATEGORIES, categories, detect

CORPUS = Path(__file__).parent / "fixtures" / "notes_corpus.jsonl"
GOAL = 0.9
# Each part was written before the rules of its day saw it (README, "The DPO's cockpit").
SPLITS = (
    "dev",
    "holdout",
    "holdout-b",
    "holdout-c",
    "holdout-d",
    "holdout-e",
    "holdout-f",
    "holdout-g",
    "holdout-h",
    "holdout-i",
    "holdout-j",
    "holdout-k",
)


def _corpus(split: str | None = None) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if split is None or row["split"] == split]


def scores(rows: list[dict[str, object]]) -> dict[str, tuple[float, float]]:
    """Per category (and "overall"), precision and recall per note."""
    counts = {category: [0, 0, 0] for category in CATEGORIES}  # true positives, false positives, false negatives
    for row in rows:
        found, expected = set(categories(detect(str(row["text"])))), set(row["categories"])  # type: ignore[call-overload]
        for category in CATEGORIES:
            if category in found:
                counts[category][0 if category in expected else 1] += 1
            elif category in expected:
                counts[category][2] += 1
    totals = [sum(c[i] for c in counts.values()) for i in range(3)]
    result = {}
    for name, (tp, fp, fn) in [*counts.items(), ("overall", totals)]:
        result[name] = (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)
    return result


def test_the_corpus_is_big_enough_and_labelled_with_known_categories() -> None:
    rows = _corpus()
    assert len(rows) >= 300
    assert {row["split"] for row in rows} == set(SPLITS)
    for category in CATEGORIES:
        assert sum(category in row["categories"] for row in rows) >= 5, category  # type: ignore[operator]
    assert sum(not row["categories"] for row in rows) >= 100  # traps: notes with nothing to find
    assert all(set(row["categories"]) <= set(CATEGORIES) for row in rows)


def test_precision_and_recall_reach_the_goal_per_category() -> None:
    for category, (precision, recall) in scores(_corpus()).items():
        assert precision >= GOAL and recall >= GOAL, (category, precision, recall)


@pytest.mark.parametrize("split", SPLITS)
def test_precision_and_recall_reach_the_goal_on_each_part(split: str) -> None:
    # Per part, overall: a part holds a handful of notes of some categories, where one note is 10 points.
    precision, recall = scores(_corpus(split))["overall"]
    assert precision >= GOAL and recall >= GOAL, (split, precision, recall)


def test_excerpts_are_the_agents_own_words() -> None:
    [finding] = detect("Cliente DIABÉTIQUE, voyage en août.")
    assert (finding.category, finding.excerpt) == ("HEALTH", "DIABÉTIQUE")
    assert [f.excerpt for f in detect("Soigner l\u2019asthme du petit")] == ["asthme"]


def test_negations_cancel_a_finding_but_not_the_sensitive_negations() -> None:
    for note in (
        "Pas d'allergie",
        "no dietary requirements, no allergies",
        "Handicap : néant",
        "Wheelchair not needed",
    ):
        assert detect(note) == [], note
    assert categories(detect("Ne mange pas de porc")) == ["RELIGION"]
    assert categories(detect("Ne pas oublier le repas halal")) == ["RELIGION"]
    assert categories(detect("Pas d'allergie mais diabétique")) == ["HEALTH"]


def test_places_and_travel_words_are_not_the_person() -> None:
    for note in (
        "Visite de la cathédrale puis de la mosquée",
        "Temple Bar le soir",
        "Spa et thalasso",
        "Hôtel rue de l'Hôpital",
        "Vol pour Cancún",
        "Vol sec Nice-Rome",
        "Club Med Opio",
        "Prière de confirmer",
        "Passeport biométrique",
    ):
        assert detect(note) == [], note


def test_slips_of_typing_are_read_as_their_word_and_excerpted_as_typed() -> None:
    found = detect("wheelchar at arrival, pregant 5 months, alergic to nuts")
    assert [(f.category, f.excerpt) for f in found] == [
        ("HEALTH", "wheelchar"),
        ("HEALTH", "pregant"),
        ("HEALTH", "alergic"),
    ]
    # One edit from a keyword but a word of its own: not corrected.
    for note in ("Retraite de méditation", "Hospitalité remarquable", "Ils pratiquent le ski", "Cashier at the desk"):
        assert detect(note) == [], note


def test_events_offers_insurance_and_animals_are_not_the_person() -> None:
    for note in (
        "Congrès de diabétologie à Lisbonne",
        "Halal options are available on every flight of this airline",
        "Client's dog is diabetic, pet-friendly hotel needed",
        "Does the travel insurance cover illness abroad?",
        "The flight was a total nightmare because of the delays",
        "Vol opéré par Air France",
        "Le client est kinésithérapeute",
    ):
        assert detect(note) == [], note


def test_a_cue_elsewhere_in_the_sentence_and_the_client_s_own_words() -> None:
    assert categories(detect("Mrs Hussain will be fasting, Ramadan starts during the trip.")) == ["RELIGION"]
    assert detect("Ramadan starts during the trip: opening hours may change in Marrakech.") == []
    assert categories(detect("Mme Blanc et Mme Renaud sont en couple, un grand lit.")) == ["SEXUAL_ORIENTATION"]
    assert detect("Mme Blanc et Mme Renaud sont collègues, deux lits.") == []
    assert categories(detect("Bonjour, je suis sourd, merci de m'écrire.")) == ["HEALTH"]
    assert categories(detect("severe claustrophobia - no inside cabin")) == ["HEALTH"]


def test_son_mari_is_read_against_who_the_note_is_about() -> None:
    assert categories(detect("M. Martin voyage avec son mari.")) == ["SEXUAL_ORIENTATION"]
    assert detect("Mme Martin voyage avec son mari.") == []
    assert categories(detect("Mme Petit et sa compagne")) == ["SEXUAL_ORIENTATION"]
    assert detect("M. Petit et sa femme") == []


def test_several_categories_in_one_note_and_one_finding_per_excerpt() -> None:
    findings = detect("Radin, repas MOML, diabétique et diabétique")
    assert categories(findings) == ["HEALTH", "JUDGEMENT", "RELIGION"]
    assert len([f for f in findings if f.category == "HEALTH"]) == 1


def test_thousands_of_notes_per_second_and_long_lines() -> None:
    texts = [str(row["text"]) for row in _corpus()] * 2
    started = time.process_time()
    for text in texts:
        detect(text)
    assert len(texts) / (time.process_time() - started) > 1000
    long_line = "Vol Paris-Rome, " * 20_000 + "client épileptique"
    assert categories(detect(long_line)) == ["HEALTH"]
    assert detect("") == [] and detect("   ") == []


def test_notes_check_prints_one_json_object_per_line() -> None:
    from tests.test_cli import alveole_with_input

    lines = (
        "Client diabétique, repas MOML\r\n\nPas d\u2019allergie\n".encode() + b"\xff\xfe junk\n" + b"Vieux schnock\n"
    )
    result = alveole_with_input(["notes", "check"], lines)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(answers) == 5
    assert answers[0] == {
        "categories": ["HEALTH", "RELIGION"],
        "findings": [{"category": "HEALTH", "excerpt": "diabétique"}, {"category": "RELIGION", "excerpt": "MOML"}],
    }
    assert answers[1] == answers[2] == answers[3] == {"categories": [], "findings": []}
    assert answers[4] == {
        "categories": ["JUDGEMENT"],
        "findings": [{"category": "JUDGEMENT", "excerpt": "Vieux schnock"}],
    }
