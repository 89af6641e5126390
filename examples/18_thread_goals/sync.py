"""A thread goal: Codex keeps working, turn after turn, until the goal is done.

``thread.start_goal(objective)`` sets an active goal; the app-server then runs continuation
turns by itself until the model marks the goal complete (its ``update_goal`` tool), the
token budget runs out, or you pause it. The handle spans all of those turns: ``stream()``
yields every event, ``run()`` returns one result with every continuation's items.

Run against your own Codex::

    python examples/18_thread_goals/sync.py

or fully offline, where a scripted mock model works in two steps and completes the goal::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/18_thread_goals/sync.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex


def main() -> None:
    with open_codex() as codex:
        kit = offline_kit()
        thread = codex.thread_start()
        # A goal needs a persisted, idle thread: one ordinary turn makes it so.
        thread.run("We will tidy up the project notes together.")
        if kit is not None:  # offline: two steps, then the model completes the goal
            from openai_codex.testing import Reply

            kit.model.enqueue(Reply.text("Step 1: listed the notes."))
            kit.model.enqueue(Reply.text("Step 2: merged the duplicates."))
            kit.model.enqueue(Reply.function_call("update_goal", {"status": "complete"}))
            kit.model.enqueue(Reply.text("The notes are tidy."))

        goal = thread.start_goal("Tidy up the project notes, then stop.", token_budget=200_000)
        turns = 0
        for event in goal.stream():
            if event.method == "turn/started":
                turns += 1
                print(f"continuation {turns} started")
            elif event.method == "thread/goal/updated":
                print(f"  goal: {event.payload.goal.status.value}")
        result = goal.run()
        print(f"goal {goal.goal.status.value} after {turns} turn(s): {result.final_response}")
        print(f"tokens used: {goal.goal.tokens_used}")
        thread.clear_goal()


if __name__ == "__main__":
    main()
