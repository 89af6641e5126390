"""``AsyncThread`` and ``AsyncTurnHandle``: conversations and their turns (async source)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ._inputs import Input, normalize_input
from ._notifications import Notification
from ._options import TurnOptions, build_params
from ._results import TurnCollector, TurnResult
from ._sinks import END, AsyncSink, Sink
from .errors import InvalidRequestError

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._approvals import ApprovalHandler, UserInputHandler
    from ._client import AsyncCodex
    from ._generated.models import Thread as ThreadInfo
    from ._generated.models import ThreadReadResponse

__all__ = ["COMPACT_START_TIMEOUT", "AsyncThread", "AsyncTurnHandle", "is_thread_not_loaded"]

COMPACT_START_TIMEOUT = 30.0
"""Seconds :meth:`AsyncThread.compact` waits for the server to start the compaction turn."""


def is_thread_not_loaded(exc: BaseException) -> bool:
    """Whether ``exc`` is the server saying the thread is not loaded (needs resume)."""
    return isinstance(exc, InvalidRequestError) and "thread not found" in exc.message


class AsyncThread:
    """One conversation on the server.

    Obtain it from :meth:`AsyncCodex.thread_start`, ``thread_resume``, ``thread_fork``,
    ``thread_unarchive`` or :meth:`AsyncCodex.thread` (a handle by id). A thread the
    server has not loaded (archived then unarchived, or created by another process) is
    resumed automatically the first time it is used.
    """

    def __init__(self, codex: AsyncCodex, thread_id: str, info: ThreadInfo | None = None) -> None:
        self._codex = codex
        self.id = thread_id
        self.info = info

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r})"

    async def _thread_request(self, method: str, params: dict[str, Any]) -> Any:
        """A request about this thread; resumes the thread once if the server lost it."""
        try:
            return await self._codex.request(method, params)
        except InvalidRequestError as exc:
            if not is_thread_not_loaded(exc):
                raise
        await self._codex._resume_for(self.id)
        return await self._codex.request(method, params)

    async def turn(
        self,
        input: Input,
        *,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        **options: Unpack[TurnOptions],
    ) -> AsyncTurnHandle:
        """Start a turn and return its handle at once; stream or wait on the handle.

        ``input`` is a str, one input item, a wire dict, or a list of those. Options are the
        fields of ``TurnStartParams`` (see :class:`~openai_codex.TurnOptions`).
        ``on_approval`` / ``on_user_input`` answer this turn's requests instead of the
        thread's handlers (see :meth:`AsyncCodex.thread_start`); they are dropped when the
        turn completes.
        """
        from ._server_requests import start_turn_with_handlers

        sink: AsyncSink[Notification] = AsyncSink()
        turn_id = await start_turn_with_handlers(
            self, input, dict(options), sink, on_approval, on_user_input
        )
        return AsyncTurnHandle(self, turn_id, sink)

    async def run(
        self,
        input: Input,
        *,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        **options: Unpack[TurnOptions],
    ) -> TurnResult:
        """Run a turn to the end and return its :class:`TurnResult`.

        ``on_approval`` / ``on_user_input``: as in :meth:`turn`.

        Raises:
            TurnFailedError: the turn failed; ``.result`` keeps the partial result.
        """
        handle = await self.turn(
            input, on_approval=on_approval, on_user_input=on_user_input, **options
        )
        return await handle.run()

    async def _start_turn(
        self, input: Input, options: dict[str, Any], sink: Sink[Notification]
    ) -> str:
        params = build_params(
            "TurnStartParams",
            options,
            turn=True,
            thread_id=self.id,
            input=normalize_input(input),
        )
        connection = await self._codex._conn()
        router = connection.router
        for attempt in range(2):
            router.begin_turn_start(self.id)
            try:
                result = await self._codex.request("turn/start", params)
                turn_id: str = result["turn"]["id"]
                router.claim_turn(self.id, turn_id, sink)
                return turn_id
            except InvalidRequestError as exc:
                if attempt or not is_thread_not_loaded(exc):
                    raise
            finally:
                router.end_turn_start(self.id)
            await self._codex._resume_for(self.id)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _steer(self, turn_id: str, input: Input) -> None:
        await self._codex.request(
            "turn/steer",
            {"threadId": self.id, "expectedTurnId": turn_id, "input": normalize_input(input)},
        )

    async def _interrupt(self, turn_id: str) -> None:
        await self._codex.request("turn/interrupt", {"threadId": self.id, "turnId": turn_id})

    async def read(self, *, include_turns: bool = False) -> ThreadReadResponse:
        """Read the thread (``thread/read``), optionally with every turn and item."""
        from ._generated.models import ThreadReadResponse

        result = await self._thread_request(
            "thread/read", {"threadId": self.id, "includeTurns": include_turns}
        )
        response = ThreadReadResponse.model_validate(result)
        self.info = response.thread
        return response

    async def set_name(self, name: str) -> None:
        """Give the thread a name (``thread/name/set``)."""
        await self._thread_request("thread/name/set", {"threadId": self.id, "name": name})

    async def compact(self) -> None:
        """Compact the thread's history (``thread/compact/start``) and wait until it is done.

        The server answers ``thread/compact/start`` at once and then runs the compaction
        as a turn of its own; until that turn completes, ``turn/start`` on the thread
        fails ("ActiveTurnNotSteerable"). So this method waits for that turn's end.

        Raises:
            TurnFailedError: the compaction failed (e.g. the model request failed).
            CodexTimeoutError: the server did not start the compaction within
                ``COMPACT_START_TIMEOUT`` seconds.
        """
        connection = await self._codex._conn()
        sink: AsyncSink[Notification] = AsyncSink()
        cancel = connection.router.expect_turn(self.id, sink)
        collector: TurnCollector | None = None
        try:
            await self._thread_request("thread/compact/start", {"threadId": self.id})
            first = await sink.get(timeout=COMPACT_START_TIMEOUT)
            if first is END:
                return
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


class AsyncTurnHandle:
    """A running turn: stream its events, wait for its result, steer or interrupt it.

    Events that arrive before you start iterating are kept; iterating again continues where
    the last iteration stopped.
    """

    def __init__(self, thread: AsyncThread, turn_id: str, sink: AsyncSink[Notification]) -> None:
        self._thread = thread
        self.id = turn_id
        self.thread_id = thread.id
        self._sink = sink
        self._collector = TurnCollector(thread.id, turn_id)

    def __repr__(self) -> str:
        return f"AsyncTurnHandle(id={self.id!r}, thread_id={self.thread_id!r})"

    async def stream(self) -> AsyncIterator[Notification]:
        """Yield this turn's notifications, ending after its ``turn/completed``.

        Raises:
            TransportClosedError: the server exited during the turn.
        """
        collector = self._collector
        sink = self._sink
        while not collector.done:
            item = sink.get_nowait()
            if item is None:
                got = await sink.get()
                if got is END:
                    return
                item = got  # type: ignore[assignment]
            collector.feed(item)  # type: ignore[arg-type]
            yield item  # type: ignore[misc]

    async def run(self) -> TurnResult:
        """Consume the rest of the turn and return its result.

        Raises:
            TurnFailedError: the turn failed; ``.result`` keeps the partial result.
        """
        async for _ in self.stream():
            pass
        return self._collector.finish()

    async def steer(self, input: Input) -> None:
        """Add input to the running turn (``turn/steer``)."""
        await self._thread._steer(self.id, input)

    async def interrupt(self) -> None:
        """Ask the server to stop the turn (``turn/interrupt``); it completes as interrupted."""
        await self._thread._interrupt(self.id)
