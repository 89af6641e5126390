"""``Thread`` and ``TurnHandle``: the blocking twins of ``AsyncThread``/``AsyncTurnHandle``.

Each method runs the async method on the client's loop thread (their parameters are the
async method's, copied by :func:`~openai_codex._core.mirrors.mirrors`). A turn's events go
straight from the connection's reader into a :class:`ThreadSink` that the caller's thread
drains, so streaming costs no round trip through the loop per event. While a stream is all
that waits for the server, its thread even reads the pipe itself (:mod:`._reader_lease`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .._core.deadline import TurnClock
from .._core.mirrors import mirrors
from .._core.notifications import Notification
from .._core.portal import LoopThread
from .._core.reader_lease import ReaderLease
from .._core.sinks import END, ThreadSink
from ..errors import CodexError, CodexTimeoutError, TransportClosedError, TurnTimeoutError
from .inputs import Input
from .results import COLLECTED, TurnCollector, TurnResult
from .thread import AsyncThread, _goal_requested, _objective
from .turn import INTERRUPT_GRACE, AsyncTurnHandle, turn_clock

if TYPE_CHECKING:
    from .._generated.models import Thread as ThreadInfo
    from .._generated.models import (
        ThreadCompactStartResponse,
        ThreadGoal,
        ThreadGoalClearResponse,
        ThreadReadResponse,
        ThreadSetNameResponse,
        TurnInterruptResponse,
        TurnSteerResponse,
    )
    from .._observability.usage import TokenUsage
    from .goals.handles import GoalHandle
    from .reviews import ReviewResult

__all__ = ["Thread", "TurnHandle"]


class Thread:
    """One conversation on the server (blocking API; see :class:`AsyncThread`).

    Attributes:
        id: the thread id.
    """

    id: str

    def __init__(self, portal: LoopThread, thread: AsyncThread) -> None:
        self._portal = portal
        # The async twin, with sinks this thread's callers can drain without the loop.
        self._async = AsyncThread(
            thread._session,
            thread.id,
            thread._info,
            raw_info=thread._raw_info,
            sink_factory=ThreadSink,
            resume_params=thread._resume_params,
        )
        self.id = thread.id

    def __repr__(self) -> str:
        return f"Thread(id={self.id!r})"

    def _repr_markdown_(self) -> str:
        """Jupyter's rendering: id, status, model, usage and options (no secret values)."""
        from .._observability.rendering import thread_markdown

        return thread_markdown(self, self._async._resume_params)

    @property
    def info(self) -> ThreadInfo | None:
        """The protocol ``Thread`` record from the last start/resume/fork/read, if any."""
        return self._async.info

    @property
    def usage(self) -> TokenUsage:
        """Tokens used by this thread's model requests, as seen by this client (see
        :attr:`AsyncThread.usage`)."""
        return self._async.usage

    @mirrors(AsyncThread.turn)
    def turn(self, *args: Any, **kwargs: Any) -> TurnHandle:
        """Start a turn and return its handle at once (see :meth:`AsyncThread.turn`)."""
        if kwargs.get("goal"):
            options = {k: v for k, v in kwargs.items() if k != "input"}
            _goal_requested(options)  # only checks: no turn options beside goal=True
            return self.start_goal(_objective(args[0] if args else kwargs["input"]))

        async def start() -> tuple[AsyncTurnHandle, ReaderLease | None]:
            handle = await self._async.turn(*args, **kwargs)
            # Borrow the reader in the same hop (the handle's stream reads the pipe).
            connection = await self._async._session.connection()
            return handle, connection.lend_reader(handle.id, handle._sink)

        handle, lease = self._portal.run(start())
        return TurnHandle(self, handle.id, handle._sink, lease)

    @mirrors(AsyncThread.run)
    def run(self, *args: Any, **kwargs: Any) -> TurnResult:
        """Run a turn to the end and return its result (see :meth:`AsyncThread.run`).

        The whole turn runs on the client's loop thread and only the result crosses over:
        one thread hand-off per turn. (Measured: for short turns this is cheaper than
        reading the pipe in the calling thread, whose lend and return cost as much as the
        hand-offs they save.)
        """
        return self._portal.run(self._async.run(*args, **kwargs))

    def _borrow_reader(self, turn_id: str, sink: ThreadSink[Notification]) -> ReaderLease | None:
        """The reader lease for a stream of this thread's turn, if the loop can lend it."""
        connection = self._async._session.current_connection
        portal = self._portal
        if connection is None or portal.in_loop_thread or not connection.may_lend(turn_id, sink):
            return None
        try:
            lease: ReaderLease | None = portal.call(connection.lend_reader, turn_id, sink)
        except CodexError:  # the client is closed: the sink tells the rest
            return None
        return lease

    @mirrors(AsyncThread.review)
    def review(self, *args: Any, **kwargs: Any) -> ReviewResult:
        """Review code changes and return the review (see :meth:`AsyncThread.review`)."""
        return self._portal.run(self._async.review(*args, **kwargs))

    def start_goal(self, objective: str, *, token_budget: int | None = None) -> GoalHandle:
        """Give the thread a goal and return a handle on the run it starts (see
        :meth:`AsyncThread.start_goal`)."""
        features = self._async._session._features
        return features.start_goal_blocking(self._portal, self._async, objective, token_budget)

    def goal(self) -> ThreadGoal | None:
        """The thread's goal (``thread/goal/get``), or ``None`` when it has none."""
        return self._portal.run(self._async.goal())

    def clear_goal(self) -> ThreadGoalClearResponse:
        """Remove the thread's goal (``thread/goal/clear``)."""
        return self._portal.run(self._async.clear_goal())

    def read(self, *, include_turns: bool = False) -> ThreadReadResponse:
        """Read the thread (``thread/read``), optionally with every turn and item."""
        return self._portal.run(self._async.read(include_turns=include_turns))

    def set_name(self, name: str) -> ThreadSetNameResponse:
        """Give the thread a name (``thread/name/set``)."""
        return self._portal.run(self._async.set_name(name))

    def compact(self) -> ThreadCompactStartResponse:
        """Compact the thread's history and wait until it is done (see
        :meth:`AsyncThread.compact`)."""
        return self._portal.run(self._async.compact())


class TurnHandle:
    """A running turn (blocking API; see :class:`AsyncTurnHandle`).

    Attributes:
        id: the turn id.
        thread_id: the id of the thread the turn runs on.
    """

    id: str
    thread_id: str

    def __init__(
        self,
        thread: Thread,
        turn_id: str,
        sink: ThreadSink[Notification],
        lease: ReaderLease | None = None,
    ) -> None:
        self._thread = thread
        self.id = turn_id
        self.thread_id = thread.id
        self._sink = sink
        self._lease = lease  # the reader, lent when the turn started (taken by stream())
        self._collector = TurnCollector(thread.id, turn_id)

    def __repr__(self) -> str:
        return f"TurnHandle(id={self.id!r}, thread_id={self.thread_id!r})"

    def stream(
        self,
        *,
        include_thread_events: bool = False,
        timeout: float | None = None,
        idle_timeout: float | None = None,
    ) -> Iterator[Notification]:
        """Yield this turn's notifications, ending after its ``turn/completed``.

        Only notifications that name this turn are yielded, as in the official SDK;
        ``include_thread_events=True`` adds the thread's own notifications, and
        ``timeout`` / ``idle_timeout`` limit the wait (see :meth:`AsyncTurnHandle.stream`).
        Ctrl-C (``KeyboardInterrupt``) while waiting interrupts the turn on the server
        before it propagates.

        Raises:
            TurnTimeoutError: a limit ran out (the turn was interrupted).
            TransportClosedError: the server exited during the turn (``.result`` holds the
                partial result).
        """
        collector = self._collector
        sink = self._sink
        clock = turn_clock(self._thread._async._session.config, timeout, idle_timeout)
        lease, self._lease = self._lease, None
        # The hot loop, as in AsyncTurnHandle.stream: the clock is read only when the
        # sink runs dry, and the collector sees only the methods it keeps.
        get_nowait = sink.get_nowait
        feed = collector.feed
        taken = False  # an event was taken since the clock last ticked
        try:
            while not collector.done:
                item = get_nowait()
                if item is None:
                    # Nothing buffered: read the pipe in this thread if the loop lends it,
                    # else wait for the loop's reader to fill the sink.
                    if taken:
                        clock.tick()
                        taken = False
                    until = clock.deadline()
                    if lease is None:
                        lease = self._thread._borrow_reader(self.id, sink)
                    if lease is not None:
                        if lease.pump(until):
                            if not sink.ready and clock.expired() is not None:
                                lease.release()
                                lease = None
                                self._expire(clock)
                            continue
                        lease = None
                    try:
                        item = sink.get(timeout=clock.remaining())
                    except CodexTimeoutError:
                        self._expire(clock)
                        continue
                if item is END:
                    return
                taken = True
                if item.method in COLLECTED:  # type: ignore[union-attr]
                    feed(item)  # type: ignore[arg-type]
                if include_thread_events or item.turn_id is not None:  # type: ignore[union-attr]
                    yield item  # type: ignore[misc]
        except TransportClosedError as exc:
            raise exc.with_result(collector.result()) from exc
        except KeyboardInterrupt:
            if lease is not None:
                lease.release()
                lease = None
            if not collector.done:
                self._interrupt_quietly()
            raise
        finally:
            if lease is not None:
                lease.release()

    def _interrupt_quietly(self) -> None:
        with contextlib.suppress(Exception):
            self._thread._portal.run(self._thread._async._interrupt_quietly(self.id))

    def _expire(self, clock: TurnClock) -> None:
        """A limit ran out: interrupt the turn, let it end (bounded), raise."""
        expired = clock.expired()
        if expired is None:  # woke a hair early: wait again
            return
        limit, seconds = expired
        message = f"turn {self.id} ran past its {limit} of {seconds:g} s and was interrupted"
        self._thread._async._session.telemetry.turn_timed_out(self.id, message)
        self._interrupt_quietly()
        deadline = time.monotonic() + INTERRUPT_GRACE
        collector = self._collector
        while not collector.done:
            try:
                got = self._sink.get(timeout=max(0.001, deadline - time.monotonic()))
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

    def run(self, *, timeout: float | None = None, idle_timeout: float | None = None) -> TurnResult:
        """Consume the rest of the turn and return its result.

        ``timeout`` / ``idle_timeout``: as in :meth:`AsyncThread.run`.

        Raises:
            TurnFailedError: the turn failed; ``.result`` keeps the partial result.
            TurnTimeoutError: a limit ran out; ``.result`` keeps the partial result.
        """
        self._collector.eager = True
        for _ in self.stream(timeout=timeout, idle_timeout=idle_timeout):
            pass
        return self._collector.finish()

    def display(
        self,
        *,
        interval: float = 0.25,
        timeout: float | None = None,
        idle_timeout: float | None = None,
    ) -> TurnResult:
        """Show the turn live in the notebook cell and return its result (see
        :func:`openai_codex.notebook.show`)."""
        from .live_view import show_turn

        return show_turn(self, interval=interval, timeout=timeout, idle_timeout=idle_timeout)

    def steer(self, input: Input) -> TurnSteerResponse:
        """Add input to the running turn (``turn/steer``); returns the server's answer."""
        return self._thread._portal.run(self._thread._async._steer(self.id, input))

    def interrupt(self) -> TurnInterruptResponse:
        """Ask the server to stop the turn (``turn/interrupt``); it completes as interrupted."""
        return self._thread._portal.run(self._thread._async._interrupt(self.id))
