"""The sans-IO goal-operation state, fed with notifications shaped as app-server 0.163.0
sends them (see ``openai_codex._conversation.goals.operation``)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from typing import Any

from openai_codex._conversation.goals.operation import (
    GOAL_CLEARED,
    GOAL_UPDATED,
    _GoalOperationState,
)
from openai_codex._generated.models import ThreadGoalStatus, TurnStatus

THREAD = "thread-1"


def turn(turn_id: str, status: str = "inProgress") -> dict[str, Any]:
    return {
        "id": turn_id,
        "rootTurnId": turn_id,
        "items": [],
        "itemsView": "notLoaded",
        "status": status,
        "error": None,
        "startedAt": 1,
        "completedAt": None if status == "inProgress" else 2,
        "durationMs": None,
    }


def started(turn_id: str) -> tuple[str, dict[str, Any]]:
    return "turn/started", {"threadId": THREAD, "turn": turn(turn_id)}


def completed(turn_id: str, status: str = "completed") -> tuple[str, dict[str, Any]]:
    return "turn/completed", {"threadId": THREAD, "turn": turn(turn_id, status)}


def goal(status: str, turn_id: str | None = None) -> tuple[str, dict[str, Any]]:
    return GOAL_UPDATED, {
        "threadId": THREAD,
        "turnId": turn_id,
        "goal": {
            "threadId": THREAD,
            "objective": "do it",
            "status": status,
            "tokenBudget": None,
            "tokensUsed": 15,
            "timeUsedSeconds": 0,
            "createdAt": 1,
            "updatedAt": 1,
        },
    }


def delta(turn_id: str) -> tuple[str, dict[str, Any]]:
    return "item/agentMessage/delta", {
        "threadId": THREAD,
        "turnId": turn_id,
        "itemId": "m",
        "delta": "x",
    }


def feed(state: _GoalOperationState, *notes: tuple[str, dict[str, Any]]) -> None:
    for method, params in notes:
        assert state.wants(method, params), method
        state.feed(method, params)


def test_fields_and_defaults_are_the_official_ones() -> None:
    state = _GoalOperationState(THREAD)
    public = {f.name: f.default for f in dataclasses.fields(state) if not f.name.startswith("_")}
    assert public == {
        "thread_id": dataclasses.MISSING,
        "logical_turn_id": None,
        "current_turn_id": None,
        "status": None,
        "started_turn": None,
        "completed_turn": None,
        "interrupted": False,
        "interrupt_requested": False,
        "cleared": False,
    }
    assert not state.finished and not state.reserved and state.failure is None


def test_a_goal_run_until_the_model_completes_it() -> None:
    state = _GoalOperationState(THREAD)
    state.begin_start()
    feed(state, goal("active"), started("t1"), delta("t1"))
    assert state.logical_turn_id == state.current_turn_id == "t1"
    assert state.status is ThreadGoalStatus.active
    assert state.started_turn is not None and state.started_turn.id == "t1"
    feed(state, goal("active", "t1"), completed("t1"))
    assert state.current_turn_id is None and not state.finished
    assert state.completed_turn is not None and state.completed_turn.id == "t1"
    assert state.completed_turn.status is TurnStatus.completed
    # The second continuation: the model calls update_goal(complete) mid-turn.
    feed(state, started("t2"), goal("complete", "t2"), delta("t2"))
    assert state.status is ThreadGoalStatus.complete
    assert state.current_turn_id == "t2" and not state.finished  # the turn still runs
    feed(state, completed("t2"))
    assert state.finished and state.current_turn_id is None
    assert state.logical_turn_id == "t1" and state.started_turn.id == "t1"
    assert state.completed_turn.id == "t2"
    assert not state.interrupted and not state.cleared
    # A finished operation lets the thread's later notifications go elsewhere.
    method, params = started("t3")
    assert not state.wants(method, params)


def test_cancel_pauses_then_the_interrupted_turn_ends_the_run() -> None:
    state = _GoalOperationState(THREAD)
    feed(state, goal("active"), started("t1"))
    assert state.request_interrupt() == "t1"
    assert state.interrupt_requested
    before = state.goal_events
    state.apply_goal({"status": "paused"}, events_before=before)
    assert state.status is ThreadGoalStatus.paused and not state.finished
    feed(state, goal("paused"), completed("t1", "interrupted"))
    assert state.finished and state.interrupted


def test_a_stale_answer_does_not_override_a_newer_notification() -> None:
    state = _GoalOperationState(THREAD)
    feed(state, goal("active"), started("t1"))
    before = state.goal_events
    feed(state, goal("complete", "t1"))  # arrives before our set's answer is processed
    state.apply_goal({"status": "active"}, events_before=before)
    assert state.status is ThreadGoalStatus.complete


def test_pause_between_turns_finishes_at_once() -> None:
    state = _GoalOperationState(THREAD)
    feed(state, goal("active"), started("t1"), completed("t1"))
    assert not state.finished
    assert state.request_interrupt() is None and not state.interrupt_requested
    state.apply_goal({"status": "paused"})
    assert state.finished


def test_clearing_ends_the_run_after_the_running_turn() -> None:
    state = _GoalOperationState(THREAD)
    feed(state, goal("active"), started("t1"))
    feed(state, (GOAL_CLEARED, {"threadId": THREAD}))
    assert state.cleared and not state.finished
    feed(state, completed("t1"))
    assert state.finished


def test_the_clearing_of_a_previous_goal_is_not_the_operations() -> None:
    state = _GoalOperationState(THREAD)
    state.begin_start()
    cleared = (GOAL_CLEARED, {"threadId": THREAD})
    assert not state.wants(*cleared)
    feed(state, goal("active"))
    assert state.wants(*cleared)


def test_routing_rules() -> None:
    state = _GoalOperationState(THREAD)
    assert state.wants(*delta("t9"))  # a turn's notification
    assert not state.wants("thread/status/changed", {"threadId": THREAD, "status": {}})
    reserved = _GoalOperationState(THREAD, _turn_routing_active=False)
    assert reserved.reserved and not reserved.wants(*goal("active"))


def test_unknown_status_ends_the_run_and_bad_turns_are_skipped() -> None:
    state = _GoalOperationState(THREAD)
    state.feed("turn/started", {"threadId": THREAD, "turn": {"id": 3}})  # not a Turn
    assert state.current_turn_id is None
    state.feed(*goal("someNewStatus"))
    assert state.status is None and state.finished


def test_failure_is_remembered_once() -> None:
    state = _GoalOperationState(THREAD)
    first, second = RuntimeError("a"), RuntimeError("b")
    state.fail(first)
    state.fail(second)
    assert state.failure is first


def test_importing_the_module_does_not_import_pydantic() -> None:
    code = (
        "import sys, openai_codex._conversation.goals.operation; print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
