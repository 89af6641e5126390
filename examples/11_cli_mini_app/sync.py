"""A tiny terminal chat: read a line, stream Codex's answer, repeat.

Every line you type is a turn on one thread, so Codex remembers the conversation. Leave
with ``/quit``, Ctrl-D (end of input) or Ctrl-C. Input may also be piped in::

    python examples/11_cli_mini_app/sync.py
    printf 'hello\\nwhat did I just say?\\n' | python examples/11_cli_mini_app/sync.py

Offline (``OPENAI_CODEX_EXAMPLES_OFFLINE=1``) the mock model answers ``echo: <your line>``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import open_codex

from openai_codex import Thread, TurnFailedError


def answer(thread: Thread, prompt: str) -> None:
    """Run one turn, printing the agent's text as it streams in."""
    print("codex> ", end="", flush=True)
    handle = thread.turn(prompt)
    messages = 0
    for event in handle.stream():
        if event.method == "item/started" and event.payload.item.type == "agentMessage":
            messages += 1
            if messages > 1:  # a second message in the same turn: start a new line
                print("\n       ", end="", flush=True)
        elif event.method == "item/agentMessage/delta":
            print(event.payload.delta, end="", flush=True)
    print()
    try:
        handle.run()  # the stream is over; this raises if the turn failed
    except TurnFailedError as exc:
        print(f"[turn failed: {exc.message}]")


def main() -> None:
    interactive = sys.stdin.isatty()
    with open_codex() as codex:
        thread = codex.thread_start()
        print("Chat with Codex. Type /quit or press Ctrl-D to leave.")
        turns = 0
        try:
            while True:
                if interactive:
                    print("you> ", end="", flush=True)
                line = sys.stdin.readline()
                if not line:  # end of input (Ctrl-D, or the end of a pipe)
                    break
                prompt = line.strip()
                if prompt == "/quit":
                    break
                if prompt:
                    answer(thread, prompt)
                    turns += 1
        except KeyboardInterrupt:
            print()
        print(f"bye ({turns} turn(s))")


if __name__ == "__main__":
    main()
