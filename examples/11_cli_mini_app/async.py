"""A tiny terminal chat with the async client: read a line, stream the answer, repeat.

Every line you type is a turn on one thread, so Codex remembers the conversation. Leave
with ``/quit``, Ctrl-D (end of input) or Ctrl-C. Input may also be piped in::

    python examples/11_cli_mini_app/async.py
    printf 'hello\\nwhat did I just say?\\n' | python examples/11_cli_mini_app/async.py

Offline (``OPENAI_CODEX_EXAMPLES_OFFLINE=1``) the mock model answers ``echo: <your line>``.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import open_async_codex

from openai_codex import AsyncThread, TurnFailedError


async def stdin_lines() -> AsyncIterator[str]:
    """Yield the lines typed on stdin, ending at end of input.

    Reading stdin blocks and has no asyncio API, so a daemon thread reads it and hands each
    line to the event loop; being a daemon, it never keeps the program alive on exit.
    """
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        try:
            for line in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)
        except RuntimeError:  # the loop has closed: the chat is over
            pass

    threading.Thread(target=read, name="stdin-reader", daemon=True).start()
    while (line := await lines.get()) is not None:
        yield line


async def answer(thread: AsyncThread, prompt: str) -> None:
    """Run one turn, printing the agent's text as it streams in."""
    print("codex> ", end="", flush=True)
    handle = await thread.turn(prompt)
    messages = 0
    async for event in handle.stream():
        if event.method == "item/started" and event.payload.item.type == "agentMessage":
            messages += 1
            if messages > 1:  # a second message in the same turn: start a new line
                print("\n       ", end="", flush=True)
        elif event.method == "item/agentMessage/delta":
            print(event.payload.delta, end="", flush=True)
    print()
    try:
        await handle.run()  # the stream is over; this raises if the turn failed
    except TurnFailedError as exc:
        print(f"[turn failed: {exc.message}]")


async def main() -> None:
    interactive = sys.stdin.isatty()
    async with open_async_codex() as codex:
        thread = await codex.thread_start()
        print("Chat with Codex. Type /quit or press Ctrl-D to leave.")
        turns = 0
        if interactive:
            print("you> ", end="", flush=True)
        async for line in stdin_lines():
            prompt = line.strip()
            if prompt == "/quit":
                break
            if prompt:
                await answer(thread, prompt)
                turns += 1
            if interactive:
                print("you> ", end="", flush=True)
        print(f"bye ({turns} turn(s))")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:  # Ctrl-C: asyncio.run cancels main(), which closes Codex
        print("\nbye")
