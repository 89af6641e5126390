"""JSON value types, as the official SDK names them."""

from __future__ import annotations

from typing import TypeAlias, Union

__all__ = ["JsonObject", "JsonScalar", "JsonValue"]

JsonScalar: TypeAlias = str | int | float | bool | None
JsonValue: TypeAlias = Union[JsonScalar, dict[str, "JsonValue"], list["JsonValue"]]  # noqa: UP007
JsonObject: TypeAlias = dict[str, JsonValue]
