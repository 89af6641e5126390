"""Building a TurnResult from a turn's notifications."""

from __future__ import annotations

from typing import Any

import pytest

from openai_codex import Notification, TurnFailedError, TurnResult
from openai_codex._conversation.results import TurnCollector, final_response

THREAD = "th"
TURN = "t1"


def note(method: str, **params: Any) -> Notification:
    return Notification(method, {"threadId": THREAD, **params})


def user_item(text: str, item_id: str = "u1") -> dict[str, Any]:
    return {"type": "userMessage", "id": item_id, "content": [{"type": "text", "text": text}]}


def agent_item(text: str, item_id: str, phase: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "agentMessage", "id": item_id, "text": text}
    if phase is not None:
        item["phase"] = phase
    return item


def item_completed(item: dict[str, Any]) -> Notification:
    return note("item/completed", turnId=TURN, item=item, completedAtMs=1)


def usage(total: int) -> Notification:
    breakdown = {
        "cachedInputTokens": 0,
        "inputTokens": total - 1,
        "outputTokens": 1,
        "reasoningOutputTokens": 0,
        "totalTokens": total,
    }
    return note(
        "thread/tokenUsage/updated",
        turnId=TURN,
        tokenUsage={"total": breakdown, "last": breakdown, "modelContextWindow": None},
    )


def turn_completed(
    status: str = "completed", error: str | None = None, items: list[Any] | None = None
) -> Notification:
    turn: dict[str, Any] = {
        "id": TURN,
        "status": status,
        "items": items or [],
        "error": {"message": error} if error is not None else None,
        "startedAt": 100,
        "completedAt": 102,
        "durationMs": 1500,
    }
    return note("turn/completed", turn=turn)


def collect(*notes: Notification) -> TurnCollector:
    collector = TurnCollector(THREAD, TURN)
    for n in notes:
        collector.feed(n)
    return collector


def test_a_completed_turn_gives_every_field() -> None:
    collector = collect(
        note("turn/started", turn={"id": TURN, "status": "inProgress", "items": []}),
        item_completed(user_item("question")),
        item_completed(agent_item("answer", "a1")),
        usage(42),
        turn_completed(),
    )
    assert collector.done
    result = collector.finish()
    assert isinstance(result, TurnResult)
    assert (result.id, result.thread_id) == (TURN, THREAD)
    assert result.status.value == "completed"
    assert result.error is None
    assert (result.started_at, result.completed_at, result.duration_ms) == (100, 102, 1500)
    assert result.final_response == "answer"
    assert [i.type for i in result.items] == ["userMessage", "agentMessage"]
    assert result.usage is not None and result.usage.total.total_tokens == 42


def test_final_response_prefers_the_final_answer_phase() -> None:
    collector = collect(
        item_completed(agent_item("let me look", "a1", "commentary")),
        item_completed(agent_item("the answer", "a2", "final_answer")),
        item_completed(agent_item("one more note", "a3", "commentary")),
        turn_completed(),
    )
    assert collector.finish().final_response == "the answer"


def test_final_response_is_the_last_agent_message_without_phases() -> None:
    collector = collect(
        item_completed(agent_item("first", "a1")),
        item_completed(user_item("steer", "u2")),
        item_completed(agent_item("second", "a2")),
        turn_completed(),
    )
    assert collector.finish().final_response == "second"


def test_final_response_is_none_without_an_agent_message() -> None:
    assert final_response([]) is None
    result = collect(item_completed(user_item("q")), turn_completed("interrupted")).finish()
    assert result.final_response is None
    assert result.status.value == "interrupted"


def test_a_failed_turn_raises_turn_failed_with_the_partial_result() -> None:
    collector = collect(
        item_completed(user_item("question")),
        item_completed(agent_item("partial", "a1")),
        usage(7),
        turn_completed("failed", error="stream disconnected before completion: boom"),
    )
    with pytest.raises(TurnFailedError) as info:
        collector.finish()
    error = info.value
    assert error.message == "stream disconnected before completion: boom"
    assert "boom" in str(error)
    partial = error.result
    assert isinstance(partial, TurnResult)
    assert partial.status.value == "failed"
    assert partial.error is not None and partial.error.message == error.message
    assert partial.final_response == "partial"
    assert partial.usage is not None and partial.usage.total.total_tokens == 7


def test_a_failed_turn_without_an_error_object_still_raises() -> None:
    with pytest.raises(TurnFailedError, match="unknown error"):
        collect(turn_completed("failed")).finish()


def test_the_result_so_far_is_in_progress_until_turn_completed() -> None:
    collector = collect(item_completed(user_item("q")))
    assert not collector.done
    result = collector.result()
    assert result.status.value == "inProgress"
    assert result.completed_at is None
    assert [i.type for i in result.items] == ["userMessage"]


def test_another_turns_completion_does_not_finish_the_collector() -> None:
    other = Notification(
        "turn/completed",
        {"threadId": THREAD, "turn": {"id": "other", "status": "completed", "items": []}},
    )
    collector = collect(other)
    assert not collector.done


def test_items_of_turn_completed_are_used_when_no_item_event_was_seen() -> None:
    collector = collect(turn_completed(items=[agent_item("summary answer", "a9")]))
    result = collector.finish()
    assert result.final_response == "summary answer"
    assert [i.id for i in result.items] == ["a9"]
