"""Where a notification goes: turn streams, keyed waiters (logins), global listeners.

Pure bookkeeping, no I/O: the connection's reader calls :meth:`Router.dispatch` for every
notification, on one thread, in order of arrival.

Turn routing. A notification names its turn with ``turnId`` (or ``turn.id``) and its thread
with ``threadId``. A turn's stream is registered once ``turn/start`` has answered with the
turn id, but the server may send the turn's first notifications before that answer is
processed. So while a ``turn/start`` is in flight on a thread (:meth:`begin_turn_start`),
that thread's notifications are buffered, and :meth:`claim_turn` replays the ones for the
claimed turn (and the thread-level ones) into the new stream, in order. Once no start is in
flight the buffer is dropped, so it cannot grow without bound.

Some turns are started by the server itself (``thread/compact/start`` answers ``{}`` and
then runs a compaction turn). :meth:`expect_turn` attaches a sink to the next
``turn/started`` of a thread whose turn nobody has claimed, so such a turn can be awaited.

Thread-level notifications (``threadId`` without a turn, e.g. ``thread/status/changed``) go
to the streams of that thread's running turns and to the global listeners. Notifications
without a thread or turn go to the global listeners only. A turn's stream ends after its
``turn/completed``.

Keyed waiters. :meth:`add_keyed` delivers notifications of one method whose key (e.g. the
``loginId`` of ``account/login/completed``) equals a given value; they still reach the
global listeners too, so nothing is consumed. A waiter registered with ``once=True`` is
closed and dropped after its first item. Because a keyed notification can arrive before
anyone asked for it (a login's completion may be dispatched before the coroutine that
sent ``account/login/start`` resumes), :meth:`retain_keyed` makes the router keep the last
few unclaimed notifications of a method (bounded, oldest dropped first); the next
:meth:`add_keyed` for their key receives them first, in order, and removes them. A
notification whose key is ``None`` is never retained and only reaches waiters registered
for ``None`` and the global listeners.

Taps. :meth:`Router.add_tap` hands every notification, before it is routed here, to a
second router-like object (:class:`Tap`): the official low-level client behind
``codex._client`` keeps its own queues on the same connection that way, so neither side
takes anything from the other. A tap is closed with the router. While a tap is attached
no sync stream borrows the reader (:meth:`Router.exclusive_for`).

Threads. The reader is normally the event loop, and then everything here runs on the loop.
A sync stream may hold the reader lease (:mod:`._reader_lease`) and dispatch from its own
thread inside :meth:`Router.foreign`, which holds the router's lock; every method that
changes the tables takes that lock too, and reports new interest in incoming data through
:attr:`Router.on_interest` (the connection then takes the lease back). The observer is
called on the dispatching thread, so it must be thread-safe. :attr:`Router.on_close`, if
set, is called once when the router closes, after every sink got the error.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from .._observability.logs import log_extra
from .notifications import Notification, turn_id_of
from .sinks import Sink

__all__ = ["Router", "Tap"]

logger = logging.getLogger("openai_codex")

TURN_COMPLETED = "turn/completed"
TURN_STARTED = "turn/started"

_blank = object.__new__
KeyFn = Callable[[dict[str, Any]], "str | None"]
Observer = Callable[[str, dict[str, Any]], None]

DEFAULT_RETAIN = 64
"""How many unclaimed keyed notifications :meth:`Router.retain_keyed` keeps by default."""


class Tap(Protocol):
    """What :meth:`Router.add_tap` hands every notification to (on the dispatching thread)."""

    def dispatch(self, method: str, params: dict[str, Any]) -> None:
        """Take one notification (``params`` is shared: read it, never change it)."""

    def close(self, error: BaseException) -> None:
        """The connection ended with ``error``."""


class _KeyedRoute:
    """The waiters and retained notifications of one keyed method."""

    __slots__ = ("key_fn", "retain_limit", "retained", "sinks")

    def __init__(self, key_fn: KeyFn) -> None:
        self.key_fn = key_fn
        # key -> [(sink, once)]; a "once" sink is closed and dropped after its first item.
        self.sinks: dict[str | None, list[tuple[Sink[Notification], bool]]] = {}
        self.retain_limit = 0
        # key -> unclaimed notifications, oldest key first; at most retain_limit in total.
        self.retained: OrderedDict[str, list[Notification]] = OrderedDict()

    def retained_count(self) -> int:
        return sum(len(notes) for notes in self.retained.values())

    def retain(self, key: str, note: Notification) -> None:
        self.retained.setdefault(key, []).append(note)
        excess = self.retained_count() - self.retain_limit
        while excess > 0 and self.retained:
            oldest_key, notes = next(iter(self.retained.items()))
            notes.pop(0)
            excess -= 1
            if not notes:
                del self.retained[oldest_key]
            logger.debug("dropped an unclaimed keyed notification (retention is full)")


class Router:
    """Routes notifications to the sinks that asked for them.

    ``observer`` (if given) is called with every notification whose method is in
    ``observed``, before it is routed, on the dispatching thread (see the module notes).
    """

    def __init__(
        self, observer: Observer | None = None, observed: frozenset[str] = frozenset()
    ) -> None:
        self._observer = observer
        self._observed = observed if observer is not None else frozenset()
        self._lock = threading.Lock()
        self.on_interest: Callable[[], None] | None = None
        """Called (on the loop, after the change) when a sink or a turn start is added."""
        self.on_close: Callable[[BaseException], None] | None = None
        """Called once with the error when the router closes (after every sink is closed)."""
        self._turn_sinks: dict[str, list[Sink[Notification]]] = {}
        self._thread_turns: dict[str, set[str]] = {}
        self._starting: dict[str, int] = {}
        self._start_buffer: dict[str, list[Notification]] = {}
        # thread id -> sinks waiting for the next unclaimed turn/started of that thread.
        self._expected: dict[str, list[Sink[Notification]]] = {}
        # thread id -> sinks that get every notification naming the thread (goal runs).
        self._watches: dict[str, list[Sink[Notification]]] = {}
        self._global: list[Sink[Notification]] = []
        self._taps: list[Tap] = []
        # method -> its keyed waiters and retained notifications (login completions).
        self._keyed: dict[str, _KeyedRoute] = {}
        self._closed_error: BaseException | None = None

    # -- turns ----------------------------------------------------------------------------

    def begin_turn_start(self, thread_id: str) -> None:
        """A ``turn/start`` for ``thread_id`` is about to be sent: buffer its events."""
        with self._lock:
            self._starting[thread_id] = self._starting.get(thread_id, 0) + 1
        self._interest()

    def end_turn_start(self, thread_id: str) -> None:
        """The ``turn/start`` answered (or failed); stop buffering when none is left."""
        with self._lock:
            count = self._starting.get(thread_id, 0) - 1
            if count > 0:
                self._starting[thread_id] = count
            else:
                self._starting.pop(thread_id, None)
                self._start_buffer.pop(thread_id, None)

    def claim_turn(self, thread_id: str, turn_id: str, sink: Sink[Notification]) -> None:
        """Attach ``sink`` to a turn; replay what arrived for it before this call."""
        with self._lock:
            self._claim_turn(thread_id, turn_id, sink)
        self._interest()

    def _claim_turn(self, thread_id: str, turn_id: str, sink: Sink[Notification]) -> None:
        if self._closed_error is not None:
            sink.close(self._closed_error)
            return
        buffered = self._start_buffer.get(thread_id)
        completed = False
        if buffered:
            keep: list[Notification] = []
            for note in buffered:
                note_turn = turn_id_of(note.params)
                if note_turn == turn_id or note_turn is None:
                    sink.put(note)
                    if note_turn == turn_id and note.method == TURN_COMPLETED:
                        completed = True
                else:
                    keep.append(note)
            self._start_buffer[thread_id] = keep
        if completed:
            sink.close()
            return
        self._turn_sinks.setdefault(turn_id, []).append(sink)
        self._thread_turns.setdefault(thread_id, set()).add(turn_id)

    def expect_turn(self, thread_id: str, sink: Sink[Notification]) -> Callable[[], None]:
        """Attach ``sink`` to the next turn that starts on ``thread_id`` and that no stream
        has claimed (a turn the server starts by itself, such as a compaction).

        Call it before sending the request that makes the server start the turn. The sink
        gets that turn's notifications from its ``turn/started`` on and is closed after its
        ``turn/completed``. Returns a function that withdraws the wait if no turn has been
        attached yet (it does not detach a sink already attached; see :meth:`release_turn`).
        """
        with self._lock:
            if self._closed_error is not None:
                sink.close(self._closed_error)
                return lambda: None
            self._expected.setdefault(thread_id, []).append(sink)
        self._interest()
        cancelled = False

        def cancel() -> None:
            nonlocal cancelled
            with self._lock:
                waiting = self._expected.get(thread_id)
                if not cancelled and waiting and sink in waiting:
                    waiting.remove(sink)
                    if not waiting:
                        del self._expected[thread_id]
                cancelled = True

        return cancel

    def _attach_expected(self, thread_id: str, turn_id: str) -> list[Sink[Notification]]:
        waiting = self._expected[thread_id]
        sink = waiting.pop(0)
        if not waiting:
            del self._expected[thread_id]
        sinks = [sink]
        self._turn_sinks[turn_id] = sinks
        self._thread_turns.setdefault(thread_id, set()).add(turn_id)
        return sinks

    def release_turn(self, turn_id: str, sink: Sink[Notification]) -> None:
        """Detach a sink whose consumer stopped early."""
        with self._lock:
            sinks = self._turn_sinks.get(turn_id)
            if sinks and sink in sinks:
                sinks.remove(sink)
                if not sinks:
                    self._forget_turn(turn_id)

    def watch_thread(self, thread_id: str, sink: Sink[Notification]) -> Callable[[], None]:
        """Deliver every notification that names ``thread_id`` to ``sink``, turn or not.

        For runs that span turns the server starts by itself (a goal's continuations).
        Other routes are unaffected. Returns the function that stops the delivery (it does
        not close the sink). After :meth:`close` the sink is closed with its error.
        """
        with self._lock:
            if self._closed_error is not None:
                sink.close(self._closed_error)
                return lambda: None
            self._watches.setdefault(thread_id, []).append(sink)
        self._interest()

        def remove() -> None:
            with self._lock:
                sinks = self._watches.get(thread_id)
                if sinks and sink in sinks:
                    sinks.remove(sink)
                    if not sinks:
                        del self._watches[thread_id]

        return remove

    def turn_open(self, turn_id: str) -> bool:
        """Whether a stream waits for ``turn_id`` and its ``turn/completed`` has not come."""
        return turn_id in self._turn_sinks

    def _forget_turn(self, turn_id: str) -> None:
        self._turn_sinks.pop(turn_id, None)
        for thread_id, turns in list(self._thread_turns.items()):
            turns.discard(turn_id)
            if not turns:
                del self._thread_turns[thread_id]

    # -- keyed waiters and listeners ------------------------------------------------------

    def _route(self, method: str, key_fn: KeyFn) -> _KeyedRoute:
        route = self._keyed.get(method)
        if route is None:
            route = _KeyedRoute(key_fn)
            self._keyed[method] = route
        return route

    def retain_keyed(self, method: str, key_fn: KeyFn, limit: int = DEFAULT_RETAIN) -> None:
        """Keep up to ``limit`` unclaimed ``method`` notifications with a non-``None`` key.

        Idempotent; a later call may only raise the limit. Call it before sending the
        request whose notifications must not be missed.
        """
        with self._lock:
            route = self._route(method, key_fn)
            route.retain_limit = max(route.retain_limit, limit)

    def add_keyed(
        self,
        method: str,
        key_fn: KeyFn,
        key: str | None,
        sink: Sink[Notification],
        *,
        once: bool = False,
    ) -> None:
        """Deliver ``method`` notifications whose ``key_fn(params) == key`` to ``sink``.

        Retained notifications for ``key`` are delivered first (and forgotten). With
        ``once=True`` the sink is closed and removed after its first item (later retained
        items for the key are dropped), so a one-shot waiter needs no cleanup. After
        :meth:`close` the sink is closed with its error.
        """
        with self._lock:
            if self._closed_error is not None:
                sink.close(self._closed_error)
                return
            route = self._route(method, key_fn)
            if key is not None:
                replay = route.retained.pop(key, None)
                if replay:
                    for note in replay:
                        sink.put(note)
                        if once:
                            sink.close()
                            return
            route.sinks.setdefault(key, []).append((sink, once))
        self._interest()

    def remove_keyed(self, method: str, key: str | None, sink: Sink[Notification]) -> None:
        """Stop delivering to a keyed sink (it is not closed)."""
        with self._lock:
            route = self._keyed.get(method)
            if route is None:
                return
            entries = route.sinks.get(key)
            if not entries:
                return
            kept = [entry for entry in entries if entry[0] is not sink]
            if kept:
                route.sinks[key] = kept
            else:
                del route.sinks[key]

    def _dispatch_keyed(self, route: _KeyedRoute, note: Notification) -> None:
        key = route.key_fn(note.params)
        entries = route.sinks.get(key)
        if not entries:
            if key is not None and route.retain_limit > 0:
                route.retain(key, note)
            return
        keep: list[tuple[Sink[Notification], bool]] = []
        for sink, once in entries:
            sink.put(note)
            if once:
                sink.close()
            else:
                keep.append((sink, once))
        if keep:
            route.sinks[key] = keep
        else:
            del route.sinks[key]

    def add_listener(self, sink: Sink[Notification]) -> Callable[[], None]:
        """Deliver notifications not tied to a turn to ``sink``; returns the remover."""
        with self._lock:
            if self._closed_error is not None:
                sink.close(self._closed_error)
            else:
                self._global.append(sink)
        self._interest()

        def remove() -> None:
            with self._lock:
                if sink not in self._global:
                    return
                self._global.remove(sink)
            sink.close()

        return remove

    def add_tap(self, tap: Tap) -> Callable[[], None]:
        """Hand every notification to ``tap`` before routing it; returns the remover.

        After :meth:`close` (or if the router is closed already) the tap is closed with
        the router's error.
        """
        with self._lock:
            error = self._closed_error
            if error is None:
                self._taps.append(tap)
        if error is not None:
            tap.close(error)
            return lambda: None
        self._interest()  # a sync stream holding the reader gives it back

        def remove() -> None:
            with self._lock:
                if tap in self._taps:
                    self._taps.remove(tap)

        return remove

    # -- dispatch -------------------------------------------------------------------------

    def dispatch(self, method: str, params: dict[str, Any]) -> None:
        """Route one notification (called by the reader, in order of arrival)."""
        if method in self._observed:  # an empty set unless an observer is installed
            self._observe(method, params)
        if self._taps:
            for tap in self._taps:
                tap.dispatch(method, params)
        turn_id = params.get("turnId")
        if type(turn_id) is not str:  # not a delta: look for turn.id too
            turn_id = turn_id_of(params)
        # A Notification built without __init__ (its turn id is known): the hottest lines
        # of a stream, so no call and no second look at the params.
        note = _blank(Notification)
        note.method = method
        note.params = params
        note._payload = None
        note.turn_id = turn_id
        thread_id = params.get("threadId")
        if self._starting and thread_id in self._starting:
            self._start_buffer.setdefault(thread_id, []).append(note)
        if self._watches and thread_id in self._watches:
            for sink in self._watches[thread_id]:
                sink.put(note)
        if turn_id is not None:
            sinks = self._turn_sinks.get(turn_id)
            if sinks is None and method == TURN_STARTED and thread_id in self._expected:
                sinks = self._attach_expected(thread_id, turn_id)
            if sinks is not None:
                for sink in sinks:
                    sink.put(note)
                if method == TURN_COMPLETED:
                    for sink in sinks:
                        sink.close()
                    self._forget_turn(turn_id)
                return
            if thread_id not in self._starting and logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "notification %s for a turn nobody streams (%s)",
                    method,
                    turn_id,
                    extra=log_extra(thread_id, turn_id, method),
                )
            return
        if thread_id is not None:
            turns = self._thread_turns.get(thread_id)
            if turns:
                for tid in turns:
                    for sink in self._turn_sinks.get(tid, ()):
                        sink.put(note)
        keyed = self._keyed.get(method)
        if keyed is not None:
            self._dispatch_keyed(keyed, note)
        for sink in self._global:
            sink.put(note)
        if not self._global and thread_id is None and logger.isEnabledFor(logging.DEBUG):
            logger.debug("notification %s", method, extra=log_extra(method=method))

    def close(self, error: BaseException) -> None:
        """The connection ended: end every stream and waiter with ``error``."""
        with self._lock:
            already = self._closed_error is not None
            self._close(error)
            taps, self._taps = self._taps, []
        for tap in taps:
            try:
                tap.close(error)
            except Exception:  # bookkeeping must never break the shutdown
                logger.exception("closing a tap of the router failed")
        on_close = self.on_close
        if on_close is not None and not already:
            try:
                on_close(error)
            except Exception:  # bookkeeping must never break the shutdown
                logger.exception("the router's close callback failed")

    def _close(self, error: BaseException) -> None:
        self._closed_error = error
        for sinks in self._turn_sinks.values():
            for sink in sinks:
                sink.close(error)
        self._turn_sinks.clear()
        self._thread_turns.clear()
        for waiting in self._expected.values():
            for sink in waiting:
                sink.close(error)
        self._expected.clear()
        for watching in self._watches.values():
            for sink in watching:
                sink.close(error)
        self._watches.clear()
        for route in self._keyed.values():
            for entries in route.sinks.values():
                for sink, _once in entries:
                    sink.close(error)
            route.sinks.clear()
            route.retained.clear()
        self._keyed.clear()
        for sink in self._global:
            sink.close(error)
        self._global.clear()
        self._start_buffer.clear()

    # -- the reader lease -----------------------------------------------------------------

    @property
    def foreign(self) -> threading.Lock:
        """Hold this while dispatching from a thread that is not the loop's.

        The loop may add or remove sinks meanwhile; every such change takes the same lock.
        """
        return self._lock

    def exclusive_for(self, turn_id: str, sink: Sink[Notification]) -> bool:
        """Whether ``sink``'s turn is the only thing waiting for notifications.

        No other turn stream, expected turn, turn start, keyed waiter, listener or tap: then a
        consumer that pauses between events delays nobody else. Reads without the lock, so
        from another thread the answer is a hint; the loop's answer is exact.
        """
        sinks = self._turn_sinks.get(turn_id)
        return (
            sinks is not None
            and len(self._turn_sinks) == 1
            and len(sinks) == 1
            and sinks[0] is sink
            and not self._starting
            and not self._expected
            and not self._watches
            and not self._global
            and not self._taps
            and not any(route.sinks for route in list(self._keyed.values()))
        )

    def _observe(self, method: str, params: dict[str, Any]) -> None:
        assert self._observer is not None
        try:
            self._observer(method, params)
        except Exception:  # bookkeeping must never break routing
            logger.exception(
                "observing notification %s failed",
                method,
                extra=log_extra(params.get("threadId"), turn_id_of(params), method),
            )

    def _interest(self) -> None:
        on_interest = self.on_interest
        if on_interest is not None:
            on_interest()
