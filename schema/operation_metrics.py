"""Counts and times each GraphQL operation by its name (never its text), and names it for the access log."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from resolvers.metrics import OPERATION_SECONDS, OPERATIONS, operation_label

# Where the operation's label is left in the request's state, for app.access_log.
OPERATION_STATE_KEY = "alveole_operation"


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        execution = self.execution_context
        try:
            name = execution.operation_name
            kind = execution.operation_type.value
        except RuntimeError:  # the document did not parse: no operation to name
            name, kind = None, "invalid"
        label = operation_label(name)
        OPERATIONS.labels(operation=label, kind=kind).inc()
        OPERATION_SECONDS.labels(operation=label).observe(time.perf_counter() - started)
        request = getattr(execution.context, "request", None)
        if request is not None:
            request.scope.setdefault("state", {})[OPERATION_STATE_KEY] = label
