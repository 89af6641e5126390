"""Token usage accounting: ``TokenUsage`` and how ``thread/tokenUsage/updated`` is summed.

The notification sequences below are the ones app-server 0.163.0 sends (see the notes of
``openai_codex._observability.usage``): ``total`` is the thread's cumulative usage, kept
across restarts and resumes; resume and fork repeat the stored usage under an old turn id; a
compaction reports ``total`` unchanged, once with ``last`` set to the compacted context's size.
"""

from __future__ import annotations

from typing import Any

import pytest

import openai_codex
import openai_codex.types
from openai_codex import TokenUsage
from openai_codex._observability.usage import UsageLedger, UsageMeter
from openai_codex.types import ThreadTokenUsage, TokenUsageBreakdown


def breakdown(total: int, *, cached: int = 0, reasoning: int = 0) -> dict[str, int]:
    """A wire TokenUsageBreakdown where input is 2/3 and output 1/3 of ``total``."""
    inp = total * 2 // 3
    return {
        "totalTokens": total,
        "inputTokens": inp,
        "cachedInputTokens": cached,
        "cacheWriteInputTokens": 0,
        "outputTokens": total - inp,
        "reasoningOutputTokens": reasoning,
    }


def update(thread: str, turn: str | None, total: int, last: int, **kw: int) -> dict[str, Any]:
    params: dict[str, Any] = {
        "threadId": thread,
        "tokenUsage": {
            "total": breakdown(total, **kw),
            "last": breakdown(last),
            "modelContextWindow": None,
        },
    }
    if turn is not None:
        params["turnId"] = turn
    return params


class TestTokenUsage:
    def test_is_exported_from_the_package_and_types(self) -> None:
        assert openai_codex.TokenUsage is TokenUsage is openai_codex.types.TokenUsage
        assert "TokenUsage" in openai_codex.__all__ and "TokenUsage" in openai_codex.types.__all__

    def test_adds_and_sums(self) -> None:
        a = TokenUsage(10, 2, 5, 1, 15)
        b = TokenUsage(1, 1, 1, 1, 2)
        assert a + b == TokenUsage(11, 3, 6, 2, 17)
        assert sum([a, b]) == sum([a, b], TokenUsage()) == a + b
        assert not TokenUsage() and a

    def test_reads_the_wire_the_model_and_snake_case(self) -> None:
        wire = {"inputTokens": 9, "cachedInputTokens": 4, "outputTokens": 3}
        wire |= {"reasoningOutputTokens": 2, "totalTokens": 12}
        expected = TokenUsage(9, 4, 3, 2, 12)
        assert TokenUsage.from_breakdown(wire) == expected
        assert TokenUsage.from_breakdown(TokenUsageBreakdown.model_validate(wire)) == expected
        assert TokenUsage.from_breakdown(expected.to_dict()) == expected
        assert TokenUsage.from_breakdown({"inputTokens": "x", "totalTokens": True}) == TokenUsage()
        assert TokenUsage.from_breakdown(None) == TokenUsage()

    def test_from_turn_usage_takes_the_total(self) -> None:
        usage = ThreadTokenUsage.model_validate(
            {"total": breakdown(30), "last": breakdown(15), "modelContextWindow": None}
        )
        assert TokenUsage.from_turn_usage(usage) == TokenUsage(20, 0, 10, 0, 30)
        assert TokenUsage.from_turn_usage(None) is None

    def test_dict_round_trip_and_validation(self) -> None:
        usage = TokenUsage(1, 2, 3, 4, 5)
        assert TokenUsage.from_dict(usage.to_dict()) == usage
        assert TokenUsage.from_dict({}) == TokenUsage()
        with pytest.raises(ValueError, match="input_tokens"):
            TokenUsage.from_dict({"input_tokens": "1"})

    def test_is_frozen(self) -> None:
        with pytest.raises(AttributeError):
            TokenUsage().input_tokens = 3  # type: ignore[misc]


class TestUsageMeter:
    def test_a_new_thread_counts_each_request_once(self) -> None:
        ledger = UsageLedger()
        meter = UsageMeter(ledger)
        meter.turn_started("t1")
        assert meter.updated(update("A", "t1", 15, 15)) == TokenUsage(10, 0, 5, 0, 15)
        meter.turn_completed("t1")
        meter.turn_started("t2")
        meter.updated(update("A", "t2", 45, 30))  # a tool call: two requests in one turn
        meter.updated(update("A", "t2", 90, 45))
        meter.turn_completed("t2")
        assert ledger.thread("A").total_tokens == 90 == ledger.total.total_tokens
        assert ledger.thread("B") == TokenUsage()

    def test_the_repeat_sent_on_resume_or_fork_is_not_counted(self) -> None:
        ledger = UsageLedger()
        meter = UsageMeter(ledger)
        # thread/resume (or fork, or a restart's resume): the stored usage, old turn id
        assert meter.updated(update("A", "old-turn", 660, 330)) is None
        meter.turn_started("t3")
        assert meter.updated(update("A", "t3", 1100, 440)) == TokenUsage.from_breakdown(
            breakdown(440)
        )
        assert ledger.thread("A").total_tokens == 440

    def test_a_compaction_counts_only_its_one_request(self) -> None:
        ledger = UsageLedger()
        meter = UsageMeter(ledger)
        meter.updated(update("A", "old-turn", 30, 15))  # the resume's repeat
        meter.turn_started("compact")
        assert meter.updated(update("A", "compact", 30, 15)) is None  # same total again
        assert meter.updated(update("A", "compact", 45, 15)) is not None  # the request
        assert meter.updated(update("A", "compact", 45, 1813)) is None  # the new context size
        meter.turn_completed("compact")
        assert ledger.total.total_tokens == 15

    def test_a_new_connection_goes_on_from_the_servers_total(self) -> None:
        ledger = UsageLedger()
        first = UsageMeter(ledger)
        first.turn_started("t1")
        first.updated(update("A", "t1", 15, 15))
        second = UsageMeter(ledger)  # the app-server restarted; the thread was resumed
        second.updated(update("A", "t1", 15, 15))
        second.turn_started("t2")
        second.updated(update("A", "t2", 30, 15))
        assert ledger.thread("A").total_tokens == 30  # equals the server's total

    def test_updates_of_turns_not_started_here_only_set_the_baseline(self) -> None:
        ledger = UsageLedger()
        meter = UsageMeter(ledger)
        assert meter.updated(update("A", None, 10, 10)) is None
        meter.turn_started("t1")
        meter.updated(update("A", "t1", 25, 15))
        assert ledger.total.total_tokens == 15

    def test_threads_are_counted_apart_and_bad_params_are_ignored(self) -> None:
        ledger = UsageLedger()
        meter = UsageMeter(ledger)
        meter.turn_started("a1")
        meter.turn_started("b1")
        meter.updated(update("A", "a1", 15, 15))
        meter.updated(update("B", "b1", 30, 30))
        assert meter.updated({"threadId": "A"}) is None
        assert meter.updated({"tokenUsage": {}}) is None
        assert (ledger.thread("A").total_tokens, ledger.thread("B").total_tokens) == (15, 30)
        assert ledger.total.total_tokens == 45

    def test_a_first_update_never_counts_more_than_the_total(self) -> None:
        ledger = UsageLedger()
        meter = UsageMeter(ledger)
        meter.turn_started("t1")
        meter.updated(update("A", "t1", 10, 99))
        assert ledger.total.total_tokens == 10

    def test_a_total_that_went_down_counts_nothing(self) -> None:
        ledger = UsageLedger()
        meter = UsageMeter(ledger)
        meter.turn_started("t1")
        meter.updated(update("A", "t1", 30, 30))
        assert meter.updated(update("A", "t1", 20, 5)) is None
        assert meter.updated(update("A", "t1", 35, 15)) is not None  # from the new baseline
        assert ledger.total.total_tokens == 45
