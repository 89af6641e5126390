"""Turn routing in the router: buffering before the turn id is known, isolation between
turns, thread-level events, the end of a stream, and the connection closing."""

from __future__ import annotations

from typing import Any

from _recorder import Recorder

from openai_codex import TransportClosedError
from openai_codex._core.router import Router


def turn_event(method: str, thread: str, turn: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    return method, {"threadId": thread, "turnId": turn, **extra}


def started(thread: str, turn: str) -> tuple[str, dict[str, Any]]:
    return "turn/started", {"threadId": thread, "turn": {"id": turn, "status": "inProgress"}}


def completed(thread: str, turn: str) -> tuple[str, dict[str, Any]]:
    return "turn/completed", {"threadId": thread, "turn": {"id": turn, "status": "completed"}}


def status(thread: str, kind: str = "active") -> tuple[str, dict[str, Any]]:
    return "thread/status/changed", {"threadId": thread, "status": {"type": kind}}


def delta(thread: str, turn: str, text: str) -> tuple[str, dict[str, Any]]:
    return turn_event("item/agentMessage/delta", thread, turn, itemId="m", delta=text)


def send(router: Router, *events: tuple[str, dict[str, Any]]) -> None:
    for method, params in events:
        router.dispatch(method, params)


def deltas(sink: Recorder) -> str:
    return "".join(n.params["delta"] for n in sink.items if n.method == "item/agentMessage/delta")


def test_events_sent_before_the_turn_is_claimed_are_replayed_in_order() -> None:
    router = Router()
    sink = Recorder()
    router.begin_turn_start("th")
    send(router, status("th"), started("th", "t1"), delta("th", "t1", "a"), delta("th", "t1", "b"))
    router.claim_turn("th", "t1", sink)
    router.end_turn_start("th")
    send(router, delta("th", "t1", "c"), completed("th", "t1"))

    assert sink.methods == [
        "thread/status/changed",
        "turn/started",
        "item/agentMessage/delta",
        "item/agentMessage/delta",
        "item/agentMessage/delta",
        "turn/completed",
    ]
    assert deltas(sink) == "abc"
    assert sink.closed and sink.error is None


def test_a_turn_that_completed_before_the_claim_ends_its_stream_at_once() -> None:
    router = Router()
    sink = Recorder()
    router.begin_turn_start("th")
    send(router, started("th", "t1"), delta("th", "t1", "x"), completed("th", "t1"))
    router.claim_turn("th", "t1", sink)
    router.end_turn_start("th")
    assert sink.methods == ["turn/started", "item/agentMessage/delta", "turn/completed"]
    assert sink.closed
    send(router, delta("th", "t1", "late"))  # nothing is registered for t1 any more
    assert len(sink.items) == 3


def test_two_turns_on_two_threads_started_together_never_mix() -> None:
    router = Router()
    a, b = Recorder(), Recorder()
    router.begin_turn_start("A")
    router.begin_turn_start("B")
    send(router, started("B", "tb"), started("A", "ta"), delta("A", "ta", "a1"))
    send(router, delta("B", "tb", "b1"), status("A"), status("B"))
    router.claim_turn("B", "tb", b)
    router.end_turn_start("B")
    send(router, delta("A", "ta", "a2"), delta("B", "tb", "b2"))
    router.claim_turn("A", "ta", a)
    router.end_turn_start("A")
    send(router, delta("B", "tb", "b3"), delta("A", "ta", "a3"))
    send(router, completed("A", "ta"), delta("B", "tb", "b4"), completed("B", "tb"))

    assert deltas(a) == "a1a2a3"
    assert deltas(b) == "b1b2b3b4"
    for sink, thread, turn in ((a, "A", "ta"), (b, "B", "tb")):
        assert all(n.thread_id == thread for n in sink.items)
        assert all(n.turn_id in (None, turn) for n in sink.items)
        assert sink.methods.count("thread/status/changed") == 1
        assert sink.methods[-1] == "turn/completed"
        assert sink.closed


def test_a_buffer_keeps_another_turns_events_for_its_own_claim() -> None:
    router = Router()
    first, second = Recorder(), Recorder()
    router.begin_turn_start("th")
    router.begin_turn_start("th")
    send(router, started("th", "t1"), started("th", "t2"), delta("th", "t2", "two"))
    router.claim_turn("th", "t1", first)
    router.end_turn_start("th")
    router.claim_turn("th", "t2", second)
    router.end_turn_start("th")
    assert first.methods == ["turn/started"]
    assert second.methods == ["turn/started", "item/agentMessage/delta"]


def test_thread_level_events_reach_the_running_turn_and_the_listeners() -> None:
    router = Router()
    sink, other, listener = Recorder(), Recorder(), Recorder()
    router.add_listener(listener)
    for thread, turn, target in (("th", "t1", sink), ("other", "t9", other)):
        router.begin_turn_start(thread)
        router.claim_turn(thread, turn, target)
        router.end_turn_start(thread)
    send(router, status("th", "active"), ("thread/tokenUsage/updated", {"threadId": "th"}))
    send(router, ("account/rateLimits/updated", {"rateLimits": {}}))

    assert sink.methods == ["thread/status/changed", "thread/tokenUsage/updated"]
    assert other.items == []
    assert listener.methods == [
        "thread/status/changed",
        "thread/tokenUsage/updated",
        "account/rateLimits/updated",
    ]
    # Turn events stay in their turn and never reach the listeners.
    send(router, delta("th", "t1", "x"))
    assert "item/agentMessage/delta" not in listener.methods


def test_a_stream_ends_at_its_turn_completed_and_the_turn_is_forgotten() -> None:
    router = Router()
    sink = Recorder()
    router.begin_turn_start("th")
    router.claim_turn("th", "t1", sink)
    router.end_turn_start("th")
    send(router, delta("th", "t1", "x"), completed("th", "t1"))
    assert sink.closed and sink.error is None
    send(router, delta("th", "t1", "after"), status("th", "idle"))
    assert sink.methods == ["item/agentMessage/delta", "turn/completed"]
    # Another turn's completion does not end this one.
    later = Recorder()
    router.begin_turn_start("th")
    router.claim_turn("th", "t2", later)
    router.end_turn_start("th")
    send(router, completed("th", "t3"))
    assert not later.closed


def test_closing_the_router_ends_every_stream_with_the_error() -> None:
    router = Router()
    running, listener = Recorder(), Recorder()
    router.add_listener(listener)
    router.begin_turn_start("th")
    router.claim_turn("th", "t1", running)
    router.end_turn_start("th")
    error = TransportClosedError("the app-server exited", exit_code=-9)
    router.close(error)
    assert running.closed and running.error is error
    assert listener.closed and listener.error is error
    # Anything registered afterwards is closed with the same error at once.
    late, late_listener = Recorder(), Recorder()
    router.claim_turn("th", "t2", late)
    router.add_listener(late_listener)
    assert late.error is error and late_listener.error is error


def test_closing_while_a_start_is_in_flight_ends_the_claim_with_the_error() -> None:
    router = Router()
    router.begin_turn_start("th")
    send(router, started("th", "t1"))
    error = TransportClosedError("gone")
    router.close(error)
    sink = Recorder()
    router.claim_turn("th", "t1", sink)
    router.end_turn_start("th")
    assert sink.closed and sink.error is error


def test_the_buffer_is_dropped_once_no_start_is_in_flight() -> None:
    router = Router()
    router.begin_turn_start("th")
    send(router, started("th", "lost"), status("th"), delta("th", "lost", "old"))
    router.end_turn_start("th")  # the start failed: nobody claims
    send(router, status("th", "idle"), started("th", "stray"))  # no start in flight: not kept

    sink = Recorder()
    router.begin_turn_start("th")
    router.claim_turn("th", "stray", sink)
    router.end_turn_start("th")
    assert sink.items == []
    assert router._start_buffer == {}
    assert router._starting == {}


def test_a_released_sink_stops_receiving() -> None:
    router = Router()
    sink = Recorder()
    router.begin_turn_start("th")
    router.claim_turn("th", "t1", sink)
    router.end_turn_start("th")
    router.release_turn("t1", sink)
    send(router, delta("th", "t1", "x"), status("th"))
    assert sink.items == []
    assert router._turn_sinks == {} and router._thread_turns == {}


def test_the_unsubscribe_function_of_a_listener_closes_it_once() -> None:
    router = Router()
    listener = Recorder()
    remove = router.add_listener(listener)
    send(router, status("th"))
    remove()
    remove()
    send(router, status("th", "idle"))
    assert listener.methods == ["thread/status/changed"]
    assert listener.closed and listener.error is None


def test_an_expected_turn_gets_the_next_unclaimed_turn_of_its_thread() -> None:
    router = Router()
    waiter, other = Recorder(), Recorder()
    router.expect_turn("th", waiter)
    send(router, started("elsewhere", "tx"), status("th"))  # other thread; thread-level
    send(router, started("th", "tc"), delta("th", "tc", "x"), completed("th", "tc"))
    send(router, started("th", "later"))  # only the next turn is taken
    assert waiter.methods == ["turn/started", "item/agentMessage/delta", "turn/completed"]
    assert waiter.closed and waiter.error is None
    router.expect_turn("th", other)
    cancel = router.expect_turn("th", other)
    cancel()
    cancel()
    assert router._expected == {"th": [other]}


def test_an_expected_turn_does_not_take_a_turn_already_claimed() -> None:
    router = Router()
    mine, waiter = Recorder(), Recorder()
    router.begin_turn_start("th")
    router.claim_turn("th", "t1", mine)
    router.end_turn_start("th")
    router.expect_turn("th", waiter)
    send(router, started("th", "t1"), completed("th", "t1"))
    assert mine.methods == ["turn/started", "turn/completed"]
    assert waiter.items == [] and not waiter.closed


def test_closing_the_router_ends_expected_turn_waiters() -> None:
    router = Router()
    waiter = Recorder()
    router.expect_turn("th", waiter)
    error = TransportClosedError("gone")
    router.close(error)
    assert waiter.error is error
    late = Recorder()
    router.expect_turn("th", late)
    assert late.error is error


class TapRecorder:
    """A tap: records what it is handed, and how it was closed."""

    def __init__(self) -> None:
        self.methods: list[str] = []
        self.closed: BaseException | None = None

    def dispatch(self, method: str, params: dict[str, Any]) -> None:
        self.methods.append(method)

    def close(self, error: BaseException) -> None:
        self.closed = error


def test_a_tap_gets_every_notification_and_takes_nothing() -> None:
    router = Router()
    tap = TapRecorder()
    remove = router.add_tap(tap)
    stream = Recorder()
    router.begin_turn_start("th")
    router.claim_turn("th", "t1", stream)
    router.end_turn_start("th")
    send(router, started("th", "t1"), delta("th", "t1", "hi"), status("th"))
    send(router, delta("th", "other", "nobody streams this"), ("warning", {"message": "w"}))
    send(router, completed("th", "t1"))
    assert tap.methods == [
        "turn/started",
        "item/agentMessage/delta",
        "thread/status/changed",
        "item/agentMessage/delta",
        "warning",
        "turn/completed",
    ]
    assert deltas(stream) == "hi" and stream.closed  # the stream got its turn all the same
    assert not router.exclusive_for("t1", stream)  # no sync stream borrows the reader
    remove()
    send(router, ("warning", {"message": "after"}))
    assert tap.methods[-1] == "turn/completed"


def test_a_tap_is_closed_with_the_router_even_when_added_late() -> None:
    router = Router()
    tap = TapRecorder()
    router.add_tap(tap)
    error = TransportClosedError("gone")
    router.close(error)
    assert tap.closed is error
    late = TapRecorder()
    router.add_tap(late)
    assert late.closed is error
