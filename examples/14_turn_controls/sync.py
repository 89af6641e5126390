"""Control a running turn: ``steer()`` adds input to it, ``interrupt()`` stops it.

Both act on a turn that is still running, so both are best effort: if the turn has already
finished, the server refuses with a ``JsonRpcError`` and the script says so.

* ``handle.steer(text)`` sends more user input into the running turn; the agent takes it
  into account without a new turn (the turn then has two user messages).
* ``handle.interrupt()`` asks the server to stop; the turn ends with status
  ``interrupted`` and keeps whatever was produced so far.

    python examples/14_turn_controls/sync.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/14_turn_controls/sync.py   # offline

Offline the mock model's replies are *held*: the turn stays open until the script
releases them, so there is always a running turn to steer or interrupt.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex

from openai_codex import JsonRpcError, TurnHandle
from openai_codex.testing import Reply  # only used offline, to script the mock model


def wait_until_underway(handle: TurnHandle, held: Reply | None) -> None:
    """Offline: until the mock model holds the request. Real: until text starts flowing."""
    if held is not None:
        held.wait_reached()
        return
    for event in handle.stream():  # a later stream()/run() continues from here
        if event.method == "item/agentMessage/delta":
            return


def main() -> None:
    with open_codex() as codex:
        kit = offline_kit()
        thread = codex.thread_start()

        # 1. Steer: change the request while the agent is answering it.
        held = None
        if kit is not None:  # offline: the first answer is held, the steered one is not
            held = kit.model.enqueue(Reply.text("1, 2, 3, 4, 5, 6, 7", deltas=3).held())
            kit.model.enqueue(Reply.text("1, 2, 3. Stopping at 3 as you asked.", deltas=3))
        handle = thread.turn("Count from 1 to 40, separated by commas.")
        wait_until_underway(handle, held)
        try:
            handle.steer("Change of plan: stop at 3.")
        except JsonRpcError as exc:
            print(f"steer refused (the turn had ended?): {exc.message}")
        if held is not None:
            held.release()
        result = handle.run()
        prompts = [item for item in result.items if item.type == "userMessage"]
        print(f"steer: turn {result.status.value} with {len(prompts)} user messages")
        print(f"  answer: {result.final_response}")

        # 2. Interrupt: stop a long answer early.
        held = None
        if kit is not None:  # offline: a reply that is never released before the interrupt
            held = kit.model.enqueue(Reply.text("Rivers begin as rain...").held())
        handle = thread.turn("Write a 1500-word essay about rivers.")
        wait_until_underway(handle, held)
        try:
            handle.interrupt()
        except JsonRpcError as exc:
            print(f"interrupt refused (the turn had ended?): {exc.message}")
        result = handle.run()
        if held is not None:
            held.release()  # let the mock finish; nobody is listening any more
        written = len(result.final_response or "")
        print(f"interrupt: turn {result.status.value} after {written} characters of answer")


if __name__ == "__main__":
    main()
