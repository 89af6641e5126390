"""``codex-sdk demo``: the SDK end to end, offline, on the embedded mock model."""

from __future__ import annotations

import time

from .. import Codex
from ..testing import CodexHarness, Reply

_REPLY = (
    "Hello from Codex! This answer streamed from the offline mock model, "
    "one delta at a time, through a real codex app-server."
)


def run_demo() -> int:
    """Start a server on the mock model, run a streamed turn, print what happened."""
    with CodexHarness() as harness:
        harness.model.enqueue(Reply.text(_REPLY, deltas=12))
        started = time.perf_counter()
        with Codex(harness.config()) as codex:
            print(f"connected: {codex.metadata.user_agent}")
            thread = codex.thread_start()
            print(f"thread:    {thread.id}")
            handle = thread.turn("Say hello and explain where you are running.")
            print("assistant: ", end="", flush=True)
            for event in handle.stream():
                if event.method == "item/agentMessage/delta":
                    print(event.payload.delta, end="", flush=True)
            result = handle.run()
            print()
            usage = result.usage.total.total_tokens if result.usage else "n/a"
            print(f"turn:      {result.status.value}, {len(result.items)} items, {usage} tokens")
        print(f"done in {time.perf_counter() - started:.2f} s (offline, no network used)")
    return 0
