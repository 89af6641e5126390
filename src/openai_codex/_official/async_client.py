"""The official low-level async client, :class:`AsyncCodexClient`.

It speaks the app-server protocol almost verbatim: ``start()`` launches the process,
``initialize()`` performs the handshake, and each typed helper (inherited from
:mod:`.async_requests`) sends one request with the given params and returns the answer as
its protocol model. Notifications are pulled from queues (see :mod:`.routing` for which
queue gets what). This module holds the client's lifecycle, its queue readers and its goal
operations; the blocking :class:`~.sync_client.CodexClient` runs this client on a loop
thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from .._auth.login import AsyncAccountMixin
from .._client.config import CodexConfig
from .._client.launch import handshake, open_transport
from .._client.metadata import InitializeResponse
from .._conversation.goals.operation import _GoalOperationState
from .._core.connection import Connection
from .._core.notifications import Notification
from .._generated.models import (
    AccountLoginCompletedNotification,
    AgentMessageDeltaNotification,
    TurnCompletedNotification,
    TurnStartParams,
)
from .._json import JsonObject
from ..errors import CodexError, TransportClosedError
from . import goals
from .async_requests import _AsyncRequests
from .errors import ClientStateError
from .messages import TURN_COMPLETED, _delta_of, _End, _validate
from .queues import _Deadline, _Mailbox
from .routing import _PullRouter
from .server_requests import ServerRequestHandler, answer_server_request

__all__ = ["AsyncCodexClient"]


class _AsyncAccounts(AsyncAccountMixin):
    """The login machinery of :class:`AsyncCodex`, driven by a low-level client."""

    def __init__(self, client: AsyncCodexClient) -> None:
        self._client = client
        self.config = client.config

    async def _conn(self) -> Connection:
        return await self._client._live_connection()


class AsyncCodexClient(_AsyncRequests):
    """The low-level async client of one Codex app-server process.

    ``await start()`` launches the server, ``await initialize()`` performs the handshake
    (requests sent before it are refused by the server with -32600 "Not initialized"), and
    ``await close()`` shuts everything down. ``async with AsyncCodexClient(cfg) as c``
    starts and closes (it does not initialize). Use it from one event loop: the one that
    called :meth:`start`.

    ``approval_handler(method, params)`` answers the server's requests (approvals, user
    input, dynamic tool calls...): its return value is sent as the result; it may be a
    function (run in a worker thread) or a coroutine function; if it raises, the server
    gets a JSON-RPC error. Without one, as in the official SDK, **command and file-change
    approvals are accepted** and every other request is answered ``{}``.

    Every wait ends: a queue read takes an optional ``timeout``, requests use
    ``config.request_timeout``, and when the server exits or the client closes every
    reader and pending request raises :class:`~openai_codex.TransportClosedError`.
    """

    def __init__(
        self,
        config: CodexConfig | None = None,
        approval_handler: ServerRequestHandler | None = None,
    ) -> None:
        self.config = config if config is not None else CodexConfig()
        self._approval_handler = approval_handler
        self._router = _PullRouter()
        self._connection: Connection | None = None
        self._closed = False
        self._start_lock: asyncio.Lock | None = None
        self._accounts = _AsyncAccounts(self)

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncCodexClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Launch the app-server process (no handshake; see :meth:`initialize`).

        Idempotent while running.

        Raises:
            CodexRuntimeNotFoundError: no ``codex`` binary could be found.
            TransportClosedError: the process could not be started.
            CodexError: the client was closed.
        """
        if self._closed:
            raise CodexError("this client is closed; create a new one")
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._connection is not None:
                return
            transport = await open_transport(self.config)
            connection = Connection(
                transport, self._router, max_line_bytes=self.config.max_line_bytes
            )
            connection.request_handler = self._serve_request
            connection.start()
            self._connection = connection

    async def initialize(self) -> InitializeResponse:
        """Send ``initialize`` and the ``initialized`` notification; return the answer.

        The answer is returned as the server sent it (app-server 0.163.0 sends no
        ``serverInfo``); :func:`validate_initialize_metadata` fills it from the user agent.

        Raises:
            InvalidRequestError: already initialized ("Already initialized").
            TransportClosedError: the server exited first (with its stderr tail).
        """
        result = await handshake(self._require_connection(), self.config)
        response = InitializeResponse.model_validate(result if isinstance(result, dict) else {})
        if isinstance(result, dict):
            response._raw = result
        return response

    async def close(self) -> None:
        """Shut the server down; every pending request and queue reader gets
        :class:`~openai_codex.TransportClosedError`. Idempotent."""
        self._closed = True
        connection = self._connection
        if connection is not None:
            await connection.close()
        else:
            self._close_unstarted()

    def _close_unstarted(self) -> None:
        """Close a client whose server never started (no loop needed)."""
        self._closed = True
        if self._connection is None and self._router.error is None:
            self._router.close(TransportClosedError("the client was closed before it started"))

    async def _serve_request(self, method: str, params: Any) -> Any:
        return await answer_server_request(self._approval_handler, method, params)

    # -- notification queues --------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise TransportClosedError("the client is closed")

    def _global_reader(self) -> _Mailbox:
        self._check_open()
        return self._router.global_box

    def _turn_reader(self, turn_id: str) -> _Mailbox:
        self._check_open()
        return self._router.turns.reader(turn_id)

    def _claim_turn(self, turn_id: str) -> _Mailbox:
        self._check_open()
        return self._router.turns.claim(turn_id)

    def _login_reader(self, login_id: str) -> _Mailbox:
        self._check_open()
        return self._router.logins.reader(login_id)

    def _claim_login(self, login_id: str) -> _Mailbox:
        self._check_open()
        return self._router.logins.claim(login_id)

    def _goal_reader(self, state: _GoalOperationState) -> _Mailbox:
        self._check_open()
        if state.reserved:
            raise ClientStateError(
                f"the goal operation on thread {state.thread_id!r} is only reserved: "
                "it receives no notifications"
            )
        return self._router.goal_route(state).box

    async def next_notification(self, *, timeout: float | None = None) -> Notification:
        """The next notification of the global queue (those of no turn, login or goal).

        Raises:
            CodexTimeoutError: nothing arrived within ``timeout`` seconds.
            TransportClosedError: the server exited or the client closed.
        """
        return await self._global_reader().get(timeout)

    def register_turn_notifications(self, turn_id: str) -> None:
        """Keep ``turn_id``'s queue for :meth:`next_turn_notification` (idempotent).

        What arrived for the turn before this call is in the queue already.
        """
        self._router.turns.claim(turn_id)

    def unregister_turn_notifications(self, turn_id: str) -> None:
        """Drop ``turn_id``'s queue and ignore its later notifications (idempotent)."""
        self._router.turns.release(turn_id)

    async def next_turn_notification(
        self, turn_id: str, *, timeout: float | None = None
    ) -> Notification:
        """The next notification of ``turn_id`` (registering the turn if needed).

        Raises:
            StreamEndedError: the turn's ``turn/completed`` was already read.
            ClientStateError: the turn was unregistered.
            CodexTimeoutError / TransportClosedError: as :meth:`next_notification`.
        """
        return await self._turn_reader(turn_id).get(timeout)

    async def wait_for_turn_completed(
        self, turn_id: str, *, timeout: float | None = None
    ) -> TurnCompletedNotification:
        """Read ``turn_id``'s queue up to its ``turn/completed``, then unregister the turn.

        The other notifications of the turn are consumed.

        Raises:
            as :meth:`next_turn_notification`.
        """
        box = self._turn_reader(turn_id)
        deadline = _Deadline(timeout)
        while True:
            note = await box.get(deadline.remaining())
            if note.method == TURN_COMPLETED:
                self._router.turns.release(turn_id)
                return _validate(TurnCompletedNotification, note.params)

    async def stream_text(
        self,
        thread_id: str,
        text: str,
        params: TurnStartParams | JsonObject | None = None,
    ) -> AsyncIterator[AgentMessageDeltaNotification]:
        """Start a turn with ``text`` and yield its ``item/agentMessage/delta`` payloads.

        Ends after the turn's ``turn/completed`` (whatever its status); the turn is
        unregistered when the iteration ends.
        """
        started = await self.turn_start(thread_id, text, params)
        turn_id = started.turn.id
        box = self._claim_turn(turn_id)
        try:
            while True:
                delta = _delta_of(await box.get())
                if isinstance(delta, _End):
                    return
                if delta is not None:
                    yield delta
        finally:
            self._router.turns.release(turn_id)

    # -- logins ---------------------------------------------------------------------------

    def register_login_notifications(self, login_id: str) -> None:
        """Keep ``login_id``'s queue for :meth:`next_login_notification` (idempotent)."""
        self._router.logins.claim(login_id)

    def unregister_login_notifications(self, login_id: str) -> None:
        """Drop ``login_id``'s queue and ignore its completion (idempotent)."""
        self._router.logins.release(login_id)

    async def next_login_notification(
        self, login_id: str, *, timeout: float | None = None
    ) -> Notification:
        """The next notification of ``login_id`` (its ``account/login/completed``).

        Raises:
            StreamEndedError: its completion was already read.
            ClientStateError: the login was unregistered.
            CodexTimeoutError / TransportClosedError: as :meth:`next_notification`.
        """
        return await self._login_reader(login_id).get(timeout)

    async def wait_for_login_completed(
        self, login_id: str, *, timeout: float | None = None
    ) -> AccountLoginCompletedNotification:
        """Wait for ``login_id``'s ``account/login/completed``; then unregister the login."""
        note = await self._login_reader(login_id).get(timeout)
        self._router.logins.release(login_id)
        return _validate(AccountLoginCompletedNotification, note.params)

    # -- goal operations ------------------------------------------------------------------

    def register_goal_operation(self, thread_id: str) -> _GoalOperationState:
        """Route ``thread_id``'s goal and turn notifications to a new goal operation.

        A turn already running on the thread that no one registered becomes the
        operation's. While registered, :meth:`turn_start` refuses the thread.

        Raises:
            ClientStateError: the thread already has a goal operation.
        """
        return self._router.register_goal(thread_id, routing=True)

    def reserve_goal_operation(self, thread_id: str) -> _GoalOperationState:
        """Hold ``thread_id`` for a goal operation without routing notifications to it.

        Raises:
            ClientStateError: the thread already has a goal operation.
        """
        return self._router.register_goal(thread_id, routing=False)

    def unregister_goal_operation(self, state: _GoalOperationState) -> None:
        """End the goal operation's routing and queue (idempotent)."""
        self._router.unregister_goal(state)

    async def next_goal_notification(
        self, state: _GoalOperationState, *, timeout: float | None = None
    ) -> Notification:
        """The next notification of the goal operation (its state is already updated).

        Raises:
            StreamEndedError: the operation finished (or was unregistered) and its
                notifications were all read.
            ClientStateError: the operation is not registered, or only reserved.
            CodexTimeoutError / TransportClosedError: as :meth:`next_notification`.
        """
        return await self._goal_reader(state).get(timeout)

    async def start_goal_operation(
        self, thread_id: str, objective: str
    ) -> tuple[_GoalOperationState, str]:
        """Set an active goal on an idle thread and wait for its first turn.

        Sends ``thread/read`` (the thread must be persisted and idle), ``thread/goal/clear``
        and ``thread/goal/set {objective, status: "active"}``; the runtime then runs turns
        until the goal leaves ``active``. Returns the operation's state and its logical turn
        id (the first turn's). Read the run with :meth:`next_goal_notification`; call
        :meth:`unregister_goal_operation` when done.

        Raises:
            ClientStateError: the thread already has a goal operation.
            InvalidRequestError: the thread is ephemeral or busy, or the server refused.
            CodexTimeoutError: no turn started within ``config.request_timeout``.
            CodexError: the goal stopped before any turn started.
        """
        return await goals.start_operation(self, thread_id, objective)

    async def cancel_goal_operation(self, state: _GoalOperationState) -> None:
        """Pause the goal and interrupt the operation's running turn, if any.

        Sends ``thread/goal/set {"status": "paused"}``, then ``turn/interrupt`` for the
        turn running now. Refusals (no goal, no active turn) are ignored: the goal is then
        stopped already. The operation finishes when that turn's ``turn/completed``
        arrives (at once when none runs).
        """
        await goals.cancel_operation(self, state)
