"""Thread goals (continuation turns as one handle) and code reviews, sync and async, against
the real app-server with the mock model scripting the ``update_goal`` tool and the
reviewer's JSON findings."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run

from openai_codex import (
    AsyncCodex,
    AsyncGoalHandle,
    BaseBranch,
    Codex,
    Commit,
    Custom,
    GoalHandle,
    InvalidRequestError,
    ReviewResult,
    TurnTimeoutError,
)
from openai_codex.testing import CodexHarness, Reply
from openai_codex.types import ThreadGoalStatus, TurnStatus


def goal_script(model: Any) -> None:
    """Two steps, the model completes the goal, and a last word in the same turn."""
    for reply in (
        Reply.text("step one"),
        Reply.text("step two"),
        Reply.function_call("update_goal", {"status": "complete"}),
        Reply.text("all done"),
    ):
        model.enqueue(reply)


@pytest.fixture
def harness() -> Iterator[CodexHarness]:
    with CodexHarness() as h:
        yield h


# ------------------------------------------------------------------------------ goals


def test_a_goal_runs_its_continuations_as_one_turn(harness: CodexHarness) -> None:
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        thread.run("warm up: the thread is persisted once it has a turn")
        goal_script(harness.model)
        handle = thread.start_goal("count to two, then finish")
        assert isinstance(handle, GoalHandle) and handle.id and handle.thread_id == thread.id
        events = list(handle.stream())
        assert [e.method for e in events].count("turn/started") == 3
        assert "thread/goal/updated" in [e.method for e in events]
        result = handle.run()
        assert result.status == TurnStatus.completed
        assert result.final_response == "all done"
        assert [item.text for item in result.items] == ["step one", "step two", "all done"]
        assert result.id == handle.id and result.thread_id == thread.id
        assert handle.goal is not None and handle.goal.status == ThreadGoalStatus.complete
        assert thread.goal().status == ThreadGoalStatus.complete
        assert thread.clear_goal().cleared is True
        assert thread.goal() is None
        assert thread.run("and now a plain turn").final_response == "echo: and now a plain turn"


def test_turn_and_run_take_goal_true_as_a_shortcut(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            await thread.run("warm up")
            goal_script(harness.model)
            handle = await thread.turn("finish the task", goal=True)
            assert isinstance(handle, AsyncGoalHandle)
            started = [e async for e in handle.stream() if e.method == "turn/started"]
            assert len(started) == 3
            assert (await handle.run()).final_response == "all done"
            goal_script(harness.model)
            result = await thread.run("finish it again", goal=True)
            assert result.final_response == "all done"
            with pytest.raises(ValueError, match="turn options do not apply"):
                await thread.run("x", goal=True, model="other")

    run(main())


def test_a_token_budget_ends_the_goal_after_the_turn_that_spends_it(
    harness: CodexHarness,
) -> None:
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        thread.run("warm up")
        # Every mock model call reports 15 tokens: 40 are spent during the third turn.
        result_handle = thread.start_goal("keep going", token_budget=40)
        result = result_handle.run()
        assert result_handle.goal.status == ThreadGoalStatus.budget_limited
        assert result_handle.goal.tokens_used > 40
        assert len(result.items) == 3


def test_interrupting_a_goal_pauses_it(harness: CodexHarness) -> None:
    held = Reply.text(["working", " on it"], delay=30).held()
    harness.model.enqueue(Reply.text("warm"))
    harness.model.enqueue(held)
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        thread.run("warm up")
        handle = thread.start_goal("a long job")
        assert held.wait_reached(10)
        handle.interrupt()
        result = handle.run(timeout=60)
        assert result.status == TurnStatus.interrupted
        assert handle.goal.status == ThreadGoalStatus.paused
        held.release()


def test_interrupting_a_goal_twice_answers_at_once(harness: CodexHarness) -> None:
    # The runtime never answers a second turn/interrupt of an interrupted turn.
    held = Reply.text(["working", " on it"], delay=30).held()
    harness.model.enqueue(Reply.text("warm"))
    harness.model.enqueue(held)
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        thread.run("warm up")
        handle = thread.start_goal("a long job")
        assert held.wait_reached(10)
        handle.interrupt()
        started = time.monotonic()
        handle.interrupt()
        assert time.monotonic() - started < 5
        assert handle.run(timeout=60).status == TurnStatus.interrupted
        held.release()


def test_a_goal_run_has_deadlines_too(harness: CodexHarness) -> None:
    harness.model.enqueue(Reply.text("warm"))
    held = harness.model.enqueue(Reply.text("never").held())

    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            await thread.run("warm up")
            handle = await thread.start_goal("stall")
            with pytest.raises(TurnTimeoutError) as info:
                await handle.run(timeout=1)
            assert info.value.result.status == TurnStatus.interrupted
            assert (await thread.goal()).status == ThreadGoalStatus.paused

    run(main())
    held.release()


def test_a_goal_needs_a_persisted_thread(harness: CodexHarness) -> None:
    with Codex(harness.config()) as codex:
        thread = codex.thread_start(ephemeral=True)
        with pytest.raises(InvalidRequestError, match="must be persisted"):
            thread.start_goal("anything")
        with pytest.raises(ValueError, match="objective"):
            codex.thread_start().start_goal("  ")


# ---------------------------------------------------------------------------- reviews


@pytest.fixture
def repo(harness: CodexHarness) -> Path:
    """The workspace as a git repository with one commit and one uncommitted change."""
    ws = harness.workspace
    git = ["git", "-c", "user.email=dev@example.com", "-c", "user.name=Dev"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=ws, check=True)
    (ws / "a.py").write_text("def f():\n    return 1\n")
    subprocess.run([*git, "add", "a.py"], cwd=ws, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], cwd=ws, check=True)
    (ws / "a.py").write_text("def f():\n    return 1 / 0\n")
    return ws


def findings_reply(path: Path) -> Reply:
    return Reply.text(
        json.dumps(
            {
                "findings": [
                    {
                        "title": "Division by zero",
                        "body": "f() always raises ZeroDivisionError.",
                        "confidence_score": 0.9,
                        "priority": 1,
                        "code_location": {
                            "absolute_file_path": str(path),
                            "line_range": {"start": 2, "end": 2},
                        },
                    }
                ],
                "overall_correctness": "patch is incorrect",
                "overall_explanation": "f() now raises.",
                "overall_confidence_score": 0.8,
            }
        )
    )


def test_a_review_returns_the_rendered_text_and_structured_findings(
    harness: CodexHarness, repo: Path
) -> None:
    harness.model.enqueue(findings_reply(repo / "a.py"))
    with Codex(harness.config()) as codex:
        thread = codex.thread_start(experimental_raw_events=True)
        review = thread.review()
    assert isinstance(review, ReviewResult)
    assert "Division by zero" in review.text and "Review comment" in review.text
    assert review.turn.status == TurnStatus.completed
    assert review.review_thread_id == thread.id
    assert review.findings is not None
    (finding,) = review.findings
    assert finding.title == "Division by zero" and finding.priority == 1
    assert finding.location is not None and finding.location.path == str(repo / "a.py")
    assert (finding.location.start_line, finding.location.end_line) == (2, 2)
    assert review.overall_correctness == "patch is incorrect"
    assert review.overall_confidence_score == 0.8
    # The reviewer was asked about the uncommitted change.
    assert "staged, unstaged, and untracked" in json.dumps(harness.model.requests[-1])


def test_without_raw_events_a_review_has_text_but_no_findings(
    harness: CodexHarness, repo: Path
) -> None:
    async def main() -> ReviewResult:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            return await thread.review(Custom("Look for crashes in a.py"))

    harness.model.enqueue(findings_reply(repo / "a.py"))
    review = run(main())
    assert review.findings is None
    assert "Division by zero" in review.text
    assert "Look for crashes in a.py" in json.dumps(harness.model.requests[-1])


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (BaseBranch("main"), "main"),
        (Commit("HEAD", title="first"), "first"),
        ({"type": "custom", "instructions": "be strict"}, "be strict"),
    ],
)
def test_review_targets_reach_the_reviewer(
    harness: CodexHarness, repo: Path, target: Any, expected: str
) -> None:
    harness.model.enqueue(findings_reply(repo / "a.py"))
    with Codex(harness.config()) as codex:
        review = codex.thread_start().review(target)
    assert review.turn.status == TurnStatus.completed
    assert expected in json.dumps(harness.model.requests[-1])


def test_a_bad_review_target_fails_before_anything_is_sent(harness: CodexHarness) -> None:
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        with pytest.raises(ValueError, match="uncommittedChanges"):
            thread.review("everything")
        with pytest.raises(ValueError):
            thread.review({"type": "nonsense"})
    assert harness.model.requests == []
