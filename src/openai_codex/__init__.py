"""openai-codex: a Python SDK for the Codex app-server."""

from __future__ import annotations

from ._approvals import (
    ApprovalFileChange,
    ApprovalHandler,
    ApprovalRequest,
    Decision,
    UserInputAnswers,
    UserInputHandler,
    UserInputOption,
    UserInputQuestion,
    UserInputRequest,
)
from ._client import AsyncCodex
from ._client_sync import Codex
from ._config import CodexConfig
from ._inputs import (
    ImageInput,
    Input,
    InputItem,
    LocalImageInput,
    MentionInput,
    SkillInput,
    TextInput,
)
from ._login import (
    AsyncChatgptLoginHandle,
    AsyncDeviceCodeLoginHandle,
    ChatgptLoginHandle,
    DeviceCodeLoginHandle,
)
from ._metadata import ServerMetadata
from ._notifications import Notification, UnknownNotification
from ._options import (
    ApprovalMode,
    Sandbox,
    ThreadForkOptions,
    ThreadListOptions,
    ThreadResumeOptions,
    ThreadStartOptions,
    TurnOptions,
)
from ._results import TurnResult
from ._thread import AsyncThread, AsyncTurnHandle
from ._thread_sync import Thread, TurnHandle
from ._tools import ImageResult, Tool, tool
from ._version import __version__
from .errors import (
    CodexError,
    CodexRuntimeNotFoundError,
    CodexTimeoutError,
    InternalRpcError,
    InvalidParamsError,
    InvalidRequestError,
    JsonRpcError,
    LoginError,
    LoginRejectedError,
    MethodNotFoundError,
    ParseError,
    ProtocolError,
    RetryLimitExceededError,
    ServerBusyError,
    TransportClosedError,
    TurnFailedError,
    is_retryable_error,
)
from .retry import async_retry_on_overload, retry_on_overload

__all__ = [
    "ApprovalFileChange",
    "ApprovalHandler",
    "ApprovalRequest",
    "Decision",
    "ImageResult",
    "Tool",
    "UserInputAnswers",
    "UserInputHandler",
    "UserInputOption",
    "UserInputQuestion",
    "UserInputRequest",
    "tool",
    "AsyncChatgptLoginHandle",
    "AsyncDeviceCodeLoginHandle",
    "ChatgptLoginHandle",
    "DeviceCodeLoginHandle",
    "LoginRejectedError",
    "ApprovalMode",
    "AsyncCodex",
    "AsyncThread",
    "AsyncTurnHandle",
    "ImageInput",
    "Input",
    "InputItem",
    "LocalImageInput",
    "MentionInput",
    "Sandbox",
    "SkillInput",
    "TextInput",
    "Thread",
    "ThreadForkOptions",
    "ThreadListOptions",
    "ThreadResumeOptions",
    "ThreadStartOptions",
    "TurnHandle",
    "TurnOptions",
    "TurnResult",
    "Codex",
    "CodexConfig",
    "CodexError",
    "CodexRuntimeNotFoundError",
    "CodexTimeoutError",
    "InternalRpcError",
    "InvalidParamsError",
    "InvalidRequestError",
    "JsonRpcError",
    "LoginError",
    "MethodNotFoundError",
    "Notification",
    "ParseError",
    "ProtocolError",
    "RetryLimitExceededError",
    "ServerBusyError",
    "ServerMetadata",
    "TransportClosedError",
    "TurnFailedError",
    "UnknownNotification",
    "__version__",
    "async_retry_on_overload",
    "is_retryable_error",
    "retry_on_overload",
]
