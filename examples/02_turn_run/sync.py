"""Run a turn and look at every field of its ``TurnResult``.

``thread.run(prompt)`` waits for the turn to end and returns a ``TurnResult``: ids, status,
error, timings, the final answer, every completed item, and token usage.

    python examples/02_turn_run/sync.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/02_turn_run/sync.py   # offline
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex

from openai_codex import TurnResult
from openai_codex.testing import Reply  # only used offline, to script the mock model
from openai_codex.types import ThreadItem


def when(timestamp: int | None) -> str:
    """Server timestamps are Unix seconds (or None when not reported)."""
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%H:%M:%S UTC")


def item_text(item: ThreadItem) -> str | None:
    """The text of a message item (user or agent), None for other kinds."""
    if item.type == "agentMessage":
        return item.text
    if item.type == "userMessage":
        return " ".join(part.text for part in item.content if part.type == "text")
    return None


def describe(result: TurnResult) -> None:
    print(f"id:             {result.id}")
    print(f"thread_id:      {result.thread_id}")
    print(f"status:         {result.status.value}")  # completed / interrupted / failed
    print(f"error:          {result.error}")  # a TurnError for failed turns, else None
    print(f"started_at:     {when(result.started_at)}")
    print(f"completed_at:   {when(result.completed_at)}")
    print(f"duration_ms:    {result.duration_ms}")
    print(f"final_response: {result.final_response!r}")
    # Items are typed models (openai_codex.types): userMessage, agentMessage, reasoning,
    # commandExecution, fileChange, ... Each has a `type` tag and an `id`.
    print(f"items:          {len(result.items)}")
    for item in result.items:
        text = item_text(item)
        print(f"  - {item.type:<14} {text!r}" if text is not None else f"  - {item.type}")
    if result.usage is not None:
        # `total` is the thread's running total; `last` is the latest model call.
        total, last = result.usage.total, result.usage.last
        print(
            f"usage.total:    {total.total_tokens} tokens "
            f"(input {total.input_tokens}, cached {total.cached_input_tokens}, "
            f"output {total.output_tokens}, reasoning {total.reasoning_output_tokens})"
        )
        print(f"usage.last:     {last.total_tokens} tokens")


def main() -> None:
    with open_codex() as codex:
        kit = offline_kit()
        if kit is not None:  # offline: the mock answers with two messages in one response
            kit.model.enqueue(
                Reply.sequence(
                    Reply.text("Let me work that out."),
                    Reply.text("2 + 2 = 4", deltas=3),
                    usage={"input_tokens": 120, "output_tokens": 12},
                )
            )
        thread = codex.thread_start()
        result = thread.run("What is 2 + 2? Answer in a few words.")
        describe(result)


if __name__ == "__main__":
    main()
