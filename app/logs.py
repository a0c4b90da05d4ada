"""Log output: plain text, or one JSON object per line (ALVEOLE_LOG_FORMAT=json), for this process and uvicorn's.

Never a traceback: an exception's text and frames may quote SQL or personal data, so records carrying
one show its type only, whoever logged them (uvicorn included). Messages themselves name ids, types and
counts, never people's values or secrets; the access log's paths have their export tokens redacted.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

# Attributes a record may carry (logging's `extra=`) that the JSON output lists as fields of their own.
FIELDS = ("request_id", "method", "path", "status", "duration_ms", "operation", "client")


def _withheld(exc_info: Any) -> str:
    kind = exc_info[0].__name__ if exc_info and exc_info[0] else "Exception"
    return f"{kind} (traceback withheld: it may quote personal data)"


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatException(self, ei: Any) -> str:
        return _withheld(ei)

    def formatStack(self, stack_info: str) -> str:
        return ""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["error"] = _withheld(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def config(log_format: str) -> dict[str, Any]:
    """A logging.config.dictConfig for the CLI and for uvicorn's `log_config` (which applies it in each
    worker process too). uvicorn's own access log is off: app.access_log writes ours."""
    formatter = "json" if log_format == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"text": {"()": TextFormatter}, "json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": formatter, "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
