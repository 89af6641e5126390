"""The call mechanics behind ``codex.rpc``: the bases of the generated ``AsyncRpc`` and ``Rpc``.

Hand-written, like ``_model_base``, and below the generated code it serves: the generated
``rpc`` module hands its tables in (an :class:`RpcTable`), so nothing here imports
``_generated``. Every generated method ends in ``self._call(method, params, locals())``;
this module turns that into a request: it finds the params and response models of
``method`` in the table, builds and validates the params (from the params model passed
positionally, or from the keyword arguments), sends them through the client's ``request``
and validates the answer. The async and sync bases differ only in how they wait.
"""

from __future__ import annotations

import importlib
import typing
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, RootModel, ValidationError

from .errors import ProtocolError

__all__ = ["REQUIRED", "AsyncRpcBase", "Check", "RpcBase", "RpcTable"]

Check = Callable[[str, dict[str, Any]], None]
"""Checks keyword values beyond their types (``check(params_model_name, keywords)``): the
client passes the SDK's closed-option and ``output_schema`` checks in; raises ``ValueError``."""


class _Required:
    """The default of a keyword for a required params field: "not given"."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<required>"


REQUIRED: Any = _Required()
"""Marks a required field's keyword as not given (``None`` may be a value there)."""

# Arguments of every generated method that are not params fields.
_NOT_FIELDS = frozenset({"self", "params", "timeout"})


class _AsyncRequester(Protocol):
    def request(
        self, method: str, params: Any = None, *, timeout: float | None = None
    ) -> Awaitable[Any]: ...


class _Requester(Protocol):
    def request(self, method: str, params: Any = None, *, timeout: float | None = None) -> Any: ...


class RpcTable:
    """What the generated code knows of each request: its params and response models.

    ``types`` maps a wire method to the names of its params model (``None`` when it takes
    none) and response model; ``models`` names the module that holds the models, imported
    on the first call (so that ``codex.rpc`` costs nothing until used).
    """

    __slots__ = ("_models", "_module", "types")

    def __init__(self, types: Mapping[str, tuple[str | None, str | None]], models: str) -> None:
        self.types = types
        self._module = models
        self._models: Any = None

    def model(self, name: str) -> Any:
        """The generated model class called ``name``."""
        if self._models is None:
            self._models = importlib.import_module(self._module)
        return getattr(self._models, name)


def _members(model: Any) -> tuple[type[BaseModel], ...]:
    """The classes a params union (a ``RootModel``) accepts besides itself."""
    annotation = model.model_fields["root"].annotation
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return tuple(m for m in typing.get_args(annotation) if isinstance(m, type))


def _wire(value: BaseModel) -> Any:
    """A params model as its wire dict: ``None`` values left out, except where set.

    A field that is ``None`` only by default is not sent; one the caller set to ``None``
    (``git_info={"branch": None}``, at any depth) is sent as ``null``, which some requests
    read as "clear this value".
    """
    wire = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    _restore_nulls(value, wire)
    return wire


def _restore_nulls(value: Any, wire: Any) -> None:
    """Put back into ``wire`` the ``None`` values ``exclude_none`` dropped but were set."""
    if isinstance(value, RootModel):
        _restore_nulls(value.root, wire)
    elif isinstance(value, BaseModel) and isinstance(wire, dict):
        fields = type(value).model_fields
        for name in value.model_fields_set:
            info = fields.get(name)
            if info is None:
                continue
            key, item = info.alias or name, getattr(value, name)
            if item is None:
                wire[key] = None
            elif key in wire:
                _restore_nulls(item, wire[key])
    elif isinstance(value, (list, tuple)) and isinstance(wire, list):
        for item, dumped in zip(value, wire, strict=False):
            _restore_nulls(item, dumped)
    elif isinstance(value, dict) and isinstance(wire, dict):
        for key, item in value.items():
            if isinstance(key, str) and key in wire:
                _restore_nulls(item, wire[key])


def build_request(
    table: RpcTable,
    method: str,
    params: Any,
    arguments: dict[str, Any],
    check: Check | None = None,
) -> Any:
    """The wire params of ``method`` from a params model or from keyword arguments.

    ``arguments`` are the generated method's ``locals()``: the fields' keywords (``None``
    for an optional one not given, :data:`REQUIRED` for a required one), ``params`` and
    ``timeout``.

    Raises:
        TypeError: both a params model and keywords, or ``params`` of the wrong class.
        ValueError: a keyword value outside its field's closed set (an enum of the
            schema), or an ``output_schema`` that is not a valid JSON Schema.
        pydantic.ValidationError: keyword values the params model rejects (a required
            field missing, a value of the wrong type).
    """
    params_name = table.types[method][0]
    if params_name is None:
        return None
    model = table.model(params_name)
    fields = model.model_fields
    given = {
        name: value
        for name, value in arguments.items()
        if name not in _NOT_FIELDS
        and value is not REQUIRED
        and (value is not None or fields[name].is_required())
    }
    if params is not None:
        if given:
            raise TypeError(
                f"{method}: pass a {params_name} or keyword arguments, not both "
                f"(got {params_name} and {', '.join(sorted(given))})"
            )
        accepted = (model, *_members(model)) if issubclass(model, RootModel) else (model,)
        if not isinstance(params, accepted):
            raise TypeError(
                f"{method}: params must be a {' or '.join(c.__name__ for c in accepted)}, "
                f"not {type(params).__name__} (use request() for raw dicts)"
            )
        return _wire(params)
    if issubclass(model, RootModel):
        raise TypeError(f"{method} needs its params: a {params_name}")
    if check is not None:
        check(params_name, given)
    return _wire(model.model_validate(given))


def parse_response(table: RpcTable, method: str, result: Any) -> Any:
    """``result`` validated with the response model of ``method``.

    Raises:
        ProtocolError: the answer does not match the response model.
    """
    name = table.types[method][1]
    assert name is not None  # every client request has one (the generator checks)
    try:
        return table.model(name).model_validate(result)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ProtocolError(
            f"the answer to {method} does not match {name}: {exc.error_count()} error(s); "
            f"first: {where}: {first['msg']}"
        ) from exc


class AsyncRpcBase:
    """Base of the generated ``AsyncRpc``: each call is awaited on the client's loop."""

    __slots__ = ("_check", "_client")
    _table: ClassVar[RpcTable]

    def __init__(self, client: _AsyncRequester, check: Check | None = None) -> None:
        self._client = client
        self._check = check

    async def _call(self, method: str, params: Any, arguments: dict[str, Any]) -> Any:
        wire = build_request(self._table, method, params, arguments, self._check)
        result = await self._client.request(method, wire, timeout=arguments.get("timeout"))
        return parse_response(self._table, method, result)


class RpcBase:
    """Base of the generated ``Rpc``: each call blocks the calling thread until answered."""

    __slots__ = ("_check", "_client")
    _table: ClassVar[RpcTable]

    def __init__(self, client: _Requester, check: Check | None = None) -> None:
        self._client = client
        self._check = check

    def _call(self, method: str, params: Any, arguments: dict[str, Any]) -> Any:
        wire = build_request(self._table, method, params, arguments, self._check)
        result = self._client.request(method, wire, timeout=arguments.get("timeout"))
        return parse_response(self._table, method, result)
