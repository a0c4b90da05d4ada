"""The mails to a data subject, rendered from resolvers/templates/mail/<kind>.<language>.txt.

Each template's first line is "Subject: ...", then a blank line, then the text: a reviewer reads the
whole mail in one file. Subjects carry the request's reference, never a name (models.declarations
counts the subject as not personal). Values are plain text: the mails are text/plain, nothing to escape.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

LANGUAGES = ("fr", "en")
TEMPLATES = ("verify", "delivery", "erasure_done", "rejected", "done", "breach")

# StrictUndefined: a value a template names but the caller forgot is an error, not a silent blank.
_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates" / "mail"),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701 - text/plain mails: there is no markup to escape
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str


def render(template: str, language: str, **values: object) -> Mail:
    if template not in TEMPLATES or language not in LANGUAGES:
        raise ValueError(f"no mail template {template}.{language}")
    rendered = _environment.get_template(f"{template}.{language}.txt").render(**values)
    head, _, text = rendered.partition("\n\n")
    if not head.startswith("Subject: "):
        raise ValueError(f"{template}.{language}.txt must start with 'Subject: '")
    return Mail(subject=head.removeprefix("Subject: ").strip(), text=text)
