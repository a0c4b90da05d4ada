"""The agencies a maintenance command (`retention apply`, `notes scan`) works on: all, or one by its name."""

from __future__ import annotations

import click

from models.organisation import Agency


async def selected_agencies(agency_name: str | None) -> list[Agency]:
    query = Agency.all().order_by("name")
    if agency_name is not None:
        query = query.filter(name=agency_name)
    agencies = await query
    if agency_name is not None and not agencies:
        raise click.ClickException(f"Unknown agency: {agency_name!r} (names are matched exactly)")
    return agencies
