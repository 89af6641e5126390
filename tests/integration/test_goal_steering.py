"""A goal's ``steer()`` and ``interrupt()`` reach the continuation that runs now, and a bad
objective is refused before anything is sent.

Each run: a first turn that ends at once, then a continuation whose model reply the mock
model holds until the steer or interrupt has been sent. Each test repeats that 20 times
in a row, at a random moment of the held continuation, while the handle's stream is read
concurrently or not read at all (then the handle knows nothing of the continuation but
what the connection routed).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable

import pytest
from conftest import run

from openai_codex import AsyncCodex, AsyncGoalHandle, Codex, GoalHandle, Thread, TurnResult
from openai_codex.testing import CodexHarness, Reply
from openai_codex.types import ThreadGoalStatus, TurnStatus

ROUNDS = 20
MAX_DELAY = 0.02


def script(harness: CodexHarness, *, completes: bool) -> Reply:
    """A first turn, then a held continuation (and, to complete, two more model calls)."""
    harness.model.clear()
    harness.model.clear_requests()
    harness.model.enqueue(Reply.text("first turn"))
    held = harness.model.enqueue(Reply.text("continuing").held())
    if completes:
        harness.model.enqueue(Reply.function_call("update_goal", {"status": "complete"}))
        harness.model.enqueue(Reply.text("all done"))
    return held


def turn_with_user_text(thread: Thread, text: str) -> str:
    """The id of the thread's turn whose items hold a user message with ``text``."""
    info = thread.read(include_turns=True).thread
    for turn in info.turns:
        for item in turn.items:
            if item.root.type == "userMessage" and any(
                getattr(part.root, "text", None) == text for part in item.root.content
            ):
                return turn.id
    raise AssertionError(f"no turn has the user message {text!r}")


def steered_turns(harness: CodexHarness, text: str) -> int:
    """How many model requests carried ``text`` as user input."""
    return sum(text in harness.model.user_texts(body) for body in harness.model.requests)


# --------------------------------------------------------------------------- drivers

SyncAct = Callable[[GoalHandle, int], None]
SyncCheck = Callable[[Thread, GoalHandle, TurnResult, int], None]
AsyncAct = Callable[[AsyncGoalHandle, int], Awaitable[None]]


def follow(handle: GoalHandle, results: list[TurnResult]) -> None:
    results.append(handle.run(timeout=60))


def sync_rounds(harness: CodexHarness, *, completes: bool, act: SyncAct, check: SyncCheck) -> None:
    """ROUNDS goal runs; ``act`` at a random moment of the held continuation."""
    rng = random.Random()
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        thread.run("warm up: the thread is persisted once it has a turn")
        for round_ in range(ROUNDS):
            held = script(harness, completes=completes)
            handle = thread.start_goal(f"job {round_}")
            results: list[TurnResult] = []
            reader = None
            if round_ % 2:  # read the stream meanwhile (else nobody reads it until later)
                reader = threading.Thread(target=follow, args=(handle, results))
                reader.start()
            assert held.wait_reached(10)
            time.sleep(rng.uniform(0, MAX_DELAY))
            act(handle, round_)
            held.release()
            if reader is not None:
                reader.join(60)
            result = results[0] if reader is not None else handle.run(timeout=60)
            check(thread, handle, result, round_)


def async_rounds(
    harness: CodexHarness,
    *,
    completes: bool,
    act: AsyncAct,
    check: Callable[[AsyncGoalHandle, TurnResult, int], None],
) -> None:
    """The same with the async client (the stream read by a task on odd rounds)."""
    rng = random.Random()

    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            await thread.run("warm up")
            for round_ in range(ROUNDS):
                held = script(harness, completes=completes)
                handle = await thread.start_goal(f"job {round_}")
                reading = asyncio.ensure_future(handle.run(timeout=60)) if round_ % 2 else None
                assert await asyncio.to_thread(held.wait_reached, 10)
                await asyncio.sleep(rng.uniform(0, MAX_DELAY))
                await act(handle, round_)
                held.release()
                result = await (reading if reading is not None else handle.run(timeout=60))
                check(handle, result, round_)

    run(main(), timeout=120)


# ------------------------------------------------------------------------------ steer


def steer_text(round_: int) -> str:
    return f"steer number {round_}"


def check_steered(harness: CodexHarness, result: TurnResult, round_: int) -> None:
    assert result.status == TurnStatus.completed, round_
    assert result.final_response == "all done", round_
    assert steered_turns(harness, steer_text(round_)) >= 1, round_


def test_steer_reaches_the_running_continuation_20_times_in_a_row(harness: CodexHarness) -> None:
    def act(handle: GoalHandle, round_: int) -> None:
        assert handle.steer(steer_text(round_)).turn_id == handle.id, round_

    def check(thread: Thread, handle: GoalHandle, result: TurnResult, round_: int) -> None:
        check_steered(harness, result, round_)
        # The input went into the continuation, not into the goal's first turn.
        assert turn_with_user_text(thread, steer_text(round_)) != handle.id, round_

    sync_rounds(harness, completes=True, act=act, check=check)


def test_async_steer_reaches_the_running_continuation_20_times_in_a_row(
    harness: CodexHarness,
) -> None:
    async def act(handle: AsyncGoalHandle, round_: int) -> None:
        assert (await handle.steer(steer_text(round_))).turn_id == handle.id, round_

    def check(handle: AsyncGoalHandle, result: TurnResult, round_: int) -> None:
        check_steered(harness, result, round_)

    async_rounds(harness, completes=True, act=act, check=check)


# -------------------------------------------------------------------------- interrupt


def check_interrupted(
    handle: GoalHandle | AsyncGoalHandle, result: TurnResult, round_: int
) -> None:
    assert result.status == TurnStatus.interrupted, round_
    assert handle.goal is not None and handle.goal.status == ThreadGoalStatus.paused, round_
    assert result.final_response != "all done"


def test_interrupt_stops_the_running_continuation_20_times_in_a_row(
    harness: CodexHarness,
) -> None:
    def act(handle: GoalHandle, round_: int) -> None:
        handle.interrupt()

    def check(thread: Thread, handle: GoalHandle, result: TurnResult, round_: int) -> None:
        check_interrupted(handle, result, round_)
        # Two turns ran: the first one completed, the continuation was interrupted.
        turns = thread.read(include_turns=True).thread.turns[-2:]
        assert turns[0].id == handle.id and turns[0].status == TurnStatus.completed
        assert turns[1].status == TurnStatus.interrupted, round_
        assert thread.goal().status == ThreadGoalStatus.paused

    sync_rounds(harness, completes=False, act=act, check=check)


def test_async_interrupt_stops_the_running_continuation_20_times_in_a_row(
    harness: CodexHarness,
) -> None:
    async def act(handle: AsyncGoalHandle, round_: int) -> None:
        await handle.interrupt()

    async_rounds(harness, completes=False, act=act, check=check_interrupted)


# -------------------------------------------------------------------------- objectives


def test_a_bad_objective_is_refused_before_the_current_goal_is_touched(
    harness: CodexHarness,
) -> None:
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        thread.run("warm up")
        codex.request(
            "thread/goal/set", {"threadId": thread.id, "objective": "keep me", "status": "paused"}
        )
        with pytest.raises(TypeError, match="must be a string, not int"):
            thread.start_goal(42)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="must not be empty"):
            thread.start_goal(" \n\t ")
        with pytest.raises(ValueError, match="at most 4000 characters"):
            thread.start_goal("x" * 4001)
        with pytest.raises(ValueError, match="at most 4000 characters"):
            thread.turn("y" * 5000, goal=True)
        goal = thread.goal()
        assert goal is not None and goal.objective == "keep me"
        assert goal.status == ThreadGoalStatus.paused
        # Exactly at the limit is fine (the server's own limit is 4000 characters too).
        harness.model.enqueue(Reply.function_call("update_goal", {"status": "complete"}))
        harness.model.enqueue(Reply.text("done"))
        assert thread.start_goal("z" * 4000).run(timeout=60).final_response == "done"


def test_async_bad_objectives_are_refused_too(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            await thread.run("warm up")
            await codex.request(
                "thread/goal/set", {"threadId": thread.id, "objective": "mine", "status": "paused"}
            )
            with pytest.raises(TypeError):
                await thread.start_goal(None)  # type: ignore[arg-type]
            with pytest.raises(ValueError, match="4000"):
                await thread.run("x" * 4001, goal=True)
            assert (await thread.goal()).objective == "mine"

    run(main())
