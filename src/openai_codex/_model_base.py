"""Base classes of every generated protocol model (hand-written; the generator imports them)."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, RootModel

_ModelMetaclass: type = type(RootModel)

__all__ = ["OpenStrEnum", "ProtocolModel", "ProtocolRootModel"]

RootT = TypeVar("RootT")


class ProtocolModel(BaseModel):
    """A message shape of the Codex app-server protocol.

    - Unknown fields are kept (``extra="allow"``) so a newer server never breaks parsing.
    - Fields are filled by their wire (camelCase) alias or by their snake_case name.
    - Validators are built on first use (``defer_build=True``), which keeps import cheap.
    - Fields of the runtime's experimental API (``__experimental_fields__``, by wire name)
      are parsed and kept but left out of ``repr()``, which therefore reads like the
      official SDK's (generated from the stable schema only).
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        defer_build=True,
        # Wire fields such as ``modelProvider`` become ``model_provider``; they are data,
        # not pydantic API, so the "model_" namespace must not be protected.
        protected_namespaces=(),
    )

    __experimental_fields__: ClassVar[frozenset[str]] = frozenset()

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        hidden = type(self).__experimental_fields__
        if not hidden:
            yield from super().__repr_args__()
            return
        fields = type(self).model_fields
        for name, value in super().__repr_args__():
            info = fields.get(name) if name is not None else None
            if info is None or (info.alias or name) not in hidden:
                yield name, value


def _enum_members_of(annotation: Any) -> Iterator[type[Enum]]:
    """The Enum classes among the members of a (possibly annotated) union type."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    for member in typing.get_args(annotation) or (annotation,):
        if isinstance(member, type) and issubclass(member, Enum):
            yield member


class _RootModelMeta(_ModelMetaclass):  # type: ignore[misc]
    """Lets a union that has a string-enum member name that enum's members.

    ``ReasoningSummary.concise`` is ``ReasoningSummaryValue.concise`` and
    ``AskForApproval.on_request`` is ``AskForApprovalValue.on_request``: the spelling that
    worked while these unions were plain enums keeps working.
    """

    def __getattr__(cls, name: str) -> Any:
        if not name.startswith("_"):
            fields = cls.__dict__.get("__pydantic_fields__") or {}
            root = fields.get("root")
            if root is not None:
                for enum_type in _enum_members_of(root.annotation):
                    member = enum_type.__members__.get(name)
                    if member is not None:
                        return member
        return super().__getattr__(name)


class ProtocolRootModel(RootModel[RootT], Generic[RootT], metaclass=_RootModelMeta):
    """A protocol union (``ThreadItem``, ``SandboxPolicy``...) or wrapped scalar.

    The value is in ``.root``, as in the official SDK: ``item.root.type``. Attributes the
    wrapper does not have are looked up on ``.root``, so ``item.type`` and ``item.text``
    work too, and a wrapper compares equal to its root value (``status == "idle"``,
    ``item == AgentMessageThreadItem(...)``). On the class, the members of a string enum
    in the union are reachable by name (``ReasoningSummary.concise``).
    """

    model_config = ConfigDict(defer_build=True, protected_namespaces=())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            # pydantic's own lookups (private attributes, __pydantic_* slots).
            return super().__getattr__(name)  # type: ignore[misc]
        try:
            root = self.__dict__["root"]
        except KeyError:
            raise AttributeError(name) from None
        try:
            return getattr(root, name)
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r} "
                f"(nor does its root, a {type(root).__name__})"
            ) from None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RootModel):
            return super().__eq__(other)
        return bool(self.__dict__.get("root") == other)

    __hash__ = None  # type: ignore[assignment]


class OpenStrEnum(str, Enum):
    """A str enum that also accepts values it does not list.

    For protocol values the schema types as free strings but the official SDK offers as
    enums (``ReasoningEffort``): ``ReasoningEffort("medium")`` is the member, and a value
    a newer server or model introduces becomes a pseudo-member with that name and value
    instead of a validation error.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str) or not value:
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member
