"""Thread goals as one handle: the runtime's continuation turns, streamed and run as one.

``thread.start_goal(objective)`` sets an active goal (``thread/goal/set``) on an idle,
persisted thread; the app-server then runs turns by itself, one after another, until the
goal leaves ``active`` (the model calls its ``update_goal`` tool with ``complete``, the
token budget runs out: ``budgetLimited``, a client pauses or clears it). The handle follows
every notification of the thread (the router's thread watch) from before the goal is set,
so no continuation is missed; :class:`GoalCollector` (sans-IO) keeps the goal-run state of
:mod:`._goal` and the items, usage and turns for the result.

Observed with app-server 0.163.0: with a budget of 40 tokens and 15 tokens per model call,
the goal ran three continuations and ended ``budgetLimited`` (45 tokens used) at the end of
the third: a budget is checked after each turn, never mid-turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..._core.deadline import TurnClock
from ..._core.notifications import Notification, turn_id_of
from ..._core.sinks import END, AsyncSink, Sink, ThreadSink
from ...errors import (
    CodexError,
    CodexTimeoutError,
    InvalidRequestError,
    TransportClosedError,
    TurnTimeoutError,
)
from ..inputs import Input
from ..remote_images import wire_input
from ..results import TurnResult, final_response, finished
from ..thread import AsyncThread
from ..thread_sync import TurnHandle
from ..turn import AsyncTurnHandle, interrupt_turn, next_before, turn_clock
from .operation import _GoalOperationState, check_objective
from .steering import LiveTurn, send_aimed

if TYPE_CHECKING:
    from ..._core.portal import LoopThread
    from ..._generated.models import ThreadGoal, TurnInterruptResponse, TurnSteerResponse

__all__ = [
    "AsyncGoalHandle",
    "GoalCollector",
    "GoalHandle",
    "begin_goal",
    "start_goal",
    "start_goal_blocking",
]

ITEM_COMPLETED = "item/completed"
TOKEN_USAGE = "thread/tokenUsage/updated"
TURN_STARTED = "turn/started"
GOAL_UPDATED = "thread/goal/updated"
GOAL_CLEARED = "thread/goal/cleared"
GOAL_PREFIX = "thread/goal/"

INTERRUPT_GRACE = 10.0
CANCEL_GRACE = 5.0


def _model(name: str) -> Any:
    from ..._generated import models

    return getattr(models, name)


class GoalCollector:
    """Feeds on the notifications of a goal's thread; builds the run's :class:`TurnResult`."""

    def __init__(self, thread_id: str) -> None:
        self.state = _GoalOperationState(thread_id)
        self._items: list[Any] = []
        self._usage: Any = None
        self._turns: set[str] = set()
        self._skip_cleared = 0
        self.goal: ThreadGoal | None = None
        self.live = LiveTurn()
        """The turn running now, as routed (the state above follows what was read)."""

    def expect_clearing(self, cleared: bool) -> None:
        """``thread/goal/clear`` answered ``cleared``: its notification is not ours to read.

        The server sends ``thread/goal/cleared`` after answering ``{"cleared": true}``; it
        belongs to the previous goal, and the run skips exactly that one.
        """
        if cleared:
            self._skip_cleared += 1

    @property
    def done(self) -> bool:
        """Whether the run is over (no turn runs and the goal is no longer active)."""
        return self.state.finished

    def feed(self, note: Notification) -> bool:
        """Record one notification of the thread; ``True`` if it belongs to the run."""
        method, params = note.method, note.params
        if method == GOAL_CLEARED and self._skip_cleared:
            self._skip_cleared -= 1
            return False
        if method.startswith(GOAL_PREFIX):
            # An update that names a turn of an earlier run (it may arrive late) is not ours.
            turn_id = params.get("turnId")
            if turn_id is not None and turn_id not in self._turns:
                return False
        if not self.state.wants(method, params):
            return False
        if method == TURN_STARTED:
            turn_id = turn_id_of(params)
            if turn_id is not None:
                self._turns.add(turn_id)
        self.state.feed(method, params)
        if method == ITEM_COMPLETED:
            item = getattr(note.payload, "item", None)
            if item is not None:  # an item the schema does not know was logged and skipped
                self._items.append(item)
        elif method == TOKEN_USAGE:
            self._usage = getattr(note.payload, "token_usage", self._usage)
        elif method == GOAL_UPDATED:
            self.goal = getattr(note.payload, "goal", self.goal)
        return True

    def apply_goal(self, goal: Any) -> None:
        """The ``thread/goal/set`` answer's goal."""
        self.goal = goal
        self.state.apply_goal(goal)

    def result(self) -> TurnResult:
        """The run so far: every continuation's items, the last turn's status and error."""
        first, last = self.state.started_turn, self.state.completed_turn
        status = last.status if last is not None else _model("TurnStatus").in_progress
        durations = [t.duration_ms for t in (first, last) if t is not None and t.duration_ms]
        return TurnResult(
            id=self.state.logical_turn_id or "",
            status=status,
            error=last.error if last is not None else None,
            started_at=first.started_at if first is not None else None,
            completed_at=last.completed_at if last is not None else None,
            duration_ms=(
                (last.completed_at - first.started_at) * 1000
                if first is not None
                and last is not None
                and first.started_at is not None
                and last.completed_at is not None
                else (durations[0] if durations else None)
            ),
            final_response=final_response(self._items),
            items=list(self._items),
            usage=self._usage,
            thread_id=self.state.thread_id,
        )

    def finish(self) -> TurnResult:
        """The final result; raises :class:`TurnFailedError` if the last turn failed."""
        return finished(self.result())


async def begin_goal(
    thread: AsyncThread, objective: str, token_budget: int | None, sink: Sink[Notification]
) -> tuple[GoalCollector, Callable[[], None]]:
    """Check the thread, watch it, and set the goal; returns the collector and the unwatch.

    The watch notes the running turn as notifications arrive (``collector.live``) before
    they reach ``sink``.

    Raises:
        TypeError / ValueError: not an objective the server takes (checked first, so the
            thread's current goal survives; see :func:`.operation.check_objective`).
        InvalidRequestError: the thread is ephemeral or not idle (as the official client
            says it), or the server refused the goal.
    """
    check_objective(objective)
    info = (await thread.read()).thread
    if info.ephemeral:
        raise InvalidRequestError(
            -32600, f"thread must be persisted before starting a goal: {thread.id}"
        )
    if getattr(info.status, "type", None) != "idle":
        raise InvalidRequestError(
            -32600, f"thread must be idle before starting a goal: {thread.id}"
        )
    session = thread._session
    router = (await session.connection()).router
    collector = GoalCollector(thread.id)
    session.telemetry.expect_turns(thread.id)  # continuation spans: under the caller's
    unwatch = router.watch_thread(thread.id, collector.live.tap(sink))
    try:
        cleared = await session.request("thread/goal/clear", {"threadId": thread.id})
        collector.expect_clearing(bool(isinstance(cleared, dict) and cleared.get("cleared")))
        params: dict[str, Any] = {"threadId": thread.id, "objective": objective, "status": "active"}
        if token_budget is not None:
            params["tokenBudget"] = token_budget
        answer = await session.request("thread/goal/set", params)
    except BaseException:
        unwatch()
        raise
    collector.apply_goal(_model("ThreadGoalSetResponse").model_validate(answer).goal)
    return collector, unwatch


class _GoalRun:
    """What both handles share: the collector, the sink, and how to stop the goal."""

    id: str  # the run's first turn (set once it started)

    def __init__(
        self,
        thread: AsyncThread,
        collector: GoalCollector,
        sink: Any,
        unwatch: Callable[[], None],
    ) -> None:
        self._goal_thread = thread
        self._goal_run = collector
        self._sink = sink
        self._unwatch = unwatch
        self._early: deque[Notification] = deque()  # read while waiting for the first turn
        self.thread_id = thread.id

    @property
    def goal(self) -> ThreadGoal | None:
        """The goal as last reported (status, tokens used, budget)."""
        return self._goal_run.goal

    @property
    def done(self) -> bool:
        """Whether the goal run is over."""
        return self._goal_run.done

    def _accept(self, note: Notification, clock: TurnClock, include: bool) -> bool:
        """Feed one notification; whether to yield it."""
        clock.tick()
        ours = self._goal_run.feed(note)
        if self._goal_run.done:
            self._unwatch()
        return ours or (include and note.turn_id is None)

    async def _pause(self) -> TurnInterruptResponse:
        """Pause the goal, then interrupt the continuation that runs (if one does)."""
        session = self._goal_thread._session
        with contextlib.suppress(InvalidRequestError):  # no goal any more: nothing to pause
            await session.request(
                "thread/goal/set", {"threadId": self.thread_id, "status": "paused"}
            )
        live = self._goal_run.live
        turn_id = live.running
        if turn_id is None:  # between continuations: pausing was enough
            empty: TurnInterruptResponse = _model("TurnInterruptResponse")()
            return empty

        async def send(params: dict[str, Any]) -> Any:
            try:
                return await send_aimed(
                    session,
                    "turn/interrupt",
                    params,
                    "turnId",
                    live,
                    gave_up=lambda: live.running is None,
                )
            except InvalidRequestError:
                if live.running is not None:
                    raise
                return {}  # the continuation ended meanwhile, and the goal is paused

        result = await interrupt_turn(session, self.thread_id, turn_id, send)
        response: TurnInterruptResponse = _model("TurnInterruptResponse").model_validate(result)
        return response

    async def _steer(self, input: Input) -> TurnSteerResponse:
        run = self._goal_run
        params = {
            "threadId": self.thread_id,
            "expectedTurnId": run.live.running
            or run.state.current_turn_id
            or run.state.logical_turn_id,
            "input": await wire_input(input, self._goal_thread._session.config),
        }
        result = await send_aimed(
            self._goal_thread._session,
            "turn/steer",
            params,
            "expectedTurnId",
            run.live,
            gave_up=lambda: run.done or run.live.idle_for_good,
        )
        response: TurnSteerResponse = _model("TurnSteerResponse").model_validate(result)
        # The continuation that took the input is one turn of the run, whose id is the
        # handle's (as for every other turn id the handle reports).
        return response.model_copy(update={"turn_id": self.id})

    def _timeout_error(self, clock: TurnClock) -> TurnTimeoutError | None:
        expired = clock.expired()
        if expired is None:
            return None
        limit, seconds = expired
        message = (
            f"the goal on thread {self.thread_id} ran past its {limit} of {seconds:g} s and "
            "was paused"
        )
        current = self._goal_run.state.current_turn_id
        if current is not None:
            self._goal_thread._session.telemetry.turn_timed_out(current, message)
        return TurnTimeoutError(
            message,
            result=self._goal_run.result(),
            limit=limit,
            seconds=seconds,
        )


class AsyncGoalHandle(_GoalRun, AsyncTurnHandle):
    """A running thread goal: its continuation turns as one turn handle (async).

    Returned by :meth:`AsyncThread.start_goal` and ``AsyncThread.turn(objective,
    goal=True)``. ``id`` is the first continuation's turn id.

    Attributes:
        id: the id of the goal run's first turn.
        thread_id: the thread the goal runs on.
    """

    id: str
    thread_id: str

    async def _first_turn(self, wait: float | None) -> None:
        """Read until the first continuation has started (its id is the handle's id)."""
        sink: AsyncSink[Notification] = self._sink
        clock = TurnClock(wait, None)
        state = self._goal_run.state
        while state.logical_turn_id is None and not self._goal_run.done:
            try:
                got = await sink.get(timeout=clock.remaining())
            except CodexTimeoutError:
                raise CodexTimeoutError(
                    f"the goal on thread {self.thread_id} started no turn within {wait:g} s"
                ) from None
            if got is END:
                break
            self._goal_run.feed(got)  # type: ignore[arg-type]
            self._early.append(got)  # type: ignore[arg-type]
        self.id = state.logical_turn_id or ""

    async def stream(
        self,
        *,
        include_thread_events: bool = False,
        timeout: float | None = None,
        idle_timeout: float | None = None,
    ) -> AsyncIterator[Notification]:
        """Yield the notifications of every continuation and the goal's updates, until the
        goal run ends.

        ``include_thread_events`` and the limits work as in :meth:`AsyncTurnHandle.stream`;
        when a limit runs out the goal is paused, its turn interrupted, and
        :class:`~openai_codex.TurnTimeoutError` raised. Cancelling the task pauses the goal.
        """
        sink: AsyncSink[Notification] = self._sink
        clock = turn_clock(self._goal_thread._session.config, timeout, idle_timeout)
        collector = self._goal_run
        try:
            while self._early:
                note = self._early.popleft()
                if self._accept_early(note, include_thread_events):
                    yield note
            while not collector.done:
                item = await next_before(sink, clock, self._expire)
                if item is None:
                    return
                if self._accept(item, clock, include_thread_events):
                    yield item
        except TransportClosedError as exc:
            raise exc.with_result(collector.result()) from exc
        except asyncio.CancelledError:
            if not collector.done:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(self._pause(), CANCEL_GRACE)
            raise
        finally:
            if collector.done:
                self._unwatch()

    def _accept_early(self, note: Notification, include: bool) -> bool:
        # Already fed while waiting for the first turn: decide only whether to yield it.
        return self._goal_run.state.wants(note.method, note.params) or (
            include and note.turn_id is None
        )

    async def _expire(self, clock: TurnClock) -> None:
        error = self._timeout_error(clock)
        if error is None:
            return
        with contextlib.suppress(CodexError):
            await self._pause()
        sink: AsyncSink[Notification] = self._sink
        deadline = time.monotonic() + INTERRUPT_GRACE
        while not self._goal_run.done:
            try:
                got = await sink.get(timeout=max(0.0, deadline - time.monotonic()))
            except CodexTimeoutError:
                break
            if got is END:
                break
            self._goal_run.feed(got)  # type: ignore[arg-type]
        self._unwatch()
        error.result = self._goal_run.result()
        raise error

    async def run(
        self, *, timeout: float | None = None, idle_timeout: float | None = None
    ) -> TurnResult:
        """Follow the goal run to its end; one :class:`TurnResult` for all continuations.

        Its ``items`` are every continuation's items, ``final_response`` the last agent
        message, ``status`` and ``error`` the last turn's; :attr:`goal` tells how the goal
        ended (``complete``, ``paused``, ``budgetLimited``...).
        """
        async for _ in self.stream(timeout=timeout, idle_timeout=idle_timeout):
            pass
        return self._goal_run.finish()

    async def steer(self, input: Input) -> TurnSteerResponse:
        """Add input to the continuation that runs now (``turn/steer``)."""
        return await self._steer(input)

    async def interrupt(self) -> TurnInterruptResponse:
        """Pause the goal and interrupt the continuation that runs, if one does."""
        return await self._pause()

    def __repr__(self) -> str:
        return f"AsyncGoalHandle(id={self.id!r}, thread_id={self.thread_id!r})"


class GoalHandle(_GoalRun, TurnHandle):
    """A running thread goal (blocking API; see :class:`AsyncGoalHandle`).

    Attributes:
        id: the id of the goal run's first turn.
        thread_id: the thread the goal runs on.
    """

    id: str
    thread_id: str

    def __init__(
        self,
        portal: LoopThread,
        thread: AsyncThread,
        collector: GoalCollector,
        sink: ThreadSink[Notification],
        unwatch: Callable[[], None],
    ) -> None:
        super().__init__(thread, collector, sink, unwatch)
        self._portal = portal

    def _first_turn(self, wait: float | None) -> None:
        sink: ThreadSink[Notification] = self._sink
        clock = TurnClock(wait, None)
        state = self._goal_run.state
        while state.logical_turn_id is None and not self._goal_run.done:
            try:
                got = sink.get(timeout=clock.remaining())
            except CodexTimeoutError:
                raise CodexTimeoutError(
                    f"the goal on thread {self.thread_id} started no turn within {wait:g} s"
                ) from None
            if got is END:
                break
            self._goal_run.feed(got)  # type: ignore[arg-type]
            self._early.append(got)  # type: ignore[arg-type]
        self.id = state.logical_turn_id or ""

    def stream(
        self,
        *,
        include_thread_events: bool = False,
        timeout: float | None = None,
        idle_timeout: float | None = None,
    ) -> Iterator[Notification]:
        """Yield every continuation's notifications until the goal run ends (see
        :meth:`AsyncGoalHandle.stream`); Ctrl-C pauses the goal before it propagates."""
        sink: ThreadSink[Notification] = self._sink
        clock = turn_clock(self._goal_thread._session.config, timeout, idle_timeout)
        collector = self._goal_run
        try:
            while self._early:
                note = self._early.popleft()
                if self._goal_run.state.wants(note.method, note.params) or (
                    include_thread_events and note.turn_id is None
                ):
                    yield note
            while not collector.done:
                try:
                    item = sink.get(timeout=clock.remaining())
                except CodexTimeoutError:
                    self._expire(clock)
                    continue
                if item is END:
                    return
                if self._accept(item, clock, include_thread_events):  # type: ignore[arg-type]
                    yield item  # type: ignore[misc]
        except TransportClosedError as exc:
            raise exc.with_result(collector.result()) from exc
        except KeyboardInterrupt:
            if not collector.done:
                with contextlib.suppress(Exception):
                    self._portal.run(self._pause())
            raise
        finally:
            if collector.done:
                self._unwatch()

    def _expire(self, clock: TurnClock) -> None:
        error = self._timeout_error(clock)
        if error is None:
            return
        with contextlib.suppress(CodexError):
            self._portal.run(self._pause())
        sink: ThreadSink[Notification] = self._sink
        deadline = time.monotonic() + INTERRUPT_GRACE
        while not self._goal_run.done:
            try:
                got = sink.get(timeout=max(0.001, deadline - time.monotonic()))
            except CodexTimeoutError:
                break
            if got is END:
                break
            self._goal_run.feed(got)  # type: ignore[arg-type]
        self._portal.call(self._unwatch)
        error.result = self._goal_run.result()
        raise error

    def run(self, *, timeout: float | None = None, idle_timeout: float | None = None) -> TurnResult:
        """Follow the goal run to its end (see :meth:`AsyncGoalHandle.run`)."""
        for _ in self.stream(timeout=timeout, idle_timeout=idle_timeout):
            pass
        return self._goal_run.finish()

    def steer(self, input: Input) -> TurnSteerResponse:
        """Add input to the continuation that runs now (``turn/steer``)."""
        return self._portal.run(self._steer(input))

    def interrupt(self) -> TurnInterruptResponse:
        """Pause the goal and interrupt the continuation that runs, if one does."""
        return self._portal.run(self._pause())

    def __repr__(self) -> str:
        return f"GoalHandle(id={self.id!r}, thread_id={self.thread_id!r})"


async def start_goal(
    thread: AsyncThread, objective: str, token_budget: int | None, sink: AsyncSink[Notification]
) -> AsyncGoalHandle:
    """``thread.start_goal()``: set the goal and return its handle once the first
    continuation started (see :meth:`AsyncThread.start_goal`)."""
    collector, unwatch = await begin_goal(thread, objective, token_budget, sink)
    handle = AsyncGoalHandle(thread, collector, sink, unwatch)
    try:
        await handle._first_turn(thread._session.config.request_timeout)
    except BaseException:
        unwatch()
        raise
    return handle


def start_goal_blocking(
    portal: LoopThread, thread: AsyncThread, objective: str, token_budget: int | None
) -> GoalHandle:
    """The blocking ``Thread.start_goal()``: the same, with a handle read from any thread."""
    sink: ThreadSink[Notification] = ThreadSink()
    collector, unwatch = portal.run(begin_goal(thread, objective, token_budget, sink))
    handle = GoalHandle(portal, thread, collector, sink, unwatch)
    try:
        handle._first_turn(thread._session.config.request_timeout)
    except BaseException:
        portal.call(unwatch)
        raise
    return handle
