"""``Thread`` and ``TurnHandle``: the blocking twins of ``AsyncThread``/``AsyncTurnHandle``.

Each method runs the async method on the client's loop thread. A turn's events go straight
from the connection's reader into a :class:`ThreadSink` that the caller's thread drains,
so streaming costs no round trip through the loop per event. While a stream is all that
waits for the server, its thread even reads the pipe itself (:mod:`._reader_lease`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ._inputs import Input
from ._notifications import Notification
from ._portal import LoopThread
from ._reader_lease import ReaderLease
from ._results import TurnCollector, TurnResult
from ._sinks import END, ThreadSink
from ._thread import AsyncThread
from .errors import CodexError

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._approvals import ApprovalHandler, UserInputHandler
    from ._generated.models import Thread as ThreadInfo
    from ._generated.models import ThreadReadResponse
    from ._options import TurnOptions

__all__ = ["Thread", "TurnHandle"]


class Thread:
    """One conversation on the server (blocking API; see :class:`AsyncThread`)."""

    def __init__(self, portal: LoopThread, thread: AsyncThread) -> None:
        self._portal = portal
        self._async = thread
        self.id = thread.id

    def __repr__(self) -> str:
        return f"Thread(id={self.id!r})"

    @property
    def info(self) -> ThreadInfo | None:
        """The protocol ``Thread`` record from the last start/resume/fork/read, if any."""
        return self._async.info

    def turn(
        self,
        input: Input,
        *,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        **options: Unpack[TurnOptions],
    ) -> TurnHandle:
        """Start a turn and return its handle at once (see :meth:`AsyncThread.turn`)."""
        from ._server_requests import start_turn_with_handlers

        sink: ThreadSink[Notification] = ThreadSink()
        codex = self._async._codex

        async def start() -> tuple[str, ReaderLease | None]:
            turn_id = await start_turn_with_handlers(
                self._async, input, dict(options), sink, on_approval, on_user_input
            )
            # Borrow the reader in the same hop (the handle's stream reads the pipe).
            connection = codex._connection
            lease = None if connection is None else connection.lend_reader(turn_id, sink)
            return turn_id, lease

        turn_id, lease = self._portal.run(start())
        return TurnHandle(self, turn_id, sink, lease)

    def run(
        self,
        input: Input,
        *,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        **options: Unpack[TurnOptions],
    ) -> TurnResult:
        """Run a turn to the end and return its result (see :meth:`AsyncThread.run`).

        The whole turn runs on the client's loop thread and only the result crosses over:
        one thread hand-off per turn. (Measured: for short turns this is cheaper than
        reading the pipe in the calling thread, whose lend and return cost as much as the
        hand-offs they save.)
        """
        return self._portal.run(
            self._async.run(input, on_approval=on_approval, on_user_input=on_user_input, **options)
        )

    def _borrow_reader(self, turn_id: str, sink: ThreadSink[Notification]) -> ReaderLease | None:
        """The reader lease for a stream of this thread's turn, if the loop can lend it."""
        connection = self._async._codex._connection
        portal = self._portal
        if connection is None or portal.in_loop_thread or not connection.may_lend(turn_id, sink):
            return None
        try:
            return portal.call(connection.lend_reader, turn_id, sink)
        except CodexError:  # the client is closed: the sink tells the rest
            return None

    def read(self, *, include_turns: bool = False) -> ThreadReadResponse:
        """Read the thread (``thread/read``), optionally with every turn and item."""
        return self._portal.run(self._async.read(include_turns=include_turns))

    def set_name(self, name: str) -> None:
        """Give the thread a name (``thread/name/set``)."""
        self._portal.run(self._async.set_name(name))

    def compact(self) -> None:
        """Ask the server to compact the thread's history (``thread/compact/start``)."""
        self._portal.run(self._async.compact())


class TurnHandle:
    """A running turn (blocking API; see :class:`AsyncTurnHandle`)."""

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

    def stream(self) -> Iterator[Notification]:
        """Yield this turn's notifications, ending after its ``turn/completed``.

        Raises:
            TransportClosedError: the server exited during the turn.
        """
        collector = self._collector
        sink = self._sink
        lease, self._lease = self._lease, None
        try:
            while not collector.done:
                item = sink.get_nowait()
                if item is None:
                    # Nothing buffered: read the pipe in this thread if the loop lends it,
                    # else wait for the loop's reader to fill the sink.
                    if lease is None:
                        lease = self._thread._borrow_reader(self.id, sink)
                    if lease is not None:
                        if lease.pump():
                            continue
                        lease = None
                    item = sink.get()
                if item is END:
                    return
                collector.feed(item)  # type: ignore[arg-type]
                yield item  # type: ignore[misc]
        finally:
            if lease is not None:
                lease.release()

    def run(self) -> TurnResult:
        """Consume the rest of the turn and return its result.

        Raises:
            TurnFailedError: the turn failed; ``.result`` keeps the partial result.
        """
        for _ in self.stream():
            pass
        return self._collector.finish()

    def steer(self, input: Input) -> None:
        """Add input to the running turn (``turn/steer``)."""
        self._thread._portal.run(self._thread._async._steer(self.id, input))

    def interrupt(self) -> None:
        """Ask the server to stop the turn (``turn/interrupt``); it completes as interrupted."""
        self._thread._portal.run(self._thread._async._interrupt(self.id))
