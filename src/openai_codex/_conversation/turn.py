"""``AsyncTurnHandle``: one turn of a thread, streamed, steered, interrupted or awaited.

Also the turn mechanics that goals reuse for their continuation turns: a turn's clock
(:func:`turn_clock`), waiting for its next event before a deadline (:func:`next_before`)
and interrupting it once per connection (:func:`interrupt_turn`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._core.deadline import TurnClock
from .._core.notifications import Notification
from .._core.sinks import END, AsyncSink, Sink
from ..errors import (
    CodexTimeoutError,
    TransportClosedError,
    TurnTimeoutError,
)
from .inputs import Input
from .results import COLLECTED, TurnCollector, TurnResult

if TYPE_CHECKING:
    from .._generated.models import (
        TurnInterruptResponse,
        TurnSteerResponse,
    )
    from .session import Session
    from .thread import AsyncThread

__all__ = [
    "ACTIVE_WAIT",
    "CANCEL_GRACE",
    "INTERRUPT_GRACE",
    "AsyncTurnHandle",
    "interrupt_turn",
    "next_before",
    "turn_clock",
]


ACTIVE_WAIT = 10.0
"""Seconds a steer or interrupt keeps retrying while the server has not made the turn active."""

_INTERRUPTED_KEPT = 64
"""Answers to ``turn/interrupt`` a connection remembers (see :func:`interrupt_turn`)."""

INTERRUPT_GRACE = 10.0
"""Seconds a turn that ran out of time may take to end once interrupted."""

CANCEL_GRACE = 5.0
"""Seconds a cancelled wait spends interrupting its turn before it gives up."""

# The server's answers while a new turn is not active yet (app-server 0.163.0).
NOT_ACTIVE_YET = ("no active turn to", "expected active turn id")

logger = logging.getLogger("openai_codex")

SinkFactory = Callable[[], Sink[Notification]]


def turn_clock(config: Any, timeout: float | None, idle_timeout: float | None) -> TurnClock:
    """The limits of one wait for a turn: the given ones, else the config's defaults."""
    return TurnClock(
        timeout if timeout is not None else config.turn_timeout,
        idle_timeout if idle_timeout is not None else config.turn_idle_timeout,
    )


async def interrupt_turn(
    session: Session,
    thread_id: str,
    turn_id: str,
    send: Callable[[dict[str, Any]], Awaitable[Any]],
) -> Any:
    """The answer to ``turn/interrupt`` of ``turn_id``, sent (by ``send``) once per connection.

    The runtime (0.163.0) never answers a second ``turn/interrupt`` of a turn it has already
    interrupted, so a repeated interrupt (Ctrl-C after a timeout, a goal paused twice, two
    handles of one turn) gets the first answer again instead of waiting for one.
    """
    answers = (await session.connection()).interrupted_turns
    if turn_id in answers:
        return answers[turn_id]
    result = await send({"threadId": thread_id, "turnId": turn_id})
    answers[turn_id] = result
    while len(answers) > _INTERRUPTED_KEPT:
        answers.popitem(last=False)
    return result


async def next_before(
    sink: AsyncSink[Notification],
    clock: TurnClock,
    expire: Callable[[TurnClock], Awaitable[None]],
) -> Notification | None:
    """The next notification of a turn's sink, or ``None`` once the sink has ended.

    When the clock's limit runs out, ``expire(clock)`` runs: it raises (the turn timed
    out) or returns to wait again (it woke a hair early). The wait arms no timer of its
    own: the sink keeps one for the clock's deadline (see :meth:`AsyncSink.get_before`).
    """
    item = sink.get_nowait()
    while item is None:
        got = await sink.get_before(clock.deadline())
        if got is None:  # the deadline passed
            await expire(clock)
            continue
        if got is END:
            return None
        item = got  # type: ignore[assignment]
    return item


class AsyncTurnHandle:
    """A running turn: stream its events, wait for its result, steer or interrupt it.

    Events that arrive before you start iterating are kept; iterating again continues where
    the last iteration stopped.

    Attributes:
        id: the turn id.
        thread_id: the id of the thread the turn runs on.
    """

    id: str
    thread_id: str

    def __init__(self, thread: AsyncThread, turn_id: str, sink: Sink[Notification]) -> None:
        self._thread = thread
        self.id = turn_id
        self.thread_id = thread.id
        self._sink: Any = sink
        self._collector = TurnCollector(thread.id, turn_id)

    def __repr__(self) -> str:
        return f"AsyncTurnHandle(id={self.id!r}, thread_id={self.thread_id!r})"

    async def stream(
        self,
        *,
        include_thread_events: bool = False,
        timeout: float | None = None,
        idle_timeout: float | None = None,
    ) -> AsyncIterator[Notification]:
        """Yield this turn's notifications, ending after its ``turn/completed``.

        Only notifications that name this turn are yielded, as in the official SDK.
        ``include_thread_events=True`` also yields the thread's own notifications that
        arrive during the turn and name no turn (``thread/status/changed``, ``warning``...);
        they always reach :meth:`AsyncCodex.on_notification` listeners.

        ``timeout`` / ``idle_timeout``: limits on this stream's wait, as in
        :meth:`AsyncThread.run`. Leaving the loop early keeps the turn running (iterate
        again to continue); cancelling the task interrupts the turn.

        Raises:
            TurnTimeoutError: a limit ran out (the turn was interrupted).
            TransportClosedError: the server exited during the turn (``.result`` holds the
                partial result).
        """
        collector = self._collector
        sink: AsyncSink[Notification] = self._sink
        clock = turn_clock(self._thread._session.config, timeout, idle_timeout)
        # The hot loop: buffered events cost a lookup each; the clock is read only when
        # the sink runs dry (its idle limit counts from the last event taken, i.e. from
        # the start of the wait that follows it), so telemetry off and no limits cost
        # nothing per event.
        get_nowait = sink.get_nowait
        feed = collector.feed
        try:
            while not collector.done:
                item = get_nowait()
                if item is None:
                    clock.tick()
                    item = await next_before(sink, clock, self._expire)
                    if item is None:
                        return
                if item.method in COLLECTED:
                    feed(item)
                if include_thread_events or item.turn_id is not None:
                    yield item
        except TransportClosedError as exc:
            raise exc.with_result(collector.result()) from exc
        except asyncio.CancelledError:
            if not collector.done:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(self._thread._interrupt_quietly(self.id), CANCEL_GRACE)
            raise

    async def _expire(self, clock: TurnClock) -> None:
        """A limit ran out: interrupt the turn, let it end (bounded), raise."""
        expired = clock.expired()
        if expired is None:  # woke a hair early: wait again
            return
        limit, seconds = expired
        message = f"turn {self.id} ran past its {limit} of {seconds:g} s and was interrupted"
        self._thread._session.telemetry.turn_timed_out(self.id, message)
        await self._thread._interrupt_quietly(self.id)
        deadline = time.monotonic() + INTERRUPT_GRACE
        collector = self._collector
        sink: AsyncSink[Notification] = self._sink
        while not collector.done:
            try:
                got = await sink.get(timeout=max(0.0, deadline - time.monotonic()))
            except CodexTimeoutError:
                break
            if got is END:
                break
            collector.feed(got)  # type: ignore[arg-type]
        raise TurnTimeoutError(
            message,
            result=collector.result(),
            limit=limit,
            seconds=seconds,
        )

    async def run(
        self, *, timeout: float | None = None, idle_timeout: float | None = None
    ) -> TurnResult:
        """Consume the rest of the turn and return its result.

        ``timeout`` / ``idle_timeout``: as in :meth:`AsyncThread.run`.

        Raises:
            TurnFailedError: the turn failed; ``.result`` keeps the partial result.
            TurnTimeoutError: a limit ran out; ``.result`` keeps the partial result.
        """
        self._collector.eager = True
        async for _ in self.stream(timeout=timeout, idle_timeout=idle_timeout):
            pass
        return self._collector.finish()

    async def display(
        self,
        *,
        interval: float = 0.25,
        timeout: float | None = None,
        idle_timeout: float | None = None,
    ) -> TurnResult:
        """Show the turn live in the notebook cell and return its result (see
        :func:`openai_codex.notebook.ashow`)."""
        from .live_view import ashow_turn

        return await ashow_turn(self, interval=interval, timeout=timeout, idle_timeout=idle_timeout)

    async def steer(self, input: Input) -> TurnSteerResponse:
        """Add input to the running turn (``turn/steer``); returns the server's answer."""
        return await self._thread._steer(self.id, input)

    async def interrupt(self) -> TurnInterruptResponse:
        """Ask the server to stop the turn (``turn/interrupt``); it completes as interrupted."""
        return await self._thread._interrupt(self.id)
