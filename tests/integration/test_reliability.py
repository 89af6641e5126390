"""Never hang, survive crashes: turn deadlines, race-free steer/interrupt, automatic restart
with thread resume, and cancellation, through the public API against the real app-server."""

from __future__ import annotations

import _thread
import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import run

from openai_codex import (
    AsyncCodex,
    Codex,
    CodexError,
    CodexTimeoutError,
    TransportClosedError,
    TurnTimeoutError,
    tool,
)
from openai_codex.testing import CodexHarness, Reply
from openai_codex.types import TurnStatus


def kill(pid: int | None) -> None:
    assert pid is not None
    os.kill(pid, signal.SIGKILL)


def last_turn_status(codex: Codex, thread_id: str) -> Any:
    return codex.thread(thread_id).read(include_turns=True).thread.turns[-1].status


def after_crash(call: Any) -> Any:
    """Make a call right after a kill: it may be the one call the crash costs."""
    try:
        return call()
    except TransportClosedError:
        return call()


def wait_until(predicate: Any, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def harness() -> Iterator[CodexHarness]:
    with CodexHarness() as h:
        yield h


# ---------------------------------------------------------------------- turn deadlines


def test_a_stalled_turn_times_out_is_interrupted_and_the_thread_goes_on(
    harness: CodexHarness,
) -> None:
    stalled = harness.model.enqueue(Reply.text("never sent").held())
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        with pytest.raises(TurnTimeoutError) as info:
            thread.run("hang", timeout=0.5)
        error = info.value
        assert isinstance(error, CodexTimeoutError) and error.limit == "timeout"
        assert error.seconds == 0.5
        assert error.result.status == TurnStatus.interrupted
        assert [item.type for item in error.result.items] == ["userMessage"]
        stalled.release()
        harness.model.enqueue(Reply.text("back to normal"))
        assert thread.run("next").final_response == "back to normal"


def test_idle_timeout_counts_from_the_last_event(harness: CodexHarness) -> None:
    # Events every 0.4 s for ~3 s: longer than the 2 s idle limit, which never runs out
    # because it counts from the last event.
    harness.model.enqueue(Reply.text(list("abcdefgh"), delay=0.4))
    # A reply that starts and then falls silent trips the limit.
    stalled = harness.model.enqueue(Reply.text(["first", "never"], delay=60))
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        assert thread.run("slow but steady", idle_timeout=2.0).final_response == "abcdefgh"
        handle = thread.turn("stalls")
        seen: list[str] = []
        with pytest.raises(TurnTimeoutError) as info:
            for event in handle.stream(idle_timeout=2.0):
                seen.append(event.method)
        assert info.value.limit == "idle_timeout" and info.value.seconds == 2.0
        assert "turn/started" in seen  # events came, then the silence ran out
        assert info.value.result.status == TurnStatus.interrupted
        stalled.release()


def test_config_sets_the_default_deadline_for_every_turn(harness: CodexHarness) -> None:
    stalled = harness.model.enqueue(Reply.text("x").held())

    async def main() -> None:
        async with AsyncCodex(harness.config(turn_timeout=0.5)) as codex:
            thread = await codex.thread_start()
            with pytest.raises(TurnTimeoutError) as info:
                await thread.run("hang")
            assert info.value.limit == "timeout"
            stalled.release()
            harness.model.enqueue(Reply.text("ok"))
            handle = await thread.turn("next")
            assert (await handle.run(timeout=30)).final_response == "ok"

    run(main())


def test_an_async_stream_times_out_the_same_way(harness: CodexHarness) -> None:
    stalled = harness.model.enqueue(Reply.text("x").held())

    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            handle = await thread.turn("hang")
            with pytest.raises(TurnTimeoutError) as info:
                async for _ in handle.stream(timeout=0.5):
                    pass
            assert info.value.result.status == TurnStatus.interrupted

    run(main())
    stalled.release()


def test_limits_must_be_positive(harness: CodexHarness) -> None:
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        with pytest.raises(ValueError, match="timeout must be a positive number"):
            thread.run("x", timeout=0)
        harness.model.clear()


# -------------------------------------------------------------- steer/interrupt at once


def test_interrupt_right_after_turn_reaches_the_turn_every_time(harness: CodexHarness) -> None:
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        for _ in range(20):
            harness.model.enqueue(Reply.text(["slow ", "answer"], delay=0.5))
            handle = thread.turn("go")
            handle.interrupt()  # no delay: the server may not have made it active yet
            assert handle.run(timeout=30).status == TurnStatus.interrupted
            harness.model.clear()


def test_steer_right_after_turn_reaches_the_turn_every_time(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            for _ in range(20):
                harness.model.enqueue(Reply.text(["slow ", "answer"], delay=0.3))
                harness.model.enqueue(Reply.text("steered"))
                handle = await thread.turn("go")
                await handle.steer("change of plan")
                await handle.interrupt()
                result = await handle.run(timeout=30)
                assert result.status in (TurnStatus.interrupted, TurnStatus.completed)
                harness.model.clear()

    run(main())


def test_steering_a_finished_turn_still_fails_at_once(harness: CodexHarness) -> None:
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        handle = thread.turn("hi")
        handle.run()
        started = time.monotonic()
        with pytest.raises(CodexError, match="no active turn"):
            handle.steer("too late")
        assert time.monotonic() - started < 5  # no retrying once the turn is over


def test_interrupting_an_interrupted_turn_again_answers_at_once(harness: CodexHarness) -> None:
    # The runtime never answers a second turn/interrupt of an interrupted turn: the SDK must
    # not wait for that answer (Ctrl-C in `codex-sdk run` interrupts twice).
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            held = harness.model.enqueue(Reply.text("never").held())
            handle = await thread.turn("hold")
            assert await asyncio.to_thread(held.wait_reached)
            await handle.interrupt()
            await asyncio.wait_for(handle.interrupt(), 5)
            assert (await handle.run(timeout=30)).status == TurnStatus.interrupted

    run(main())
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        held = harness.model.enqueue(Reply.text("never").held())
        handle = thread.turn("hold")
        assert held.wait_reached()
        handle.interrupt()
        started = time.monotonic()
        handle.interrupt()
        assert time.monotonic() - started < 5
        assert handle.run(timeout=30).status == TurnStatus.interrupted


# ------------------------------------------------------------- restart and thread resume


def test_a_killed_server_costs_one_failed_call_and_threads_resume(
    harness: CodexHarness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.model.enqueue(Reply.text("before the crash"))
    held = harness.model.enqueue(Reply.text("never").held())
    with Codex(harness.config()) as codex:
        thread = codex.thread_start(developer_instructions="Be brief.")
        assert thread.run("one").final_response == "before the crash"
        handle = thread.turn("two")
        assert held.wait_reached(10)
        first_pid = codex.pid
        kill(first_pid)
        with pytest.raises(TransportClosedError) as info:
            handle.run()
        assert info.value.result is not None  # the partial result of the running turn
        assert [i.type for i in info.value.result.items] == ["userMessage"]
        harness.model.enqueue(Reply.text("after the crash"))
        with caplog.at_level(logging.WARNING, logger="openai_codex"):
            assert thread.run("three").final_response == "after the crash"
        assert codex.pid != first_pid
        assert "restarting" in caplog.text or "starting a new one" in caplog.text
        turns = thread.read(include_turns=True).thread.turns
        texts = [i.text for t in turns for i in t.items if i.type == "agentMessage"]
        assert "before the crash" in texts and "after the crash" in texts
        # The resumed thread kept its settings.
        assert "Be brief." in str(harness.model.requests[-1])


def test_tools_handlers_and_listeners_survive_a_restart(harness: CodexHarness) -> None:
    calls: list[int] = []

    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        calls.append(a + b)
        return a + b

    heard: list[str] = []
    with Codex(harness.config()) as codex:
        codex.on_notification(lambda note: heard.append(note.method))
        thread = codex.thread_start(tools=[add])
        thread.run("warm up")
        kill(codex.pid)
        after_crash(codex.models)
        heard.clear()
        harness.model.enqueue(Reply.function_call("add", {"a": 2, "b": 3}))
        harness.model.enqueue(Reply.text("5"))
        assert thread.run("add them").final_response == "5"
        assert calls == [5]
        assert wait_until(lambda: "thread/status/changed" in heard)


def test_more_than_max_restarts_within_a_minute_stops_restarting(harness: CodexHarness) -> None:
    with Codex(harness.config(max_restarts=1)) as codex:
        kill(codex.pid)
        after_crash(codex.models)  # restart 1: allowed
        kill(codex.pid)
        with pytest.raises(CodexError, match="not starting it again") as info:
            after_crash(codex.models)
        assert not isinstance(info.value, TransportClosedError)
        assert "exit code -9" in str(info.value)
        pid = codex.pid
        with pytest.raises(CodexError, match="not starting it again"):
            codex.thread_start()
        assert codex.pid == pid  # no further start


def test_without_auto_restart_a_dead_server_stays_dead(harness: CodexHarness) -> None:
    with Codex(harness.config(auto_restart=False)) as codex:
        pid = codex.pid
        kill(pid)
        for _ in range(2):  # the call that notices the death, and every later one
            with pytest.raises(TransportClosedError):
                codex.thread_start()
        assert codex.pid == pid


def test_login_state_survives_a_restart() -> None:
    with CodexHarness(requires_openai_auth=True) as harness, Codex(harness.config()) as codex:
        codex.login_api_key("sk-test-restart")
        kill(codex.pid)
        account = after_crash(codex.account).account
        assert account is not None and account.type == "apiKey"


# ------------------------------------------------------------------------ cancellation


def test_cancelling_a_task_interrupts_its_turn(harness: CodexHarness) -> None:
    held = harness.model.enqueue(Reply.text("never").held())

    async def main() -> str:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            task = asyncio.ensure_future(thread.run("hang"))
            assert await asyncio.to_thread(held.wait_reached, 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The interrupt was sent before the cancellation propagated.
            read = await thread.read(include_turns=True)
            for _ in range(100):
                if read.thread.turns[-1].status != TurnStatus.in_progress:
                    break
                await asyncio.sleep(0.05)
                read = await thread.read(include_turns=True)
            return str(read.thread.turns[-1].status.value)

    assert run(main()) == "interrupted"
    held.release()


def test_ctrl_c_in_a_sync_run_interrupts_the_turn(harness: CodexHarness) -> None:
    held = harness.model.enqueue(Reply.text("never").held())
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()

        def press_ctrl_c() -> None:
            held.wait_reached(10)
            _thread.interrupt_main()

        threading.Thread(target=press_ctrl_c, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            thread.run("hang")
        assert wait_until(lambda: last_turn_status(codex, thread.id) == TurnStatus.interrupted)
        held.release()


def test_ctrl_c_in_a_sync_stream_interrupts_the_turn(harness: CodexHarness) -> None:
    held = harness.model.enqueue(Reply.text("never").held())
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        handle = thread.turn("hang")

        def press_ctrl_c() -> None:
            held.wait_reached(10)
            time.sleep(0.2)
            _thread.interrupt_main()

        threading.Thread(target=press_ctrl_c, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            for _ in handle.stream():
                pass
        assert wait_until(lambda: last_turn_status(codex, thread.id) == TurnStatus.interrupted)
        held.release()
