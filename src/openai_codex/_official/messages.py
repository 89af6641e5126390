"""Between the low-level clients' arguments and the wire: request params, answers, deltas.

Helpers both clients use: a params model or dict becomes the request's JSON, an input
becomes ``turn/start``'s items, an answer is validated into its protocol model, and a turn
notification is sorted for ``stream_text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .._conversation.inputs import _one as _input_item
from .._core.notifications import Notification
from .._generated.models import AgentMessageDeltaNotification
from ..errors import ProtocolError

ModelT = TypeVar("ModelT", bound=BaseModel)

TURN_COMPLETED = "turn/completed"
AGENT_MESSAGE_DELTA = "item/agentMessage/delta"


def _dump(params: Any) -> dict[str, Any]:
    """Request params as a dict: a protocol model by alias (no ``None``), a mapping as is."""
    if params is None:
        return {}
    if isinstance(params, BaseModel):
        dumped: dict[str, Any] = params.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped
    if isinstance(params, Mapping):
        return dict(params)
    raise TypeError(f"params must be a protocol model or a dict, not {type(params).__name__}")


def _input_items(items: Any) -> list[Any]:
    """``input`` for ``turn/start`` / ``turn/steer``: a text, one item or a list of items.

    Dicts are sent as given; strings and the SDK's input objects (``TextInput``...) become
    their wire items.
    """
    if isinstance(items, (str, Mapping)) or hasattr(items, "to_wire"):
        items = [items]
    if not isinstance(items, (list, tuple)):
        raise TypeError(
            f"input_items must be a str, a dict or a list of dicts, not {type(items).__name__}"
        )
    return [dict(item) if isinstance(item, Mapping) else _input_item(item) for item in items]


def _validate(model: type[ModelT], result: Any) -> ModelT:
    """An answer (or notification params) as ``model``; a mismatch is a ProtocolError."""
    try:
        return model.model_validate(result)
    except ValidationError as exc:
        raise ProtocolError(
            f"the answer does not match {model.__name__}: {exc.error_count()} error(s); "
            f"first: {exc.errors()[0]['msg']}"
        ) from exc


def _status_value(status: Any) -> str | None:
    """A goal status (an enum member or its text) as text, for the wire and messages."""
    value = getattr(status, "value", status)
    return value if isinstance(value, str) else None


class _End:
    """The mark :func:`_delta_of` returns for the turn's end."""

    __slots__ = ()


_END = _End()


def _delta_of(note: Notification) -> AgentMessageDeltaNotification | _End | None:
    """What ``stream_text`` does with a turn notification: yield, stop, or skip it."""
    if note.method == AGENT_MESSAGE_DELTA:
        payload = note.payload
        if isinstance(payload, AgentMessageDeltaNotification):
            return payload
        return None
    if note.method == TURN_COMPLETED:
        return _END
    return None
