"""Sensitive data in free-text notes (CNIL, "zones bloc-notes"): Art. 9 categories, offences, judgements."""

from resolvers.sensitive_notes.detector import Finding, categories, detect
from resolvers.sensitive_notes.rules import ART_9, CATEGORIES

__all__ = ["ART_9", "CATEGORIES", "Finding", "categories", "detect"]
