"""GoalCollector: which notifications belong to a goal run, and the run's result."""

from __future__ import annotations

from typing import Any

from openai_codex._conversation.goals.handles import GoalCollector
from openai_codex._core.notifications import Notification

THREAD = "thr"


def turn(turn_id: str, status: str = "inProgress", **extra: Any) -> dict[str, Any]:
    return {"id": turn_id, "status": status, "items": [], **extra}


def goal(status: str, tokens: int = 0) -> dict[str, Any]:
    return {
        "threadId": THREAD,
        "objective": "o",
        "status": status,
        "tokenBudget": None,
        "tokensUsed": tokens,
        "timeUsedSeconds": 0,
        "createdAt": 1,
        "updatedAt": 1,
    }


def note(method: str, **params: Any) -> Notification:
    return Notification(method, {"threadId": THREAD, **params})


def agent(turn_id: str, text: str) -> Notification:
    item = {"type": "agentMessage", "id": f"m-{text}", "text": text}
    return note("item/completed", turnId=turn_id, item=item, completedAtMs=1)


def test_a_run_spans_its_continuations_and_ends_when_the_goal_does() -> None:
    run = GoalCollector(THREAD)
    run.apply_goal(goal("active"))
    feed = [
        note("thread/goal/updated", turnId=None, goal=goal("active")),
        note("turn/started", turn=turn("t1", startedAt=10)),
        agent("t1", "one"),
        note("turn/completed", turn=turn("t1", "completed", startedAt=10, completedAt=11)),
        note("turn/started", turn=turn("t2")),
        note("thread/goal/updated", turnId="t2", goal=goal("complete", 30)),
        agent("t2", "two"),
    ]
    assert all(run.feed(n) for n in feed)
    assert not run.done  # the goal is complete but its turn still runs
    assert run.feed(note("turn/completed", turn=turn("t2", "completed", completedAt=13)))
    assert run.done
    result = run.finish()
    assert result.id == "t1" and result.final_response == "two"
    assert [i.text for i in result.items] == ["one", "two"]
    assert result.duration_ms == 3000
    assert run.goal is not None and run.goal.tokens_used == 30


def test_what_belongs_to_an_earlier_run_is_skipped() -> None:
    run = GoalCollector(THREAD)
    run.expect_clearing(True)  # the clear that made room for this goal sends one of these
    run.apply_goal(goal("active"))
    assert not run.feed(note("thread/goal/cleared"))
    # A late update of the previous run's last turn is not this run's.
    assert not run.feed(note("thread/goal/updated", turnId="old", goal=goal("complete")))
    assert not run.feed(note("thread/status/changed", status={"type": "active"}))
    assert not run.done
    assert run.feed(note("turn/started", turn=turn("t1")))
    # A second clearing is real: the goal was removed while the run went on.
    assert run.feed(note("thread/goal/cleared"))
    assert run.feed(note("turn/completed", turn=turn("t1", "interrupted")))
    assert run.done and run.result().status.value == "interrupted"


# -- aiming steer and interrupt at the running continuation (goals/steering.py) ------------


def test_the_refusal_names_the_active_turn_with_or_without_backticks() -> None:
    from openai_codex._conversation.goals.steering import found_turn_id

    steer = "expected active turn id `t-1` but found `t-2`"
    interrupt = "expected active turn id t-1 but found t-2"
    assert found_turn_id(steer) == "t-2"
    assert found_turn_id(interrupt) == "t-2"
    assert found_turn_id("turn/steer: " + steer + " (code -32600)") == "t-2"
    assert found_turn_id("no active turn to steer") is None


def test_the_live_turn_follows_the_thread_as_notifications_are_routed() -> None:
    from openai_codex._conversation.goals.steering import LiveTurn
    from openai_codex._core.sinks import ThreadSink

    live = LiveTurn()
    sink: ThreadSink[Notification] = ThreadSink()
    tap = live.tap(sink)
    assert live.running is None and not live.idle_for_good
    tap.put(note("turn/started", turn=turn("t1")))
    assert live.running == "t1"
    tap.put(note("turn/completed", turn=turn("t1", "completed")))
    assert live.running is None and not live.idle_for_good  # the goal is still active
    tap.put(note("turn/started", turn=turn("t2")))
    tap.put(note("thread/goal/updated", turnId="t2", goal=goal("complete")))
    assert live.running == "t2" and not live.idle_for_good  # t2 still runs
    # A late completion of an older turn does not hide the running one.
    tap.put(note("turn/completed", turn=turn("t1", "completed")))
    assert live.running == "t2"
    tap.put(note("turn/completed", turn=turn("t2", "completed")))
    assert live.idle_for_good
    tap.close()
    got = []
    while (item := sink.get_nowait()) is not None and isinstance(item, Notification):
        got.append(item.method)
    assert got.count("turn/started") == 2 and len(got) == 6  # everything passed through


def test_an_objective_is_checked_before_anything_is_sent() -> None:
    import pytest

    from openai_codex._conversation.goals.operation import MAX_OBJECTIVE_CHARS, check_objective

    assert check_objective("ship it") == "ship it"
    assert check_objective("x" * MAX_OBJECTIVE_CHARS)
    with pytest.raises(TypeError, match="not bytes"):
        check_objective(b"bytes")
    with pytest.raises(ValueError, match="empty"):
        check_objective("   ")
    with pytest.raises(ValueError, match=r"at most 4000 characters.*has 4001"):
        check_objective("x" * 4001)
