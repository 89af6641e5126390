"""The reader lease: a sync stream reads the app-server's stdout in its own thread.

While a sync ``TurnHandle.stream()`` is all that waits for the server, the client's loop
lends it the pipe (``openai_codex._core.reader_lease``). These tests check, against the real
app-server, that the lease is used, and that everything that needs the loop's reader
takes it back without losing or reordering anything: requests from the loop body and from
other threads, new listeners, approvals, leaving the stream early, and ``close()``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from conftest import run

from openai_codex import (
    ApprovalRequest,
    AsyncCodex,
    Codex,
    Decision,
    Notification,
    TransportClosedError,
)
from openai_codex._core.connection import Connection
from openai_codex._core.reader_lease import ReaderLease
from openai_codex.testing import CodexHarness, MockModel, Reply

DELTA = "item/agentMessage/delta"
WORDS = [f"w{i} " for i in range(40)]


@pytest.fixture
def lease_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the threads that fed the connection through a reader lease."""
    readers: list[int] = []
    feed = Connection.feed_from_thread

    def spy(self: Connection, data: bytes, defer: Any) -> bool:
        readers.append(threading.get_ident())
        return feed(self, data, defer)

    monkeypatch.setattr(Connection, "feed_from_thread", spy)
    return readers


@pytest.fixture
def leases(monkeypatch: pytest.MonkeyPatch) -> list[ReaderLease]:
    """Every reader lease the connection granted."""
    granted: list[ReaderLease] = []
    lend = Connection.lend_reader

    def spy(self: Connection, turn_id: str, sink: Any) -> ReaderLease | None:
        lease = lend(self, turn_id, sink)
        if lease is not None:
            granted.append(lease)
        return lease

    monkeypatch.setattr(Connection, "lend_reader", spy)
    return granted


def deltas(events: list[Notification]) -> str:
    return "".join(e.params["delta"] for e in events if e.method == DELTA)


def later(delay: float, fn: Any, *args: Any) -> threading.Thread:
    """Run ``fn`` in a thread after ``delay`` seconds (joined by the caller)."""

    def main() -> None:
        time.sleep(delay)
        fn(*args)

    worker = threading.Thread(target=main)
    worker.start()
    return worker


def test_a_sync_stream_reads_the_pipe_in_its_own_thread(
    codex: Codex, harness: CodexHarness, lease_reads: list[int]
) -> None:
    text = "".join(f"token{i} " for i in range(3000))
    harness.model.enqueue(Reply.text(text, deltas=3000))
    thread = codex.thread_start()
    handle = thread.turn("stream a lot")
    events = list(handle.stream())

    assert lease_reads, "the stream never borrowed the reader"
    assert set(lease_reads) == {threading.get_ident()}
    assert deltas(events) == text
    assert events[-1].method == "turn/completed"
    assert sum(e.method == "turn/started" for e in events) == 1
    assert handle.run().final_response == text
    # The loop reads again afterwards: requests and Thread.run work.
    assert thread.run("next").final_response == "echo: next"
    assert codex.thread_list().data


def test_steer_from_the_loop_body_takes_the_reader_back(
    codex: Codex, harness: CodexHarness, lease_reads: list[int]
) -> None:
    harness.model.enqueue(Reply.text(WORDS, deltas=len(WORDS), delay=0.05))
    thread = codex.thread_start()
    handle = thread.turn("start the work")
    events: list[Notification] = []
    for event in handle.stream():
        events.append(event)
        if event.method == DELTA and sum(e.method == DELTA for e in events) == 3:
            assert lease_reads, "the stream should hold the reader by now"
            handle.steer("focus on the tests")  # the holder is idle: the loop takes it back
    result = handle.run()

    assert result.status.value == "completed"
    # The server drops the rest of the first answer and samples again with the steer.
    text = deltas(events)
    assert text.startswith("w0 w1 w2 ")
    assert text.endswith("echo: focus on the tests")
    bodies = harness.model.wait_for_requests(2)
    assert MockModel.user_texts(bodies[-1])[-1] == "focus on the tests"
    assert result.final_response == "echo: focus on the tests"


def test_steer_from_another_thread_while_the_stream_waits(
    codex: Codex, harness: CodexHarness, lease_reads: list[int]
) -> None:
    held = harness.model.enqueue(Reply.text("working on it").held())
    thread = codex.thread_start()
    handle = thread.turn("start the work")
    assert held.wait_reached()

    def steer() -> None:
        handle.steer("focus on the tests")  # the holder is blocked in poll: it is woken
        held.release()

    worker = later(0.3, steer)
    events = list(handle.stream())
    worker.join(10)

    assert lease_reads
    assert events[-1].method == "turn/completed"
    bodies = harness.model.wait_for_requests(2)
    assert MockModel.user_texts(bodies[-1])[-1] == "focus on the tests"
    assert handle.run().final_response == "echo: focus on the tests"


def test_a_listener_added_while_the_stream_waits_receives_notifications(
    codex: Codex, harness: CodexHarness, leases: list[ReaderLease]
) -> None:
    held = harness.model.enqueue(Reply.text("done").held())
    thread = codex.thread_start()
    handle = thread.turn("work")
    assert held.wait_reached()
    received: list[Notification] = []
    got_one = threading.Event()

    def listen(note: Notification) -> None:
        received.append(note)
        if note.params.get("threadId") == thread.id:
            got_one.set()

    def subscribe() -> None:
        codex.on_notification(listen)
        held.release()

    worker = later(0.3, subscribe)
    events = list(handle.stream())
    worker.join(10)

    assert leases
    assert not any(lease.active for lease in leases)
    assert events[-1].method == "turn/completed"
    assert got_one.wait(5), "the listener got none of the thread's notifications"
    # Thread-level notifications reach the listener; turn events stay with the turn.
    assert all("turnId" not in n.params for n in received)


def test_an_approval_during_a_borrowed_stream_is_answered_once(
    lease_reads: list[int],
) -> None:
    requests: list[ApprovalRequest] = []

    def approve(request: ApprovalRequest) -> Decision:
        requests.append(request)
        return Decision.accept

    echo = {"cmd": "echo leased", "sandbox_permissions": "require_escalated", "justification": "x"}
    with CodexHarness(approval_policy="on-request") as harness, Codex(harness.config()) as codex:
        harness.model.enqueue(Reply.function_call("exec_command", echo))
        harness.model.enqueue(Reply.text("ran it"))
        thread = codex.thread_start()
        handle = thread.turn("run echo", on_approval=approve)
        events = list(handle.stream())
        outputs = MockModel.function_call_outputs(harness.model.wait_for_requests(2)[-1])

    assert lease_reads
    assert len(requests) == 1
    assert events[-1].method == "turn/completed"
    assert "leased" in str(outputs[0]["output"])


def test_leaving_a_borrowed_stream_early_gives_the_reader_back(
    codex: Codex, harness: CodexHarness, lease_reads: list[int]
) -> None:
    harness.model.enqueue(Reply.text(WORDS, deltas=len(WORDS), delay=0.01))
    thread = codex.thread_start()
    handle = thread.turn("stream")
    seen = 0
    for event in handle.stream():
        seen += event.method == DELTA
        if seen == 3:
            break
    assert lease_reads
    result = handle.run()  # the same turn, continued (possibly by the loop's reader)
    assert result.final_response == "".join(WORDS)
    assert thread.run("again").final_response == "echo: again"


def test_close_from_another_thread_ends_a_borrowed_stream_promptly(
    harness: CodexHarness, leases: list[ReaderLease]
) -> None:
    held = harness.model.enqueue(Reply.text("never").held())
    codex = Codex(harness.config())
    try:
        thread = codex.thread_start()
        handle = thread.turn("hang")
        assert held.wait_reached()
        threads_before = threading.active_count()
        worker = later(0.3, codex.close)
        started = time.monotonic()
        with pytest.raises(TransportClosedError):
            for _ in handle.stream():
                pass
        elapsed = time.monotonic() - started
        worker.join(10)
    finally:
        held.release()
        codex.close()
    assert leases
    assert not any(lease.active for lease in leases)
    assert elapsed < 5.0
    assert threading.active_count() <= threads_before


def test_the_async_client_never_lends_the_reader(
    harness: CodexHarness, lease_reads: list[int]
) -> None:
    harness.model.enqueue(Reply.text(WORDS, deltas=len(WORDS)))

    async def main() -> str:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            handle = await thread.turn("stream")
            return deltas([e async for e in handle.stream()])

    assert run(main()) == "".join(WORDS)
    assert lease_reads == []


def test_streams_on_two_python_threads_share_one_client(
    codex: Codex, harness: CodexHarness, lease_reads: list[int]
) -> None:
    results: dict[str, str] = {}
    errors: list[BaseException] = []
    threads = [codex.thread_start() for _ in range(2)]
    for _ in threads:
        harness.model.enqueue(Reply.text(WORDS, deltas=len(WORDS), delay=0.005))

    def consume(index: int) -> None:
        try:
            handle = threads[index].turn(f"stream {index}")
            results[threads[index].id] = deltas(list(handle.stream()))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=consume, args=(i,)) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert not errors
    assert sorted(results.values()) == ["".join(WORDS)] * 2


def test_a_consumer_that_stops_iterating_does_not_hold_up_the_turn(
    leases: list[ReaderLease],
) -> None:
    approved = threading.Event()

    def approve(request: ApprovalRequest) -> Decision:
        approved.set()
        return Decision.accept

    echo = {"cmd": "echo later", "sandbox_permissions": "require_escalated", "justification": "x"}
    with CodexHarness(approval_policy="on-request") as harness, Codex(harness.config()) as codex:
        harness.model.enqueue(
            Reply.sequence(
                Reply.text(WORDS, deltas=len(WORDS), delay=0.02),
                Reply.function_call("exec_command", echo),
            )
        )
        harness.model.enqueue(Reply.text("ran it"))
        thread = codex.thread_start()
        handle = thread.turn("talk, then run echo", on_approval=approve)
        stream = handle.stream()
        while not (leases and leases[-1].active):  # until an event came through the lease
            next(stream)
        # The consumer now runs its own code, holding the idle lease; the approval that
        # arrives meanwhile must still be answered.
        assert approved.wait(10), "the approval waited for the consumer"
        rest = list(stream)

    assert rest[-1].method == "turn/completed"
    assert rest[-1].params["turn"]["status"] == "completed"
