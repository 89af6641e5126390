"""Goal operations of the low-level clients: a goal's queue, and starting and cancelling it.

A goal operation owns a thread while the runtime pursues the goal: :mod:`.routing` sends
the thread's goal notifications, and those of its turns that no one registered, to the
operation's :class:`_GoalRoute`, which feeds them to the operation's state
(:class:`~openai_codex._conversation.goals.operation._GoalOperationState`) and queues them
for ``next_goal_notification``. :func:`start_operation` and :func:`cancel_operation` are the
request sequences behind ``AsyncCodexClient.start_goal_operation`` and
``cancel_goal_operation``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from .._conversation.goals.operation import _GoalOperationState, check_objective
from .._core.notifications import Notification
from .._generated.models import ThreadGoalStatus
from ..errors import (
    INVALID_REQUEST,
    CodexError,
    CodexTimeoutError,
    InvalidRequestError,
    JsonRpcError,
    ProtocolError,
)
from .errors import StreamEndedError
from .messages import _status_value
from .queues import _Mailbox

if TYPE_CHECKING:
    from .async_client import AsyncCodexClient

logger = logging.getLogger("openai_codex")


class _GoalRoute:
    """A registered goal operation: its state, its queue, and a start signal."""

    __slots__ = ("box", "progress", "state")

    def __init__(self, state: _GoalOperationState) -> None:
        self.state = state
        self.box = _Mailbox(f"queue of the goal operation on thread {state.thread_id}")
        self.progress = asyncio.Event()
        """Set when the first turn started, the operation finished, or the queue ended."""

    def deliver(self, note: Notification) -> None:
        self.state.feed(note.method, note.params)
        self.box.put(note)
        self.settle()

    def settle(self) -> None:
        """Signal progress and end the queue once the operation is finished."""
        state = self.state
        if state.logical_turn_id is not None or state.finished:
            self.progress.set()
        if state.finished:
            self.box.close(
                StreamEndedError(f"the goal operation on thread {state.thread_id!r} has finished")
            )

    def end(self, error: BaseException) -> None:
        self.box.close(error)
        self.progress.set()


async def start_operation(
    client: AsyncCodexClient, thread_id: str, objective: str
) -> tuple[_GoalOperationState, str]:
    """Set an active goal on an idle thread and wait for its first turn.

    The steps of :meth:`AsyncCodexClient.start_goal_operation`, which documents them: the
    operation is registered first and unregistered again if anything fails.
    """
    check_objective(objective)  # before anything is sent: the old goal survives a bad one
    state = client.register_goal_operation(thread_id)
    route = client._router.goal_route(state)
    try:
        state.begin_start()
        read = await client._call("thread/read", {"threadId": thread_id, "includeTurns": False})
        _check_startable(thread_id, read)
        await client.thread_goal_clear(thread_id)
        before = state.goal_events
        response = await client.thread_goal_set(
            thread_id, objective=objective, status=ThreadGoalStatus.active
        )
        state.apply_goal(response.goal, events_before=before)
        route.settle()
        timeout = client.config.request_timeout
        try:
            await asyncio.wait_for(route.progress.wait(), timeout)
        except asyncio.TimeoutError:
            raise CodexTimeoutError(
                f"the goal on thread {thread_id} started no turn within {timeout:g} s"
            ) from None
        logical = state.logical_turn_id
        if logical is None:
            if state.failure is not None:
                raise state.failure
            raise CodexError(
                f"the goal on thread {thread_id} stopped before a turn started "
                f"(status {_status_value(state.status)!r}, cleared={state.cleared})"
            )
        return state, logical
    except BaseException:
        client.unregister_goal_operation(state)
        raise


def _check_startable(thread_id: str, read: Any) -> None:
    """Refuse a goal on a thread that ``thread/read`` shows ephemeral or busy."""
    thread = read.get("thread") if isinstance(read, dict) else None
    if not isinstance(thread, dict):
        raise ProtocolError(f"thread/read answered without a thread: {read!r}")
    if thread.get("ephemeral") is True:
        raise InvalidRequestError(
            INVALID_REQUEST,
            f"thread must be persisted before starting a goal: {thread_id}",
            None,
            "thread/goal/set",
        )
    status = thread.get("status")
    if isinstance(status, dict) and status.get("type") != "idle":
        raise InvalidRequestError(
            INVALID_REQUEST,
            f"thread must be idle before starting a goal: {thread_id}",
            None,
            "thread/goal/set",
        )


async def cancel_operation(client: AsyncCodexClient, state: _GoalOperationState) -> None:
    """Pause the goal, then interrupt the operation's running turn, if any.

    The steps of :meth:`AsyncCodexClient.cancel_goal_operation`; refusals are logged and
    ignored.
    """
    before = state.goal_events
    try:
        response = await client.thread_goal_set(state.thread_id, status=ThreadGoalStatus.paused)
    except JsonRpcError as exc:
        logger.debug("pausing the goal of thread %s: %s", state.thread_id, exc)
    else:
        state.apply_goal(response.goal, events_before=before)
        route = client._router.goals.get(state.thread_id)
        if route is not None and route.state is state:
            route.settle()
    turn_id = state.request_interrupt()
    if turn_id is not None:
        try:
            await client.turn_interrupt(state.thread_id, turn_id)
        except JsonRpcError as exc:
            logger.debug("interrupting goal turn %s: %s", turn_id, exc)
