"""``AsyncThread``: a conversation, its turns started, run, forked, reviewed (async source).

A thread reaches its client only through
:class:`~openai_codex._conversation.session.Session`; turns are
``turn.AsyncTurnHandle``; the sync twins in ``thread_sync`` run these
coroutines on the client's loop thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._core.notifications import Notification
from .._core.sinks import END, AsyncSink, Sink
from .._observability.logs import log_extra
from .._observability.masking import MaskedDict
from ..errors import (
    InvalidRequestError,
    TransportClosedError,
)
from .inputs import Input, RunInput, normalize_run_input
from .options import build_params, keyword_options
from .remote_images import inline_remote_images, wire_input
from .results import TurnCollector, TurnResult
from .turn import ACTIVE_WAIT, CANCEL_GRACE, NOT_ACTIVE_YET, AsyncTurnHandle, interrupt_turn

if TYPE_CHECKING:
    from .._callbacks.approvals import ApprovalHandler, UserInputHandler
    from .._generated.models import (
        Personality,
        ReasoningEffort,
        ReasoningSummary,
        ReviewDelivery,
        ThreadCompactStartResponse,
        ThreadGoal,
        ThreadGoalClearResponse,
        ThreadReadResponse,
        ThreadSetNameResponse,
        TurnInterruptResponse,
        TurnSteerResponse,
    )
    from .._generated.models import Thread as ThreadInfo
    from .._observability.usage import TokenUsage
    from .goals.handles import AsyncGoalHandle
    from .options import ApprovalMode, Sandbox
    from .reviews import ReviewResult, ReviewTargetLike
    from .session import Session

__all__ = [
    "COMPACT_START_TIMEOUT",
    "AsyncThread",
    "is_thread_not_loaded",
]


COMPACT_START_TIMEOUT = 30.0
"""Seconds :meth:`AsyncThread.compact` waits for the server to start the compaction turn."""

logger = logging.getLogger("openai_codex")

SinkFactory = Callable[[], Sink[Notification]]


def is_thread_not_loaded(exc: BaseException) -> bool:
    """Whether ``exc`` is the server saying the thread is not loaded (needs resume)."""
    return isinstance(exc, InvalidRequestError) and "thread not found" in exc.message


def _model(name: str) -> Any:
    from .._generated import models

    return getattr(models, name)


def _goal_requested(options: dict[str, Any]) -> bool:
    """Pop ``goal`` from a turn's options; a goal run takes no turn options."""
    if not options.pop("goal", False):
        return False
    extra = sorted(k for k, v in options.items() if v is not None)
    if extra:
        raise ValueError(f"turn options do not apply to a goal run: {', '.join(extra)}")
    return True


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def _objective(input: RunInput) -> str:
    if not isinstance(input, str):
        raise TypeError("a goal's objective is a string: turn(objective, goal=True)")
    return input


class AsyncThread:
    """One conversation on the server.

    Obtain it from :meth:`AsyncCodex.thread_start`, ``thread_resume``, ``thread_fork``,
    ``thread_unarchive`` or :meth:`AsyncCodex.thread` (a handle by id). A thread the
    server has not loaded (archived then unarchived, or created by another process) is
    resumed automatically the first time it is used.

    Attributes:
        id: the thread id.
        info: the protocol ``Thread`` record from the last start/resume/fork/read, if any.
    """

    id: str

    def __init__(
        self,
        session: Session,
        thread_id: str,
        info: ThreadInfo | None = None,
        *,
        raw_info: dict[str, Any] | None = None,
        sink_factory: SinkFactory = AsyncSink,
        resume_params: dict[str, Any] | None = None,
    ) -> None:
        self._session = session
        self._new_sink = sink_factory
        self.id = thread_id
        self._info = info
        # The wire ``Thread`` record, validated into ``info`` on first access.
        self._raw_info = raw_info if info is None else None
        # The settings the thread was opened with, sent again when it must be resumed
        # (after the app-server restarted, or on a server that never loaded it). Their
        # repr masks values that may be secrets (``config`` may hold API keys).
        self._resume_params = MaskedDict(resume_params or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r})"

    def _repr_markdown_(self) -> str:
        """Jupyter's rendering: id, status, model, usage and options (no secret values)."""
        from .._observability.rendering import thread_markdown

        return thread_markdown(self, self._resume_params)

    @property
    def info(self) -> ThreadInfo | None:
        """The protocol ``Thread`` record from the last start/resume/fork/read, if any."""
        info = self._info
        if info is None and self._raw_info is not None:
            from .._generated.models import Thread as ThreadInfo

            info = self._info = ThreadInfo.model_validate(self._raw_info)
            self._raw_info = None
        return info

    @info.setter
    def info(self, value: ThreadInfo | None) -> None:
        self._info = value
        self._raw_info = None

    @property
    def usage(self) -> TokenUsage:
        """Tokens used by this thread's model requests, as seen by this client.

        Every request the client observed counts once, also those of turns the server
        started by itself (goal continuations, reviews, compactions) and across restarts of
        the server. A resumed or forked thread starts from zero here; the server's total
        including the history is ``TurnResult.usage.total``. See ``docs/observability.md``.
        """
        return self._session.telemetry.usage.thread(self.id)

    async def _thread_request(self, method: str, params: dict[str, Any]) -> Any:
        """A request about this thread; resumes the thread once if the server lost it."""
        try:
            return await self._session.request(method, params)
        except InvalidRequestError as exc:
            if not is_thread_not_loaded(exc):
                raise
        await self._resume()
        return await self._session.request(method, params)

    async def _resume(self) -> None:
        await self._session.request("thread/resume", {**self._resume_params, "threadId": self.id})

    async def turn(
        self,
        /,
        input: RunInput,
        *,
        approval_mode: ApprovalMode | str | None = None,
        cwd: str | os.PathLike[str] | None = None,
        effort: ReasoningEffort | str | None = None,
        model: str | None = None,
        output_schema: dict[str, Any] | None = None,
        personality: Personality | str | None = None,
        sandbox: Sandbox | str | None = None,
        service_tier: str | None = None,
        source: str | None = None,
        summary: ReasoningSummary | str | None = None,
        turn_service_tier: str | None = None,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        goal: bool = False,
        **params: Any,
    ) -> AsyncTurnHandle:
        """Start a turn and return its handle at once; stream or wait on the handle.

        ``input`` is a str, one input item, a wire dict, a list of those, or one
        :class:`~openai_codex.ExternalMessage` (untrusted content given to the model as a
        tool's output). Sent to a thread whose turn is still running, the input joins that
        turn (the server's rule).

        Options (all optional): ``approval_mode`` (:class:`~openai_codex.ApprovalMode`),
        ``sandbox`` (:class:`~openai_codex.Sandbox`), ``cwd``, ``model``, ``effort``
        (``ReasoningEffort``), ``summary`` (``ReasoningSummary``), ``personality``,
        ``output_schema`` (a JSON Schema the final answer must follow), ``service_tier``,
        ``turn_service_tier`` (this turn only), ``source`` (the turn's trigger, for
        analytics). Other fields of ``TurnStartParams`` may be passed by their snake_case
        name in ``params``; they are validated before anything is sent.

        ``on_approval`` / ``on_user_input`` answer this turn's requests instead of the
        thread's handlers (see :meth:`AsyncCodex.thread_start`); they are dropped when the
        turn completes.

        ``goal=True``: make ``input`` (a string) the thread's goal instead, and return the
        goal run's handle (see :meth:`start_goal`); turn options do not apply then.

        Raises:
            TypeError: an option ``TurnStartParams`` does not have.
            pydantic.ValidationError: an option value of the wrong shape.
        """
        options = keyword_options(locals())
        if _goal_requested(options):
            return await self.start_goal(_objective(input))
        return await self._begin(input, options, on_approval, on_user_input, self._new_sink())

    async def _begin(
        self,
        input: RunInput,
        options: dict[str, Any],
        on_approval: ApprovalHandler | None,
        on_user_input: UserInputHandler | None,
        sink: Sink[Notification],
    ) -> AsyncTurnHandle:
        from .handlers import start_turn_with_handlers

        turn_id = await start_turn_with_handlers(
            self.id,
            self._session.server_requests,
            options,
            lambda: self._start_turn(input, options, sink),
            on_approval,
            on_user_input,
        )
        return AsyncTurnHandle(self, turn_id, sink)

    async def run(
        self,
        /,
        input: RunInput,
        *,
        approval_mode: ApprovalMode | str | None = None,
        cwd: str | os.PathLike[str] | None = None,
        effort: ReasoningEffort | str | None = None,
        model: str | None = None,
        output_schema: dict[str, Any] | None = None,
        personality: Personality | str | None = None,
        sandbox: Sandbox | str | None = None,
        service_tier: str | None = None,
        source: str | None = None,
        summary: ReasoningSummary | str | None = None,
        turn_service_tier: str | None = None,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        goal: bool = False,
        timeout: float | None = None,
        idle_timeout: float | None = None,
        **params: Any,
    ) -> TurnResult:
        """Run a turn to the end and return its :class:`TurnResult`.

        Takes the same arguments as :meth:`turn`, plus two limits (SDK options, never sent
        to the server): ``timeout`` bounds the whole turn and ``idle_timeout`` the time
        without any event of the turn, in seconds (``None``: ``config.turn_timeout`` /
        ``config.turn_idle_timeout``, no limit by default). When one runs out, the turn is
        interrupted and :class:`~openai_codex.TurnTimeoutError` raised.

        Cancelling the task that awaits this (or Ctrl-C in the sync twin) interrupts the
        turn on the server before the cancellation propagates.

        ``goal=True`` runs ``input`` as the thread's goal to its end instead (see
        :meth:`start_goal`): one result for every continuation turn.

        Raises:
            TurnFailedError: the turn failed; ``.result`` keeps the partial result.
            TurnTimeoutError: a limit ran out; ``.result`` keeps the partial result.
            TransportClosedError: the server exited; ``.result`` keeps the partial result.
        """
        options = keyword_options(locals())
        del options["timeout"], options["idle_timeout"]
        if _goal_requested(options):
            goal_handle = await self._start_goal(_objective(input), None, AsyncSink())
            return await goal_handle.run(timeout=timeout, idle_timeout=idle_timeout)
        # The whole turn is awaited here, on the loop: an AsyncSink whatever the facade.
        sink: AsyncSink[Notification] = AsyncSink()
        handle = await self._begin(input, options, on_approval, on_user_input, sink)
        return await handle.run(timeout=timeout, idle_timeout=idle_timeout)

    # -- reviews ------------------------------------------------------------------------

    async def review(
        self,
        target: ReviewTargetLike = "uncommittedChanges",
        *,
        delivery: ReviewDelivery | str | None = None,
        timeout: float | None = None,
        idle_timeout: float | None = None,
    ) -> ReviewResult:
        """Review code changes (``review/start``) and return the review.

        ``target``: ``"uncommittedChanges"`` (staged, unstaged and untracked files: the
        default), :class:`~openai_codex.BaseBranch` ``("main")``,
        :class:`~openai_codex.Commit` ``(sha, title=None)``,
        :class:`~openai_codex.Custom` ``(instructions)``, or the generated ``ReviewTarget``.
        ``delivery``: ``"inline"`` (the server's default: on this thread) or ``"detached"``
        (deprecated by the server: a new thread). ``timeout`` / ``idle_timeout`` limit the
        review turn as in :meth:`run`. The thread's working directory must be a git
        repository.

        Returns a :class:`~openai_codex.ReviewResult`: ``.text`` (the rendered review),
        ``.findings`` (structured, on threads started with ``experimental_raw_events=True``;
        else ``None``) and ``.turn`` (the review turn's :class:`TurnResult`).

        Raises:
            TurnFailedError: the review turn failed (e.g. not a git repository).
        """
        features = self._session._features
        return await features.review(self, target, _value(delivery), timeout, idle_timeout)

    # -- goals --------------------------------------------------------------------------

    async def start_goal(
        self, objective: str, *, token_budget: int | None = None
    ) -> AsyncGoalHandle:
        """Give the thread a goal and return a handle on the run it starts.

        While the goal is active the app-server runs turns on the thread by itself, one
        after another, until the goal is ``complete`` (the model says so with its
        ``update_goal`` tool), paused, blocked, or out of budget (``token_budget``: tokens
        the run may use; it is checked after each turn). The handle spans those turns:
        ``run()`` returns one :class:`TurnResult` with every continuation's items and the
        final answer, ``stream()`` yields all their events, ``steer()`` and ``interrupt()``
        reach whichever continuation is active (interrupting pauses the goal), and
        ``goal`` is the goal as last reported.

        The thread must be persisted (not ``ephemeral``) and idle; a previous goal of the
        thread is cleared first. Returns once the first continuation has started.

        Raises:
            InvalidRequestError: the thread is ephemeral or busy, or the server refused.
            CodexTimeoutError: no continuation started within ``config.request_timeout``.
        """
        return await self._start_goal(objective, token_budget, AsyncSink())

    async def _start_goal(
        self, objective: str, token_budget: int | None, sink: AsyncSink[Notification]
    ) -> AsyncGoalHandle:
        return await self._session._features.start_goal(self, objective, token_budget, sink)

    async def goal(self) -> ThreadGoal | None:
        """The thread's goal (``thread/goal/get``), or ``None`` when it has none."""
        result = await self._thread_request("thread/goal/get", {"threadId": self.id})
        response = _model("ThreadGoalGetResponse").model_validate(result)
        goal: ThreadGoal | None = response.goal
        return goal

    async def clear_goal(self) -> ThreadGoalClearResponse:
        """Remove the thread's goal (``thread/goal/clear``); ``.cleared`` says if it had one."""
        result = await self._thread_request("thread/goal/clear", {"threadId": self.id})
        response: ThreadGoalClearResponse = _model("ThreadGoalClearResponse").model_validate(result)
        return response

    async def _start_turn(
        self, input: RunInput, options: dict[str, Any], sink: Sink[Notification]
    ) -> str:
        items, tool_output = normalize_run_input(input)
        items = await inline_remote_images(items, self._session.config)
        fixed: dict[str, Any] = {"thread_id": self.id, "input": items}
        if tool_output is not None:
            fixed["tool_output"] = tool_output
        params = build_params("TurnStartParams", options, turn=True, **fixed)
        telemetry = self._session.telemetry
        if not telemetry.tracing:
            return await self._send_turn_start(params, sink)
        pending = telemetry.begin_turn(self.id, params, self.info)
        try:
            turn_id = await self._send_turn_start(params, sink)
        except BaseException as exc:
            telemetry.turn_start_failed(pending, exc)
            raise
        telemetry.turn_answered(pending, turn_id)
        return turn_id

    async def _send_turn_start(self, params: dict[str, Any], sink: Sink[Notification]) -> str:
        router = (await self._session.connection()).router
        for attempt in range(2):
            router.begin_turn_start(self.id)
            try:
                result = await self._request_uncancelled("turn/start", params)
                turn_id: str = result["turn"]["id"]
                router.claim_turn(self.id, turn_id, sink)
                return turn_id
            except InvalidRequestError as exc:
                if attempt or not is_thread_not_loaded(exc):
                    raise
            finally:
                router.end_turn_start(self.id)
            await self._resume()
        raise AssertionError("unreachable")  # pragma: no cover

    async def _request_uncancelled(self, method: str, params: dict[str, Any]) -> Any:
        """``turn/start`` that, when cancelled, still learns its turn and interrupts it.

        Without this, a caller cancelled while the request is in flight would leave a turn
        running on the server that nobody knows about.
        """
        request = asyncio.ensure_future(self._session.request(method, params))
        try:
            return await asyncio.shield(request)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                result = await asyncio.wait_for(request, CANCEL_GRACE)
                await asyncio.wait_for(self._interrupt_quietly(result["turn"]["id"]), CANCEL_GRACE)
            raise

    async def _steer(self, turn_id: str, input: Input) -> TurnSteerResponse:
        items = await wire_input(input, self._session.config)
        params = {"threadId": self.id, "expectedTurnId": turn_id, "input": items}
        result = await self._once_active("turn/steer", params, turn_id)
        response: TurnSteerResponse = _model("TurnSteerResponse").model_validate(result)
        return response

    async def _interrupt(self, turn_id: str) -> TurnInterruptResponse:
        result = await interrupt_turn(
            self._session,
            self.id,
            turn_id,
            lambda params: self._once_active("turn/interrupt", params, turn_id),
        )
        response: TurnInterruptResponse = _model("TurnInterruptResponse").model_validate(result)
        return response

    async def _interrupt_quietly(self, turn_id: str) -> None:
        """Interrupt a turn on the way out of a wait; a turn already over is fine."""
        try:
            await self._interrupt(turn_id)
        except (InvalidRequestError, TransportClosedError) as exc:
            logger.debug(
                "interrupting turn %s: %s",
                turn_id,
                exc,
                extra=log_extra(self.id, turn_id, "turn/interrupt"),
            )

    async def _once_active(self, method: str, params: dict[str, Any], turn_id: str) -> Any:
        """Send a steer/interrupt, retrying while the server has not made the turn active.

        ``turn/start`` answers before the server makes the turn active; until then
        ``turn/steer`` and ``turn/interrupt`` are refused ("no active turn to ...", or
        "expected active turn id X but found Y" while an earlier turn finishes). The
        request is sent again, after a short pause, as long as this client still waits for
        the turn's end, for at most ``ACTIVE_WAIT`` seconds.
        """
        router = (await self._session.connection()).router
        deadline = time.monotonic() + ACTIVE_WAIT
        pause = 0.005
        while True:
            try:
                return await self._session.request(method, params)
            except InvalidRequestError as exc:
                not_yet = any(mark in exc.message for mark in NOT_ACTIVE_YET)
                if not not_yet or not router.turn_open(turn_id) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    async def read(self, *, include_turns: bool = False) -> ThreadReadResponse:
        """Read the thread (``thread/read``), optionally with every turn and item."""
        result = await self._thread_request(
            "thread/read", {"threadId": self.id, "includeTurns": include_turns}
        )
        response: ThreadReadResponse = _model("ThreadReadResponse").model_validate(result)
        self.info = response.thread
        return response

    async def set_name(self, name: str) -> ThreadSetNameResponse:
        """Give the thread a name (``thread/name/set``)."""
        result = await self._thread_request("thread/name/set", {"threadId": self.id, "name": name})
        response: ThreadSetNameResponse = _model("ThreadSetNameResponse").model_validate(result)
        return response

    async def compact(self) -> ThreadCompactStartResponse:
        """Compact the thread's history (``thread/compact/start``) and wait until it is done.

        The server answers ``thread/compact/start`` at once and then runs the compaction
        as a turn of its own; until that turn completes, ``turn/start`` on the thread
        fails ("ActiveTurnNotSteerable"). So this method returns the server's answer once
        that turn has ended.

        Raises:
            TurnFailedError: the compaction failed (e.g. the model request failed).
            CodexTimeoutError: the server did not start the compaction within
                ``COMPACT_START_TIMEOUT`` seconds.
        """
        connection = await self._session.connection()
        self._session.telemetry.expect_turns(self.id)
        sink: AsyncSink[Notification] = AsyncSink()
        cancel = connection.router.expect_turn(self.id, sink)
        collector: TurnCollector | None = None
        try:
            result = await self._thread_request("thread/compact/start", {"threadId": self.id})
            response: ThreadCompactStartResponse = _model(
                "ThreadCompactStartResponse"
            ).model_validate(result)
            first = await sink.get(timeout=COMPACT_START_TIMEOUT)
            if first is END:
                return response
            note: Notification = first  # type: ignore[assignment]
            collector = TurnCollector(self.id, note.turn_id or "")
            collector.feed(note)
            while not collector.done:
                got = await sink.get()
                if got is END:
                    break
                collector.feed(got)  # type: ignore[arg-type]
        finally:
            cancel()
            if collector is not None and not collector.done:
                connection.router.release_turn(collector.turn_id, sink)
        collector.finish()
        return response
