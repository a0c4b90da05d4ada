"""Applies auth.enforce's decision to the data subjects' GraphQL types, field by field.

Every field of a compartmented type that auth.enforce.public_fields does not list resolves to
null when the viewer is outside the record's compartment: a new field is personal by default.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any, TypeVar

from strawberry.extensions import FieldExtension
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.private import is_private

from auth import enforce

T = TypeVar("T")


class MaskOutsideCompartment(FieldExtension):
    def _visible(self, source: Any, info: Any) -> bool:
        if not source.personal_data_visible:
            return False
        info.context.viewed_contacts.add(source.contact_id)
        return True

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        if not self._visible(source, info):
            return None
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any) -> Any:
        if not self._visible(source, info):
            return None
        result = next_(source, info, **kwargs)
        if isawaitable(result):
            result = await result
        return result


def _is_private(field: StrawberryField) -> bool:
    return field.type_annotation is not None and is_private(field.type_annotation.resolve())


def compartmented(type_name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator, applied after @strawberry.type. The class must have personal_data_visible and contact_id."""
    public = enforce.public_fields(type_name)

    def decorate(cls: type[T]) -> type[T]:
        fields: list[StrawberryField] = cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
        for field in fields:
            if field.python_name in public or _is_private(field):
                continue
            if not isinstance(field.type, StrawberryOptional):
                raise TypeError(f"{type_name}.{field.python_name} is personal, so it must be nullable")
            field.extensions.append(MaskOutsideCompartment())
        return cls

    return decorate
