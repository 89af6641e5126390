"""Aiming a goal's ``steer()`` and ``interrupt()`` at the continuation that runs now.

A goal run is a chain of turns the app-server starts by itself, and ``turn/steer`` and
``turn/interrupt`` must name the turn that is active at that moment. The handle's
collector learns about turns as the caller reads the stream, which may be much later (or
never, if nobody iterates), so it cannot say which turn runs now. :class:`LiveTurn` can:
it sits on the thread's watch, before the handle's buffer, and notes every
``turn/started``, ``turn/completed`` and goal status as the reader routes them.

And when the server still answers "expected active turn id X but found Y" (a continuation
started after the request left), :func:`send_aimed` resends at once, aimed at Y: the
server names the turn that is active.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..._core.notifications import Notification, turn_id_of
from ...errors import InvalidRequestError
from ..turn import ACTIVE_WAIT, NOT_ACTIVE_YET

if TYPE_CHECKING:
    from ..._core.sinks import Sink
    from ..session import Session

__all__ = ["LiveTurn", "found_turn_id", "send_aimed"]

_TURN_STARTED = "turn/started"
_TURN_COMPLETED = "turn/completed"
_GOAL_UPDATED = "thread/goal/updated"

# App-server 0.163.0: "expected active turn id `X` but found `Y`" (turn/steer, with
# backticks) and "expected active turn id X but found Y" (turn/interrupt, without).
_FOUND = re.compile(r"expected active turn id `?[^`\s]*`? but found `?([^`\s]+?)`?(?:\s|$)")


def found_turn_id(message: str) -> str | None:
    """The active turn a "expected active turn id X but found Y" refusal names (Y)."""
    match = _FOUND.search(message)
    return match.group(1) if match else None


class LiveTurn:
    """The turn running on a goal's thread, and the goal's status, as they arrive.

    :meth:`tap` wraps the handle's buffer: every notification of the thread is noted here
    when the connection's reader routes it, then passed on unchanged.
    """

    __slots__ = ("goal_status", "running")

    def __init__(self) -> None:
        self.running: str | None = None
        """The turn started and not yet completed on the thread, if any."""
        self.goal_status: str | None = None
        """The goal's status as last reported by ``thread/goal/updated``."""

    def note(self, item: Notification) -> None:
        """Record one notification of the thread."""
        method = item.method
        if method == _TURN_STARTED:
            self.running = turn_id_of(item.params) or self.running
        elif method == _TURN_COMPLETED:
            if turn_id_of(item.params) == self.running:
                self.running = None
        elif method == _GOAL_UPDATED:
            goal = item.params.get("goal")
            status = goal.get("status") if isinstance(goal, dict) else None
            if isinstance(status, str):
                self.goal_status = status

    @property
    def idle_for_good(self) -> bool:
        """No turn runs and the goal is known to be no longer active: none will start."""
        return self.running is None and self.goal_status not in (None, "active")

    def tap(self, sink: Sink[Notification]) -> _Tap:
        """A sink that notes each notification here, then hands it to ``sink``."""
        return _Tap(self, sink)


class _Tap:
    """The sink :meth:`LiveTurn.tap` returns."""

    __slots__ = ("_live", "_sink")

    def __init__(self, live: LiveTurn, sink: Sink[Notification]) -> None:
        self._live = live
        self._sink = sink

    def put(self, item: Notification) -> None:
        self._live.note(item)
        self._sink.put(item)

    def close(self, error: BaseException | None = None) -> None:
        self._sink.close(error)


async def send_aimed(
    session: Session,
    method: str,
    params: dict[str, Any],
    key: str,
    live: LiveTurn,
    *,
    gave_up: Callable[[], bool],
) -> Any:
    """Send ``turn/steer`` or ``turn/interrupt``, aimed at the turn that runs now.

    ``params[key]`` names the turn. A refusal that names the active turn is resent to it
    at once; "no active turn" (between two continuations) is retried, aimed at the latest
    turn, until ``gave_up()`` says no turn will come or :data:`ACTIVE_WAIT` seconds passed.

    Raises:
        InvalidRequestError: the server's last refusal.
    """
    deadline = time.monotonic() + ACTIVE_WAIT
    pause = 0.005
    while True:
        try:
            return await session.request(method, params)
        except InvalidRequestError as exc:
            if not any(text in exc.message for text in NOT_ACTIVE_YET):
                raise
            found = found_turn_id(exc.message)
            out_of_time = time.monotonic() > deadline
            if found is not None and found != params[key] and not out_of_time:
                params = {**params, key: found}
                continue
            if gave_up() or out_of_time:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)
        if live.running is not None:
            params = {**params, key: live.running}
