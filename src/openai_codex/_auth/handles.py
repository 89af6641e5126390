"""Login handles: a ChatGPT browser or device-code login in progress, and how it ends.

A handle (``ChatgptLoginHandle``, ``DeviceCodeLoginHandle`` and their async twins) waits
for the ``account/login/completed`` notification of its own ``loginId`` through an
outcome (``_ThreadOutcome`` for the blocking client, ``_AsyncOutcome`` on the loop), which
``login.py`` registers with the router right after the server answered the start request.
Reprs hide the ``auth_url`` query and the device ``user_code``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

from .._core.notifications import Notification
from .._core.sinks import off_loop
from ..errors import (
    CodexTimeoutError,
    TransportClosedError,
)

if TYPE_CHECKING:
    from .._generated.models import (
        AccountLoginCompletedNotification,
        CancelLoginAccountResponse,
        ChatgptDeviceCodeLoginAccountResponse,
        ChatgptLoginAccountResponse,
    )
    from .login import AsyncAccountMixin
    from .login_sync import SyncAccountMixin

__all__ = [
    "AsyncChatgptLoginHandle",
    "AsyncDeviceCodeLoginHandle",
    "ChatgptLoginHandle",
    "DeviceCodeLoginHandle",
]

_CLOSED_MESSAGE = "the Codex client closed before the login completed"


def models() -> Any:
    """The generated models module, imported on first use (it is large)."""
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
        models().AccountLoginCompletedNotification.model_validate(note.params)
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
