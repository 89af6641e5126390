"""``AsyncThread`` and ``AsyncTurnHandle``: conversations and their turns (async source).

A thread reaches its client only through :class:`~openai_codex._session.Session`; the sync
twins in ``_thread_sync`` run these coroutines on the client's loop thread.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from ._inputs import Input, RunInput, normalize_input, normalize_run_input
from ._notifications import Notification
from ._options import build_params, keyword_options
from ._results import TurnCollector, TurnResult
from ._sinks import END, AsyncSink, Sink
from .errors import InvalidRequestError

if TYPE_CHECKING:
    from ._approvals import ApprovalHandler, UserInputHandler
    from ._generated.models import (
        Personality,
        ReasoningEffort,
        ReasoningSummary,
        ThreadCompactStartResponse,
        ThreadReadResponse,
        ThreadSetNameResponse,
        TurnInterruptResponse,
        TurnSteerResponse,
    )
    from ._generated.models import Thread as ThreadInfo
    from ._options import ApprovalMode, Sandbox
    from ._session import Session

__all__ = ["COMPACT_START_TIMEOUT", "AsyncThread", "AsyncTurnHandle", "is_thread_not_loaded"]

COMPACT_START_TIMEOUT = 30.0
"""Seconds :meth:`AsyncThread.compact` waits for the server to start the compaction turn."""

SinkFactory = Callable[[], Sink[Notification]]


def is_thread_not_loaded(exc: BaseException) -> bool:
    """Whether ``exc`` is the server saying the thread is not loaded (needs resume)."""
    return isinstance(exc, InvalidRequestError) and "thread not found" in exc.message


def _model(name: str) -> Any:
    from ._generated import models

    return getattr(models, name)


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
    info: ThreadInfo | None

    def __init__(
        self,
        session: Session,
        thread_id: str,
        info: ThreadInfo | None = None,
        *,
        sink_factory: SinkFactory = AsyncSink,
    ) -> None:
        self._session = session
        self._new_sink = sink_factory
        self.id = thread_id
        self.info = info

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r})"

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
        await self._session.request("thread/resume", {"threadId": self.id})

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

        Raises:
            TypeError: an option ``TurnStartParams`` does not have.
            pydantic.ValidationError: an option value of the wrong shape.
        """
        options = keyword_options(locals())
        return await self._begin(input, options, on_approval, on_user_input, self._new_sink())

    async def _begin(
        self,
        input: RunInput,
        options: dict[str, Any],
        on_approval: ApprovalHandler | None,
        on_user_input: UserInputHandler | None,
        sink: Sink[Notification],
    ) -> AsyncTurnHandle:
        from ._server_requests import start_turn_with_handlers

        turn_id = await start_turn_with_handlers(
            self, self._session.server_requests, input, options, sink, on_approval, on_user_input
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
        **params: Any,
    ) -> TurnResult:
        """Run a turn to the end and return its :class:`TurnResult`.

        Takes the same arguments as :meth:`turn`.

        Raises:
            TurnFailedError: the turn failed; ``.result`` keeps the partial result.
        """
        options = keyword_options(locals())
        # The whole turn is awaited here, on the loop: an AsyncSink whatever the facade.
        sink: AsyncSink[Notification] = AsyncSink()
        handle = await self._begin(input, options, on_approval, on_user_input, sink)
        return await handle.run()

    async def _start_turn(
        self, input: RunInput, options: dict[str, Any], sink: Sink[Notification]
    ) -> str:
        items, tool_output = normalize_run_input(input)
        fixed: dict[str, Any] = {"thread_id": self.id, "input": items}
        if tool_output is not None:
            fixed["tool_output"] = tool_output
        params = build_params("TurnStartParams", options, turn=True, **fixed)
        router = (await self._session.connection()).router
        for attempt in range(2):
            router.begin_turn_start(self.id)
            try:
                result = await self._session.request("turn/start", params)
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

    async def _steer(self, turn_id: str, input: Input) -> TurnSteerResponse:
        result = await self._session.request(
            "turn/steer",
            {"threadId": self.id, "expectedTurnId": turn_id, "input": normalize_input(input)},
        )
        response: TurnSteerResponse = _model("TurnSteerResponse").model_validate(result)
        return response

    async def _interrupt(self, turn_id: str) -> TurnInterruptResponse:
        result = await self._session.request(
            "turn/interrupt", {"threadId": self.id, "turnId": turn_id}
        )
        response: TurnInterruptResponse = _model("TurnInterruptResponse").model_validate(result)
        return response

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

    async def stream(self, *, include_thread_events: bool = False) -> AsyncIterator[Notification]:
        """Yield this turn's notifications, ending after its ``turn/completed``.

        Only notifications that name this turn are yielded, as in the official SDK.
        ``include_thread_events=True`` also yields the thread's own notifications that
        arrive during the turn and name no turn (``thread/status/changed``, ``warning``...);
        they always reach :meth:`AsyncCodex.on_notification` listeners.

        Raises:
            TransportClosedError: the server exited during the turn.
        """
        collector = self._collector
        sink: AsyncSink[Notification] = self._sink
        while not collector.done:
            item = sink.get_nowait()
            if item is None:
                got = await sink.get()
                if got is END:
                    return
                item = got  # type: ignore[assignment]
            collector.feed(item)  # type: ignore[arg-type]
            if include_thread_events or item.turn_id is not None:  # type: ignore[union-attr]
                yield item  # type: ignore[misc]

    async def run(self) -> TurnResult:
        """Consume the rest of the turn and return its result.

        Raises:
            TurnFailedError: the turn failed; ``.result`` keeps the partial result.
        """
        async for _ in self.stream():
            pass
        return self._collector.finish()

    async def steer(self, input: Input) -> TurnSteerResponse:
        """Add input to the running turn (``turn/steer``); returns the server's answer."""
        return await self._thread._steer(self.id, input)

    async def interrupt(self) -> TurnInterruptResponse:
        """Ask the server to stop the turn (``turn/interrupt``); it completes as interrupted."""
        return await self._thread._interrupt(self.id)
