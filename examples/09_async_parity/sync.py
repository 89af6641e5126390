"""The same flow with the blocking client; ``async.py`` does it with ``AsyncCodex``.

``Codex`` and ``AsyncCodex`` have the same methods and return the same types; the async
client's are coroutines. Both scripts run one turn, then ask several threads at once and
print the same lines (offline, byte for byte). Concurrency differs in style only: here
worker threads share the thread-safe ``Codex``; ``async.py`` uses ``asyncio.gather``.

    python examples/09_async_parity/sync.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/09_async_parity/sync.py   # offline

Offline, the mock model answers unscripted prompts with ``echo: <prompt>``.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex

from openai_codex import Codex
from openai_codex.testing import Reply  # only used offline, to script the mock model

PROMPTS = [
    "Name a primary colour, in one word.",
    "Name a planet, in one word.",
    "Name a prime below 10, in digits.",
]


def ask(codex: Codex, prompt: str) -> str | None:
    """One question on a thread of its own."""
    return codex.thread_start().run(prompt).final_response


def main() -> None:
    with open_codex() as codex:
        kit = offline_kit()
        if kit is not None:  # offline: script the first answer (the others are echoed)
            kit.model.enqueue(Reply.text("Both clients share one engine."))

        # 1. One thread, one turn.
        thread = codex.thread_start()
        result = thread.run("In five words: how do Codex's sync and async clients relate?")
        print(f"one turn: {result.status.value}: {result.final_response}")

        # 2. Several threads at once; results come back in the order of PROMPTS.
        with ThreadPoolExecutor(max_workers=len(PROMPTS)) as pool:
            answers = list(pool.map(lambda prompt: ask(codex, prompt), PROMPTS))
        for prompt, answer in zip(PROMPTS, answers, strict=True):
            print(f"{prompt} -> {answer}")


if __name__ == "__main__":
    main()
