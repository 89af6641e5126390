"""The same flow with ``AsyncCodex``; ``sync.py`` does it with the blocking client.

``Codex`` and ``AsyncCodex`` have the same methods and return the same types; the async
client's are coroutines. Both scripts run one turn, then ask several threads at once and
print the same lines (offline, byte for byte). Here the threads run concurrently with
``asyncio.gather`` on one event loop.

    python examples/09_async_parity/async.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/09_async_parity/async.py   # offline

Offline, the mock model answers unscripted prompts with ``echo: <prompt>``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex

from openai_codex import AsyncCodex
from openai_codex.testing import Reply  # only used offline, to script the mock model

PROMPTS = [
    "Name a primary colour, in one word.",
    "Name a planet, in one word.",
    "Name a prime below 10, in digits.",
]


async def ask(codex: AsyncCodex, prompt: str) -> str | None:
    """One question on a thread of its own."""
    thread = await codex.thread_start()
    return (await thread.run(prompt)).final_response


async def main() -> None:
    async with open_async_codex() as codex:
        kit = offline_kit()
        if kit is not None:  # offline: script the first answer (the others are echoed)
            kit.model.enqueue(Reply.text("Both clients share one engine."))

        # 1. One thread, one turn.
        thread = await codex.thread_start()
        result = await thread.run("In five words: how do Codex's sync and async clients relate?")
        print(f"one turn: {result.status.value}: {result.final_response}")

        # 2. Several threads at once; gather returns results in the order of PROMPTS.
        answers = await asyncio.gather(*(ask(codex, prompt) for prompt in PROMPTS))
        for prompt, answer in zip(PROMPTS, answers, strict=True):
            print(f"{prompt} -> {answer}")


if __name__ == "__main__":
    asyncio.run(main())
