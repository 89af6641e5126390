"""Bookkeeping of a goal operation: a thread goal driven until the runtime stops it.

While a thread goal is ``active`` the app-server runs continuation turns on the thread by
itself, one after another, until the goal leaves ``active`` (the model calls its
``update_goal`` tool with ``complete``, a client pauses or clears the goal, a budget runs
out). A *goal operation* is a client's view of that run: which turns it started, which one
runs now, the goal's last status, and whether the run is over.

:class:`_GoalOperationState` is sans-IO: the client's reader feeds it every notification
of the operation's thread (:meth:`~_GoalOperationState.feed`) and it updates its fields;
sending requests and queueing notifications for a reader are the client's business. The
field names are the official SDK's (``openai_codex._goal._GoalOperationState``).

When the run is over (:attr:`~_GoalOperationState.finished`):

- a turn of the operation completed while the goal was no longer ``active`` (``paused``,
  ``complete``, ``blocked``, ``usageLimited``, ``budgetLimited``) or had been cleared, or
- the goal left ``active`` (or was cleared) while no turn was running.

Observed with app-server 0.163.0: ``thread/goal/set {"status": "active"}`` is answered,
then ``thread/goal/updated`` (``turnId: null``) and the first continuation's
``turn/started`` follow; each turn ends with a ``thread/goal/updated`` carrying that turn's
id (the tokens used so far) before its ``turn/completed``. When the model completes the
goal mid-turn, ``thread/goal/updated {"status": "complete"}`` arrives during the turn, which
still runs to its ``turn/completed``. ``thread/goal/clear`` on a thread with a goal is
answered ``{"cleared": true}`` and followed by ``thread/goal/cleared``.

Importing this module does not import pydantic; the protocol models are loaded on first
use.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..._core.notifications import turn_id_of

if TYPE_CHECKING:
    from ..._generated.models import ThreadGoalStatus, Turn

__all__ = [
    "GOAL_CLEARED",
    "GOAL_UPDATED",
    "MAX_OBJECTIVE_CHARS",
    "GoalOperationState",
    "_GoalOperationState",
    "check_objective",
]

logger = logging.getLogger("openai_codex")

GOAL_UPDATED = "thread/goal/updated"
"""A goal changed (status, tokens used); ``turnId`` names the turn that changed it."""
GOAL_CLEARED = "thread/goal/cleared"
"""The thread's goal was removed."""

MAX_OBJECTIVE_CHARS = 4000
"""The longest goal objective app-server 0.163.0 accepts, in characters."""

_TURN_STARTED = "turn/started"
_TURN_COMPLETED = "turn/completed"
_GOAL_PREFIX = "thread/goal/"
_ACTIVE = "active"
_INTERRUPTED = "interrupted"


def _models() -> Any:
    from ..._generated import models

    return models


@dataclass
class _GoalOperationState:
    """What a client knows about one goal operation on ``thread_id``.

    Attributes:
        thread_id: the thread whose goal is driven.
        logical_turn_id: the id of the operation's first turn (its handle for callers).
        current_turn_id: the turn running now, ``None`` between turns and at the end.
        status: the goal's last known status (a ``ThreadGoalStatus``).
        started_turn: the operation's first turn, as ``turn/started`` reported it.
        completed_turn: the last turn that completed, as ``turn/completed`` reported it.
        interrupted: a turn of the operation ended with status ``interrupted``.
        interrupt_requested: the client asked to interrupt the running turn (see
            :meth:`request_interrupt`).
        cleared: the thread's goal was cleared (``thread/goal/cleared``).

    Fields are updated by :meth:`feed` as notifications arrive, not as a reader consumes
    them. Read them from any thread; change them only through the methods.
    """

    thread_id: str
    logical_turn_id: str | None = None
    current_turn_id: str | None = None
    status: ThreadGoalStatus | None = None
    started_turn: Turn | None = None
    completed_turn: Turn | None = None
    interrupted: bool = False
    interrupt_requested: bool = False
    cleared: bool = False
    _failure: BaseException | None = field(default=None, repr=False, compare=False)
    _finished: bool = field(default=False, repr=False, compare=False)
    _turn_routing_active: bool = field(default=True, repr=False, compare=False)
    _status_value: str | None = field(default=None, repr=False, compare=False)
    _awaiting_set: bool = field(default=False, repr=False, compare=False)
    _goal_events: int = field(default=0, repr=False, compare=False)

    # -- what the client asks ------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """Whether the run is over: no turn runs and the goal is no longer ``active``."""
        return self._finished

    @property
    def failure(self) -> BaseException | None:
        """Why the operation's notifications stopped early (the connection ended), if so."""
        return self._failure

    @property
    def routing_active(self) -> bool:
        """Whether the thread's notifications go to this operation.

        ``False`` for a reserved operation (it only holds the thread) and once finished.
        """
        return self._turn_routing_active and not self._finished

    @property
    def reserved(self) -> bool:
        """Whether the operation only holds the thread (``reserve_goal_operation``)."""
        return not self._turn_routing_active

    @property
    def goal_events(self) -> int:
        """How many ``thread/goal/*`` notifications were fed so far (see :meth:`apply_goal`)."""
        return self._goal_events

    def wants(self, method: str, params: dict[str, Any]) -> bool:
        """Whether a notification of this thread belongs to the operation.

        Goal notifications and notifications of a turn do (turns of other consumers are
        excluded by the client before asking); thread-level ones such as
        ``thread/status/changed`` do not. A ``thread/goal/cleared`` that arrives while the
        operation is being started belongs to the clearing of a previous goal, not to it.
        """
        if not self.routing_active:
            return False
        if method.startswith(_GOAL_PREFIX):
            return not (method == GOAL_CLEARED and self._awaiting_set)
        return turn_id_of(params) is not None

    # -- feeding ---------------------------------------------------------------------------

    def feed(self, method: str, params: dict[str, Any]) -> None:
        """Update the state for one notification of the operation (see :meth:`wants`)."""
        if method == _TURN_STARTED:
            turn = self._turn(params)
            if turn is None:
                return
            self.current_turn_id = turn.id
            if self.logical_turn_id is None:
                self.logical_turn_id = turn.id
            if self.started_turn is None:
                self.started_turn = turn
        elif method == _TURN_COMPLETED:
            turn = self._turn(params)
            if turn is None:
                return
            self.completed_turn = turn
            if self.current_turn_id in (None, turn.id):
                self.current_turn_id = None
            if _value_of(turn.status) == _INTERRUPTED:
                self.interrupted = True
        elif method == GOAL_UPDATED:
            self._goal_events += 1
            self._awaiting_set = False
            goal = params.get("goal")
            if isinstance(goal, dict):
                self._set_status(goal.get("status"))
        elif method == GOAL_CLEARED:
            self._goal_events += 1
            self.cleared = True
        else:
            return
        self._check_finished()

    def begin_start(self) -> None:
        """The client is clearing a previous goal before setting the operation's own.

        Until the goal is set (:meth:`apply_goal` or a ``thread/goal/updated``), a
        ``thread/goal/cleared`` is the old goal's and is left to other readers.
        """
        self._awaiting_set = True

    def apply_goal(self, goal: Any, *, events_before: int | None = None) -> None:
        """Take the goal of a ``thread/goal/set`` answer (a ``ThreadGoal`` or its dict).

        The answer is older than any goal notification that arrived after the request was
        sent, so pass ``events_before=state.goal_events`` read before sending: the answer's
        status is then applied only if no goal notification came in between.
        """
        self._awaiting_set = False
        if events_before is not None and events_before != self._goal_events:
            return
        status = goal.get("status") if isinstance(goal, dict) else getattr(goal, "status", None)
        self._set_status(status)
        self._check_finished()

    def request_interrupt(self) -> str | None:
        """The turn to interrupt to stop the run now, or ``None`` when none is running.

        Marks :attr:`interrupt_requested` when there is one.
        """
        turn_id = self.current_turn_id
        if turn_id is not None:
            self.interrupt_requested = True
        return turn_id

    def fail(self, error: BaseException) -> None:
        """The notifications stopped (the connection ended): remember why."""
        if self._failure is None:
            self._failure = error

    # -- internals -------------------------------------------------------------------------

    def _turn(self, params: dict[str, Any]) -> Turn | None:
        raw = params.get("turn")
        if not isinstance(raw, dict):
            return None
        try:
            turn: Turn = _models().Turn.model_validate(raw)
        except ValueError as exc:  # pydantic.ValidationError
            logger.warning("a goal turn did not match the protocol schema: %s", exc)
            return None
        return turn

    def _set_status(self, status: Any) -> None:
        value = _value_of(status)
        if value is None:
            return
        self._status_value = value
        try:
            self.status = _models().ThreadGoalStatus(value)
        except ValueError:  # a status this SDK does not know: not active, so it ends the run
            logger.warning("unknown thread goal status %r", value)
            self.status = None

    def _check_finished(self) -> None:
        if self._finished or self.current_turn_id is not None:
            return
        if self.cleared or (self._status_value is not None and self._status_value != _ACTIVE):
            self._finished = True


GoalOperationState = _GoalOperationState
"""A public name for :class:`_GoalOperationState` (the official SDK's name is private)."""


def check_objective(objective: object) -> str:
    """``objective`` if the app-server would take it as a goal's objective; else raise.

    Checked before any request, so that a bad call leaves the thread's current goal alone
    (starting a goal clears the old one first). The server's own rules (0.163.0): not
    empty once stripped, at most :data:`MAX_OBJECTIVE_CHARS` characters.

    Raises:
        TypeError: ``objective`` is not a string.
        ValueError: it is empty (or only whitespace), or longer than the limit.
    """
    if not isinstance(objective, str):
        raise TypeError(f"a goal's objective must be a string, not {type(objective).__name__}")
    if not objective.strip():
        raise ValueError("a goal's objective must not be empty (or only whitespace)")
    if len(objective) > MAX_OBJECTIVE_CHARS:
        raise ValueError(
            f"a goal's objective must be at most {MAX_OBJECTIVE_CHARS} characters "
            f"(the app-server's limit); this one has {len(objective)}"
        )
    return objective


def _value_of(status: Any) -> str | None:
    if status is None:
        return None
    value = getattr(status, "value", status)
    return value if isinstance(value, str) else None
