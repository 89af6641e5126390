"""Options checked before anything is sent: closed sets of values, and output schemas.

The allowed values of an option come from the generated protocol models (one source of
truth, regenerated from the pinned runtime's schema): a params field typed with a string
enum, a string ``Literal``, or a union of those (``ReasoningSummary`` is
``ReasoningSummaryValue | "none"``), also inside a list (``source_kinds``). A string
outside the set raises ``ValueError`` naming the option, the value and the allowed values.
Without the check, pydantic refused some of them with a message about union members, and
others went through: app-server 0.163.0 sends ``effort="bogus"`` on to the model provider,
which refuses the whole request after the turn has started.

Two of the protocol's string types are open: ``ReasoningEffort`` and ``ThreadSource`` are
free strings in the schema, offered as enums (``OpenStrEnum``) whose members are the values
known today. A plain string must be one of those members; a value a newer model advertises
can still be sent by naming it explicitly, ``ReasoningEffort("turbo")``.

``output_schema`` must be a mapping that is a valid JSON Schema, checked against its
meta-schema with ``jsonschema`` (the draft named by ``$schema``, else 2020-12).
"""

from __future__ import annotations

import enum
import functools
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import UnionType
from typing import Any

__all__ = [
    "Choices",
    "check_choice",
    "check_output_schema",
    "check_params",
    "choice_error",
    "closed_fields",
]

_OUTPUT_SCHEMA = "output_schema"


def choice_error(option: str, value: Any, allowed: Iterable[str]) -> ValueError:
    """The error for a value outside an option's closed set."""
    return ValueError(f"{option} must be one of {', '.join(allowed)}, not {value!r}")


@dataclass(frozen=True)
class Choices:
    """The string values a params field accepts, and the enums they come from."""

    values: tuple[str, ...]
    enums: tuple[type[enum.Enum], ...]
    is_list: bool = False

    def check(self, option: str, value: Any) -> None:
        """Raise ``ValueError`` if ``value`` (or, for a list field, an item) is a string
        outside :attr:`values`; other shapes are left to the model's validation."""
        if self.is_list:
            if isinstance(value, (list, tuple)):
                for item in value:
                    self._check_one(option, item)
            return
        self._check_one(option, value)

    def _check_one(self, option: str, value: Any) -> None:
        value = getattr(value, "root", value)  # a RootModel wrapper (``ReasoningSummary``)
        if isinstance(value, enum.Enum):
            if isinstance(value, self.enums):
                return  # a member, or an explicit value of an open enum
            value = value.value
        if isinstance(value, str) and value not in self.values:
            raise choice_error(option, value, self.values)


def check_choice(option: str, value: Any, allowed: type[enum.Enum] | Iterable[str]) -> None:
    """Raise ``ValueError`` unless ``value`` (a string or an enum member) is allowed.

    ``allowed`` is an enum class (its members' values) or the values themselves.
    """
    if isinstance(allowed, type) and issubclass(allowed, enum.Enum):
        Choices(tuple(str(m.value) for m in allowed), (allowed,)).check(option, value)
    else:
        Choices(tuple(allowed), ()).check(option, value)


def _strings_of(annotation: Any, values: list[str], enums: list[type[enum.Enum]]) -> bool:
    """Collect the string values ``annotation`` allows; ``False`` if it allows any string."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _strings_of(typing.get_args(annotation)[0], values, enums)
    if origin is typing.Union or origin is UnionType:
        return all(_strings_of(arg, values, enums) for arg in typing.get_args(annotation))
    if origin is typing.Literal:
        values.extend(arg for arg in typing.get_args(annotation) if isinstance(arg, str))
        return True
    if annotation is str or annotation is Any:
        return False
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            enums.append(annotation)
            values.extend(m.value for m in annotation if isinstance(m.value, str))
            return True
        root = getattr(annotation, "model_fields", {}).get("root")
        if root is not None:  # a RootModel: its root's values
            return _strings_of(root.annotation, values, enums)
    return True  # another shape (an object, a number): no strings from here


def _choices_of(annotation: Any) -> Choices | None:
    is_list = False
    parts = [annotation]
    if typing.get_origin(annotation) in (typing.Union, UnionType):
        parts = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if len(parts) == 1 and typing.get_origin(parts[0]) is list:
        annotation, is_list = typing.get_args(parts[0])[0], True
    values: list[str] = []
    enums: list[type[enum.Enum]] = []
    if not _strings_of(annotation, values, enums) or not values:
        return None
    return Choices(tuple(dict.fromkeys(values)), tuple(enums), is_list)


@functools.cache
def closed_fields(model_name: str) -> dict[str, Choices]:
    """The closed-set fields of a generated params model, by snake_case and wire name."""
    from .._generated import models

    table: dict[str, Choices] = {}
    for name, info in getattr(models, model_name).model_fields.items():
        choices = _choices_of(info.annotation)
        if choices is not None:
            table[name] = choices
            if info.alias:
                table[info.alias] = choices
    return table


def check_output_schema(schema: Any, option: str = _OUTPUT_SCHEMA) -> None:
    """Raise unless ``schema`` is a mapping that is a valid JSON Schema.

    Raises:
        TypeError: ``schema`` is not a mapping (a JSON object).
        ValueError: the meta-schema refuses it; the message names where and why.
    """
    if not isinstance(schema, Mapping):
        raise TypeError(
            f"{option} must be a JSON Schema object (a dict), not {type(schema).__name__}"
        )
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import Draft202012Validator, validator_for

    document = dict(schema)
    validator = validator_for(document, default=Draft202012Validator)
    try:
        validator.check_schema(document)
    except SchemaError as exc:
        where = exc.json_path if exc.absolute_path else "the top level"
        message = f"{option} is not a valid JSON Schema: at {where}: {exc.message}"
        raise ValueError(message) from None


def check_params(model_name: str, fields: Mapping[str, Any]) -> None:
    """Check the fields of a ``model_name`` request (by snake_case or wire name) before
    it is sent: closed-set values, and an ``output_schema``.

    Raises:
        ValueError: a value outside its option's closed set, or an invalid output schema.
        TypeError: an output schema that is not a mapping.
    """
    table = closed_fields(model_name)
    for name, value in fields.items():
        if value is None:
            continue
        choices = table.get(name)
        if choices is not None:
            choices.check(name, value)
        elif name in (_OUTPUT_SCHEMA, "outputSchema"):
            check_output_schema(value, name)
