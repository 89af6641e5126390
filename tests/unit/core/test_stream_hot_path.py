"""What the streaming hot path promises beyond its results (issue 21).

A turn's wait with a deadline arms about one timer per limit's length, not one per event;
a routed notification knows its turn once; an ended stream leaves no timer behind.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from openai_codex import Notification
from openai_codex._conversation.turn import next_before
from openai_codex._core.deadline import TurnClock
from openai_codex._core.router import Router
from openai_codex._core.sinks import END, AsyncSink


def delta(turn: str, n: int) -> dict[str, Any]:
    return {"threadId": "t", "turnId": turn, "itemId": "i", "delta": str(n)}


def test_a_wait_with_an_idle_limit_arms_one_timer_for_many_events() -> None:
    async def main() -> tuple[int, list[int]]:
        loop = asyncio.get_running_loop()
        armed = 0
        call_later = loop.call_later

        def counting(delay: float, callback: Any, *args: Any) -> asyncio.TimerHandle:
            nonlocal armed
            armed += 1
            return call_later(delay, callback, *args)

        loop.call_later = counting  # type: ignore[method-assign]
        sink: AsyncSink[int] = AsyncSink()
        clock = TurnClock(60.0, 30.0)

        async def never(clock: TurnClock) -> None:
            raise AssertionError("no limit ran out")

        async def produce() -> None:
            for n in range(500):
                await asyncio.sleep(0)  # the consumer waits for every single event
                sink.put(n)
            sink.close()

        producer = asyncio.ensure_future(produce())
        got = []
        while True:
            clock.tick()
            item = await next_before(sink, clock, never)  # type: ignore[arg-type]
            if item is None:
                break
            got.append(item)
        await producer
        loop.call_later = call_later  # type: ignore[method-assign]
        return armed, got

    armed, got = asyncio.run(main())
    assert got == list(range(500))
    assert armed <= 2  # the first wait arms it; ticks move the deadline, not the timer


def test_a_wait_ends_when_the_deadline_passes_and_close_drops_the_timer() -> None:
    async def main() -> None:
        sink: AsyncSink[int] = AsyncSink()
        start = time.monotonic()
        assert await sink.get_before(start + 0.05) is None
        assert time.monotonic() - start >= 0.05
        assert await sink.get_before(time.monotonic() - 1) is None  # already past: no wait
        waiting = asyncio.ensure_future(sink.get_before(time.monotonic() + 60))
        await asyncio.sleep(0.01)
        sink.put(7)
        assert await waiting == 7
        assert sink._alarm is not None  # left armed for the next wait...
        sink.close()
        assert sink._alarm is None  # ...and dropped with the stream
        assert await sink.get_before(time.monotonic() + 60) is END

    asyncio.run(main())


def test_a_cancelled_wait_is_not_woken_by_a_later_put() -> None:
    async def main() -> None:
        sink: AsyncSink[int] = AsyncSink()
        waiting = asyncio.ensure_future(sink.get_before(None))
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.sleep(0)
        sink.put(1)
        assert await sink.get_before(None) == 1

    asyncio.run(main())


def test_routed_notifications_carry_their_turn_like_built_ones() -> None:
    router = Router()
    sink: AsyncSink[Notification] = AsyncSink()
    router.claim_turn("t", "u1", sink)
    router.dispatch("item/agentMessage/delta", delta("u1", 1))
    router.dispatch("turn/completed", {"threadId": "t", "turn": {"id": "u1"}})
    first, last = sink.get_nowait(), sink.get_nowait()
    assert first is not None and last is not None
    assert (first.turn_id, last.turn_id) == ("u1", "u1")
    built = Notification("turn/completed", {"threadId": "t", "turn": {"id": "u1"}})
    assert built == last and built.turn_id == "u1" and built.thread_id == "t"
    router.dispatch("thread/status/changed", {"threadId": "t"})  # after the turn: nobody
    assert Notification("thread/started", {"threadId": "t"}).turn_id is None


def test_the_clock_deadline_is_the_nearer_limit() -> None:
    now = [100.0]
    clock = TurnClock(10.0, 3.0, now=lambda: now[0])
    assert clock.deadline() == 103.0
    now[0] = 102.0
    clock.tick()
    assert clock.deadline() == 105.0
    now[0] = 108.5
    clock.tick()
    assert clock.deadline() == 110.0  # the whole-turn limit is nearer now
    assert TurnClock(None, None).deadline() is None
