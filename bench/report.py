"""The benchmark's results: one JSON document, and a table for the terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _purged(side: dict[str, Any]) -> str:
    return (
        f"{side['rows_per_s']:.0f} rows/s, {side['longest_transaction_ms']:.0f} ms ({side['longest_with_wait_ms']:.0f})"
    )


def _met(value: bool | None) -> str:
    return "" if value is None else ("[green]yes[/]" if value else "[red]no[/]")


def _load(entry: dict[str, Any]) -> str:
    text = f"{entry['rps']:.1f}/s, p50 {entry['p50_ms']:.0f} ms, p95 {entry['p95_ms']:.0f} ms"
    if entry.get("server_cpu_ms_per_request"):
        text += f", CPU {entry['server_cpu_ms_per_request']:.1f} ms/req"
    if entry["errors"]:
        text += f", [red]{entry['errors']} errors[/]"
    return text


def _rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    rows = []
    page = results["page"]
    rows.append(
        (
            "contacts page",
            f"{page['clients']} clients",
            _load(page["app"]),
            _load(page["baseline"]),
            f"{page['ratio']:.2f}",
            _met(page["met"]),
        )
    )
    export = results["export"]
    small, large = export["requests"]["small"], export["requests"]["large"]
    runs = export["runs"]
    for kind, label, ratio, growth in (
        ("csv", "CSV link", "csv_speed_ratio", "csv_rss_growth_mb"),
        ("stream", "@stream GraphQL", "stream_speed_ratio", "stream_rss_growth_mb"),
    ):
        run = runs[f"{kind}_{large}"]
        rows.append(
            (
                f"export, {large} requests",
                label,
                f"{run['seconds']:.2f} s, peak RSS {run['peak_rss_mb']:.0f} MB (+{export[growth]:.1f} MB vs {small})",
                f"{runs[f'baseline_{large}']['seconds']:.2f} s (raw SQL to CSV)",
                f"{export[ratio]:.2f}",
                "",
            )
        )
    rows.append(("", "", "", "", "", _met(export["met"])))
    purge = results["purge"]
    app, base = purge["app"], purge["baseline"]
    rows.append(
        (
            f"purge, {purge['expired_requests']} requests",
            "rows/s, longest write transaction (with the wait for the lock)",
            _purged(app),
            _purged(base),
            f"{purge['ratio']:.2f}",
            "",
        )
    )
    rows.append(
        (
            "",
            "page during the purge",
            _load(purge["page_during_purge"]),
            _load(purge["page_during_baseline_purge"]),
            "",
            _met(purge["met"]),
        )
    )
    scale = results["scale"]
    for point in scale["points"]:
        rows.append(("page at scale", f"{point['contacts']} contacts", _load(point), "", "", ""))
    rows.append(
        (
            "",
            "growth, smallest to largest",
            f"p50 x{scale['p50_growth']}, p95 x{scale['p95_growth']}",
            "",
            f"{scale['rps_ratio']}",
            "",
        )
    )
    return rows


def print_report(results: dict[str, Any], path: Path) -> None:
    meta = results["meta"]
    table = Table(
        title=f"alveole bench: {meta['database']}{' (quick)' if meta['quick'] else ''}, "
        f"{results['dataset']['contacts']} contacts, {results['dataset']['requests']} requests"
    )
    for column in ("section", "measure", "app", "baseline", "ratio", "goal met"):
        table.add_column(column)
    for row in _rows(results):
        table.add_row(*row)
    console = Console() if Console().is_terminal else Console(width=160)
    console.print(table)
    console.print(
        f"Page answers identical to the baseline's: {results['page']['same_answer']}. "
        f"JSON: {path}. Took {meta['seconds']} s."
    )
