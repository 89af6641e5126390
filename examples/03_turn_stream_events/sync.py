"""Stream a turn: print the answer as it is written, plus a one-line note per item.

``thread.turn(prompt)`` starts a turn and returns a ``TurnHandle`` at once; iterating
``handle.stream()`` yields that turn's notifications (``event.method`` and a typed
``event.payload``) until the turn completes. This script shows a small curated view:

* ``item/agentMessage/delta``  -> the answer's text, printed inline as it arrives
* ``item/started`` / ``item/completed`` -> one line each ("> agentMessage ...")
* ``thread/tokenUsage/updated`` -> remembered, printed at the end with the status

    python examples/03_turn_stream_events/sync.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/03_turn_stream_events/sync.py   # offline
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex

from openai_codex.testing import Reply  # only used offline, to script the mock model


def main() -> None:
    with open_codex() as codex:
        kit = offline_kit()
        if kit is not None:  # offline: a reply streamed in 6 pieces
            kit.model.enqueue(Reply.text("Streams arrive piece by piece, like this.", deltas=6))

        thread = codex.thread_start()
        handle = thread.turn("In one sentence, explain what streaming output is.")

        usage = None
        deltas = 0
        for event in handle.stream():
            if event.method == "item/agentMessage/delta":
                deltas += 1
                print(event.payload.delta, end="", flush=True)
            elif event.method == "item/started":
                item = event.payload.item
                print(f"> {item.type} started")
                if item.type == "agentMessage":
                    print("  ", end="")  # indent the streamed text
            elif event.method == "item/completed":
                item = event.payload.item
                if item.type == "agentMessage":
                    print()  # end the line of streamed text
                print(f"> {item.type} completed")
            elif event.method == "thread/tokenUsage/updated":
                usage = event.payload.token_usage
            # Everything else (turn/started, thread/status/changed, ...) is skipped here.

        # After the stream ends, run() returns the assembled result without waiting.
        result = handle.run()
        print(f"status: {result.status.value}, {deltas} deltas")
        if usage is not None:
            last = usage.last
            print(
                f"usage: {last.total_tokens} tokens "
                f"(input {last.input_tokens}, output {last.output_tokens})"
            )


if __name__ == "__main__":
    main()
