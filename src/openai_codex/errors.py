"""The SDK's error hierarchy.

Every error the SDK raises derives from :class:`CodexError`. JSON-RPC errors answered by the
server become :class:`JsonRpcError` subclasses chosen by their code (see
:func:`error_from_rpc`); errors from lower layers (OS, JSON, pydantic) are chained with
``raise ... from``.

The JSON-RPC classes form the official SDK's hierarchy: ``JsonRpcError`` >
``CodexRpcError`` > ``ParseError``, ``InvalidRequestError``, ``MethodNotFoundError``,
``InvalidParamsError``, ``InternalRpcError``, ``ServerBusyError`` >
``RetryLimitExceededError``. So ``except CodexRpcError`` catches every error answer of
the app-server.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (cold start)
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "PARSE_ERROR",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "INVALID_PARAMS",
    "INTERNAL_ERROR",
    "SERVER_OVERLOADED",
    "CodexError",
    "CodexRuntimeNotFoundError",
    "CodexTimeoutError",
    "TurnTimeoutError",
    "TransportClosedError",
    "CodexAuthError",
    "ProtocolError",
    "JsonRpcError",
    "CodexRpcError",
    "ParseError",
    "InvalidRequestError",
    "MethodNotFoundError",
    "UnknownMethodError",
    "InvalidParamsError",
    "InternalRpcError",
    "ServerBusyError",
    "RetryLimitExceededError",
    "TurnFailedError",
    "ImageFetchError",
    "LoginError",
    "LoginRejectedError",
    "error_from_rpc",
    "is_retryable_error",
    "map_jsonrpc_error",
]

# JSON-RPC 2.0 standard codes, as used by the app-server.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
# The app-server's overload signal (observed with 0.163.0 by sending 1,000 requests at
# once): when its bounded request queue is full it answers at once with -32001 and the
# message "Server overloaded; retry later." instead of running the request, so retrying
# after a pause is safe. Under heavier floods it may even drop that answer ("dropping
# overload response ... outbound queue is full" on its stderr): pass a timeout to requests
# when you push that hard.
SERVER_OVERLOADED = -32001
_OVERLOAD_MESSAGE = "server overloaded"
# JSON-RPC reserves -32099..-32000 for implementation-defined server errors.
_SERVER_ERROR_RANGE = range(-32099, -31999)
# Marks in a server error that say the request was refused for load or retried too often
# (the official SDK's classification, kept so that code written for it behaves the same).
_OVERLOAD_MARK = "server_overloaded"
_RETRY_LIMIT_MARKS = ("retry limit", "too many failed attempts")
# The app-server answers an unknown method with -32600 "Invalid request: unknown variant
# `METHOD`, expected one of ..." rather than the standard -32601; both become
# MethodNotFoundError (the original code is kept on the exception).
_UNKNOWN_METHOD_MARKER = "unknown variant"


class CodexError(Exception):
    """Base class of every error raised by the SDK."""


class CodexRuntimeNotFoundError(CodexError):
    """No ``codex`` executable could be found to launch the app-server."""


class CodexTimeoutError(CodexError, TimeoutError):
    """A wait ran out of time (a request, a turn, a login)."""


class TurnTimeoutError(CodexTimeoutError):
    """A turn ran past its ``timeout`` or went ``idle_timeout`` seconds without an event.

    The SDK interrupted the turn and waited (a bounded time) for it to end before raising;
    the thread stays usable.

    Attributes:
        result: the partial :class:`~openai_codex.TurnResult` (items so far; ``status`` is
            ``interrupted`` once the server confirmed the interruption).
        limit: which limit ran out: ``"timeout"`` or ``"idle_timeout"``.
        seconds: that limit's value.
    """

    def __init__(self, message: str, *, result: Any = None, limit: str, seconds: float) -> None:
        self.result = result
        self.limit = limit
        self.seconds = seconds
        super().__init__(message)


class TransportClosedError(CodexError):
    """The connection to the app-server is gone (the process exited or the pipe broke).

    Attributes:
        exit_code: the server process's exit status, when known.
        stderr_tail: the last lines the server wrote on stderr.
        result: for a turn that was running, its partial
            :class:`~openai_codex.TurnResult`; else ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        exit_code: int | None = None,
        stderr_tail: Sequence[str] = (),
        result: Any = None,
    ) -> None:
        self.exit_code = exit_code
        self.stderr_tail: tuple[str, ...] = tuple(stderr_tail)
        self.result = result
        text = message
        if exit_code is not None:
            text += f" (exit code {exit_code})"
        if self.stderr_tail:
            text += "\nlast stderr lines:\n  " + "\n  ".join(self.stderr_tail)
        super().__init__(text)

    def with_result(self, result: Any) -> TransportClosedError:
        """A copy of this error that carries a turn's partial result (chained to this one)."""
        duplicate = copy.copy(self)
        duplicate.result = result
        duplicate.__cause__ = self
        duplicate.__traceback__ = None
        return duplicate


class CodexAuthError(TransportClosedError):
    """The app-server refused the connection's credentials (its WebSocket capability token).

    Raised when a WebSocket app-server answers the upgrade request with HTTP 401 or 403:
    ``CodexConfig.auth_token`` is missing or wrong. Retrying with the same token cannot
    help. The message names the status and the server's reason (for example ``HTTP 401
    Unauthorized: invalid websocket bearer token``), never the token.

    Attributes:
        status_code: the HTTP status of the refusal.
        reason: the server's explanation (the response body), possibly empty.
    """

    def __init__(self, message: str, *, status_code: int, reason: str = "") -> None:
        self.status_code = status_code
        self.reason = reason
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_auth, (self.args[0], self.status_code, self.reason))


def _rebuild_auth(message: str, status_code: int, reason: str) -> CodexAuthError:
    return CodexAuthError(message, status_code=status_code, reason=reason)


class ProtocolError(CodexError):
    """The server sent something that is not valid protocol (bad JSON, a bad envelope)."""


class JsonRpcError(CodexError):
    """The server answered a request with a JSON-RPC error.

    Attributes:
        code: the JSON-RPC error code.
        message: the server's message.
        data: the optional ``data`` member of the error.
        method: the request method that failed.
    """

    def __init__(self, code: int, message: str, data: Any = None, method: str | None = None):
        self.code = code
        self.message = message
        self.data = data
        self.method = method
        where = f"{method}: " if method else ""
        super().__init__(f"{where}{message} (code {code})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.message, self.data, self.method))


class CodexRpcError(JsonRpcError):
    """An error answer of the Codex app-server: catch this to handle any of them."""


class ParseError(CodexRpcError):
    """The server could not parse what the client sent (-32700)."""


class InvalidRequestError(CodexRpcError):
    """The request was invalid for the server's state (-32600), e.g. an unknown thread."""


class MethodNotFoundError(CodexRpcError):
    """The server does not know the method.

    The standard code is -32601; app-server 0.163.0 answers -32600 "unknown variant" instead,
    which is mapped here too (``code`` keeps what the server sent, ``data`` its full message
    with the list of known methods).
    """


class UnknownMethodError(MethodNotFoundError, InvalidRequestError):
    """The app-server's answer to a method it does not know (-32600 "unknown variant").

    Both a :class:`MethodNotFoundError` (what it means) and an :class:`InvalidRequestError`
    (its code, which is what the official SDK raises for it). ``message`` is the server's
    message; ``data`` holds it split (``serverMessage``, ``expected``: the known methods).
    """

    def __str__(self) -> str:
        return f"unknown method `{self.method}` (code {self.code}; known methods in .data)"


class InvalidParamsError(CodexRpcError):
    """The request's params did not match the method's schema (-32602)."""


class InternalRpcError(CodexRpcError):
    """The server failed while handling the request (-32603)."""


class ServerBusyError(CodexRpcError):
    """The server is overloaded and did not run the request; retry after a pause."""


_ERRORS_BY_CODE: dict[int, type[JsonRpcError]] = {
    PARSE_ERROR: ParseError,
    INVALID_REQUEST: InvalidRequestError,
    METHOD_NOT_FOUND: MethodNotFoundError,
    INVALID_PARAMS: InvalidParamsError,
    INTERNAL_ERROR: InternalRpcError,
    SERVER_OVERLOADED: ServerBusyError,
}


def error_from_rpc(
    code: int, message: str, data: Any = None, method: str | None = None
) -> JsonRpcError:
    """Build the :class:`JsonRpcError` subclass that matches a server error.

    - -32001, or a message saying the server is overloaded (what app-server 0.163.0
      answers), or a server error (-32099..-32000) whose ``data`` mentions
      ``server_overloaded``: :class:`ServerBusyError`.
    - A server error whose message says a retry limit was hit:
      :class:`RetryLimitExceededError`.
    - The standard codes: their classes; other server errors: :class:`CodexRpcError`;
      anything else: :class:`JsonRpcError`.
    """
    lowered = message.lower()
    in_server_range = code in _SERVER_ERROR_RANGE
    if in_server_range and any(mark in lowered for mark in _RETRY_LIMIT_MARKS):
        return RetryLimitExceededError(code, message, data, method)
    if (
        code == SERVER_OVERLOADED
        or _OVERLOAD_MESSAGE in lowered
        or (in_server_range and _mentions_overload(data))
    ):
        return ServerBusyError(code, message, data, method)
    if code == INVALID_REQUEST and method is not None and _is_unknown_method(message, method):
        # Keep the server's list of known methods in ``data``, not in the message.
        known = message.split("expected one of", 1)[-1].strip()
        return UnknownMethodError(
            code,
            message,
            data if data is not None else {"serverMessage": message, "expected": known},
            method,
        )
    cls = _ERRORS_BY_CODE.get(code, CodexRpcError if in_server_range else JsonRpcError)
    return cls(code, message, data, method)


def map_jsonrpc_error(code: int, message: str, data: Any = None) -> JsonRpcError:
    """The official SDK's name for :func:`error_from_rpc` (no request method)."""
    return error_from_rpc(code, message, data)


def _mentions_overload(data: Any) -> bool:
    return data is not None and _OVERLOAD_MARK in str(data)


def _is_unknown_method(message: str, method: str) -> bool:
    return _UNKNOWN_METHOD_MARKER in message and f"`{method}`" in message.split(",", 1)[0]


class RetryLimitExceededError(ServerBusyError):
    """Retrying did not get past an overloaded server.

    Raised by :func:`~openai_codex.retry_on_overload` when every attempt was refused (it
    carries the last refusal's ``code``, ``message`` and ``data``), and for a server error
    whose message says its own retry limit was hit.

    Attributes:
        attempts: how many attempts ``retry_on_overload`` made (``None`` otherwise).
        last_error: the final refusal (``None`` when the server sent this error itself).
    """

    def __init__(
        self,
        code: int,
        message: str,
        data: Any = None,
        method: str | None = None,
        *,
        attempts: int | None = None,
        last_error: BaseException | None = None,
    ) -> None:
        super().__init__(code, message, data, method)
        self.attempts = attempts
        self.last_error = last_error
        if attempts is not None:
            self.args = (f"gave up after {attempts} attempts: {self.args[0]}",)

    @classmethod
    def after(cls, attempts: int, last: JsonRpcError) -> RetryLimitExceededError:
        """The error ``retry_on_overload`` raises after ``attempts`` refusals."""
        return cls(
            last.code, last.message, last.data, last.method, attempts=attempts, last_error=last
        )

    def __reduce__(self) -> tuple[Any, ...]:
        state = (self.code, self.message, self.data, self.method, self.attempts, self.last_error)
        return (_rebuild_retry_limit, state)


class TurnFailedError(CodexError):
    """A turn ended with status ``failed``.

    Attributes:
        message: the server's turn error message.
        result: the partial :class:`~openai_codex.TurnResult` (items and usage so far).
    """

    def __init__(self, message: str, result: Any = None) -> None:
        self.message = message
        self.result = result
        super().__init__(f"turn failed: {message}")


class ImageFetchError(CodexError):
    """An image input's ``http(s)`` URL could not be downloaded to send it inline.

    The runtime refuses remote image URLs, so the SDK downloads them first (see
    ``docs/inputs.md``); nothing was sent to the server.

    Attributes:
        url: the image's URL as shown in messages (no user info; the query replaced).
        reason: why: the HTTP status, a timeout, the size or content-type limit...
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"could not download the image {url}: {reason}")


class LoginError(CodexError):
    """A login could not be started or did not complete."""

    def __init__(self, message: str, *, login_id: str | None = None) -> None:
        self.login_id = login_id
        where = f"login {login_id}: " if login_id else ""
        super().__init__(f"{where}{message}")


class LoginRejectedError(LoginError):
    """The server refused to start a login (``account/login/start`` answered an error).

    For example ``"device code login is not enabled for this Codex server..."`` (-32600)
    when the issuer does not offer device codes. The original
    :class:`~openai_codex.JsonRpcError` is chained as ``__cause__`` (with any API key
    redacted from its message).

    Attributes:
        code: the JSON-RPC error code of the server's answer.
        message: the server's message.
        login_type: which login was refused (``"apiKey"``, ``"chatgpt"``,
            ``"chatgptDeviceCode"``).
    """

    def __init__(self, message: str, *, code: int, login_type: str) -> None:
        self.code = code
        self.message = message
        self.login_type = login_type
        super().__init__(f"{login_type} login rejected: {message} (code {code})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_rejected, (self.message, self.code, self.login_type))


def _rebuild_rejected(message: str, code: int, login_type: str) -> LoginRejectedError:
    return LoginRejectedError(message, code=code, login_type=login_type)


def _rebuild_retry_limit(
    code: int,
    message: str,
    data: Any,
    method: str | None,
    attempts: int | None,
    last_error: BaseException | None,
) -> RetryLimitExceededError:
    return RetryLimitExceededError(
        code, message, data, method, attempts=attempts, last_error=last_error
    )


def is_retryable_error(exc: BaseException) -> bool:
    """Whether ``exc`` signals an overloaded server, so the same call may be retried.

    True for :class:`ServerBusyError` (and so :class:`RetryLimitExceededError`) and for
    any :class:`JsonRpcError` whose ``data`` mentions ``server_overloaded``.
    """
    return isinstance(exc, ServerBusyError) or (
        isinstance(exc, JsonRpcError) and _mentions_overload(exc.data)
    )
