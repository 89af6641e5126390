"""Per-consumer buffers that the connection's reader fills and one consumer drains.

The reader never waits on a consumer: ``put`` appends and wakes the consumer at most once.
:class:`AsyncSink` serves coroutines on the connection's loop; :class:`ThreadSink` serves a
blocking consumer in another thread (the sync client), with no hop through the loop.
"""

from __future__ import annotations

import asyncio
import collections
import queue
from typing import Generic, Protocol, TypeVar

from .errors import CodexTimeoutError

__all__ = ["AsyncSink", "END", "Sink", "ThreadSink"]

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


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
    """An unbounded FIFO drained by one coroutine on the producer's loop."""

    __slots__ = ("_closed", "_error", "_items", "_waiter")

    def __init__(self) -> None:
        self._items: collections.deque[T] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False
        self._error: BaseException | None = None

    def put(self, item: T) -> None:
        """Append an item and wake the consumer."""
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
        if self._closed:
            return
        self._closed = True
        self._error = error
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    @property
    def closed(self) -> bool:
        """Whether the producer ended the stream."""
        return self._closed

    async def get(self, timeout: float | None = None) -> T | _End:
        """The next item, or :data:`END`; raises the close error once items run out."""
        while True:
            if self._items:
                return self._items.popleft()
            if self._closed:
                if self._error is not None:
                    raise self._error
                return END
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            if timeout is None:
                await waiter
            else:
                try:
                    await asyncio.wait_for(waiter, timeout)
                except asyncio.TimeoutError:
                    self._waiter = None
                    raise CodexTimeoutError(f"nothing arrived within {timeout} s") from None

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
