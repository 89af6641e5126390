"""Control a running turn (async client): ``steer()`` adds input, ``interrupt()`` stops it.

Both act on a turn that is still running, so both are best effort: if the turn has already
finished, the server refuses with a ``JsonRpcError`` and the script says so.

* ``await handle.steer(text)`` sends more user input into the running turn; the agent takes it
  into account without a new turn (the turn then has two user messages).
* ``await handle.interrupt()`` asks the server to stop; the turn ends with status
  ``interrupted`` and keeps whatever was produced so far.

    python examples/14_turn_controls/async.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/14_turn_controls/async.py   # offline

Offline the mock model's replies are *held*: the turn stays open until the script
releases them, so there is always a running turn to steer or interrupt.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex

from openai_codex import AsyncTurnHandle, JsonRpcError
from openai_codex.testing import Reply  # only used offline, to script the mock model


async def wait_until_underway(handle: AsyncTurnHandle, held: Reply | None) -> None:
    """Offline: until the mock model holds the request. Real: until text starts flowing."""
    if held is not None:
        await asyncio.to_thread(held.wait_reached)  # a blocking wait: keep it off the loop
        return
    async for event in handle.stream():  # a later stream()/run() continues from here
        if event.method == "item/agentMessage/delta":
            return


async def main() -> None:
    async with open_async_codex() as codex:
        kit = offline_kit()
        thread = await codex.thread_start()

        # 1. Steer: change the request while the agent is answering it.
        held = None
        if kit is not None:  # offline: the first answer is held, the steered one is not
            held = kit.model.enqueue(Reply.text("1, 2, 3, 4, 5, 6, 7", deltas=3).held())
            kit.model.enqueue(Reply.text("1, 2, 3. Stopping at 3 as you asked.", deltas=3))
        handle = await thread.turn("Count from 1 to 40, separated by commas.")
        await wait_until_underway(handle, held)
        try:
            await handle.steer("Change of plan: stop at 3.")
        except JsonRpcError as exc:
            print(f"steer refused (the turn had ended?): {exc.message}")
        if held is not None:
            held.release()
        result = await handle.run()
        prompts = [item for item in result.items if item.type == "userMessage"]
        print(f"steer: turn {result.status.value} with {len(prompts)} user messages")
        print(f"  answer: {result.final_response}")

        # 2. Interrupt: stop a long answer early.
        held = None
        if kit is not None:  # offline: a reply that is never released before the interrupt
            held = kit.model.enqueue(Reply.text("Rivers begin as rain...").held())
        handle = await thread.turn("Write a 1500-word essay about rivers.")
        await wait_until_underway(handle, held)
        try:
            await handle.interrupt()
        except JsonRpcError as exc:
            print(f"interrupt refused (the turn had ended?): {exc.message}")
        result = await handle.run()
        if held is not None:
            held.release()  # let the mock finish; nobody is listening any more
        written = len(result.final_response or "")
        print(f"interrupt: turn {result.status.value} after {written} characters of answer")


if __name__ == "__main__":
    asyncio.run(main())
