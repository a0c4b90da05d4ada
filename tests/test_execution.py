"""schema.fastpath answers exactly what graphql-core's own executor answers: the same data, the same errors at
the same paths, nulls propagated the same way, resolvers, awaitables and @stream included; its generated
completers are used, made once per selection shape, registered with linecache, and an unexpected exception
inside one is logged once with its traceback."""

from __future__ import annotations

import asyncio
import logging
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig

from schema import fastpath
from schema.fastpath import _compat, completers
from schema.fastpath import executor as executor_module


@strawberry.enum
class Kind(Enum):
    SMALL = "SMALL"
    LARGE = "LARGE"


@strawberry.type
class Item:
    name: str
    note: str | None
    kind: Kind
    count: int = 1

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        return self.name.upper()

    @strawberry.field
    def boom(self) -> str | None:
        raise ValueError("resolver failed")

    @strawberry.field
    def described(self, info: strawberry.Info, prefix: str = "#", times: int | None = None) -> str:
        return f"{prefix}{self.name}:{info.field_name}:{info.path.key}:{times}"

    @strawberry.field
    @staticmethod
    def echo(root: Item, suffix: str) -> str:
        return root.name + suffix

    @strawberry.field
    def is_kind(self, kind: Kind) -> bool:  # an enum argument: Strawberry converts it
        return self.kind is kind


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

    @strawberry.field
    async def stream(self) -> list[Item]:  # type: ignore[misc]
        for index, one in enumerate(self.boxes[0].items):
            if index % 2:
                await asyncio.sleep(0)
            yield one


def item(name: Any, note: str | None = None, kind: Any = Kind.SMALL, count: Any = 1) -> Item:
    return Item(name=name, note=note, kind=kind, count=count)


def box(label: Any = "box", items: list[Any] | None = None, must: Any = None, **more: Any) -> Box:
    return Box(
        label=label,
        items=items if items is not None else [item("a"), item("b", "n", Kind.LARGE)],
        loose=more.get("loose"),
        maybe=more.get("maybe"),
        must=must if must is not None else item("m"),
    )


FULL = """{ boxes { label size(factor: 2) items { name note kind later boom } loose { name } maybe { name }
  must { name kind } } spare { label must { name } } }"""

CASES = {
    "plain": (FULL, Query(boxes=[box(), box("two", loose=[item("x"), None], maybe=item("y"))], spare=None)),
    "null in a non-null leaf": (FULL, Query(boxes=[box(items=[item("a"), item(None)])], spare=box("s"))),
    "null in a non-null object": (
        "{ boxes { label must { name } } spare { label } }",
        Query(boxes=[box(must=None)], spare=box("kept")),
    ),
    "null item in a non-null list": (
        "{ boxes { items { name } } spare { label } }",
        Query(boxes=[box(items=[item("a"), None])], spare=box("kept")),
    ),
    "null in a nullable list of nullable items": (
        "{ boxes { loose { name note } } }",
        Query(boxes=[box(loose=[None, item("z", "zn")])], spare=None),
    ),
    "a value that does not serialise": (
        "{ boxes { label items { kind } } }",
        Query(boxes=[box(items=[item("a", kind="NOT A KIND")])], spare=None),
    ),
    "a wrong type where a string goes": (
        "{ boxes { label items { name } } }",
        Query(boxes=[box(label=12, items=[item(["not", "a", "string"])])], spare=None),
    ),
    "aliases, fragments and @skip": (
        """query($no: Boolean!) { first: boxes { ...B } again: boxes { label @skip(if: $no) } }
        fragment B on Box { l: label items { ... on Item { n: name name } } }""",
        Query(boxes=[box()], spare=None),
    ),
    "resolvers with arguments": (
        """query($t: Int) { boxes { items { d: described described(prefix: "~", times: $t) echo(suffix: "!")
        isKind(kind: LARGE) } } }""",
        Query(boxes=[box()], spare=None),
    ),
    # All plain: each object is completed by its selection's generated completer, or not at all.
    "all plain": (
        "{ boxes { label items { name note kind count } loose { name } maybe { kind } must { name } } }",
        Query(boxes=[box(), box("two", loose=[item("x"), None], maybe=item("y"))], spare=None),
    ),
    "all plain, a null where not allowed": (
        "{ boxes { label items { name count } } spare { label } }",
        Query(boxes=[box(items=[item("a"), item(None)])], spare=box("s")),
    ),
    "all plain, an Int out of range": (
        "{ boxes { items { name count } } }",
        Query(boxes=[box(items=[item("a"), item("b", count=2**40)])], spare=None),
    ),
    "all plain, a float where an Int goes": (
        "{ boxes { items { count } } }",
        Query(boxes=[box(items=[item("a", count=3.0), item("b", count=2.5)])], spare=None),
    ),
    "all plain, a string where an enum goes": (
        "{ boxes { items { kind } } }",
        Query(boxes=[box(items=[item("a", kind="SMALL")])], spare=None),
    ),
    "all plain, a tuple for a list": (
        "{ boxes { items { name } } }",
        Query(boxes=[box(items=(item("a"), item("b")))], spare=None),
    ),
    "all plain, an object missing an attribute": (
        "{ boxes { label must { name } } }",
        Query(boxes=[box(must=box("not an item"))], spare=None),
    ),
}


def schema_with(short_path: bool) -> strawberry.Schema:
    # Strawberry and graphql-core as they come, parsed documents shared across requests as the app's are
    schema = strawberry.Schema(
        query=Query,
        extensions=[ParserCache],
        config=StrawberryConfig(enable_experimental_incremental_execution=True),
    )
    fastpath.install(schema, fast_execution=short_path)
    return schema


@pytest.mark.parametrize("case", sorted(CASES))
async def test_the_short_path_answers_what_graphql_core_answers(case: str) -> None:
    query, root = CASES[case]
    answers = []
    for short_path in (False, True):
        result = await schema_with(short_path).execute(query, root_value=root, variable_values={"no": True, "t": 3})
        errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
        answers.append((result.data, errors))
    graphql_core, short_path = answers
    assert short_path == graphql_core
    assert graphql_core[0] is not None or graphql_core[1], "every case answers something"


async def test_plain_fields_skip_graphql_cores_per_field_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not vacuous: on the plain case, only the resolvers (and the root) go through execute_field."""
    schema = schema_with(short_path=True)
    executor = schema.execution_context_class
    calls: list[str] = []
    original = executor.execute_field

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        calls.append(parent_type.name)
        return original(self, parent_type, *args)

    monkeypatch.setattr(executor, "execute_field", counting)
    query, root = CASES["plain"]
    result = await schema.execute(query, root_value=root)
    assert result.data is not None
    # Per box: size (it has an argument); per item of `items`: later and boom (resolvers); 2 boxes, 4 items.
    assert sorted(calls) == ["Box"] * 2 + ["Item"] * 8


async def test_plain_selections_are_completed_by_generated_code_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = schema_with(short_path=True)
    executor = schema.execution_context_class
    fields: list[str] = []
    original_field, original_generate = executor.execute_field, completers.generate
    generated: list[str] = []

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        fields.append(parent_type.name)
        return original_field(self, parent_type, *args)

    def generate(object_type: Any, *args: Any) -> Any:
        generated.append(object_type.name)
        return original_generate(object_type, *args)

    monkeypatch.setattr(executor, "execute_field", counting)
    monkeypatch.setattr(executor_module, "generate", generate)
    query, root = CASES["all plain"]
    for _ in range(3):
        result = await schema.execute(query, root_value=root)
        assert result.errors is None and result.data is not None
    assert fields == []  # not even the root field: it is plain too
    assert sorted(generated) == ["Box", "Item", "Item", "Item", "Query"]  # items, loose, maybe: three selections


async def test_the_same_document_with_other_variables_is_completed_by_its_own_shape() -> None:
    """A fragment under @include collects other fields for other variables: the generated code must follow."""
    query = """query($more: Boolean!) { boxes { label items { name ...More @include(if: $more) } } }
    fragment More on Item { note kind count }"""
    root = Query(boxes=[box()], spare=None)
    short, plain = schema_with(short_path=True), schema_with(short_path=False)
    for more in (True, False, True):
        answers = [
            await schema.execute(query, root_value=root, variable_values={"more": more}) for schema in (plain, short)
        ]
        assert answers[1].data == answers[0].data and answers[1].errors == answers[0].errors
        assert ("note" in answers[1].data["boxes"][0]["items"][0]) is more


async def streamed(schema: strawberry.Schema, query: str, root: Query) -> tuple[Any, list[Any], list[Any]]:
    result = await schema.execute(query, root_value=root)
    first = result.initial_result
    items, errors = [], sorted((e.message, tuple(e.path or ())) for e in first.errors or [])
    async for frame in result.subsequent_results:
        for increment in frame.incremental or []:
            items += increment.items
            errors += [(e.message, tuple(e.path or ())) for e in increment.errors or []]
        errors += [(e.message, tuple(e.path or ())) for c in frame.completed or [] for e in c.errors or []]
    return first.data, items, sorted(errors)


@pytest.mark.parametrize(
    "items",
    [[item("a"), item("b", "n", Kind.LARGE), item("c")], [item("a"), item(None), item("c", count=2**40), item("d")]],
    ids=["plain", "errors"],
)
async def test_streamed_items_answer_what_graphql_core_answers(items: list[Item]) -> None:
    query = "{ stream @stream(initialCount: 1) { name note kind count } }"
    root = Query(boxes=[box(items=items)], spare=None)
    graphql_core = await streamed(schema_with(short_path=False), query, root)
    short_path = await streamed(schema_with(short_path=True), query, root)
    assert short_path == graphql_core
    _data, streamed_items, errors = graphql_core
    # Plain: every item after the first streamed; errors: a null item in a non-null list ends the stream.
    assert (len(streamed_items), bool(errors)) in {(len(items) - 1, False), (0, True)}


def test_resolvers_needing_no_conversion_are_called_directly() -> None:
    """Not vacuous: Strawberry's wrappers are bypassed for plain arguments only; an enum argument keeps them."""
    schema = schema_with(short_path=True)
    fields = schema._schema.type_map["Item"].fields
    direct = {
        name for name, field in fields.items() if getattr(field.resolve, "__qualname__", "").startswith("_caller")
    }
    assert direct == {"later", "boom", "described", "echo"}


async def test_a_stream_left_early_stops_and_closes_its_source() -> None:
    """A client that goes away mid-export: the source's generator is closed, not read to its end."""
    produced, closed = [], []

    @strawberry.type
    class Numbers:
        @strawberry.field
        async def items(self) -> list[Item]:  # type: ignore[misc]
            try:
                for index in range(10_000):
                    produced.append(index)
                    yield item(str(index))
            finally:
                closed.append(True)

    schema = strawberry.Schema(query=Numbers, config=StrawberryConfig(enable_experimental_incremental_execution=True))
    fastpath.install(schema, fast_execution=True)
    result = await schema.execute("{ items @stream(initialCount: 0) { name count } }")
    frames = result.subsequent_results
    first = await anext(frames)
    assert first.incremental[0].items[0] == {"name": "0", "count": 1}
    await frames.aclose()
    assert closed == [True]
    assert len(produced) < 10_000


class Exploding:
    """An Item whose name cannot be read: an exception inside the generated completer, not a plain outcome."""

    note, kind, count = None, Kind.SMALL, 1

    @property
    def name(self) -> str:
        raise RuntimeError("name unreadable")


async def test_an_exception_in_generated_code_is_logged_once_with_its_source(caplog: pytest.LogCaptureFixture) -> None:
    query = "{ boxes { items { name count } } }"
    root = Query(boxes=[box(items=[item("a"), Exploding()])], spare=None)
    schema, stock = schema_with(short_path=True), schema_with(short_path=False)
    with caplog.at_level(logging.ERROR, logger="alveole.fastpath"):
        for _ in range(2):
            fast, plain = await schema.execute(query, root_value=root), await stock.execute(query, root_value=root)
            assert (fast.data, [(e.message, e.path) for e in fast.errors or []]) == (
                plain.data,
                [(e.message, e.path) for e in plain.errors or []],
            )
            assert plain.errors and plain.errors[0].message == "name unreadable"
    [record] = [r for r in caplog.records if r.name == "alveole.fastpath"]
    assert record.exc_info is not None
    # The traceback shows the generated line, read back through linecache.
    assert "v0 = source.name" in caplog.text


def test_the_gate_leaves_the_stock_executor_when_off_and_says_why_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fastpath, "_said", set())  # what this process said before
    with caplog.at_level(logging.WARNING, logger="alveole.fastpath"):
        for _ in range(2):
            schema = strawberry.Schema(query=Query)
            assert not fastpath.install(schema, fast_execution=False)
            assert schema.execution_context_class is strawberry.Schema(query=Query).execution_context_class
    assert [r.getMessage() for r in caplog.records if r.name == "alveole.fastpath"] == [
        "fast execution off (ALVEOLE_FAST_EXECUTION=off): the stock executor runs"
    ]


def test_the_gate_refuses_versions_it_was_not_written_for(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fastpath, "_said", set())
    installed = {"graphql-core": "3.4.0", "strawberry-graphql": "0.341.2"}
    monkeypatch.setattr(_compat.metadata, "version", installed.__getitem__)
    schema = strawberry.Schema(query=Query)
    stock = schema.execution_context_class
    with caplog.at_level(logging.WARNING, logger="alveole.fastpath"):
        assert not fastpath.install(schema, fast_execution=True)
    assert schema.execution_context_class is stock
    # The log names what it found and every supported range.
    assert "graphql-core 3.4.0" in caplog.text
    assert "graphql-core >=3.3.2,<3.4, strawberry-graphql >=0.341.2,<0.342" in caplog.text
    for version in ("3.3.0a7", "3.3.1"):  # a pre-release and a release below the floor
        installed["graphql-core"] = version
        assert _compat.unsupported() is not None
    installed["graphql-core"] = "3.3.9"
    assert _compat.unsupported() is None
