"""Typing slips on the words that matter: "wheelchar", "pregant", "alergic", "ramadam" read as their word, and
the ligatures of "cœur" and "œsophage" written out.

Agents type fast. A word one edit away (a letter missing, added, changed, or two swapped) from one of the
distinctive words below is read as that word before the rules run, so every rule (its exclusions and its
negations included) applies to it. Only long words that no common French or English word is one edit away
from are listed: not "casher" ("cashier"), "autiste" ("artiste"), "medication" ("meditation"),
"hospitalise" ("hospitalite"), "pratiquant" ("ils pratiquent"), "protestant" ("ils protestent"),
"crutches" ("clutches"). A word that begins with one of them, or that one begins with, is an inflection
("diabete", "musulmans"), which the rules read already.
The note's offsets are kept: the excerpt is still the agent's own spelling.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Folded spelling (no accents, lower case); the rules know every one of them.
KEYWORDS = frozenset(
    {
        *("wheelchair", "wheelchairs", "pregnant", "pregnancy", "allergic", "allergy", "allergies", "allergie"),
        *("allergique", "allergiques", "diabetic", "diabetes", "diabetique", "epileptic", "epileptique"),
        *("asthmatic", "asthmatique", "dialysis", "pacemaker", "chemotherapy", "chimiotherapie"),
        *("bequilles", "alzheimer", "parkinson", "paraplegic", "paraplegique", "tetraplegique", "hospitalised"),
        *("hospitalized", "malvoyant", "malvoyante", "malentendant", "malentendante", "grossesse"),
        *("medicament", "medicaments", "insuline", "intolerant", "intolerance", "kasher", "kosher"),
        *("ramadan", "shabbat", "musulman", "musulmane", "catholique", "catholic", "bouddhiste", "buddhist"),
        *("homosexuel", "homosexuelle", "homosexual"),
        *("lesbienne", "bisexuel", "bisexuelle", "desagreable", "insupportable", "hysterique", "condamne"),
        *("syndique", "syndiquee", "syndicaliste", "fingerprints", "conviction"),
    }
)
_MIN_LENGTH = 6
# Only the words that may change: long enough to be a slip, or holding a ligature.
_WORD = re.compile(rf"[^\W\d_]*[œæŒÆ][^\W\d_]*|[^\W\d_]{{{_MIN_LENGTH},}}")
# "cœur", "œsophage", "Cæsar": the rules spell them "coeur", "oesophage" (French keyboards type them so).
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


_BY_DELETE: dict[str, str] = {}
for _keyword in sorted(KEYWORDS):
    for _variant in (_keyword, *_deletes(_keyword)):
        _BY_DELETE.setdefault(_variant, _keyword)


def _one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance of exactly one (the candidates share a deletion, so this is cheap)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _inflection(token: str, keyword: str) -> bool:
    return token.startswith(keyword) or keyword.startswith(token)


@lru_cache(maxsize=4096)
def _keyword_for(token: str) -> str | None:
    if token in KEYWORDS:
        return None
    for variant in (token, *_deletes(token)):
        keyword = _BY_DELETE.get(variant)
        if keyword is not None and _one_edit(token, keyword) and not _inflection(token, keyword):
            return keyword
    return None


@lru_cache(maxsize=4096)
def _replacement(word: str) -> str | None:
    """The word as the rules spell it, or None when they already do."""
    expanded = word.translate(_LIGATURES)
    if len(expanded) >= _MIN_LENGTH:
        keyword = _keyword_for(expanded.lower())
        if keyword is not None:
            return keyword
    return expanded if expanded != word else None


def correct(folded: str) -> tuple[str, list[int] | None]:
    """The text with slips corrected, and each of its offsets' offset in `folded` (None: nothing changed)."""
    pieces: list[str] = []
    offsets: list[int] = []
    last = 0
    for token in _WORD.finditer(folded):
        keyword = _replacement(token.group())
        if keyword is None:
            continue
        pieces.append(folded[last : token.start()])
        offsets.extend(range(last, token.start()))
        pieces.append(keyword)
        # Every letter of the correction maps into the slip; its end maps to the slip's end.
        offsets.extend(min(token.start() + i, token.end() - 1) for i in range(len(keyword)))
        last = token.end()
    if not pieces:
        return folded, None
    pieces.append(folded[last:])
    offsets.extend(range(last, len(folded) + 1))
    return "".join(pieces), offsets
