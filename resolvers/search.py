"""Accent- and case-insensitive search over what the viewer may see: a folded column, matched in SQL."""

from __future__ import annotations

import re
import unicodedata

from tortoise.expressions import Q

MAX_TERMS = 8


def fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search_text(first_name: str, last_name: str, email: str | None, phone: str | None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return " ".join(part for part in (fold(first_name), fold(last_name), fold(email or ""), digits) if part)


def search_filter(term: str) -> Q:
    """Every word of the term must occur; a phone number matches whatever its spacing."""
    words = fold(term).split()[:MAX_TERMS]
    clauses = []
    for word in words:
        digits = re.sub(r"[\s().+-]", "", word)
        if digits.isdigit() and digits != word:
            clauses.append(Q(search_text__contains=word) | Q(search_text__contains=digits))
        else:
            clauses.append(Q(search_text__contains=word))
    phone_like = re.sub(r"[\s().+-]", "", term)
    if len(words) > 1 and phone_like.isdigit():
        return Q(Q(*clauses), Q(search_text__contains=phone_like), join_type=Q.OR)
    return Q(*clauses)
