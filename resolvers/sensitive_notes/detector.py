"""Applies the rules (resolvers.sensitive_notes.rules) to a note: pure, no I/O, nothing downloaded.

The text is folded (accents off, apostrophes and spaces made plain) one character for one, so a match's
offsets are the original text's and the excerpt is the agent's own words. Each rule's match is then read
as a sentence about a person: a negation just before it ("pas d'allergie", "no dietary requirements")
or just after it ("Handicap : néant") cancels it, and the rule's own exclusions (a place, an idiom, a
document) are looked for around it, within its clause.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from resolvers.sensitive_notes.rules import CATEGORY_NOT_AFTER, CATEGORY_NOT_BEFORE, RULES, Rule
from resolvers.sensitive_notes.typos import correct

# Words that negate what follows them within a clause (the last few words before a match).
_NEGATIONS = frozenset(
    {
        *("pas", "aucun", "aucune", "aucuns", "aucunes", "sans", "ni", "jamais", "non"),
        *("no", "not", "never", "without", "none", "nor", "nothing"),
        *("doesn", "don", "isn", "didn", "wasn", "aren", "hasn", "haven", "won"),
    }
)
# ...unless the negation is about something else: "ne pas oublier le repas halal".
_NOT_A_NEGATION = re.compile(r"oubli|forget|omet|hesit|doute|only|seulement|que\b", re.IGNORECASE)
_NEGATION_WINDOW = 4  # words
_CLAUSE_BREAK = re.compile(
    r"[.;:!?()\[\]\n\r\t|/\u2022]|,|\s[-\u2013\u2014]\s|\b(?:mais|but|car|because|since|however|cependant|pourtant|sauf|except|"
    r"hormis|et|and|puis|then|donc|so|whereas|alors que|tandis que|par contre)\b",
    re.IGNORECASE,
)
# "Allergies : aucune", "Handicap - néant", but not "claustrophobia - no inside cabin": a bare "no" or "non"
# after a dash or a colon is the answer only when the clause ends with it.
_NEGATED_AFTER = re.compile(
    r"\s*(?:[:=?]|-|\u2013)\s*(?:(?:aucun\w*|none|neant|nil|n/a|ras|rien|nothing|sans objet)\b"
    r"|(?:non|no|pas)\s*(?:$|[.;,:!?)\n]))"
    r"|\s+(?:not|pas|non|no longer|plus)\s+(?:needed|required|necessary|requested|necessaire|requis|demande|utile)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
# A sentence ends at a full stop, but not at the one of "M." or "Mr.".
_SENTENCE_BREAK = re.compile(r"(?<!\bm)(?<!\bmr)(?<!\bmrs)(?<!\bms)(?<!\bdr)[.;!?\n\r]", re.IGNORECASE)
_MALE = re.compile(r"\b(?:m\.|monsieur|mr\b\.?|il|client|lui|homme|he|him|man|gentleman)(?!\w)", re.IGNORECASE)
_FEMALE = re.compile(
    r"\b(?:mme|madame|mademoiselle|mlle|mrs|ms|miss|elle|cliente|femme|she|her|woman|lady)(?!\w)", re.IGNORECASE
)
_AROUND = 60  # characters looked at on each side for a rule's exclusions and required context


@dataclass(frozen=True)
class Finding:
    category: str
    excerpt: str
    start: int
    end: int


def _fold_char(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if len(base) == 1 else ch


# One character for one: offsets in the folded text are offsets in the note.
_FOLD = {
    **{code: _fold_char(chr(code)) for code in range(0xC0, 0x250) if _fold_char(chr(code)) != chr(code)},
    **{ord(c): "'" for c in "\u2019\u2018\u02bc\u00b4`"},
    **{ord(c): " " for c in "\u00a0\u202f\u2009\u2007"},
    **{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014"},
}


def fold(text: str) -> str:
    return text.translate(_FOLD)


def _clause_before(folded: str, start: int) -> str:
    window = folded[max(0, start - _AROUND) : start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


def _clause_after(folded: str, end: int) -> str:
    window = folded[end : end + _AROUND]
    found = _CLAUSE_BREAK.search(window)
    return window[: found.start()] if found else window


def _negated(folded: str, start: int, end: int) -> bool:
    before = _clause_before(folded, start)
    words = [w.lower() for w in _WORD.findall(before)][-_NEGATION_WINDOW:]
    if any(w in _NEGATIONS for w in words) and not _NOT_A_NEGATION.search(before):
        return True
    return _NEGATED_AFTER.match(folded, end) is not None


def _context(rule: Rule, folded: str, start: int, end: int) -> str:
    """Where a rule's `needs` is looked for: the clause around the match, or its whole sentence."""
    if not rule.needs_sentence:
        return _clause_before(folded, start) + " " + _clause_after(folded, end)
    before = folded[max(0, start - 200) : start]
    breaks = list(_SENTENCE_BREAK.finditer(before))
    after = folded[end : end + 200]
    stop = _SENTENCE_BREAK.search(after)
    return (before[breaks[-1].end() :] if breaks else before) + " " + (after[: stop.start()] if stop else after)


def _partner_matches(folded: str, start: int, partner: str) -> bool:
    """ "son mari" said of a man, "sa compagne" of a woman: the nearest gendered word before, in the sentence."""
    window = folded[max(0, start - 200) : start]
    breaks = list(_SENTENCE_BREAK.finditer(window))
    sentence = window[breaks[-1].end() :] if breaks else window
    male = [m.end() for m in _MALE.finditer(sentence)]
    female = [m.end() for m in _FEMALE.finditer(sentence)]
    if not male and not female:
        return False
    nearest_male = max(male, default=-1)
    nearest_female = max(female, default=-1)
    return (nearest_male > nearest_female) == (partner == "male")


def _cased(rule: Rule) -> bool:
    """A rule that tells capitals apart ("(?-i:RN)", a proper noun after a church) reads the text as written."""
    return any(p and "(?-i" in p for p in (rule.pattern, rule.not_before, rule.not_after, rule.needs))


def _lower(folded: str) -> str:
    """Lower case, one character for one (the rare letter whose lower case is longer stays as it is)."""
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)


@lru_cache(maxsize=1)
def _compiled() -> list[
    tuple[Rule, bool, re.Pattern[str], re.Pattern[str] | None, re.Pattern[str] | None, re.Pattern[str] | None]
]:
    def optional(pattern: str | None) -> re.Pattern[str] | None:
        return re.compile(pattern, re.IGNORECASE) if pattern else None

    def either(*patterns: str | None) -> str | None:
        present = [f"(?:{p})" for p in patterns if p]
        return "|".join(present) or None

    compiled = []
    for rule in RULES:
        # The category's own context (CATEGORY_NOT_BEFORE, CATEGORY_NOT_AFTER) joins each rule's exclusions.
        before = either(rule.not_before, *(CATEGORY_NOT_BEFORE.get(c) for c in rule.categories))
        after = either(rule.not_after, *(CATEGORY_NOT_AFTER.get(c) for c in rule.categories))
        compiled.append(
            (
                rule,
                _cased(rule),
                # Most rules run case-sensitively on the lowered text: much faster than IGNORECASE (it runs on
                # every write).
                re.compile(rf"(?<!\w)(?:{rule.pattern})(?!\w)", re.IGNORECASE if _cased(rule) else re.NOFLAG),
                # An exclusion starts at a word: "era" (a period, tourism) is not the end of "fera".
                optional(rf"(?<!\w)(?:{before})\s*$" if before else None),
                optional(after),
                optional(rule.needs),
            )
        )
    return compiled


def _accepted(
    rule: Rule,
    folded: str,
    start: int,
    end: int,
    not_before: re.Pattern[str] | None,
    not_after: re.Pattern[str] | None,
    needs: re.Pattern[str] | None,
) -> bool:
    if not_before is not None and not_before.search(_clause_before(folded, start)):
        return False
    if not_after is not None and not_after.match(_clause_after(folded, end)):
        return False
    if needs is not None and not needs.search(_context(rule, folded, start, end)):
        return False
    if rule.partner is not None and not _partner_matches(folded, start, rule.partner):
        return False
    return not (rule.negatable and _negated(folded, start, end))


def _excerpt_group(pattern: re.Pattern[str], match: re.Match[str]) -> str | int:
    """The named group that matched (`hit`, or `x` in a rule's second alternative), else the whole match."""
    for name in ("hit", "x"):
        if name in pattern.groupindex and match.group(name) is not None:
            return name
    return 0


def detect(text: str) -> list[Finding]:
    """Every finding in the note, in reading order; one per category and excerpt."""
    if not text or not text.strip():
        return []
    folded, offsets = correct(fold(text))
    lowered = _lower(folded)
    found: dict[tuple[str, str], Finding] = {}
    for rule, cased, pattern, not_before, not_after, needs in _compiled():
        read = folded if cased else lowered
        for match in pattern.finditer(read):
            start, end = match.span(_excerpt_group(pattern, match))
            if not _accepted(rule, read, start, end, not_before, not_after, needs):
                continue
            if offsets is not None:  # a slip was read as its word: the excerpt is the agent's spelling
                start, end = offsets[start], offsets[end]
            excerpt = " ".join(text[start:end].split())
            for category in rule.categories:
                key = (category, excerpt.lower())
                if key not in found:
                    found[key] = Finding(category, excerpt, start, end)
    # "Vieux schnock" and "schnock": one finding, the longer words.
    kept = [
        f
        for f in found.values()
        if not any(
            o is not f
            and o.category == f.category
            and o.start <= f.start
            and f.end <= o.end
            and (o.end - o.start) > (f.end - f.start)
            for o in found.values()
        )
    ]
    return sorted(kept, key=lambda f: (f.start, f.category))


def categories(findings: list[Finding]) -> list[str]:
    return sorted({f.category for f in findings})
