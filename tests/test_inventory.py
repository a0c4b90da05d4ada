"""The Art. 30 register: generated from models.declarations, which must declare every model field."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from tortoise import Tortoise
from tortoise.models import Model

from app.cli import main
from models.declarations import DECLARATIONS, personal_fields
from tests.world import World, make_world

INVENTORY = "{ personalDataInventory { entity field category visibleTo retention } }"


def declared_rows() -> list[dict[str, str]]:
    return [
        {
            "entity": model.__name__,
            "field": name,
            "category": decl.category,
            "visibleTo": decl.visible_to,
            "retention": decl.retention,
        }
        for model, name, decl in personal_fields()
    ]


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def test_inventory_lists_every_declared_personal_field_and_only_those(client, world: World) -> None:
    rows = (await client.data(INVENTORY, token=world.tokens["dpo"]))["personalDataInventory"]
    assert rows == declared_rows()
    assert (await client.data(INVENTORY, token=world.tokens["admin"]))["personalDataInventory"] == rows
    listed = {(row["entity"], row["field"]) for row in rows}
    public = {
        (model.__name__, name)
        for model, fields in DECLARATIONS.items()
        for name, decl in fields.items()
        if decl is None
    }
    assert listed and not listed & public
    assert {
        ("Contact", "email"),
        ("Traveler", "birth_date"),
        ("ConsentRecord", "wording"),
        ("Contact", "search_text"),
        ("AuditEvent", "actor"),
        ("SubjectRequest", "requester_email"),
        ("SubjectRequest", "message"),
        ("OutboxMessage", "recipient"),
        ("OutboxMessage", "body"),
    } <= listed


async def test_advisors_may_not_read_the_inventory(client, world: World) -> None:
    for viewer in ("owner", "mate", "foreign_advisor"):
        assert await client.error_code(INVENTORY, token=world.tokens[viewer]) == "FORBIDDEN", viewer
    assert await client.error_code(INVENTORY) == "UNAUTHENTICATED"


def model_fields(model: type[Model]) -> set[str]:
    """Every field the model stores or points to; a foreign key counts once, under its own name."""
    meta = model._meta
    reverse = meta.backward_fk_fields | meta.backward_o2o_fields
    key_columns = {meta.fields_map[fk].source_field for fk in meta.fk_fields | meta.o2o_fields}
    return {name for name in meta.fields_map if name not in reverse and name not in key_columns}


async def test_every_model_field_is_declared(client) -> None:
    assert Tortoise.apps is not None
    models = list(Tortoise.apps.get_models_iterable())
    assert set(models) == set(DECLARATIONS), "every model needs an entry in models.declarations"
    for model in models:
        fields = model_fields(model)
        assert model._meta.fk_fields <= fields  # "agency", not "agency_id": declared as the relation
        undeclared = fields - set(DECLARATIONS[model])
        assert not undeclared, f"{model.__name__}: declare {sorted(undeclared)} in models.declarations"
        stale = set(DECLARATIONS[model]) - fields
        assert not stale, f"{model.__name__}: {sorted(stale)} declared but not a field"


def test_cli_prints_the_register_as_markdown_by_default() -> None:
    result = CliRunner().invoke(main, ["inventory"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("# ")
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == "| Entity | Field | Category | Visible to | Retention |"
    cells = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table[1:]]
    assert cells == [[r["entity"], r["field"], r["category"], r["visibleTo"], r["retention"]] for r in declared_rows()]


def test_cli_prints_the_register_as_csv() -> None:
    result = CliRunner().invoke(main, ["inventory", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["entity"], r["field"], r["category"], r["visible_to"], r["retention"]) for r in rows] == [
        (r["entity"], r["field"], r["category"], r["visibleTo"], r["retention"]) for r in declared_rows()
    ]


def test_cli_refuses_an_unknown_format() -> None:
    result = CliRunner().invoke(main, ["inventory", "--format", "pdf"])
    assert result.exit_code == 2
    assert "pdf" in result.output
