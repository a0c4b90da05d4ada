"""Puts every root field behind auth.enforce.authorize, so no operation can forget its policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from auth import enforce
from auth.errors import Forbidden
from auth.policy import API_KEY_OPERATIONS, OPERATIONS
from resolvers import staff


class Authorized(FieldExtension):
    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        enforce.authorize(info.context.principal, info.field_name)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any) -> Any:
        principal = info.context.principal
        try:
            enforce.authorize(principal, info.field_name)
        except Forbidden as refusal:
            if principal is not None and info.field_name in staff.ROLE_OPERATIONS:  # an advisor reaching for a role
                await staff.record_refusal(principal, info.field_name, refusal)
            raise
        result = next_(source, info, **kwargs)
        if isawaitable(result):
            result = await result
        return result


def authorized_root(cls: type) -> type:
    for field in get_object_definition(cls, strict=True).fields:
        name = field.graphql_name or to_camel_case(field.python_name)
        if name not in OPERATIONS and not any(name in ops for ops in API_KEY_OPERATIONS.values()):
            raise TypeError(f"root field {name} has no entry in auth.policy.OPERATIONS")
        field.extensions.append(Authorized())
    return cls
