"""The pull queues of the low-level clients: mailboxes, and tables of them by key.

A :class:`_Mailbox` is a FIFO of notifications filled on the client's loop and read either
by coroutines on that loop or by threads that block; a :class:`_StreamTable` keeps one
mailbox per turn or login, from its first notification until it is read, unregistered or
dropped as too old. Neither knows which notification goes where: that is
:mod:`.routing`'s job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import OrderedDict, deque

from .._core.notifications import Notification
from ..errors import CodexTimeoutError
from .errors import ClientStateError, StreamEndedError

logger = logging.getLogger("openai_codex")

_FORGOTTEN_LIMIT = 1024
"""Unregistered turn/login ids remembered, so their late notifications are dropped."""


class _Deadline:
    """A timeout shared by several waits."""

    __slots__ = ("_end", "_timeout")

    def __init__(self, timeout: float | None) -> None:
        self._timeout = timeout
        self._end = None if timeout is None else time.monotonic() + timeout

    def remaining(self) -> float | None:
        """Seconds left (``None`` without a timeout); raises once the time is up."""
        if self._end is None:
            return None
        left = self._end - time.monotonic()
        if left <= 0:
            raise CodexTimeoutError(f"nothing arrived within {self._timeout:g} s")
        return left


class _Mailbox:
    """A FIFO of notifications filled on the client's loop and drained by readers.

    Readers are coroutines on that loop (:meth:`get`) or threads that block
    (:meth:`get_blocking`). ``put`` and ``close`` run on the loop. After ``close`` the
    readers get the items left, then the close error. With a ``limit`` the oldest items are
    dropped beyond it.
    """

    __slots__ = ("_cond", "_error", "_items", "_limit", "_name", "_waiters", "_warned")

    def __init__(self, name: str, limit: int | None = None) -> None:
        self._name = name
        self._items: deque[Notification] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._waiters: list[asyncio.Future[None]] = []
        self._error: BaseException | None = None
        self._limit = limit
        self._warned = False

    @property
    def closed(self) -> bool:
        """Whether the stream has ended (items may be left)."""
        return self._error is not None

    def put(self, note: Notification) -> None:
        """Append a notification and wake the readers (on the loop)."""
        with self._cond:
            if self._error is not None:
                return
            self._items.append(note)
            if self._limit is not None and len(self._items) > self._limit:
                self._items.popleft()
                if not self._warned:
                    self._warned = True
                    logger.warning(
                        "the %s holds %d unread notifications; dropping the oldest",
                        self._name,
                        self._limit,
                    )
            self._cond.notify()
        self._wake()

    def close(self, error: BaseException) -> None:
        """End the stream: readers get the items left, then ``error`` (on the loop)."""
        with self._cond:
            if self._error is not None:
                return
            self._error = error
            self._cond.notify_all()
        self._wake()

    def drain(self) -> list[Notification]:
        """Take every buffered item (on the loop)."""
        with self._cond:
            items = list(self._items)
            self._items.clear()
        return items

    def _wake(self) -> None:
        waiters = self._waiters
        if waiters:
            self._waiters = []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def get(self, timeout: float | None = None) -> Notification:
        """The next notification (on the loop).

        Raises:
            CodexTimeoutError: nothing arrived within ``timeout`` seconds.
            StreamEndedError / TransportClosedError: the stream is over.
        """
        deadline = _Deadline(timeout)
        loop = asyncio.get_running_loop()
        while True:
            with self._cond:
                if self._items:
                    return self._items.popleft()
                if self._error is not None:
                    raise self._error
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                left = deadline.remaining()
                if left is None:
                    await waiter
                else:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(waiter, left)
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def get_blocking(self, timeout: float | None = None) -> Notification:
        """The next notification, blocking the calling thread (not the loop's).

        Wakes up twice a second so that Ctrl-C reaches a waiting main thread. Raises as
        :meth:`get`.
        """
        deadline = _Deadline(timeout)
        with self._cond:
            while True:
                if self._items:
                    return self._items.popleft()
                if self._error is not None:
                    raise self._error
                left = deadline.remaining()
                self._cond.wait(0.5 if left is None else min(left, 0.5))


class _Stream:
    """One turn's or login's queue."""

    __slots__ = ("box", "claimed", "done", "thread_id")

    def __init__(self, box: _Mailbox, thread_id: str | None) -> None:
        self.box = box
        self.thread_id = thread_id
        self.claimed = False
        self.done = False


class _StreamTable:
    """Queues by key: turns by turn id, logins by login id.

    A queue is created by its first notification or by a reader, whichever comes first. A
    reader *claims* it (it is then kept until unregistered); an unclaimed queue is kept
    while its stream runs, and among the last ``retain`` finished ones after that.
    Unregistered keys are remembered (bounded) so that what arrives for them later is
    dropped, and reading them raises :class:`ClientStateError`.

    Everything runs on the client's loop except :meth:`claim` and :meth:`reader`, which a
    blocking reader calls from its own thread (no hop through the loop per notification);
    a lock guards the tables. Closing a queue (:meth:`release`) stays on the loop: it wakes
    coroutines.
    """

    def __init__(self, noun: str, purpose: str, retain: int) -> None:
        self._lock = threading.Lock()
        self._noun = noun
        self._purpose = purpose
        self._retain = retain
        self._streams: dict[str, _Stream] = {}
        self._finished_unclaimed: OrderedDict[str, None] = OrderedDict()
        self._forgotten: OrderedDict[str, None] = OrderedDict()
        self._error: BaseException | None = None

    def _new(self, key: str, thread_id: str | None) -> _Stream:
        stream = _Stream(_Mailbox(f"queue of {self._noun} {key}"), thread_id)
        if self._error is not None:
            stream.box.close(self._error)
        self._streams[key] = stream
        return stream

    def deliver(self, key: str, note: Notification, *, final: bool) -> None:
        """Queue a notification of ``key``; ``final`` ends the stream after it."""
        with self._lock:
            self._deliver(key, note, final)

    def _deliver(self, key: str, note: Notification, final: bool) -> None:
        stream = self._streams.get(key)
        if stream is None:
            if key in self._forgotten:
                logger.debug("%s for the unregistered %s %s", note.method, self._noun, key)
                return
            thread_id = note.params.get("threadId")
            stream = self._new(key, thread_id if isinstance(thread_id, str) else None)
        stream.box.put(note)
        if final and not stream.done:
            stream.done = True
            stream.box.close(
                StreamEndedError(f"{self._noun} {key!r} is no longer streaming: it completed")
            )
            if not stream.claimed:
                self._finished_unclaimed[key] = None
                while len(self._finished_unclaimed) > self._retain:
                    old, _ = self._finished_unclaimed.popitem(last=False)
                    dropped = self._streams.get(old)
                    if dropped is not None and not dropped.claimed:
                        del self._streams[old]
                        logger.debug("dropped the unread queue of %s %s", self._noun, old)

    def is_claimed(self, key: str) -> bool:
        """Whether a reader registered ``key``."""
        stream = self._streams.get(key)
        return stream is not None and stream.claimed

    def claim(self, key: str) -> _Mailbox:
        """Register a reader for ``key`` (idempotent) and return its queue (any thread)."""
        with self._lock:
            return self._claim(key)

    def _claim(self, key: str) -> _Mailbox:
        self._forgotten.pop(key, None)
        stream = self._streams.get(key) or self._new(key, None)
        stream.claimed = True
        self._finished_unclaimed.pop(key, None)
        return stream.box

    def reader(self, key: str) -> _Mailbox:
        """The queue to read for ``key``, registering it; refused once unregistered.

        Callable from any thread.
        """
        with self._lock:
            if key in self._forgotten:
                raise ClientStateError(
                    f"{self._noun} {key!r} is not registered for {self._purpose}"
                )
            return self._claim(key)

    def release(self, key: str) -> None:
        """Drop ``key``'s queue and ignore it from now on (idempotent; on the loop)."""
        with self._lock:
            stream = self._streams.pop(key, None)
            self._finished_unclaimed.pop(key, None)
            self._forgotten[key] = None
            while len(self._forgotten) > _FORGOTTEN_LIMIT:
                self._forgotten.popitem(last=False)
        if stream is not None:
            stream.box.close(StreamEndedError(f"{self._noun} {key!r} was unregistered"))

    def take_running(self, thread_id: str) -> list[Notification]:
        """Remove the running, unclaimed streams of ``thread_id``; return their items."""
        taken: list[Notification] = []
        with self._lock:
            for key, stream in list(self._streams.items()):
                if stream.thread_id == thread_id and not stream.claimed and not stream.done:
                    del self._streams[key]
                    taken.extend(stream.box.drain())
        return taken

    def close(self, error: BaseException) -> None:
        """The connection ended: every queue ends with ``error`` after its items."""
        with self._lock:
            self._error = error
            streams = list(self._streams.values())
        for stream in streams:
            stream.box.close(error)
