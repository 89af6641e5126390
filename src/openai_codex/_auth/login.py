"""Sign-in: API key, ChatGPT browser login, device code, account, logout.

The methods live in two mixins: :class:`AsyncAccountMixin` (a base of
:class:`~openai_codex.AsyncCodex`) holds the behaviour; ``_login_sync.SyncAccountMixin`` (a
base of :class:`~openai_codex.Codex`) runs the same coroutines on the sync client's loop
thread.

How a login's completion finds its handle. ``account/login/start`` answers with a
``loginId``; the outcome arrives later as the notification ``account/login/completed
{"loginId", "success", "error"}``. Before sending the start request the client asks the
router to *retain* unclaimed completions (the last 64, keyed by ``loginId``), because the
completion may be dispatched before the coroutine that sent the request resumes. Right
after the answer, on the loop thread, the handle registers a one-shot keyed waiter for its
``loginId``: a retained completion is replayed into it at once, a later one is delivered to
it directly. So a handle gets exactly the completion of its own login, whenever that
arrives, and nothing is taken away from anyone else: every completion also reaches the
global listeners (:meth:`~openai_codex.AsyncCodex.on_notification`).

- A login replaced by a newer one (the server keeps one pending login; any new
  ``account/login/start`` cancels the previous one) completes with ``success=False`` under
  its own id, so its handle sees that failure and the new handle is unaffected.
- ``account/login/completed`` with ``loginId: null`` (the server sends one after an API-key
  login) never completes a browser or device-code handle; it reaches the global listeners
  only, and is not retained.
- When the server exits or the client closes, every pending ``wait()`` raises the
  connection's :class:`~openai_codex.TransportClosedError` at once.

Secrets. The API key is only ever put in the request params; it is never logged, never part
of a repr, and redacted from any error message the server might echo it in. Handles do not
show the ``auth_url`` query (its ``state``) or the device ``user_code`` in their reprs.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

from .._core.notifications import Notification
from .._core.sinks import Sink, off_loop
from ..errors import (
    CodexTimeoutError,
    JsonRpcError,
    LoginRejectedError,
    ProtocolError,
    ServerBusyError,
    TransportClosedError,
    error_from_rpc,
)

if TYPE_CHECKING:
    from .._client.config import CodexConfig
    from .._core.connection import Connection
    from .._generated.models import (
        AccountLoginCompletedNotification,
        CancelLoginAccountResponse,
        ChatgptDeviceCodeLoginAccountResponse,
        ChatgptLoginAccountResponse,
        GetAccountResponse,
    )
    from .._observability.telemetry import Telemetry
    from .login_sync import SyncAccountMixin

__all__ = [
    "LOGIN_COMPLETED",
    "AsyncAccountMixin",
    "AsyncChatgptLoginHandle",
    "AsyncDeviceCodeLoginHandle",
    "ChatgptLoginHandle",
    "DeviceCodeLoginHandle",
]

LOGIN_COMPLETED = "account/login/completed"
"""The notification that ends a ChatGPT login (browser or device code)."""

_REDACTED = "[REDACTED]"
# The wire's login types, as named in spans (``codex.login.method``).
_SPAN_METHODS = {"apiKey": "api_key", "chatgpt": "chatgpt", "chatgptDeviceCode": "device_code"}
_CLOSED_MESSAGE = "the Codex client closed before the login completed"


def login_id_of(params: dict[str, Any]) -> str | None:
    """The ``loginId`` of ``account/login/completed`` params (``None`` when absent/null)."""
    value = params.get("loginId")
    return value if isinstance(value, str) else None


def _redact(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4:
        return text.replace(secret, _REDACTED)
    return text


def _models() -> Any:
    # The generated models module is large: import it on first use, not with the package.
    from .._generated import models

    return models


# --------------------------------------------------------------------------- outcomes


class _Outcome:
    """A one-shot keyed sink holding a login's completion or end (any number of waiters).

    ``put``/``close`` run on the client's loop thread; subclasses choose the event type
    (``threading.Event`` for blocking waiters, ``asyncio.Event`` for coroutines) and how to
    wait on it.
    """

    __slots__ = ("_error", "_event", "_note")

    _event: threading.Event | asyncio.Event

    def __init__(self) -> None:
        self._note: Notification | None = None
        self._error: BaseException | None = None

    def put(self, item: Notification) -> None:
        if not self._event.is_set():
            self._note = item
            self._event.set()

    def close(self, error: BaseException | None = None) -> None:
        if not self._event.is_set():
            self._error = error if error is not None else TransportClosedError(_CLOSED_MESSAGE)
            self._event.set()

    @property
    def done(self) -> bool:
        return self._event.is_set()

    @property
    def succeeded(self) -> bool | None:
        return None if self._note is None else bool(self._note.params.get("success"))

    def _result(self) -> Notification:
        if self._note is not None:
            return self._note
        assert self._error is not None
        raise self._error


class _ThreadOutcome(_Outcome):
    """An :class:`_Outcome` waited on by blocking threads."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__()
        self._event = threading.Event()

    def wait(self, timeout: float | None) -> Notification | None:
        """The completion; ``None`` on timeout; raises the close error."""
        event = self._event
        assert isinstance(event, threading.Event)
        if timeout is None:
            # Wake up now and then so Ctrl-C reaches a waiting main thread.
            while not event.wait(0.5):
                pass
        elif not event.wait(max(timeout, 0.0)):
            return None
        return self._result()


class _AsyncOutcome(_Outcome):
    """An :class:`_Outcome` awaited by coroutines on the client's loop.

    ``put``/``close`` from another thread (a sync stream holding the reader lease) are
    scheduled on that loop: ``asyncio.Event`` is not thread-safe.
    """

    __slots__ = ("_loop",)

    def __init__(self) -> None:
        super().__init__()
        self._event = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def put(self, item: Notification) -> None:
        if off_loop(self._loop):
            self._loop.call_soon_threadsafe(super().put, item)
        else:
            super().put(item)

    def close(self, error: BaseException | None = None) -> None:
        if off_loop(self._loop):
            self._loop.call_soon_threadsafe(super().close, error)
        else:
            super().close(error)

    async def wait(self, timeout: float | None) -> Notification | None:
        """The completion; ``None`` on timeout; raises the close error."""
        event = self._event
        assert isinstance(event, asyncio.Event)
        if not event.is_set():
            if timeout is None:
                await event.wait()
            else:
                try:
                    await asyncio.wait_for(event.wait(), max(timeout, 0.0))
                except asyncio.TimeoutError:
                    return None
        return self._result()


def _state(outcome: _Outcome) -> str:
    succeeded = outcome.succeeded
    if succeeded is None:
        return "closed" if outcome.done else "pending"
    return "succeeded" if succeeded else "failed"


def _login_markdown(handle: _SyncLoginHandle | _AsyncLoginHandle) -> str:
    """A login handle in Jupyter: its state, where to sign in, never a token."""
    from .._observability.rendering import login_markdown

    note = handle._outcome._note
    error = note.params.get("error") if note is not None else None
    if not isinstance(error, str):
        error = None
    return login_markdown(handle, _state(handle._outcome), error)


def _timeout_error(login_id: str, timeout: float | None) -> CodexTimeoutError:
    return CodexTimeoutError(f"login {login_id} did not complete within {timeout:g} s")


def _completed(note: Notification) -> AccountLoginCompletedNotification:
    result: AccountLoginCompletedNotification = (
        _models().AccountLoginCompletedNotification.model_validate(note.params)
    )
    return result


def _auth_url_for_repr(url: str) -> str:
    base, sep, _query = url.partition("?")
    return base + ("?..." if sep else "")


# --------------------------------------------------------------------------- sync handles


class _SyncLoginHandle:
    """What the blocking login handles share: the login id, ``wait`` and ``cancel``."""

    __slots__ = ("_client", "_outcome", "_result", "login_id")

    def __init__(self, client: SyncAccountMixin, login_id: str, outcome: _ThreadOutcome) -> None:
        self._client = client
        self._outcome = outcome
        self._result: AccountLoginCompletedNotification | None = None
        self.login_id = login_id
        """The server's id of this login attempt."""

    @property
    def done(self) -> bool:
        """Whether the login has completed (either way) or the client has closed."""
        return self._outcome.done

    def wait(self, timeout: float | None = None) -> AccountLoginCompletedNotification:
        """Block until this login completes and return its ``account/login/completed``.

        ``success`` tells whether the user signed in; a canceled, replaced, denied or
        expired login completes with ``success=False`` and an ``error``. May be called again
        (it returns the same result) and from several threads at once.

        Args:
            timeout: seconds to wait, or ``None`` to wait as long as the login runs.

        Raises:
            CodexTimeoutError: not completed within ``timeout`` (the login keeps running;
                call ``wait`` again or :meth:`cancel`).
            TransportClosedError: the server exited or the client closed first.
        """
        if self._result is not None:
            return self._result
        note = self._outcome.wait(timeout)
        if note is None:
            raise _timeout_error(self.login_id, timeout)
        self._result = _completed(note)
        return self._result

    def cancel(self) -> CancelLoginAccountResponse:
        """Ask the server to cancel this login (``account/login/cancel``).

        Returns ``status="canceled"`` when the login was pending (it then completes with
        ``success=False``, which :meth:`wait` returns) or ``"notFound"`` when it had
        already ended.
        """
        return self._client._cancel_login(self.login_id)

    def _repr_fields(self) -> str:
        return f"login_id={self.login_id!r}, state={_state(self._outcome)!r}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._repr_fields()})"

    def _repr_markdown_(self) -> str:
        """Jupyter's rendering: the state and where to sign in (no token, no URL query)."""
        return _login_markdown(self)


class ChatgptLoginHandle(_SyncLoginHandle):
    """A ChatGPT browser login in progress (from :meth:`Codex.login_chatgpt`).

    Open :attr:`auth_url` in the user's browser, then :meth:`wait` for the outcome or
    :meth:`cancel` the attempt.
    """

    __slots__ = ("auth_url",)

    def __init__(
        self,
        client: SyncAccountMixin,
        started: ChatgptLoginAccountResponse,
        outcome: _ThreadOutcome,
    ) -> None:
        super().__init__(client, started.login_id, outcome)
        self.auth_url: str = started.auth_url
        """The URL the user opens to sign in (its callback is the app-server's port 1455)."""

    def _repr_fields(self) -> str:
        return f"{super()._repr_fields()}, auth_url={_auth_url_for_repr(self.auth_url)!r}"


class DeviceCodeLoginHandle(_SyncLoginHandle):
    """A ChatGPT device-code login in progress (from :meth:`Codex.login_chatgpt_device_code`).

    Show the user :attr:`verification_url` and :attr:`user_code`, then :meth:`wait`.
    """

    __slots__ = ("user_code", "verification_url")

    def __init__(
        self,
        client: SyncAccountMixin,
        started: ChatgptDeviceCodeLoginAccountResponse,
        outcome: _ThreadOutcome,
    ) -> None:
        super().__init__(client, started.login_id, outcome)
        self.verification_url: str = started.verification_url
        """Where the user signs in and enters :attr:`user_code`."""
        self.user_code: str = started.user_code
        """The one-time code the user enters (not shown in the repr)."""

    def _repr_fields(self) -> str:
        return f"{super()._repr_fields()}, verification_url={self.verification_url!r}"


# --------------------------------------------------------------------------- async handles


class _AsyncLoginHandle:
    """What the async login handles share: the login id, ``wait`` and ``cancel``."""

    __slots__ = ("_client", "_outcome", "_result", "login_id")

    def __init__(self, client: AsyncAccountMixin, login_id: str, outcome: _AsyncOutcome) -> None:
        self._client = client
        self._outcome = outcome
        self._result: AccountLoginCompletedNotification | None = None
        self.login_id = login_id
        """The server's id of this login attempt."""

    @property
    def done(self) -> bool:
        """Whether the login has completed (either way) or the client has closed."""
        return self._outcome.done

    async def wait(self, timeout: float | None = None) -> AccountLoginCompletedNotification:
        """Wait until this login completes and return its ``account/login/completed``.

        ``success`` tells whether the user signed in; a canceled, replaced, denied or
        expired login completes with ``success=False`` and an ``error``. May be awaited
        again (same result) and by several tasks at once, on the client's loop.

        Args:
            timeout: seconds to wait, or ``None`` to wait as long as the login runs.

        Raises:
            CodexTimeoutError: not completed within ``timeout`` (the login keeps running).
            TransportClosedError: the server exited or the client closed first.
        """
        if self._result is not None:
            return self._result
        note = await self._outcome.wait(timeout)
        if note is None:
            raise _timeout_error(self.login_id, timeout)
        self._result = _completed(note)
        return self._result

    async def cancel(self) -> CancelLoginAccountResponse:
        """Ask the server to cancel this login (``account/login/cancel``).

        Returns ``status="canceled"`` when the login was pending (it then completes with
        ``success=False``, which :meth:`wait` returns) or ``"notFound"`` when it had
        already ended.
        """
        return await self._client._cancel_login(self.login_id)

    def _repr_fields(self) -> str:
        return f"login_id={self.login_id!r}, state={_state(self._outcome)!r}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._repr_fields()})"

    def _repr_markdown_(self) -> str:
        """Jupyter's rendering: the state and where to sign in (no token, no URL query)."""
        return _login_markdown(self)


class AsyncChatgptLoginHandle(_AsyncLoginHandle):
    """A ChatGPT browser login in progress (from :meth:`AsyncCodex.login_chatgpt`).

    Open :attr:`auth_url` in the user's browser, then ``await`` :meth:`wait` or
    :meth:`cancel`.
    """

    __slots__ = ("auth_url",)

    def __init__(
        self,
        client: AsyncAccountMixin,
        started: ChatgptLoginAccountResponse,
        outcome: _AsyncOutcome,
    ) -> None:
        super().__init__(client, started.login_id, outcome)
        self.auth_url: str = started.auth_url
        """The URL the user opens to sign in (its callback is the app-server's port 1455)."""

    def _repr_fields(self) -> str:
        return f"{super()._repr_fields()}, auth_url={_auth_url_for_repr(self.auth_url)!r}"


class AsyncDeviceCodeLoginHandle(_AsyncLoginHandle):
    """A ChatGPT device-code login in progress (from
    :meth:`AsyncCodex.login_chatgpt_device_code`).

    Show the user :attr:`verification_url` and :attr:`user_code`, then ``await``
    :meth:`wait`.
    """

    __slots__ = ("user_code", "verification_url")

    def __init__(
        self,
        client: AsyncAccountMixin,
        started: ChatgptDeviceCodeLoginAccountResponse,
        outcome: _AsyncOutcome,
    ) -> None:
        super().__init__(client, started.login_id, outcome)
        self.verification_url: str = started.verification_url
        """Where the user signs in and enters :attr:`user_code`."""
        self.user_code: str = started.user_code
        """The one-time code the user enters (not shown in the repr)."""

    def _repr_fields(self) -> str:
        return f"{super()._repr_fields()}, verification_url={self.verification_url!r}"


# --------------------------------------------------------------------------- mixins


class AsyncAccountMixin:
    """Account and login methods of :class:`~openai_codex.AsyncCodex`."""

    if TYPE_CHECKING:
        config: CodexConfig

        async def _conn(self) -> Connection: ...

    @property
    def _login_telemetry(self) -> Telemetry | None:
        telemetry: Telemetry | None = getattr(self, "_telemetry", None)
        return telemetry

    async def login_api_key(self, api_key: str) -> None:
        """Sign in with an OpenAI API key; done when this returns.

        The server stores the key in its CODEX_HOME. It also emits
        ``account/login/completed`` with ``loginId: null``, which reaches the global
        notification listeners only.

        Raises:
            LoginRejectedError: the server refused the key (message without the key).
        """
        if not isinstance(api_key, str) or not api_key:
            raise TypeError("api_key must be a non-empty string")
        telemetry = self._login_telemetry
        if telemetry is not None:  # never in a span or a forwarded log line
            telemetry.add_secret(api_key)
        await self._start_login({"type": "apiKey", "apiKey": api_key}, None, secret=api_key)

    async def login_chatgpt(self) -> AsyncChatgptLoginHandle:
        """Start a ChatGPT browser login and return its handle.

        The server listens for the browser's redirect on ``127.0.0.1:1455`` (machine-wide)
        and replaces any login already pending on it.

        Raises:
            LoginRejectedError: the server could not start the login (e.g. the callback
                port is in use).
        """
        outcome = _AsyncOutcome()
        started = await self._start_login({"type": "chatgpt"}, outcome)
        return AsyncChatgptLoginHandle(self, started, outcome)

    async def login_chatgpt_device_code(self) -> AsyncDeviceCodeLoginHandle:
        """Start a ChatGPT device-code login and return its handle.

        Raises:
            LoginRejectedError: the server refused, e.g. ``"device code login is not
                enabled for this Codex server"`` (code -32600).
        """
        outcome = _AsyncOutcome()
        started = await self._start_login({"type": "chatgptDeviceCode"}, outcome)
        return AsyncDeviceCodeLoginHandle(self, started, outcome)

    async def account(self, *, refresh_token: bool = False) -> GetAccountResponse:
        """The signed-in account (``account/read``).

        ``account`` is ``None`` when signed out, else an ``ApiKeyAccount`` or a
        ``ChatgptAccount`` (with ``email`` and ``plan_type``); ``requires_openai_auth``
        tells whether the configured model provider needs OpenAI sign-in at all.

        Args:
            refresh_token: refresh the ChatGPT tokens first.
        """
        connection = await self._conn()
        result = await connection.request(
            "account/read",
            {"refreshToken": refresh_token},
            timeout=self.config.request_timeout,
        )
        response: GetAccountResponse = _validate(_models().GetAccountResponse, result)
        return response

    async def logout(self) -> None:
        """Sign out (``account/logout``): forget stored credentials and revoke tokens."""
        connection = await self._conn()
        await connection.request("account/logout", None, timeout=self.config.request_timeout)

    # -- internals shared with the sync client --------------------------------------------

    async def _start_login(
        self,
        params: dict[str, Any],
        outcome: Sink[Notification] | None,
        *,
        secret: str | None = None,
    ) -> Any:
        """Send ``account/login/start``; register ``outcome`` for the login's completion.

        Runs on the client's loop. Registration happens right after the answer, with no
        await in between, and retained completions are replayed into ``outcome``.
        """
        login_type = str(params["type"])
        connection = await self._conn()
        router = connection.router
        if outcome is not None:
            router.retain_keyed(LOGIN_COMPLETED, login_id_of)
        telemetry = self._login_telemetry
        span = None
        if telemetry is not None:
            span = telemetry.login_span(_SPAN_METHODS.get(login_type, login_type))
        try:
            try:
                result = await connection.request(
                    "account/login/start", params, timeout=self.config.request_timeout
                )
            except ServerBusyError as exc:
                if secret and secret in str(exc):
                    raise ServerBusyError(
                        exc.code, _redact(exc.message, secret), None, exc.method
                    ) from None
                raise
            except JsonRpcError as exc:
                message = _redact(exc.message, secret)
                cause = exc
                if message != exc.message:
                    cause = error_from_rpc(exc.code, message, None, exc.method)
                raise LoginRejectedError(message, code=exc.code, login_type=login_type) from cause
        except BaseException as exc:
            if span is not None:
                span.rejected(exc)
            raise
        if outcome is None:
            if span is not None:
                span.succeeded()
            return None
        models = _models()
        model = (
            models.ChatgptLoginAccountResponse
            if login_type == "chatgpt"
            else models.ChatgptDeviceCodeLoginAccountResponse
        )
        try:
            started = _validate(model, result)
        except BaseException as exc:
            if span is not None:
                span.rejected(exc)
            raise
        if span is not None:
            span.pending(started.login_id)  # ended by the login's completion
        router.add_keyed(LOGIN_COMPLETED, login_id_of, started.login_id, outcome, once=True)
        return started

    async def _cancel_login(self, login_id: str) -> CancelLoginAccountResponse:
        connection = await self._conn()
        result = await connection.request(
            "account/login/cancel", {"loginId": login_id}, timeout=self.config.request_timeout
        )
        response: CancelLoginAccountResponse = _validate(
            _models().CancelLoginAccountResponse, result
        )
        return response


def _validate(model: Any, result: Any) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(result)
    except ValidationError as exc:
        raise ProtocolError(
            f"unexpected answer shape for {model.__name__}: {exc.error_count()} error(s)"
        ) from exc
