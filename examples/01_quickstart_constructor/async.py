"""Quickstart with the async client: start Codex, check it answers, run one turn.

The same steps as ``sync.py`` with ``AsyncCodex``: every call that talks to the server is a
coroutine, and the client is an ``async with`` context manager.

Run it against your own Codex::

    python examples/01_quickstart_constructor/async.py

or fully offline, on the test kit's scripted mock model::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/01_quickstart_constructor/async.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex

import openai_codex
from openai_codex.testing import Reply  # only used offline, to script the mock model


async def main() -> None:
    # `open_async_codex()` is `AsyncCodex()` (offline: wired to the mock model). Entering the
    # block launches `codex app-server` and completes the handshake; leaving it shuts it down.
    async with open_async_codex() as codex:
        kit = offline_kit()  # None unless OPENAI_CODEX_EXAMPLES_OFFLINE=1
        if kit is not None:  # offline: script the mock model's next answer
            kit.model.enqueue(Reply.text("Hello from the offline model!", deltas=3))

        meta = codex.metadata
        print(f"openai-codex {openai_codex.__version__}")
        print(f"server: {meta.user_agent} (pid {codex.pid})")
        print(f"codex home: {meta.codex_home}")

        # A thread is a conversation; `run()` sends one user message and waits for the answer.
        thread = await codex.thread_start()
        print(f"thread: {thread.id}")
        result = await thread.run("Say hello in one short sentence.")

        print(f"status: {result.status.value}")
        print(f"answer: {result.final_response}")
        if result.usage is not None:
            print(f"tokens used: {result.usage.total.total_tokens}")


if __name__ == "__main__":
    asyncio.run(main())
