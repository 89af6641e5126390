"""The account and login methods of the blocking :class:`~openai_codex.Codex`.

They run the coroutines of :class:`~openai_codex._auth.login.AsyncAccountMixin` on the sync
client's loop thread. Kept apart from ``login`` (and free of asyncio at import) because
``Codex`` derives from this mixin and ``from openai_codex import Codex`` must stay cheap.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (cold start)
if TYPE_CHECKING:
    from .._core.portal import LoopThread
    from .._generated.models import CancelLoginAccountResponse, GetAccountResponse
    from .handles import ChatgptLoginHandle, DeviceCodeLoginHandle
    from .login import AsyncAccountMixin

__all__ = ["SyncAccountMixin"]


class SyncAccountMixin:
    """Account and login methods of :class:`~openai_codex.Codex`."""

    if TYPE_CHECKING:
        _portal: LoopThread
        _async: AsyncAccountMixin  # the AsyncCodex the sync client drives

    def login_api_key(self, api_key: str) -> None:
        """Sign in with an OpenAI API key; done when this returns.

        The server also emits ``account/login/completed`` with ``loginId: null``, which
        reaches the :meth:`~openai_codex.Codex.on_notification` listeners only.

        Raises:
            LoginRejectedError: the server refused the key (message without the key).
        """
        self._portal.run(self._async.login_api_key(api_key))

    def login_chatgpt(self) -> ChatgptLoginHandle:
        """Start a ChatGPT browser login and return its handle.

        The server listens for the browser's redirect on ``127.0.0.1:1455`` (machine-wide)
        and replaces any login already pending on it.

        Raises:
            LoginRejectedError: the server could not start the login.
        """
        from .handles import ChatgptLoginHandle, _ThreadOutcome

        outcome = _ThreadOutcome()
        started = self._portal.run(self._async._start_login({"type": "chatgpt"}, outcome))
        return ChatgptLoginHandle(self, started, outcome)

    def login_chatgpt_device_code(self) -> DeviceCodeLoginHandle:
        """Start a ChatGPT device-code login and return its handle.

        Raises:
            LoginRejectedError: the server refused, e.g. ``"device code login is not
                enabled for this Codex server"`` (code -32600).
        """
        from .handles import DeviceCodeLoginHandle, _ThreadOutcome

        outcome = _ThreadOutcome()
        started = self._portal.run(self._async._start_login({"type": "chatgptDeviceCode"}, outcome))
        return DeviceCodeLoginHandle(self, started, outcome)

    def account(self, *, refresh_token: bool = False) -> GetAccountResponse:
        """The signed-in account (``account/read``); see :meth:`AsyncCodex.account`.

        Args:
            refresh_token: refresh the ChatGPT tokens first.
        """
        return self._portal.run(self._async.account(refresh_token=refresh_token))

    def logout(self) -> None:
        """Sign out (``account/logout``): forget stored credentials and revoke tokens."""
        self._portal.run(self._async.logout())

    def _cancel_login(self, login_id: str) -> CancelLoginAccountResponse:
        return self._portal.run(self._async._cancel_login(login_id))
