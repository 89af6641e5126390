"""Quickstart: start Codex, check it answers, run one turn.

This is the "is everything installed?" script. It launches the app-server, prints what the
server says about itself, starts a thread and runs a single turn.

Run it against your own Codex (your sign-in, your default model)::

    python examples/01_quickstart_constructor/sync.py

or fully offline, on the test kit's scripted mock model::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/01_quickstart_constructor/sync.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex

import openai_codex
from openai_codex.testing import Reply  # only used offline, to script the mock model


def main() -> None:
    # `open_codex()` is `Codex()` (or, offline, a Codex wired to the mock model). Codex() launches
    # `codex app-server` and completes the handshake; leaving the `with` block shuts it down.
    with open_codex() as codex:
        kit = offline_kit()  # None unless OPENAI_CODEX_EXAMPLES_OFFLINE=1
        if kit is not None:  # offline: script the mock model's next answer
            kit.model.enqueue(Reply.text("Hello from the offline model!", deltas=3))

        meta = codex.metadata
        print(f"openai-codex {openai_codex.__version__}")
        print(f"server: {meta.user_agent} (pid {codex.pid})")
        print(f"codex home: {meta.codex_home}")

        # A thread is a conversation; `run()` sends one user message and waits for the answer.
        thread = codex.thread_start()
        print(f"thread: {thread.id}")
        result = thread.run("Say hello in one short sentence.")

        print(f"status: {result.status.value}")
        print(f"answer: {result.final_response}")
        if result.usage is not None:
            print(f"tokens used: {result.usage.total.total_tokens}")


if __name__ == "__main__":
    main()
