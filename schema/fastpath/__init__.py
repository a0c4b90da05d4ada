"""The fast path: execution speed-ups behind one gate, `install(schema, fast_execution=...)`.

Installed, it gives plain fields direct readers and resolvers direct calls (direct.py), completes
plain selections with code generated once per selection shape (executor.py, completers.py, plans.py)
and streams plain items without a sub-executor each (streaming.py). Every private name of
graphql-core and Strawberry it needs is reached through _compat.py, which checks the installed
versions. With ALVEOLE_FAST_EXECUTION=off, or with versions it was not written for, nothing is
installed: Strawberry and graphql-core run as they come, and the reason is logged once. Both ways
answer the same (tests/test_differential.py).
"""

from __future__ import annotations

import logging

import strawberry

from schema.fastpath import _compat

log = logging.getLogger("alveole.fastpath")

_said: set[str] = set()


def _say_once(level: int, message: str) -> None:
    if message not in _said:
        _said.add(message)
        log.log(level, "%s", message)


def install(schema: strawberry.Schema, *, fast_execution: bool) -> bool:
    """Puts the fast path on the schema when the setting (ALVEOLE_FAST_EXECUTION) and the installed versions
    allow it; else says why, once per process."""
    if not fast_execution:
        _say_once(logging.WARNING, "fast execution off (ALVEOLE_FAST_EXECUTION=off): the stock executor runs")
        return False
    problem = _compat.unsupported()
    if problem is not None:
        _say_once(logging.WARNING, f"fast execution off: {problem}; the stock executor runs")
        return False
    from schema.fastpath.direct import resolve_directly
    from schema.fastpath.executor import register
    from schema.fastpath.streaming import StreamingExecutor

    register(_compat.graphql_schema(schema), resolve_directly(schema))
    schema.execution_context_class = StreamingExecutor
    return True
