"""Sign-in: API key, ChatGPT browser login, device code, account, logout.

The login handles are in ``handles.py``. The methods live in two mixins:
:class:`AsyncAccountMixin` (a base of :class:`~openai_codex.AsyncCodex`) holds the
behaviour; ``login_sync.SyncAccountMixin`` (a base of :class:`~openai_codex.Codex`) runs
the same coroutines on the sync client's loop thread.

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

from typing import TYPE_CHECKING, Any

from .._core.notifications import Notification
from .._core.sinks import Sink
from ..errors import (
    JsonRpcError,
    LoginRejectedError,
    ProtocolError,
    ServerBusyError,
    error_from_rpc,
)
from .handles import (
    AsyncChatgptLoginHandle,
    AsyncDeviceCodeLoginHandle,
    _AsyncOutcome,
    models,
)

if TYPE_CHECKING:
    from .._client.config import CodexConfig
    from .._core.connection import Connection
    from .._generated.models import (
        CancelLoginAccountResponse,
        GetAccountResponse,
    )
    from .._observability.telemetry import Telemetry

__all__ = ["LOGIN_COMPLETED", "AsyncAccountMixin"]

LOGIN_COMPLETED = "account/login/completed"
"""The notification that ends a ChatGPT login (browser or device code)."""

_REDACTED = "[REDACTED]"
# The wire's login types, as named in spans (``codex.login.method``).
_SPAN_METHODS = {"apiKey": "api_key", "chatgpt": "chatgpt", "chatgptDeviceCode": "device_code"}


def login_id_of(params: dict[str, Any]) -> str | None:
    """The ``loginId`` of ``account/login/completed`` params (``None`` when absent/null)."""
    value = params.get("loginId")
    return value if isinstance(value, str) else None


def _redact(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4:
        return text.replace(secret, _REDACTED)
    return text


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
        response: GetAccountResponse = _validate(models().GetAccountResponse, result)
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
        generated = models()
        model = (
            generated.ChatgptLoginAccountResponse
            if login_type == "chatgpt"
            else generated.ChatgptDeviceCodeLoginAccountResponse
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
            models().CancelLoginAccountResponse, result
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
