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
