"""The reader lease and what it relies on, without any process.

A sync stream's thread may borrow the server's stdout from the event loop and read and
dispatch it itself (:mod:`openai_codex._core.reader_lease`). These tests drive a
:class:`ReaderLease` over a real ``os.pipe()`` with a fake connection and a real loop in a
background thread, and check the thread-safety the lease needs from the sinks, the router
and the login outcomes. Every wait has a timeout, so a broken lease fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _recorder import Recorder

from openai_codex import Notification, TransportClosedError
from openai_codex._auth.login import _AsyncOutcome
from openai_codex._core.portal import LoopThread
from openai_codex._core.reader_lease import ReaderLease, WakePipe
from openai_codex._core.router import Router
from openai_codex._core.sinks import END, AsyncSink, ThreadSink

TIMEOUT = 5.0
"""The longest any test waits for something that should happen at once."""

needs_poll = pytest.mark.skipif(not hasattr(select, "poll"), reason="the lease needs poll()")


# -- helpers --------------------------------------------------------------------------------


class Pipe:
    """An ``os.pipe()`` whose read end is non-blocking, like asyncio leaves stdout."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self._writer_open = True

    def write(self, data: bytes) -> None:
        os.write(self.write_fd, data)

    def close_writer(self) -> None:
        """Signal the end of the pipe to the reader."""
        if self._writer_open:
            self._writer_open = False
            os.close(self.write_fd)

    def unread(self) -> bytes:
        """What is still buffered in the pipe (nobody read it)."""
        try:
            return os.read(self.read_fd, 65536)
        except BlockingIOError:
            return b""

    def close(self) -> None:
        self.close_writer()
        with contextlib.suppress(OSError):
            os.close(self.read_fd)


class FakeOwner:
    """The connection, as the lease sees it: records what the holder feeds and returns."""

    def __init__(self, sink: ThreadSink[bytes]) -> None:
        self.sink = sink
        self.accept = True  # what feed_from_thread returns
        self.deliver = True  # whether a chunk becomes an item of the holder's sink
        self.fail: BaseException | None = None  # raised by feed_from_thread if set
        self.fed: list[bytes] = []
        self.feed_threads: list[threading.Thread] = []
        self.fed_event = threading.Event()
        # Work done on the loop, in order: what the holder deferred, then the return.
        self.on_loop: list[str] = []
        self.loop_threads: list[threading.Thread] = []
        self.returned: list[ReaderLease] = []
        self.returned_event = threading.Event()

    def feed_from_thread(self, data: bytes, defer: Callable[..., Any]) -> bool:
        self.fed.append(data)
        self.feed_threads.append(threading.current_thread())
        if self.fail is not None:
            raise self.fail
        defer(self._log, f"handled {data.decode()}")  # like an answer handled on the loop
        if self.deliver:
            self.sink.put(data)
        self.fed_event.set()
        return self.accept

    def lease_returned(self, lease: ReaderLease) -> None:
        self.returned.append(lease)
        self._log("returned")
        self.returned_event.set()

    def _log(self, entry: str) -> None:
        self.on_loop.append(entry)
        self.loop_threads.append(threading.current_thread())


class Holder:
    """Runs ``lease.pump()`` in its own thread, like a sync stream's consumer."""

    def __init__(self, lease: ReaderLease) -> None:
        self._lease = lease
        self.result: bool | None = None
        self.error: BaseException | None = None
        self.finished_at = 0.0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result = self._lease.pump()
        except BaseException as exc:
            self.error = exc
        finally:
            self.finished_at = time.monotonic()

    def join(self) -> bool | None:
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "pump() did not return"
        if self.error is not None:
            raise self.error
        return self.result


def pump(lease: ReaderLease) -> bool | None:
    """``lease.pump()`` in a holder thread, so a broken lease fails instead of hanging."""
    return Holder(lease).join()


def flush(loop: asyncio.AbstractEventLoop) -> None:
    """Wait until the loop ran every callback scheduled so far."""
    done = threading.Event()
    loop.call_soon_threadsafe(done.set)
    assert done.wait(TIMEOUT), "the loop is stuck"


def in_thread(fn: Callable[[], object]) -> None:
    """Run ``fn`` in another thread and wait for it."""
    thread = threading.Thread(target=fn)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive()


@pytest.fixture
def portal() -> Iterator[LoopThread]:
    portal = LoopThread(name="test-reader-lease")
    try:
        yield portal
    finally:
        portal.stop()


@pytest.fixture
def loop_thread(portal: LoopThread) -> threading.Thread:
    return portal.call(threading.current_thread)


@pytest.fixture
def pipe() -> Iterator[Pipe]:
    pipe = Pipe()
    try:
        yield pipe
    finally:
        pipe.close()


@pytest.fixture
def wake() -> Iterator[WakePipe]:
    wake = WakePipe()
    try:
        yield wake
    finally:
        wake.close()


@pytest.fixture
def sink() -> ThreadSink[bytes]:
    return ThreadSink()


@pytest.fixture
def owner(sink: ThreadSink[bytes]) -> FakeOwner:
    return FakeOwner(sink)


@pytest.fixture
def lease(
    owner: FakeOwner, pipe: Pipe, wake: WakePipe, portal: LoopThread, sink: ThreadSink[bytes]
) -> ReaderLease:
    if not hasattr(select, "poll"):
        pytest.skip("the reader lease needs select.poll")
    return ReaderLease(owner, pipe.read_fd, wake, portal.loop, sink)


# -- the lease ------------------------------------------------------------------------------


def test_pump_waits_for_data_and_keeps_the_lease_once_the_sink_has_an_item(
    lease: ReaderLease,
    owner: FakeOwner,
    pipe: Pipe,
    sink: ThreadSink[bytes],
    portal: LoopThread,
    loop_thread: threading.Thread,
) -> None:
    holder = Holder(lease)
    time.sleep(0.05)
    assert holder.thread.is_alive(), "pump() returned before any data arrived"
    pipe.write(b"one")
    assert holder.join() is True
    assert lease.active
    assert owner.fed == [b"one"]
    assert owner.feed_threads == [holder.thread]  # the holder dispatched it itself
    assert sink.get_nowait() == b"one"

    # The lease is idle, not ended: the holder may pump again.
    pipe.write(b"two")
    assert pump(lease) is True
    assert lease.active
    assert owner.fed == [b"one", b"two"]
    assert sink.get_nowait() == b"two"

    flush(portal.loop)
    assert owner.returned == []
    assert owner.on_loop == ["handled one", "handled two"]  # deferred work runs on the loop
    assert all(thread is loop_thread for thread in owner.loop_threads)


def test_pump_returns_false_at_the_end_of_the_pipe_and_gives_it_back_once(
    lease: ReaderLease,
    owner: FakeOwner,
    pipe: Pipe,
    sink: ThreadSink[bytes],
    portal: LoopThread,
    loop_thread: threading.Thread,
) -> None:
    pipe.write(b"last")
    pipe.close_writer()
    assert pump(lease) is True  # the data first
    assert sink.get_nowait() == b"last"
    assert pump(lease) is False  # then the end
    assert not lease.active
    assert owner.returned_event.wait(TIMEOUT)

    lease.release()  # the holder's cleanup after the end: nothing more to give back
    assert pump(lease) is False
    flush(portal.loop)
    assert owner.returned == [lease]
    assert owner.on_loop == ["handled last", "returned"]
    assert owner.loop_threads == [loop_thread, loop_thread]
    assert owner.fed == [b"last"]


def test_revoking_an_idle_lease_ends_it_at_once_and_pump_reads_nothing(
    lease: ReaderLease, owner: FakeOwner, pipe: Pipe, portal: LoopThread
) -> None:
    pipe.write(b"for the loop")
    assert lease.revoke() is True
    assert not lease.active
    assert pump(lease) is False
    assert owner.fed == []
    assert pipe.unread() == b"for the loop"
    flush(portal.loop)
    assert owner.returned == []  # the revoker reads again itself; nothing is scheduled


def test_revoking_a_reading_holder_wakes_it_promptly_and_it_gives_the_pipe_back(
    lease: ReaderLease,
    owner: FakeOwner,
    pipe: Pipe,
    portal: LoopThread,
    loop_thread: threading.Thread,
) -> None:
    owner.deliver = False  # the chunk holds no event for the holder: it keeps polling
    holder = Holder(lease)
    pipe.write(b"chunk")
    assert owner.fed_event.wait(TIMEOUT)
    time.sleep(0.05)  # back in poll(), which would sleep for a second
    assert holder.thread.is_alive()

    revoked_at = time.monotonic()
    assert lease.revoke() is False  # the holder gives it back itself
    assert holder.join() is False
    assert holder.finished_at - revoked_at < 0.5
    assert not lease.active
    assert owner.returned_event.wait(TIMEOUT)

    pipe.write(b"for the loop")
    flush(portal.loop)
    assert owner.returned == [lease]
    assert owner.on_loop == ["handled chunk", "returned"]  # the loop resumes after the rest
    assert owner.loop_threads == [loop_thread, loop_thread]
    assert owner.fed == [b"chunk"]
    assert pipe.unread() == b"for the loop"


def test_a_feed_that_returns_false_ends_the_lease(
    lease: ReaderLease, owner: FakeOwner, pipe: Pipe, portal: LoopThread
) -> None:
    owner.accept = False  # the connection is ending, even if the chunk had an event
    pipe.write(b"bad")
    assert pump(lease) is False
    assert not lease.active
    assert owner.returned_event.wait(TIMEOUT)
    lease.release()
    flush(portal.loop)
    assert owner.returned == [lease]


def test_an_error_in_feed_ends_the_lease_and_reaches_the_holder(
    lease: ReaderLease, owner: FakeOwner, pipe: Pipe, portal: LoopThread
) -> None:
    owner.fail = RuntimeError("boom")
    pipe.write(b"x")
    with pytest.raises(RuntimeError, match="boom"):
        pump(lease)
    assert not lease.active
    assert owner.returned_event.wait(TIMEOUT)
    flush(portal.loop)
    assert owner.returned == [lease]


def test_release_is_idempotent_and_schedules_the_return_once(
    lease: ReaderLease,
    owner: FakeOwner,
    pipe: Pipe,
    portal: LoopThread,
    loop_thread: threading.Thread,
) -> None:
    lease.release()
    lease.release()
    in_thread(lease.release)
    assert not lease.active
    assert lease.revoke() is False  # already ended: nothing to take back

    pipe.write(b"for the loop")
    assert pump(lease) is False
    flush(portal.loop)
    assert owner.returned == [lease]
    assert owner.loop_threads == [loop_thread]
    assert owner.fed == []
    assert pipe.unread() == b"for the loop"


def test_pump_returns_at_once_without_reading_when_the_sink_has_an_item(
    lease: ReaderLease, owner: FakeOwner, pipe: Pipe, sink: ThreadSink[bytes], portal: LoopThread
) -> None:
    sink.put(b"queued by the loop")
    pipe.write(b"unread")
    assert pump(lease) is True
    assert lease.active
    assert owner.fed == []
    assert pipe.unread() == b"unread"
    flush(portal.loop)
    assert owner.returned == []


def test_pump_returns_at_once_when_the_sink_was_closed(
    lease: ReaderLease, owner: FakeOwner, pipe: Pipe, sink: ThreadSink[bytes]
) -> None:
    sink.close()
    pipe.write(b"unread")
    assert pump(lease) is True
    assert owner.fed == []
    assert pipe.unread() == b"unread"


def test_a_stale_wake_up_does_not_end_a_new_lease(
    lease: ReaderLease, owner: FakeOwner, pipe: Pipe, wake: WakePipe, portal: LoopThread
) -> None:
    wake.wake()  # left over from an earlier lease of the same connection
    holder = Holder(lease)
    time.sleep(0.05)
    assert holder.thread.is_alive()
    pipe.write(b"data")
    assert holder.join() is True
    assert lease.active
    assert owner.fed == [b"data"]
    flush(portal.loop)
    assert owner.returned == []


@needs_poll
def test_the_wake_pipe_never_blocks_and_drains() -> None:
    wake = WakePipe()
    try:
        poller = select.poll()
        poller.register(wake.read_fd, select.POLLIN)
        assert poller.poll(0) == []
        for _ in range(100_000):  # more than a pipe holds: extra wake-ups are dropped
            wake.wake()
        assert poller.poll(0) != []
        wake.drain()
        assert poller.poll(0) == []
        wake.drain()  # nothing pending: no error
    finally:
        wake.close()
    wake.close()
    wake.wake()  # after close: ignored


# -- AsyncSink from another thread ----------------------------------------------------------


def _consume(
    portal: LoopThread, sink: AsyncSink[int], count: int | None = None
) -> Callable[[], tuple[list[Any], BaseException | None]]:
    """Start a coroutine draining ``sink`` on the loop (``count`` items, or to the end).

    Returns once the coroutine waits in ``get()``; the result is a blocking getter of what
    it received and the error it ended with.
    """
    waiting = threading.Event()

    async def consume() -> tuple[list[Any], BaseException | None]:
        items: list[Any] = []
        waiting.set()
        try:
            while len(items) != count:
                item = await sink.get()
                items.append(item)
                if item is END:
                    break
        except Exception as exc:
            return items, exc
        return items, None

    future = asyncio.run_coroutine_threadsafe(consume(), portal.loop)
    assert waiting.wait(TIMEOUT)
    # The coroutine set the event in the step that awaits get(): once the loop runs the
    # next callback, the coroutine is suspended in get().
    flush(portal.loop)
    return lambda: future.result(TIMEOUT)


def test_async_sink_items_put_from_a_thread_wake_the_waiting_coroutine_in_order(
    portal: LoopThread,
) -> None:
    sink: AsyncSink[int] = portal.call(AsyncSink)  # created on the loop
    result = _consume(portal, sink, count=5)

    def producer() -> None:
        for i in range(5):
            sink.put(i)

    in_thread(producer)  # nothing else wakes the loop
    assert result() == ([0, 1, 2, 3, 4], None)


def test_async_sink_close_from_a_thread_wakes_the_waiting_coroutine(portal: LoopThread) -> None:
    sink: AsyncSink[int] = portal.call(AsyncSink)
    result = _consume(portal, sink)
    error = TransportClosedError("the server exited")
    in_thread(lambda: sink.close(error))
    items, raised = result()
    assert items == []
    assert raised is error


def test_async_sink_close_with_an_error_from_a_thread_raises_after_the_items(
    portal: LoopThread,
) -> None:
    sink: AsyncSink[int] = portal.call(AsyncSink)
    result = _consume(portal, sink)
    error = TransportClosedError("the server exited")

    def producer() -> None:
        sink.put(1)
        sink.put(2)
        sink.close(error)
        sink.put(3)  # after the end: dropped

    in_thread(producer)
    items, raised = result()
    assert items == [1, 2]
    assert raised is error


def test_async_sink_created_off_the_loop_takes_the_loop_of_its_first_get(
    portal: LoopThread,
) -> None:
    sink: AsyncSink[int] = AsyncSink()  # no running loop here
    result = _consume(portal, sink)
    in_thread(lambda: sink.put(7))
    in_thread(sink.close)
    assert result() == ([7, END], None)


# -- ThreadSink.get_nowait / ready ----------------------------------------------------------


def test_thread_sink_get_nowait_and_ready() -> None:
    sink: ThreadSink[str] = ThreadSink()
    assert not sink.ready
    assert sink.get_nowait() is None
    sink.put("a")
    sink.put("b")
    assert sink.ready
    assert sink.get_nowait() == "a"
    assert sink.ready
    assert sink.get_nowait() == "b"
    assert not sink.ready
    assert sink.get_nowait() is None
    sink.close()
    sink.put("late")  # after the end: dropped
    assert sink.ready
    assert sink.get_nowait() is END
    assert sink.ready  # the end stays
    assert sink.get_nowait() is END
    assert sink.get(timeout=0) is END


def test_thread_sink_get_nowait_raises_the_close_error_after_the_items() -> None:
    sink: ThreadSink[str] = ThreadSink()
    error = TransportClosedError("the server exited")
    sink.put("a")
    sink.close(error)
    assert sink.ready
    assert sink.get_nowait() == "a"
    assert sink.ready
    with pytest.raises(TransportClosedError) as info:
        sink.get_nowait()
    assert info.value is error
    assert sink.ready
    with pytest.raises(TransportClosedError):
        sink.get_nowait()


def test_thread_sink_is_ready_once_another_thread_puts() -> None:
    sink: ThreadSink[int] = ThreadSink()
    in_thread(lambda: sink.put(1))
    assert sink.ready
    assert sink.get_nowait() == 1


# -- login outcomes from another thread -----------------------------------------------------


def _await_outcome(portal: LoopThread) -> tuple[_AsyncOutcome, Callable[[], Any]]:
    """An outcome created on the loop and a coroutine waiting on it (no timeout)."""
    created: list[_AsyncOutcome] = []
    waiting = threading.Event()

    async def wait() -> Any:
        outcome = _AsyncOutcome()
        created.append(outcome)
        waiting.set()
        try:
            return await outcome.wait(None)
        except Exception as exc:
            return exc

    future = asyncio.run_coroutine_threadsafe(wait(), portal.loop)
    assert waiting.wait(TIMEOUT)
    flush(portal.loop)  # the coroutine is suspended in wait()
    return created[0], lambda: future.result(TIMEOUT)


def test_async_login_outcome_put_from_a_thread_wakes_the_waiting_coroutine(
    portal: LoopThread,
) -> None:
    outcome, result = _await_outcome(portal)
    note = Notification("account/login/completed", {"loginId": "l1", "success": True})
    in_thread(lambda: outcome.put(note))
    assert result() is note
    assert outcome.done and outcome.succeeded is True


def test_async_login_outcome_close_from_a_thread_raises_in_the_waiting_coroutine(
    portal: LoopThread,
) -> None:
    outcome, result = _await_outcome(portal)
    error = TransportClosedError("the server exited")
    in_thread(lambda: outcome.close(error))
    assert result() is error


# -- the router -----------------------------------------------------------------------------


OBSERVED = frozenset({"item/completed", "turn/completed"})


def item_completed(thread: str, turn: str) -> tuple[str, dict[str, Any]]:
    return "item/completed", {"threadId": thread, "turnId": turn, "item": {"id": "i"}}


def delta(thread: str, turn: str) -> tuple[str, dict[str, Any]]:
    return "item/agentMessage/delta", {"threadId": thread, "turnId": turn, "delta": "d"}


def completed(thread: str, turn: str) -> tuple[str, dict[str, Any]]:
    return "turn/completed", {"threadId": thread, "turn": {"id": turn, "status": "completed"}}


def lone_turn(router: Router, sink: Recorder, thread: str = "th", turn: str = "t1") -> None:
    router.begin_turn_start(thread)
    router.claim_turn(thread, turn, sink)
    router.end_turn_start(thread)


def test_foreign_dispatch_routes_to_the_sink_and_observes_on_the_holders_thread() -> None:
    observed: list[tuple[str, threading.Thread]] = []
    router = Router(
        lambda method, _params: observed.append((method, threading.current_thread())), OBSERVED
    )
    sink = Recorder()
    lone_turn(router, sink)
    events = [item_completed("th", "t1"), delta("th", "t1"), completed("th", "t1")]
    holder_thread: list[threading.Thread] = []

    def holder() -> None:
        holder_thread.append(threading.current_thread())
        with router.foreign:
            for method, params in events:
                router.dispatch(method, params)

    in_thread(holder)

    assert sink.methods == ["item/completed", "item/agentMessage/delta", "turn/completed"]
    assert sink.closed
    # Observed before routing, on the dispatching thread: no hop to the loop per item.
    assert observed == [
        ("item/completed", holder_thread[0]),
        ("turn/completed", holder_thread[0]),
    ]


def test_the_observer_sees_only_the_observed_methods() -> None:
    observed: list[str] = []
    router = Router(lambda method, _params: observed.append(method), OBSERVED)
    sink = Recorder()
    lone_turn(router, sink)
    for method, params in (item_completed("th", "t1"), delta("th", "t1")):
        router.dispatch(method, params)
    assert observed == ["item/completed"]
    assert sink.methods == ["item/completed", "item/agentMessage/delta"]


def test_a_failing_observer_does_not_stop_routing() -> None:
    def observer(_method: str, _params: dict[str, Any]) -> None:
        raise RuntimeError("bookkeeping bug")

    router = Router(observer, OBSERVED)
    sink = Recorder()
    lone_turn(router, sink)
    with router.foreign:
        router.dispatch(*completed("th", "t1"))
    assert sink.methods == ["turn/completed"]
    assert sink.closed


def test_foreign_holds_the_router_while_the_holder_dispatches() -> None:
    router = Router()
    listener = Recorder()
    with router.foreign:
        adder = threading.Thread(target=router.add_listener, args=(listener,))
        adder.start()
        adder.join(0.1)
        assert adder.is_alive(), "a sink was added while a foreign thread dispatched"
    adder.join(TIMEOUT)
    assert not adder.is_alive()
    router.dispatch("account/rateLimits/updated", {})
    assert listener.methods == ["account/rateLimits/updated"]


def _key(params: dict[str, Any]) -> str | None:
    return params.get("loginId")


def test_on_interest_is_called_when_something_starts_waiting() -> None:
    router = Router()
    calls: list[str] = []
    sink = Recorder()
    router.on_interest = lambda: calls.append("interest")

    def check(action: Callable[[], object], expected: int) -> None:
        before = len(calls)
        action()
        assert len(calls) - before == expected, action

    check(lambda: router.begin_turn_start("th"), 1)
    check(lambda: router.claim_turn("th", "t1", sink), 1)
    check(lambda: router.end_turn_start("th"), 0)
    check(lambda: router.release_turn("t1", sink), 0)
    cancel = router.expect_turn("th", Recorder())
    assert calls == ["interest"] * 3
    check(cancel, 0)
    keyed = Recorder()
    check(lambda: router.retain_keyed("account/login/completed", _key), 0)
    check(lambda: router.add_keyed("account/login/completed", _key, "l1", keyed), 1)
    check(lambda: router.remove_keyed("account/login/completed", "l1", keyed), 0)
    remove = router.add_listener(Recorder())
    assert len(calls) == 5
    check(remove, 0)
    check(lambda: router.dispatch("account/rateLimits/updated", {}), 0)


def test_on_interest_sees_the_change_it_reports() -> None:
    router = Router()
    sink = Recorder()
    lone_turn(router, sink)
    seen: list[bool] = []
    router.on_interest = lambda: seen.append(router.exclusive_for("t1", sink))
    router.add_listener(Recorder())
    assert seen == [False]


def test_exclusive_for_a_lone_turn_stream() -> None:
    router = Router()
    sink = Recorder()
    assert not router.exclusive_for("t1", sink)  # nothing claimed yet
    router.begin_turn_start("th")
    router.claim_turn("th", "t1", sink)
    assert not router.exclusive_for("t1", sink)  # its turn/start is still in flight
    router.end_turn_start("th")
    assert router.exclusive_for("t1", sink)
    assert not router.exclusive_for("t1", Recorder())  # another sink
    assert not router.exclusive_for("t2", sink)  # another turn
    router.retain_keyed("account/login/completed", _key)  # retention alone waits for nobody
    assert router.exclusive_for("t1", sink)
    router.dispatch(*completed("th", "t1"))
    assert not router.exclusive_for("t1", sink)  # the stream ended


@pytest.mark.parametrize(
    "other",
    [
        "second sink on the turn",
        "another turn stream",
        "listener",
        "keyed waiter",
        "expected turn",
        "turn start",
    ],
)
def test_exclusive_for_is_false_while_anything_else_waits(other: str) -> None:
    router = Router()
    sink = Recorder()
    lone_turn(router, sink)
    assert router.exclusive_for("t1", sink)
    extra = Recorder()
    undo: Callable[[], None]
    if other == "second sink on the turn":
        router.claim_turn("th", "t1", extra)

        def undo() -> None:
            router.release_turn("t1", extra)
    elif other == "another turn stream":
        lone_turn(router, extra, "th2", "t2")

        def undo() -> None:
            router.release_turn("t2", extra)
    elif other == "listener":
        undo = router.add_listener(extra)
    elif other == "keyed waiter":
        router.add_keyed("account/login/completed", _key, "l1", extra)

        def undo() -> None:
            router.remove_keyed("account/login/completed", "l1", extra)
    elif other == "expected turn":
        undo = router.expect_turn("th2", extra)
    else:
        router.begin_turn_start("th2")

        def undo() -> None:
            router.end_turn_start("th2")

    assert not router.exclusive_for("t1", sink)
    undo()
    assert router.exclusive_for("t1", sink)
