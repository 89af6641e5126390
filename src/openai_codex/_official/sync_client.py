"""The official low-level blocking client, :class:`CodexClient`.

A mirror of :class:`~.async_client.AsyncCodexClient`, which holds all the behaviour:
``CodexClient`` runs it on a private event-loop thread
(:class:`~openai_codex._core.portal.LoopThread`), one blocking method per async one.
Routing runs on that loop; a blocking reader finds its queue under the tables' lock and
waits on the queue itself from its own thread, with no hop through the loop per
notification.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .. import models
from .._auth.login_sync import SyncAccountMixin
from .._client.config import CodexConfig
from .._conversation.goals import operation as _goal
from .._core.portal import LoopThread
from .._generated.models import (
    AccountLoginCompletedNotification,
    AgentMessageDeltaNotification,
    CancelLoginAccountResponse,
    GetAccountParams,
    GetAccountResponse,
    LoginAccountParams,
    LoginAccountResponse,
    LogoutAccountResponse,
    ModelListResponse,
    ThreadArchiveResponse,
    ThreadCompactStartResponse,
    ThreadForkParams,
    ThreadForkResponse,
    ThreadGoalClearResponse,
    ThreadGoalSetResponse,
    ThreadGoalStatus,
    ThreadListParams,
    ThreadListResponse,
    ThreadReadResponse,
    ThreadResumeParams,
    ThreadResumeResponse,
    ThreadSetNameResponse,
    ThreadStartParams,
    ThreadStartResponse,
    ThreadUnarchiveResponse,
    TurnCompletedNotification,
    TurnInterruptResponse,
    TurnStartParams,
    TurnStartResponse,
    TurnSteerResponse,
)
from .._json import JsonObject
from ..errors import CodexError
from .async_client import AsyncCodexClient, _AsyncAccounts
from .errors import not_running_error
from .messages import ModelT, _delta_of, _End
from .queues import _Mailbox

if TYPE_CHECKING:
    from .._client.async_client import AsyncCodex

__all__ = ["CodexClient"]

T = TypeVar("T")


class _SyncAccounts(SyncAccountMixin):
    """The blocking login machinery of :class:`Codex`, driven by a low-level client."""

    def __init__(self, portal: LoopThread, accounts: _AsyncAccounts) -> None:
        self._portal = portal
        # SyncAccountMixin only calls the AsyncAccountMixin part of AsyncCodex.
        self._async = cast("AsyncCodex", accounts)


class CodexClient:
    """The low-level blocking client of one Codex app-server process.

    The same protocol helpers as :class:`AsyncCodexClient`, which it runs on a private
    event-loop thread (started by :meth:`start`, stopped by :meth:`close`). ``with
    CodexClient(cfg) as c`` starts and closes (it does not initialize). Thread-safe:
    several threads may wait on different queues at once.

    ``approval_handler(method, params) -> dict`` answers the server's requests; it runs in a
    worker thread and may call this client. Without one, **command and file-change
    approvals are accepted** and other requests are answered ``{}``, as in the official SDK.
    """

    def __init__(
        self,
        config: CodexConfig | None = None,
        approval_handler: Callable[[str, JsonObject | None], JsonObject] | None = None,
    ) -> None:
        self._async = AsyncCodexClient(config, approval_handler)
        self._portal: LoopThread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._accounts: _SyncAccounts | None = None

    @property
    def config(self) -> CodexConfig:
        """The configuration this client was created with."""
        return self._async.config

    def __enter__(self) -> CodexClient:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Launch the app-server process (see :meth:`AsyncCodexClient.start`)."""
        with self._lock:
            if self._closed:
                raise CodexError("this client is closed; create a new one")
            if self._portal is not None:
                return
            portal = LoopThread(name="openai-codex-client")
            try:
                portal.run(self._async.start())
            except BaseException:
                portal.stop()
                raise
            self._portal = portal

    def close(self) -> None:
        """Shut the server down and stop the loop thread; every waiter gets
        :class:`~openai_codex.TransportClosedError`. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            portal = self._portal
        if portal is None:
            self._async._close_unstarted()
            return
        try:
            portal.run(self._async.close())
        finally:
            portal.stop()

    def _live_portal(self) -> LoopThread:
        portal = self._portal
        if portal is None or self._closed:
            raise not_running_error(self._closed)
        return portal

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            portal = self._live_portal()
        except BaseException:
            coro.close()
            raise
        return portal.run(coro)

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return self._live_portal().call(fn, *args)

    def _reader(self, fn: Callable[..., _Mailbox], *args: Any) -> _Mailbox:
        """Find (and register) a queue from the calling thread: the tables behind ``fn``
        are thread-safe, so a blocking reader does not hop through the loop."""
        self._live_portal()
        return fn(*args)

    def _release(self, fn: Callable[..., None], *args: Any) -> None:
        """Run an idempotent unregistration; nothing to do once closed."""
        if self._portal is not None and not self._closed:
            with contextlib.suppress(CodexError):
                self._portal.call(fn, *args)

    def initialize(self) -> models.InitializeResponse:
        """Send ``initialize`` and ``initialized`` (see :meth:`AsyncCodexClient.initialize`)."""
        return self._run(self._async.initialize())

    # -- raw protocol ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        params: JsonObject | None,
        *,
        response_model: type[ModelT],
        timeout: float | None = None,
    ) -> ModelT:
        """Send any request; see :meth:`AsyncCodexClient.request`."""
        return self._run(
            self._async.request(method, params, response_model=response_model, timeout=timeout)
        )

    def request_with_retry_on_overload(
        self,
        method: str,
        params: JsonObject | None,
        *,
        response_model: type[ModelT],
        max_attempts: int = 3,
        initial_delay_s: float = 0.25,
        max_delay_s: float = 2.0,
    ) -> ModelT:
        """:meth:`request`, retried while the server is overloaded."""
        return self._run(
            self._async.request_with_retry_on_overload(
                method,
                params,
                response_model=response_model,
                max_attempts=max_attempts,
                initial_delay_s=initial_delay_s,
                max_delay_s=max_delay_s,
            )
        )

    def notify(self, method: str, params: JsonObject | None = None) -> None:
        """Send a notification."""
        self._run(self._async.notify(method, params))

    # -- threads --------------------------------------------------------------------------

    def thread_start(
        self, params: ThreadStartParams | JsonObject | None = None
    ) -> ThreadStartResponse:
        """``thread/start``; see :meth:`AsyncCodexClient.thread_start`."""
        return self._run(self._async.thread_start(params))

    def thread_resume(
        self, thread_id: str, params: ThreadResumeParams | JsonObject | None = None
    ) -> ThreadResumeResponse:
        """``thread/resume``."""
        return self._run(self._async.thread_resume(thread_id, params))

    def thread_fork(
        self, thread_id: str, params: ThreadForkParams | JsonObject | None = None
    ) -> ThreadForkResponse:
        """``thread/fork``."""
        return self._run(self._async.thread_fork(thread_id, params))

    def thread_list(
        self, params: ThreadListParams | JsonObject | None = None
    ) -> ThreadListResponse:
        """``thread/list`` (one page)."""
        return self._run(self._async.thread_list(params))

    def thread_read(self, thread_id: str, include_turns: bool = False) -> ThreadReadResponse:
        """``thread/read``."""
        return self._run(self._async.thread_read(thread_id, include_turns))

    def thread_archive(self, thread_id: str) -> ThreadArchiveResponse:
        """``thread/archive``."""
        return self._run(self._async.thread_archive(thread_id))

    def thread_unarchive(self, thread_id: str) -> ThreadUnarchiveResponse:
        """``thread/unarchive``."""
        return self._run(self._async.thread_unarchive(thread_id))

    def thread_set_name(self, thread_id: str, name: str) -> ThreadSetNameResponse:
        """``thread/name/set``."""
        return self._run(self._async.thread_set_name(thread_id, name))

    def thread_compact(self, thread_id: str) -> ThreadCompactStartResponse:
        """``thread/compact/start``."""
        return self._run(self._async.thread_compact(thread_id))

    def model_list(self, include_hidden: bool = False) -> ModelListResponse:
        """``model/list`` (one page)."""
        return self._run(self._async.model_list(include_hidden))

    # -- turns ----------------------------------------------------------------------------

    def turn_start(
        self,
        thread_id: str,
        input_items: list[JsonObject] | JsonObject | str,
        params: TurnStartParams | JsonObject | None = None,
    ) -> TurnStartResponse:
        """``turn/start``; see :meth:`AsyncCodexClient.turn_start`."""
        return self._run(self._async.turn_start(thread_id, input_items, params))

    def turn_interrupt(self, thread_id: str, turn_id: str) -> TurnInterruptResponse:
        """``turn/interrupt``."""
        return self._run(self._async.turn_interrupt(thread_id, turn_id))

    def turn_steer(
        self,
        thread_id: str,
        expected_turn_id: str,
        input_items: list[JsonObject] | JsonObject | str,
    ) -> TurnSteerResponse:
        """``turn/steer``."""
        return self._run(self._async.turn_steer(thread_id, expected_turn_id, input_items))

    # -- notification queues --------------------------------------------------------------

    def next_notification(self, *, timeout: float | None = None) -> models.Notification:
        """The next notification of the global queue; see
        :meth:`AsyncCodexClient.next_notification`."""
        return self._reader(self._async._global_reader).get_blocking(timeout)

    def register_turn_notifications(self, turn_id: str) -> None:
        """Keep ``turn_id``'s queue for :meth:`next_turn_notification` (idempotent)."""
        self._reader(self._async._claim_turn, turn_id)

    def unregister_turn_notifications(self, turn_id: str) -> None:
        """Drop ``turn_id``'s queue (idempotent)."""
        self._release(self._async.unregister_turn_notifications, turn_id)

    def next_turn_notification(
        self, turn_id: str, *, timeout: float | None = None
    ) -> models.Notification:
        """The next notification of ``turn_id``; see
        :meth:`AsyncCodexClient.next_turn_notification`."""
        return self._reader(self._async._turn_reader, turn_id).get_blocking(timeout)

    def wait_for_turn_completed(
        self, turn_id: str, *, timeout: float | None = None
    ) -> TurnCompletedNotification:
        """Wait for ``turn_id``'s ``turn/completed``; see
        :meth:`AsyncCodexClient.wait_for_turn_completed`."""
        return self._run(self._async.wait_for_turn_completed(turn_id, timeout=timeout))

    def stream_text(
        self,
        thread_id: str,
        text: str,
        params: TurnStartParams | JsonObject | None = None,
    ) -> Iterator[AgentMessageDeltaNotification]:
        """Start a turn with ``text`` and yield its agent message deltas; see
        :meth:`AsyncCodexClient.stream_text`."""
        started = self.turn_start(thread_id, text, params)
        turn_id = started.turn.id
        box = self._reader(self._async._claim_turn, turn_id)
        try:
            while True:
                delta = _delta_of(box.get_blocking())
                if isinstance(delta, _End):
                    return
                if delta is not None:
                    yield delta
        finally:
            self._release(self._async.unregister_turn_notifications, turn_id)

    # -- logins ---------------------------------------------------------------------------

    def register_login_notifications(self, login_id: str) -> None:
        """Keep ``login_id``'s queue for :meth:`next_login_notification` (idempotent)."""
        self._reader(self._async._claim_login, login_id)

    def unregister_login_notifications(self, login_id: str) -> None:
        """Drop ``login_id``'s queue (idempotent)."""
        self._release(self._async.unregister_login_notifications, login_id)

    def next_login_notification(
        self, login_id: str, *, timeout: float | None = None
    ) -> models.Notification:
        """The next notification of ``login_id``; see
        :meth:`AsyncCodexClient.next_login_notification`."""
        return self._reader(self._async._login_reader, login_id).get_blocking(timeout)

    def wait_for_login_completed(
        self, login_id: str, *, timeout: float | None = None
    ) -> AccountLoginCompletedNotification:
        """Wait for ``login_id``'s ``account/login/completed``."""
        return self._run(self._async.wait_for_login_completed(login_id, timeout=timeout))

    def _login_driver(self) -> _SyncAccounts:
        """The login machinery behind :func:`~.logins.start_chatgpt_login` & co."""
        portal = self._live_portal()
        if self._accounts is None:
            self._accounts = _SyncAccounts(portal, self._async._accounts)
        return self._accounts

    # -- account --------------------------------------------------------------------------

    def account_read(
        self, params: GetAccountParams | JsonObject | None = None
    ) -> GetAccountResponse:
        """``account/read``."""
        return self._run(self._async.account_read(params))

    def account_login_start(self, params: LoginAccountParams | JsonObject) -> LoginAccountResponse:
        """``account/login/start``; see :meth:`AsyncCodexClient.account_login_start`."""
        return self._run(self._async.account_login_start(params))

    def account_login_cancel(self, login_id: str) -> CancelLoginAccountResponse:
        """``account/login/cancel``."""
        return self._run(self._async.account_login_cancel(login_id))

    def account_logout(self) -> LogoutAccountResponse:
        """``account/logout``."""
        return self._run(self._async.account_logout())

    # -- goals ----------------------------------------------------------------------------

    def register_goal_operation(self, thread_id: str) -> _goal._GoalOperationState:
        """See :meth:`AsyncCodexClient.register_goal_operation`."""
        return self._call(self._async.register_goal_operation, thread_id)

    def reserve_goal_operation(self, thread_id: str) -> _goal._GoalOperationState:
        """See :meth:`AsyncCodexClient.reserve_goal_operation`."""
        return self._call(self._async.reserve_goal_operation, thread_id)

    def unregister_goal_operation(self, state: _goal._GoalOperationState) -> None:
        """End a goal operation's routing and queue (idempotent)."""
        self._release(self._async.unregister_goal_operation, state)

    def next_goal_notification(
        self, state: _goal._GoalOperationState, *, timeout: float | None = None
    ) -> models.Notification:
        """The next notification of a goal operation; see
        :meth:`AsyncCodexClient.next_goal_notification`."""
        return self._reader(self._async._goal_reader, state).get_blocking(timeout)

    def start_goal_operation(
        self, thread_id: str, objective: str
    ) -> tuple[_goal._GoalOperationState, str]:
        """Set an active goal and wait for its first turn; see
        :meth:`AsyncCodexClient.start_goal_operation`."""
        return self._run(self._async.start_goal_operation(thread_id, objective))

    def cancel_goal_operation(self, state: _goal._GoalOperationState) -> None:
        """Pause the goal and interrupt its running turn; see
        :meth:`AsyncCodexClient.cancel_goal_operation`."""
        self._run(self._async.cancel_goal_operation(state))

    def pause_goal(self, thread_id: str) -> ThreadGoalSetResponse:
        """``thread/goal/set {"status": "paused"}``."""
        return self._run(self._async.pause_goal(thread_id))

    def thread_goal_set(
        self,
        thread_id: str,
        *,
        objective: str | None = None,
        status: ThreadGoalStatus | str | None = None,
    ) -> ThreadGoalSetResponse:
        """``thread/goal/set`` with only the fields given."""
        return self._run(self._async.thread_goal_set(thread_id, objective=objective, status=status))

    def thread_goal_clear(self, thread_id: str) -> ThreadGoalClearResponse:
        """``thread/goal/clear``."""
        return self._run(self._async.thread_goal_clear(thread_id))


# ``inspect.signature`` shows these as the official SDK's do (its client module evaluates
# annotations, so the type variable prints as ``~ModelT``).
CodexClient.request.__annotations__["return"] = ModelT
CodexClient.request_with_retry_on_overload.__annotations__["return"] = ModelT
