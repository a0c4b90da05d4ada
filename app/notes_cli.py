"""`alveole notes`: try the notes detector on stdin, and rescan the database after the rules change."""

from __future__ import annotations

import json
from functools import partial
from typing import BinaryIO, TextIO

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli_agencies import selected_agencies
from auth.principal import SYSTEM_ACTOR
from resolvers import notes_scan
from resolvers.sensitive_notes import categories, detect


def check_lines(source: BinaryIO, out: TextIO) -> int:
    """One JSON object per input line, in order; returns the number of lines read.

    Lines are read as bytes and decoded as UTF-8 (a BOM and CR LF endings are dropped, undecodable bytes
    become U+FFFD), so any file can be piped in whatever its origin."""
    count = 0
    for raw in source:
        if count == 0 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        text = raw.rstrip(b"\r\n").decode("utf-8", errors="replace")
        findings = detect(text)
        result = {
            "categories": categories(findings),
            "findings": [{"category": f.category, "excerpt": f.excerpt} for f in findings],
        }
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        count += 1
    out.flush()
    return count


async def run_scan(agency_name: str | None) -> None:
    """Rescans every agency (or one) with a progress bar on a terminal; prints the counts per agency."""
    agencies = await selected_agencies(agency_name)
    console = Console()
    for agency in agencies:
        if console.is_terminal:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=console, transient=True) as progress:
                task = progress.add_task(f"{agency.name}: notes", total=await notes_scan.count_texts(agency.id))
                report = await notes_scan.rescan(agency.id, SYSTEM_ACTOR, partial(progress.advance, task))
        else:
            report = await notes_scan.rescan(agency.id, SYSTEM_ACTOR)
        click.echo(
            f"{agency.name}: {report.records} texts scanned, {report.flagged} flagged, "
            f"{report.newly_flagged} new findings"
        )
