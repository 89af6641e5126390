"""The official SDK's ``openai_codex.api`` module: low-level clients and what they use.

- :class:`CodexClient` / :class:`AsyncCodexClient`: one app-server process, driven
  request by request (``start()``, ``initialize()``, ``thread_start(params)``,
  ``turn_start(thread_id, input_items)``...), with notifications pulled from queues
  (``next_notification()``, ``next_turn_notification(turn_id)``, goal operations...).
  See :mod:`openai_codex._official.routing` for how notifications are queued.
- :func:`start_chatgpt_login`, :func:`start_device_code_login` and their async forms:
  ChatGPT sign-in handles for a client.
- :func:`validate_initialize_metadata`: fill and check the ``initialize`` answer.
- Re-exports of the high-level API (``Codex``, ``AsyncCodex``, ``Thread``...) and of the
  protocol models the low-level helpers take and return.

Unlike ``import openai_codex``, importing this module loads pydantic and the generated
protocol models.
"""

from __future__ import annotations

from ._auth.handles import (
    AsyncChatgptLoginHandle,
    AsyncDeviceCodeLoginHandle,
    ChatgptLoginHandle,
    DeviceCodeLoginHandle,
)
from ._client.async_client import AsyncCodex
from ._client.config import CodexConfig
from ._client.metadata import InitializeResponse, ServerInfo
from ._client.sync_client import Codex
from ._conversation.goals.operation import GoalOperationState
from ._conversation.inputs import (
    ExternalMessage,
    ImageInput,
    Input,
    InputItem,
    LocalImageInput,
    MentionInput,
    RunInput,
    SkillInput,
    TextInput,
)
from ._conversation.options import ApprovalMode, Sandbox
from ._conversation.results import TurnResult
from ._conversation.thread import AsyncThread
from ._conversation.thread_sync import Thread, TurnHandle
from ._conversation.turn import AsyncTurnHandle
from ._core.notifications import Notification
from ._generated.models import (
    AccountLoginCompletedNotification,
    AgentMessageDeltaNotification,
    ApiKeyLoginAccountParams,
    CancelLoginAccountResponse,
    GetAccountParams,
    GetAccountResponse,
    LoginAccountParams,
    LoginAccountResponse,
    LogoutAccountResponse,
    ModelListResponse,
    Personality,
    ReasoningEffort,
    ReasoningSummary,
    SortDirection,
    ThreadArchiveResponse,
    ThreadCompactStartResponse,
    ThreadForkParams,
    ThreadForkResponse,
    ThreadGoalClearResponse,
    ThreadGoalSetResponse,
    ThreadGoalStatus,
    ThreadListCwdFilter,
    ThreadListParams,
    ThreadListResponse,
    ThreadReadResponse,
    ThreadResumeParams,
    ThreadResumeResponse,
    ThreadSetNameResponse,
    ThreadSortKey,
    ThreadSource,
    ThreadSourceKind,
    ThreadStartParams,
    ThreadStartResponse,
    ThreadStartSource,
    ThreadUnarchiveResponse,
    TurnCompletedNotification,
    TurnInterruptResponse,
    TurnStartParams,
    TurnStartResponse,
    TurnSteerResponse,
)
from ._json import JsonObject, JsonValue
from ._official.async_client import AsyncCodexClient
from ._official.errors import ClientStateError, InitializeMetadataError, StreamEndedError
from ._official.logins import (
    async_start_chatgpt_login,
    async_start_device_code_login,
    start_chatgpt_login,
    start_device_code_login,
)
from ._official.metadata import validate_initialize_metadata
from ._official.server_requests import ServerRequestHandler
from ._official.sync_client import CodexClient

__all__ = [
    # low-level clients and helpers
    "AsyncCodexClient",
    "ClientStateError",
    "CodexClient",
    "GoalOperationState",
    "InitializeMetadataError",
    "ServerRequestHandler",
    "StreamEndedError",
    "async_start_chatgpt_login",
    "async_start_device_code_login",
    "start_chatgpt_login",
    "start_device_code_login",
    "validate_initialize_metadata",
    # high-level API
    "ApprovalMode",
    "AsyncChatgptLoginHandle",
    "AsyncCodex",
    "AsyncDeviceCodeLoginHandle",
    "AsyncThread",
    "AsyncTurnHandle",
    "ChatgptLoginHandle",
    "Codex",
    "CodexConfig",
    "DeviceCodeLoginHandle",
    "ExternalMessage",
    "ImageInput",
    "Input",
    "InputItem",
    "LocalImageInput",
    "MentionInput",
    "RunInput",
    "Sandbox",
    "SkillInput",
    "TextInput",
    "Thread",
    "TurnHandle",
    "TurnResult",
    # notifications, metadata, JSON
    "InitializeResponse",
    "JsonObject",
    "JsonValue",
    "Notification",
    "ServerInfo",
    # protocol models
    "AccountLoginCompletedNotification",
    "AgentMessageDeltaNotification",
    "ApiKeyLoginAccountParams",
    "CancelLoginAccountResponse",
    "GetAccountParams",
    "GetAccountResponse",
    "LoginAccountParams",
    "LoginAccountResponse",
    "LogoutAccountResponse",
    "ModelListResponse",
    "Personality",
    "ReasoningEffort",
    "ReasoningSummary",
    "SortDirection",
    "ThreadArchiveResponse",
    "ThreadCompactStartResponse",
    "ThreadForkParams",
    "ThreadForkResponse",
    "ThreadGoalClearResponse",
    "ThreadGoalSetResponse",
    "ThreadGoalStatus",
    "ThreadListCwdFilter",
    "ThreadListParams",
    "ThreadListResponse",
    "ThreadReadResponse",
    "ThreadResumeParams",
    "ThreadResumeResponse",
    "ThreadSetNameResponse",
    "ThreadSortKey",
    "ThreadSource",
    "ThreadSourceKind",
    "ThreadStartParams",
    "ThreadStartResponse",
    "ThreadStartSource",
    "ThreadUnarchiveResponse",
    "TurnCompletedNotification",
    "TurnInterruptResponse",
    "TurnStartParams",
    "TurnStartResponse",
    "TurnSteerResponse",
]
