"""The Art. 30 register of personal data, generated from models.declarations so it cannot drift."""

from __future__ import annotations

import csv
import io
from dataclasses import astuple, dataclass, fields

from models.declarations import personal_fields


@dataclass(frozen=True)
class InventoryRow:
    entity: str
    field: str
    category: str
    visible_to: str
    retention: str


HEADERS = ("Entity", "Field", "Category", "Visible to", "Retention")


def inventory() -> list[InventoryRow]:
    return [
        InventoryRow(model.__name__, name, decl.category, decl.visible_to, decl.retention)
        for model, name, decl in personal_fields()
    ]


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def to_markdown(rows: list[InventoryRow]) -> str:
    lines = [
        "# Personal data inventory (GDPR Art. 30)",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
    ]
    lines += ["| " + " | ".join(_cell(v) for v in astuple(row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def to_csv(rows: list[InventoryRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f.name for f in fields(InventoryRow)])
    writer.writerows(astuple(row) for row in rows)
    return out.getvalue()
