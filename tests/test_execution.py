"""schema.execution's short path answers exactly what graphql-core's own executor answers: the same data,
the same errors at the same paths, nulls propagated the same way, resolvers and awaitables included."""
from __future__ import annotations

import asyncio
from enum import Enum
from typing import Any

import pytest
import strawberry

from schema.execution import executor_for, read_attributes_directly


@strawberry.enum
class Kind(Enum):
    SMALL = "SMALL"
    LARGE = "LARGE"


@strawberry.type
class Item:
    name: str
    note: str | None
    kind: Kind

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        return self.name.upper()

    @strawberry.field
    def boom(self) -> str | None:
        raise ValueError("resolver failed")


@strawberry.type
class Box:
    label: str
    items: list[Item]
    loose: list[Item | None] | None
    maybe: Item | None
    must: Item

    @strawberry.field
    def size(self, factor: int = 1) -> int:
        return len(self.items) * factor


@strawberry.type
class Query:
    boxes: list[Box]
    spare: Box | None


def item(name: Any, note: str | None = None, kind: Any = Kind.SMALL) -> Item:
    return Item(name=name, note=note, kind=kind)


def box(label: Any = "box", items: list[Any] | None = None, must: Any = None, **more: Any) -> Box:
    return Box(label=label, items=items if items is not None else [item("a"), item("b", "n", Kind.LARGE)],
               loose=more.get("loose"), maybe=more.get("maybe"), must=must if must is not None else item("m"))


FULL = """{ boxes { label size(factor: 2) items { name note kind later boom } loose { name } maybe { name }
  must { name kind } } spare { label must { name } } }"""

CASES = {
    "plain": (FULL, Query(boxes=[box(), box("two", loose=[item("x"), None], maybe=item("y"))], spare=None)),
    "null in a non-null leaf": (FULL, Query(boxes=[box(items=[item("a"), item(None)])], spare=box("s"))),
    "null in a non-null object": ("{ boxes { label must { name } } spare { label } }",
                                  Query(boxes=[box(must=None)], spare=box("kept")), ),
    "null item in a non-null list": ("{ boxes { items { name } } spare { label } }",
                                     Query(boxes=[box(items=[item("a"), None])], spare=box("kept"))),
    "null in a nullable list of nullable items": ("{ boxes { loose { name note } } }",
                                                  Query(boxes=[box(loose=[None, item("z", "zn")])], spare=None)),
    "a value that does not serialise": ("{ boxes { label items { kind } } }",
                                        Query(boxes=[box(items=[item("a", kind="NOT A KIND")])], spare=None)),
    "a wrong type where a string goes": ("{ boxes { label items { name } } }",
                                         Query(boxes=[box(label=12, items=[item(["not", "a", "string"])])], spare=None)),
    "aliases, fragments and @skip": (
        """query($no: Boolean!) { first: boxes { ...B } again: boxes { label @skip(if: $no) } }
        fragment B on Box { l: label items { ... on Item { n: name name } } }""",
        Query(boxes=[box()], spare=None)),
}


def schema_with(short_path: bool) -> strawberry.Schema:
    schema = strawberry.Schema(query=Query)  # Strawberry and graphql-core as they come
    if short_path:
        schema.execution_context_class = executor_for(schema, read_attributes_directly(schema))
    return schema


@pytest.mark.parametrize("case", sorted(CASES))
async def test_the_short_path_answers_what_graphql_core_answers(case: str) -> None:
    query, root = CASES[case]
    answers = []
    for short_path in (False, True):
        result = await schema_with(short_path).execute(query, root_value=root, variable_values={"no": True})
        errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
        answers.append((result.data, errors))
    graphql_core, short_path = answers
    assert short_path == graphql_core
    assert graphql_core[0] is not None or graphql_core[1], "every case answers something"


async def test_plain_fields_skip_graphql_cores_per_field_path() -> None:
    """Not vacuous: on the plain case, only the resolvers (and the root) go through execute_field."""
    schema = schema_with(short_path=True)
    executor = schema.execution_context_class
    calls: list[str] = []
    original = executor.execute_field

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        calls.append(parent_type.name)
        return original(self, parent_type, *args)

    executor.execute_field = counting  # type: ignore[method-assign]
    query, root = CASES["plain"]
    result = await schema.execute(query, root_value=root)
    assert result.data is not None
    # Per box: size (it has an argument); per item of `items`: later and boom (resolvers); 2 boxes, 4 items.
    assert sorted(calls) == ["Box"] * 2 + ["Item"] * 8
