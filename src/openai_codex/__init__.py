"""openai-codex: a Python SDK for the Codex app-server."""

from __future__ import annotations

import importlib

from ._client import low_level as _low_level
from ._client.config import CodexConfig
from ._client.sync_client import Codex
from ._version import __version__
from .errors import (
    CodexAuthError,
    CodexError,
    CodexRpcError,
    CodexRuntimeNotFoundError,
    CodexTimeoutError,
    ImageFetchError,
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
    TurnTimeoutError,
    is_retryable_error,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (cold start)
if TYPE_CHECKING:
    from typing import Any

    from ._auth.handles import (
        AsyncChatgptLoginHandle,
        AsyncDeviceCodeLoginHandle,
        ChatgptLoginHandle,
        DeviceCodeLoginHandle,
    )
    from ._callbacks.approvals import (
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
    from ._callbacks.tools import ImageResult, Tool, tool
    from ._client.async_client import AsyncCodex
    from ._client.metadata import InitializeResponse as ServerMetadata  # noqa: F401
    from ._conversation.goals.handles import AsyncGoalHandle, GoalHandle
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
    from ._conversation.options import (
        ApprovalMode,
        Sandbox,
        ThreadForkOptions,
        ThreadListOptions,
        ThreadResumeOptions,
        ThreadStartOptions,
        TurnOptions,
    )
    from ._conversation.results import TurnResult
    from ._conversation.reviews import (
        BaseBranch,
        CodeLocation,
        Commit,
        Custom,
        ReviewFinding,
        ReviewResult,
    )
    from ._conversation.thread import AsyncThread
    from ._conversation.thread_sync import Thread, TurnHandle
    from ._conversation.turn import AsyncTurnHandle
    from ._core.notifications import Notification, UnknownNotification
    from ._observability.usage import TokenUsage
    from .retry import async_retry_on_overload, retry_on_overload

# Names whose module loads on first access. ``import openai_codex`` and ``from openai_codex
# import Codex`` load no asyncio and none of the async machinery: ``Codex()`` launches the
# server first and imports the rest while it boots (the cold start of every program). What
# only approvals, tools, goals, reviews or retries need loads when first used.
_LAZY: dict[str, str] = {
    "AsyncCodex": "._client.async_client",
    **dict.fromkeys(
        (
            "ExternalMessage",
            "ImageInput",
            "Input",
            "InputItem",
            "LocalImageInput",
            "MentionInput",
            "RunInput",
            "SkillInput",
            "TextInput",
        ),
        "._conversation.inputs",
    ),
    **dict.fromkeys(("Notification", "UnknownNotification"), "._core.notifications"),
    **dict.fromkeys(
        (
            "ApprovalMode",
            "Sandbox",
            "ThreadForkOptions",
            "ThreadListOptions",
            "ThreadResumeOptions",
            "ThreadStartOptions",
            "TurnOptions",
        ),
        "._conversation.options",
    ),
    "TurnResult": "._conversation.results",
    "TokenUsage": "._observability.usage",
    **dict.fromkeys(
        (
            "AsyncChatgptLoginHandle",
            "AsyncDeviceCodeLoginHandle",
            "ChatgptLoginHandle",
            "DeviceCodeLoginHandle",
        ),
        "._auth.handles",
    ),
    "AsyncThread": "._conversation.thread",
    "AsyncTurnHandle": "._conversation.turn",
    **dict.fromkeys(("Thread", "TurnHandle"), "._conversation.thread_sync"),
    **dict.fromkeys(
        (
            "ApprovalFileChange",
            "ApprovalHandler",
            "ApprovalRequest",
            "Decision",
            "UserInputAnswers",
            "UserInputHandler",
            "UserInputOption",
            "UserInputQuestion",
            "UserInputRequest",
        ),
        "._callbacks.approvals",
    ),
    **dict.fromkeys(("AsyncGoalHandle", "GoalHandle"), "._conversation.goals.handles"),
    **dict.fromkeys(
        ("BaseBranch", "CodeLocation", "Commit", "Custom", "ReviewFinding", "ReviewResult"),
        "._conversation.reviews",
    ),
    **dict.fromkeys(("ImageResult", "Tool", "tool"), "._callbacks.tools"),
    **dict.fromkeys(("async_retry_on_overload", "retry_on_overload"), ".retry"),
}


def _share_async(codex: Any) -> Any:
    from ._official.shared import share_async

    return share_async(codex)


def _share_sync(codex: Any) -> Any:
    from ._official.shared import share_sync

    return share_sync(codex)


# ``Codex._client`` / ``AsyncCodex._client``: the official low-level client on the client's
# own connection. The client layer sits below the official one, so the package (which
# sees every layer) hands it the factories; nothing loads until ``_client`` is first read.
_low_level.provide(_share_async, _share_sync)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # later accesses skip this function
        return value
    # ``ServerMetadata``: the earlier name of ``Codex.metadata``'s type, now
    # ``openai_codex.types.InitializeResponse``. Loaded on first use (it needs pydantic), and
    # left out of ``__all__`` so that ``from openai_codex import *`` stays cheap.
    if name == "ServerMetadata":
        from ._client.metadata import InitializeResponse

        return InitializeResponse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "AsyncGoalHandle",
    "BaseBranch",
    "CodeLocation",
    "Commit",
    "Custom",
    "GoalHandle",
    "ReviewFinding",
    "ReviewResult",
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
    "ThreadForkOptions",
    "ThreadListOptions",
    "ThreadResumeOptions",
    "ThreadStartOptions",
    "TurnHandle",
    "TurnOptions",
    "TurnResult",
    "TokenUsage",
    "Codex",
    "CodexConfig",
    "CodexAuthError",
    "CodexError",
    "CodexRpcError",
    "CodexRuntimeNotFoundError",
    "CodexTimeoutError",
    "ImageFetchError",
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
    "TransportClosedError",
    "TurnFailedError",
    "TurnTimeoutError",
    "UnknownNotification",
    "__version__",
    "async_retry_on_overload",
    "is_retryable_error",
    "retry_on_overload",
]
