"""The reader lease: a blocking consumer thread reads the server's stdout itself.

The sync client's loop thread normally reads stdout and hands each chunk's events to the
thread that consumes them. For a sync ``stream()`` that hand-off (two thread wake-ups per
chunk instead of one) was the largest cost left: 1.4-1.6x the client CPU of a bare pipe.
So while one sync stream is the only thing waiting for the server's output, the loop lends
it the pipe: the consuming thread polls and reads the file descriptor itself and feeds the
bytes through the same sans-IO core, router and sinks the loop uses (the bare pipe's shape).
Answers to requests, server requests and observer calls are still handled on the loop:
the holder schedules them there, in order.

States, under the lease's lock:

* ``IDLE``: the holder runs user code between events; nobody reads the pipe.
* ``READING``: the holder is inside :meth:`ReaderLease.pump` (poll, read, dispatch).
* ``ENDED``: the pipe is back with the loop, or on its way.

The holder ends the lease when its stream ends or is left, at the end of the pipe, on an
error, or when asked. The loop asks (:meth:`ReaderLease.revoke`) as soon as anything else
waits for the server: a request, a new stream or listener, ``close()``. An idle lease is
taken back at once; a reading holder is woken through a pipe and gives the lease back after
the chunk it is dispatching. The loop also takes back a lease left idle for
:data:`IDLE_LIMIT` seconds (:meth:`ReaderLease.revoke_if_idle`), so a consumer that stops
iterating does not hold up the turn (approvals are still answered, events still buffered).
The loop reads again only after everything the holder scheduled, so no message is lost or
reordered.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import asyncio

__all__ = ["ENABLED", "IDLE_LIMIT", "LeaseOwner", "ReaderLease", "WakePipe"]

ENABLED = hasattr(select, "poll")
"""Whether sync streams may borrow the reader (``select.poll`` is missing on Windows)."""

IDLE_LIMIT = 0.2
"""Seconds a holder may run its own code between events before the loop reads again."""

_IDLE, _READING, _ENDED = 0, 1, 2
_READ_SIZE = 256 * 1024
# Wake up now and then even if nobody writes the wake pipe (a missed wake costs a second).
_POLL_MS = 1000


class LeaseOwner(Protocol):
    """What the lease needs from the connection that lent the pipe."""

    def feed_from_thread(self, data: bytes, defer: Callable[..., Any]) -> bool:
        """Handle bytes read by the holder; ``False`` once the connection is ending."""

    def lease_returned(self, lease: ReaderLease) -> None:
        """Read on the loop again (called on the loop)."""


class WakePipe:
    """A non-blocking pipe that interrupts a holder's ``poll``; one per connection."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        os.set_blocking(self.write_fd, False)

    def wake(self) -> None:
        """Make the read end readable (it may already be)."""
        with contextlib.suppress(OSError):  # full (a wake is pending anyway) or closed
            os.write(self.write_fd, b"\0")

    def drain(self) -> None:
        """Consume pending wake-ups."""
        with contextlib.suppress(OSError):
            while os.read(self.read_fd, 4096):
                pass

    def close(self) -> None:
        """Close both ends."""
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


class Ready(Protocol):
    """The holder's sink, as the lease sees it."""

    @property
    def ready(self) -> bool:
        """Whether an item (or the end) is buffered."""


class ReaderLease:
    """The server's stdout, lent by the loop to one blocking consumer thread."""

    def __init__(
        self,
        owner: LeaseOwner,
        fd: int,
        wake: WakePipe,
        loop: asyncio.AbstractEventLoop,
        sink: Ready,
    ) -> None:
        self._owner = owner
        self._fd = fd
        self._wake = wake
        self._loop = loop
        self._sink = sink
        self._lock = threading.Lock()
        self._state = _IDLE
        self._idle_since = time.monotonic()
        self._revoked = False
        self._poller = select.poll()
        self._poller.register(fd, select.POLLIN)
        self._poller.register(wake.read_fd, select.POLLIN)

    @property
    def active(self) -> bool:
        """Whether the holder still has the pipe."""
        return self._state != _ENDED

    def pump(self, until: float | None = None) -> bool:
        """Read and dispatch until the holder's sink has an item or its end.

        Returns ``True`` with the lease kept (idle), or ``False`` once the lease has ended
        (revoked, end of the pipe, connection failing): the caller then waits on its sink
        as usual. ``until`` (a ``time.monotonic()`` value) bounds the wait: past it, the
        call returns ``True`` with the sink possibly still empty. Call from the holder's
        thread only.
        """
        with self._lock:
            if self._state != _IDLE:
                return False
            self._state = _READING
        try:
            if self._read_until_ready(until):
                with self._lock:
                    if not self._revoked:
                        self._state = _IDLE
                        self._idle_since = time.monotonic()
                        return True
        except BaseException:
            self.release()
            raise
        self.release()
        return False

    def _read_until_ready(self, until: float | None) -> bool:
        """Read and dispatch; ``True`` when the sink is ready, the loop wants the pipe back,
        or time is up; ``False`` when the pipe or the connection ended."""
        fd = self._fd
        wake_fd = self._wake.read_fd
        sink = self._sink
        feed = self._owner.feed_from_thread
        defer = self._loop.call_soon_threadsafe
        poll = self._poller.poll
        # The loop may have filled the sink between the caller's look and the lend.
        while not self._revoked and not sink.ready:
            wait_ms = _POLL_MS
            if until is not None:
                left = until - time.monotonic()
                if left <= 0:
                    return True  # out of time: keep the lease, let the caller decide
                wait_ms = min(_POLL_MS, max(1, int(left * 1000)))
            readable = False
            for ready_fd, _mask in poll(wait_ms):
                if ready_fd == wake_fd:
                    self._wake.drain()
                else:
                    readable = True
            if not readable or self._revoked:
                continue
            try:
                data = os.read(fd, _READ_SIZE)
            except BlockingIOError:
                continue
            except OSError:
                return False
            if not data:  # end of the pipe: the loop reads it again and ends the connection
                return False
            if not feed(data, defer):
                return False
        return True

    def release(self) -> None:
        """Give the pipe back to the loop; idempotent, from any thread."""
        with self._lock:
            if self._state == _ENDED:
                return
            self._state = _ENDED
        with contextlib.suppress(RuntimeError):  # the loop is closed: nothing to give back to
            self._loop.call_soon_threadsafe(self._owner.lease_returned, self)

    def revoke(self) -> bool:
        """Ask for the pipe back (on the loop).

        Returns ``True`` if the lease ended now (the holder was idle): the caller reads
        again at once. Otherwise a reading holder is woken and gives it back itself.
        """
        with self._lock:
            if self._state == _IDLE:
                self._state = _ENDED
                return True
            if self._state == _READING and not self._revoked:
                self._revoked = True
                self._wake.wake()
            return False

    def revoke_if_idle(self, limit: float) -> bool:
        """End the lease if the holder has been idle for ``limit`` seconds (on the loop).

        Returns ``True`` if it ended now; the caller then reads again at once.
        """
        with self._lock:
            if self._state == _IDLE and time.monotonic() - self._idle_since >= limit:
                self._state = _ENDED
                return True
            return False
