"""Per-consumer buffers that the connection's reader fills and one consumer drains.

The reader never waits on a consumer: ``put`` appends and wakes the consumer at most once.
:class:`AsyncSink` serves coroutines on the connection's loop; :class:`ThreadSink` serves a
blocking consumer in another thread (the sync client), with no hop through the loop.

The reader is normally the event loop, but a sync consumer may hold the reader lease
(:mod:`.reader_lease`) and route notifications from its own thread. So ``put`` and
``close`` of every sink may be called from any thread: :class:`ThreadSink` is thread-safe,
and :class:`AsyncSink` hands calls from other threads to its loop (in order).
"""

from __future__ import annotations

import asyncio
import collections
import queue
import time
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from ..errors import CodexTimeoutError

__all__ = ["END", "AsyncSink", "Sink", "ThreadSink", "off_loop"]

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)

# The loop running in this thread, or None: a C function, cheap enough to call per item.
_running_loop: Callable[[], asyncio.AbstractEventLoop | None] = asyncio._get_running_loop


def off_loop(loop: asyncio.AbstractEventLoop | None) -> bool:
    """Whether the caller runs outside ``loop``'s thread (then schedule work on it)."""
    return loop is not None and _running_loop() is not loop


class _End:
    __slots__ = ()

    def __repr__(self) -> str:
        return "END"


END = _End()


class Sink(Protocol[T_contra]):
    """What a producer (the connection's reader) sees of a buffer."""

    def put(self, item: T_contra) -> None:
        """Append an item; never blocks."""

    def close(self, error: BaseException | None = None) -> None:
        """End the stream: the consumer gets the remaining items, then ``error`` or the end."""


class AsyncSink(Generic[T]):
    """An unbounded FIFO drained by one coroutine on the producer's loop.

    ``put``/``close`` called from another thread are scheduled on the sink's loop, so the
    deque and the waiter are only touched there. The loop is the one running where the sink
    is created (or, failing that, where it is first awaited); create a sink that other
    threads will feed on its loop.
    """

    __slots__ = ("_alarm", "_alarm_at", "_closed", "_error", "_items", "_loop", "_waiter")

    def __init__(self) -> None:
        self._items: collections.deque[T] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = _running_loop()
        # The one timer of get_before(): armed for the earliest deadline asked, left armed
        # when an item comes first (a later wait reuses it), cancelled at close.
        self._alarm: asyncio.TimerHandle | None = None
        self._alarm_at = 0.0

    def put(self, item: T) -> None:
        """Append an item and wake the consumer."""
        loop = self._loop
        if loop is not None and _running_loop() is not loop:  # off_loop(), inlined
            loop.call_soon_threadsafe(self.put, item)
            return
        if self._closed:
            return
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def close(self, error: BaseException | None = None) -> None:
        """End the stream after the buffered items."""
        loop = self._loop
        if off_loop(loop):
            assert loop is not None
            loop.call_soon_threadsafe(self.close, error)
            return
        if self._closed:
            return
        self._closed = True
        self._error = error
        alarm = self._alarm
        if alarm is not None:
            self._alarm = None
            alarm.cancel()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _ring(self) -> None:
        self._alarm = None
        self._wake()

    @property
    def closed(self) -> bool:
        """Whether the producer ended the stream."""
        return self._closed

    async def get_before(self, deadline: float | None) -> T | _End | None:
        """The next item, or :data:`END`; ``None`` once ``time.monotonic()`` passes
        ``deadline`` (``None``: no limit). Raises the close error once items run out.

        For a consumer whose deadline moves with every event (an idle limit): the sink
        keeps one timer for the earliest deadline asked and leaves it armed when an item
        comes first, so a stream arms about one timer per limit's length, not one per
        wait. A timer that rings before a deadline that has moved on just waits again.
        """
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        while True:
            if self._items:
                return self._items.popleft()
            if self._closed:
                if self._error is not None:
                    raise self._error
                return END
            if deadline is not None:
                now = time.monotonic()
                if now >= deadline:
                    return None
                alarm = self._alarm
                if alarm is None or self._alarm_at > deadline:
                    if alarm is not None:
                        alarm.cancel()
                    self._alarm = loop.call_later(deadline - now, self._ring)
                    self._alarm_at = deadline
            waiter = loop.create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                if self._waiter is waiter:  # cancelled: a later put must not wake a ghost
                    self._waiter = None

    async def get(self, timeout: float | None = None) -> T | _End:
        """The next item, or :data:`END`; raises the close error once items run out.

        Raises:
            CodexTimeoutError: nothing arrived within ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        got = await self.get_before(deadline)
        if got is None:
            raise CodexTimeoutError(f"nothing arrived within {timeout} s")
        return got

    def get_nowait(self) -> T | None:
        """An item if one is buffered, else ``None``."""
        return self._items.popleft() if self._items else None


class ThreadSink(Generic[T]):
    """An unbounded FIFO drained by one blocking consumer thread."""

    __slots__ = ("_closed", "_queue")

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[T | _Closed] = queue.SimpleQueue()
        self._closed = False

    def put(self, item: T) -> None:
        """Append an item (thread-safe)."""
        if not self._closed:
            self._queue.put(item)

    def close(self, error: BaseException | None = None) -> None:
        """End the stream after the buffered items."""
        if not self._closed:
            self._closed = True
            self._queue.put(_Closed(error))

    @property
    def closed(self) -> bool:
        """Whether the producer ended the stream."""
        return self._closed

    @property
    def ready(self) -> bool:
        """Whether :meth:`get` would return at once (an item or the end is buffered)."""
        return not self._queue.empty()

    def get_nowait(self) -> T | _End | None:
        """The next item, :data:`END`, or ``None`` if nothing is buffered; never blocks.

        Raises the close error once the items run out, like :meth:`get`.
        """
        queue = self._queue
        if queue.empty():  # one consumer: it cannot become empty behind our back
            return None
        item = queue.get_nowait()
        if isinstance(item, _Closed):
            return self._unwrap(item)
        return item

    def get(self, timeout: float | None = None) -> T | _End:
        """Block for the next item, or :data:`END`; raises the close error at the end."""
        try:
            if not self._queue.empty():
                item = self._queue.get_nowait()
            elif timeout is None:
                # Wake up now and then so Ctrl-C reaches a waiting main thread.
                while True:
                    try:
                        item = self._queue.get(timeout=0.5)
                        break
                    except queue.Empty:
                        continue
            else:
                item = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise CodexTimeoutError(f"nothing arrived within {timeout} s") from None
        return self._unwrap(item)

    def _unwrap(self, item: T | _Closed) -> T | _End:
        if isinstance(item, _Closed):
            self._queue.put(item)  # later calls see the end too
            if item.error is not None:
                raise item.error
            return END
        return item


class _Closed:
    __slots__ = ("error",)

    def __init__(self, error: BaseException | None) -> None:
        self.error = error
