"""Notifications, the ``initialize`` answer, and JSON value types (the official module path).

``Notification`` is what a turn stream and ``on_notification`` deliver: ``method`` and a
typed ``payload`` (``AgentMessageDeltaNotification``...); a method the schema does not know
gives an :class:`UnknownNotification` payload. ``InitializeResponse`` is
``Codex.metadata``. The notification payload classes are re-exported from the generated
models for convenience; every protocol class is in ``openai_codex.generated.v2_all``.
"""

from __future__ import annotations

from typing import TypeAlias

from ._client.metadata import InitializeResponse, ServerInfo
from ._core.notifications import Notification, UnknownNotification
from ._generated.models import (
    AccountLoginCompletedNotification,
    AccountRateLimitsUpdatedNotification,
    AccountUpdatedNotification,
    AgentMessageDeltaNotification,
    AppListUpdatedNotification,
    CommandExecutionOutputDeltaNotification,
    ConfigWarningNotification,
    ContextCompactedNotification,
    DeprecationNoticeNotification,
    ErrorNotification,
    FileChangeOutputDeltaNotification,
    ItemCompletedNotification,
    ItemStartedNotification,
    McpServerOauthLoginCompletedNotification,
    McpToolCallProgressNotification,
    PlanDeltaNotification,
    RawResponseItemCompletedNotification,
    ReasoningSummaryPartAddedNotification,
    ReasoningSummaryTextDeltaNotification,
    ReasoningTextDeltaNotification,
    TerminalInteractionNotification,
    ThreadGoalClearedNotification,
    ThreadGoalUpdatedNotification,
    ThreadNameUpdatedNotification,
    ThreadStartedNotification,
    ThreadTokenUsageUpdatedNotification,
    TurnCompletedNotification,
    TurnDiffUpdatedNotification,
    TurnPlanUpdatedNotification,
    TurnStartedNotification,
    WindowsWorldWritableWarningNotification,
)
from ._generated.notifications import KnownNotificationPayload
from ._json import JsonObject, JsonScalar, JsonValue

NotificationPayload: TypeAlias = KnownNotificationPayload | UnknownNotification
"""What ``Notification.payload`` may be."""

__all__ = [
    "AccountLoginCompletedNotification",
    "AccountRateLimitsUpdatedNotification",
    "AccountUpdatedNotification",
    "AgentMessageDeltaNotification",
    "AppListUpdatedNotification",
    "CommandExecutionOutputDeltaNotification",
    "ConfigWarningNotification",
    "ContextCompactedNotification",
    "DeprecationNoticeNotification",
    "ErrorNotification",
    "FileChangeOutputDeltaNotification",
    "InitializeResponse",
    "ItemCompletedNotification",
    "ItemStartedNotification",
    "JsonObject",
    "JsonScalar",
    "JsonValue",
    "McpServerOauthLoginCompletedNotification",
    "McpToolCallProgressNotification",
    "Notification",
    "NotificationPayload",
    "PlanDeltaNotification",
    "RawResponseItemCompletedNotification",
    "ReasoningSummaryPartAddedNotification",
    "ReasoningSummaryTextDeltaNotification",
    "ReasoningTextDeltaNotification",
    "ServerInfo",
    "TerminalInteractionNotification",
    "ThreadGoalClearedNotification",
    "ThreadGoalUpdatedNotification",
    "ThreadNameUpdatedNotification",
    "ThreadStartedNotification",
    "ThreadTokenUsageUpdatedNotification",
    "TurnCompletedNotification",
    "TurnDiffUpdatedNotification",
    "TurnPlanUpdatedNotification",
    "TurnStartedNotification",
    "UnknownNotification",
    "WindowsWorldWritableWarningNotification",
]
