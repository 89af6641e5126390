"""Where a notification goes in the low-level clients: which pull queue it lands in.

Notifications are *pulled*:

- ``next_notification()`` reads the global queue: every notification that names neither
  a turn nor a login (``thread/started``, ``thread/status/changed``, ``account/updated``,
  warnings...).
- A notification that names a turn (``turnId`` or ``turn.id``) goes to that turn's queue,
  read with ``next_turn_notification(turn_id)``. The queue exists from the turn's first
  notification, whether or not anyone registered it, so a caller who registers right after
  ``turn_start`` returns misses nothing (the server may emit ``turn/started`` before the
  answer is processed). A turn nobody registers keeps its queue while it runs; after its
  ``turn/completed`` the last :data:`RETAINED_TURNS` such turns are kept, older ones are
  dropped. ``unregister_turn_notifications`` drops a queue and ignores the turn from then
  on.
- ``account/login/completed`` with a ``loginId`` goes to that login's queue
  (``next_login_notification``), the same way; with ``loginId: null`` (an API-key login)
  it goes to the global queue.
- While a goal operation is registered on a thread, that thread's turn notifications (of
  turns no one registered) and its ``thread/goal/*`` notifications go to the operation's
  queue (``next_goal_notification``), and update its
  :class:`~openai_codex._conversation.goals.operation._GoalOperationState` as they arrive.

A queue whose stream is over (its turn completed, its login completed, its goal operation
finished or was unregistered) raises :class:`~.errors.StreamEndedError` (a
:class:`~openai_codex.TransportClosedError`, as the official SDK raises for a finished
turn) once its items are read; when the server exits every reader gets the connection's
``TransportClosedError``.

The queues themselves are in :mod:`.queues`, a goal operation's in :mod:`.goals`.
"""

from __future__ import annotations

from typing import Any

from .._auth.login import LOGIN_COMPLETED, login_id_of
from .._conversation.goals.operation import _GoalOperationState
from .._core.notifications import Notification, turn_id_of
from .._core.router import Router
from .errors import ClientStateError, StreamEndedError
from .goals import _GoalRoute
from .messages import TURN_COMPLETED
from .queues import _Mailbox, _StreamTable

GLOBAL_QUEUE_LIMIT = 10_000
"""Notifications the global queue keeps unread before dropping the oldest."""
RETAINED_TURNS = 32
"""Completed turns nobody registered whose notifications are kept for a late reader."""
RETAINED_LOGINS = 64
"""Completed logins nobody registered whose completion is kept for a late reader."""


class _PullRouter(Router):
    """Routes notifications to pull queues (see the module notes).

    Runs entirely on the client's loop: the connection dispatches there, and the client
    changes the tables there. The base class's keyed waiters still serve the login handles
    of :func:`~.logins.start_chatgpt_login` & co.
    """

    def __init__(self) -> None:
        super().__init__()
        self.global_box = _Mailbox("global notification queue", GLOBAL_QUEUE_LIMIT)
        self.turns = _StreamTable("turn", "streaming", RETAINED_TURNS)
        self.logins = _StreamTable("login", "waiting", RETAINED_LOGINS)
        self.goals: dict[str, _GoalRoute] = {}
        self.error: BaseException | None = None

    def dispatch(self, method: str, params: dict[str, Any]) -> None:
        note = Notification(method, params)
        turn_id = turn_id_of(params)
        if self.goals:
            thread_id = params.get("threadId")
            route = self.goals.get(thread_id) if isinstance(thread_id, str) else None
            if (
                route is not None
                and (turn_id is None or not self.turns.is_claimed(turn_id))
                and route.state.wants(method, params)
            ):
                route.deliver(note)
                return
        if turn_id is not None:
            self.turns.deliver(turn_id, note, final=method == TURN_COMPLETED)
            return
        if method == LOGIN_COMPLETED:
            login_id = login_id_of(params)
            if login_id is not None:
                keyed = self._keyed.get(method)
                if keyed is not None:  # a login handle waits for (or retains) it
                    self._dispatch_keyed(keyed, note)
                self.logins.deliver(login_id, note, final=True)
                return
        self.global_box.put(note)

    def close(self, error: BaseException) -> None:
        super().close(error)
        if self.error is None:
            self.error = error
        self.global_box.close(error)
        self.turns.close(error)
        self.logins.close(error)
        for route in self.goals.values():
            route.state.fail(error)
            route.end(error)

    # -- goal operations ------------------------------------------------------------------

    def register_goal(self, thread_id: str, *, routing: bool) -> _GoalOperationState:
        if thread_id in self.goals:
            raise ClientStateError(f"thread {thread_id!r} already has an active goal operation")
        state = _GoalOperationState(thread_id, _turn_routing_active=routing)
        route = _GoalRoute(state)
        self.goals[thread_id] = route
        if self.error is not None:
            state.fail(self.error)
            route.end(self.error)
        elif routing:
            # A turn already running on the thread, which no one reads, becomes the
            # operation's: its notifications so far move to the operation's queue.
            for note in self.turns.take_running(thread_id):
                route.deliver(note)
        return state

    def unregister_goal(self, state: _GoalOperationState) -> None:
        route = self.goals.get(state.thread_id)
        if route is not None and route.state is state:
            del self.goals[state.thread_id]
            route.end(
                StreamEndedError(
                    f"the goal operation on thread {state.thread_id!r} was unregistered"
                )
            )

    def goal_route(self, state: _GoalOperationState) -> _GoalRoute:
        route = self.goals.get(state.thread_id)
        if route is None or route.state is not state:
            raise ClientStateError(
                f"the goal operation on thread {state.thread_id!r} is not registered"
            )
        return route
