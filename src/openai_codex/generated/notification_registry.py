"""Which model each server notification carries, and how to find its turn.

``NOTIFICATION_MODELS["item/agentMessage/delta"]`` is ``AgentMessageDeltaNotification``.
``notification_turn_id(payload)`` reads the turn id of a payload model: its ``turn_id``
field, or ``turn.id`` for ``turn/started`` and ``turn/completed``. The tables are generated
from the pinned runtime's schema (``openai_codex._generated.notifications``).
"""

from __future__ import annotations

from typing import Any

from .._generated.notifications import *  # noqa: F403  (the payload classes)
from .._generated.notifications import (
    DIRECT_TURN_ID_NOTIFICATION_TYPES,
    NESTED_TURN_NOTIFICATION_TYPES,
    NOTIFICATION_MODELS,
    KnownNotificationPayload,
)

__all__ = [
    "DIRECT_TURN_ID_NOTIFICATION_TYPES",
    "NESTED_TURN_NOTIFICATION_TYPES",
    "NOTIFICATION_MODELS",
    "KnownNotificationPayload",
    "notification_turn_id",
]


def notification_turn_id(payload: Any) -> str | None:
    """The turn a notification payload belongs to, or ``None`` for thread/global ones."""
    if isinstance(payload, DIRECT_TURN_ID_NOTIFICATION_TYPES):
        value = getattr(payload, "turn_id", None)
        return value if isinstance(value, str) else None
    if isinstance(payload, NESTED_TURN_NOTIFICATION_TYPES):
        turn = getattr(payload, "turn", None)
        value = getattr(turn, "id", None)
        return value if isinstance(value, str) else None
    return None
