"""Typed views of server notifications, built lazily from the raw params."""

from __future__ import annotations

import importlib
import logging
from typing import Any

__all__ = ["Notification", "UnknownNotification", "payload_model", "turn_id_of"]

logger = logging.getLogger("openai_codex")

_model_cache: dict[str, Any] = {}
# Methods already warned about: one warning per method and process, so a newer server that
# sends an unknown (or changed) notification thousands of times does not flood the log.
# Bounded, as a hostile server could invent endless method names; past it, DEBUG only.
_warned: set[str] = set()
_WARNED_LIMIT = 256


def _warn_once(method: str, message: str, *args: Any) -> None:
    """Log ``message`` at WARNING the first time for ``method``, at DEBUG afterwards."""
    if method in _warned or len(_warned) >= _WARNED_LIMIT:
        logger.debug(message, *args)
        return
    _warned.add(method)
    logger.warning(message + " (logged once per method)", *args)


class UnknownNotification:
    """The payload of a notification whose method the generated schema does not know
    (or whose params did not match it).

    ``UnknownNotification(params)`` as in the official SDK; ``method`` is kept when known.
    The older ``UnknownNotification(method, params)`` form is accepted too.
    """

    __slots__ = ("method", "params")

    params: dict[str, Any]
    method: str | None

    def __init__(self, params: Any, method: Any = None) -> None:
        if isinstance(params, str) and isinstance(method, dict):  # (method, params)
            params, method = method, params
        self.params = params
        self.method = method

    def __repr__(self) -> str:
        if self.method is None:
            return f"UnknownNotification(params={self.params!r})"
        return f"UnknownNotification(params={self.params!r}, method={self.method!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UnknownNotification):
            return NotImplemented
        methods_differ = None not in (self.method, other.method) and self.method != other.method
        return other.params == self.params and not methods_differ

    __hash__ = None  # type: ignore[assignment]


def payload_model(method: str) -> Any:
    """The generated pydantic model class for ``method``'s params, or ``None``."""
    try:
        return _model_cache[method]
    except KeyError:
        pass
    from .._generated import _methods

    name = _methods.NOTIFICATION_PARAMS.get(method)
    model = None
    if name is not None:
        module = importlib.import_module("openai_codex._generated.models")
        model = getattr(module, name, None)
    _model_cache[method] = model
    return model


class Notification:
    """One server notification: ``method`` and a typed ``payload``.

    ``payload`` is the generated model for the method (for example
    ``AgentMessageDeltaNotification`` for ``item/agentMessage/delta``), validated on first
    access; ``params`` is the raw dict as received; ``turn_id`` is the turn it belongs to
    (``turnId`` or ``turn.id``), if any. Methods the schema does not know give an
    :class:`UnknownNotification`.

    Built by the SDK from the wire (``Notification(method, params_dict)``); like the
    official SDK's, it can also be built from a payload: ``Notification(method, payload)``.
    """

    __slots__ = {
        "_payload": "The typed payload once built (``None`` until then).",
        "method": "The notification's method, for example ``item/agentMessage/delta``.",
        "params": "The raw params, as received.",
        "turn_id": "The turn this notification belongs to (``turnId`` or ``turn.id``), if any.",
    }

    method: str
    params: dict[str, Any]
    turn_id: str | None

    def __init__(self, method: str, payload: Any) -> None:
        self.method = method
        if type(payload) is dict:  # the raw params, as received: validated lazily
            self.params = payload
            self._payload: Any = None
        else:
            self._payload = payload
            self.params = _params_of(payload)
        self.turn_id = turn_id_of(self.params)

    @property
    def payload(self) -> Any:
        """The typed payload (validated lazily, then cached).

        A payload that does not match the generated model (a newer server sending a new
        item type or enum value) gives an :class:`UnknownNotification` with the raw params
        instead of an exception, and a warning on the ``openai_codex`` logger; so does a
        method the schema does not know. Each method is warned about once per process.
        """
        payload = self._payload
        if payload is None:
            model = payload_model(self.method)
            if model is None:
                _warn_once(
                    self.method,
                    "notification %r is not in the protocol schema; keeping raw params",
                    self.method[:200],
                )
                payload = UnknownNotification(self.params, self.method)
            else:
                try:
                    payload = model.model_validate(self.params)
                except ValueError as exc:  # pydantic.ValidationError
                    _warn_once(
                        self.method,
                        "%s did not match the protocol schema; keeping raw params: %s",
                        self.method,
                        str(exc).splitlines()[0],
                    )
                    payload = UnknownNotification(self.params, self.method)
            self._payload = payload
        return payload

    @property
    def thread_id(self) -> str | None:
        """The thread this notification belongs to, if any."""
        value = self.params.get("threadId")
        return value if isinstance(value, str) else None

    def __repr__(self) -> str:
        return f"Notification(method={self.method!r}, params={self.params!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Notification):
            return NotImplemented
        return self.method == other.method and self.params == other.params

    __hash__ = None  # type: ignore[assignment]


def _params_of(payload: Any) -> dict[str, Any]:
    if isinstance(payload, UnknownNotification):
        return payload.params
    dump = getattr(payload, "model_dump", None)
    if dump is not None:
        dumped: dict[str, Any] = dump(mode="json", by_alias=True, exclude_none=True)
        return dumped
    raise TypeError(f"a notification payload must be a protocol model, not {payload!r}")


def turn_id_of(params: dict[str, Any]) -> str | None:
    """Find the turn id in notification params (``turnId`` or ``turn.id``)."""
    value = params.get("turnId")
    if isinstance(value, str):
        return value
    turn = params.get("turn")
    if isinstance(turn, dict):
        value = turn.get("id")
        if isinstance(value, str):
            return value
    return None
