"""Keeps secrets out of the server's logs: export, verification and delivery links carry a token in their path."""

from __future__ import annotations

import logging
import re

_EXPORT_TOKEN = re.compile(
    r"(/exports/|/requests/confirm/|/delivery/)[^\s\"?/]+?(\.csv|\.json|/csv|/json)?(?=[\s\"?]|$)"
)


def redact(path: str) -> str:
    return _EXPORT_TOKEN.sub(r"\1<redacted>\2", path)


class RedactExportTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    logging.getLogger("uvicorn.access").addFilter(RedactExportTokens())
