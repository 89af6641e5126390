"""A thread goal with the async client (see sync.py for the story).

python examples/18_thread_goals/async.py
OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/18_thread_goals/async.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex


async def main() -> None:
    async with open_async_codex() as codex:
        kit = offline_kit()
        thread = await codex.thread_start()
        await thread.run("We will tidy up the project notes together.")
        if kit is not None:
            from openai_codex.testing import Reply

            kit.model.enqueue(Reply.text("Step 1: listed the notes."))
            kit.model.enqueue(Reply.text("Step 2: merged the duplicates."))
            kit.model.enqueue(Reply.function_call("update_goal", {"status": "complete"}))
            kit.model.enqueue(Reply.text("The notes are tidy."))

        goal = await thread.start_goal(
            "Tidy up the project notes, then stop.", token_budget=200_000
        )
        turns = 0
        async for event in goal.stream():
            if event.method == "turn/started":
                turns += 1
                print(f"continuation {turns} started")
            elif event.method == "thread/goal/updated":
                print(f"  goal: {event.payload.goal.status.value}")
        result = await goal.run()
        print(f"goal {goal.goal.status.value} after {turns} turn(s): {result.final_response}")
        print(f"tokens used: {goal.goal.tokens_used}")
        await thread.clear_goal()


if __name__ == "__main__":
    asyncio.run(main())
