"""Continue an existing conversation by its id with ``thread_resume``.

Codex saves every thread in its home directory, so a thread outlives the app-server that
ran it. This script plays both sides: a first client creates a thread and runs a turn,
then exits; a second client (a new app-server) resumes that thread by id and continues it,
with the earlier turns still in the model's context.

    python examples/05_existing_thread/sync.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/05_existing_thread/sync.py   # offline
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex

from openai_codex import Codex
from openai_codex.testing import Reply  # only used offline, to script the mock model


def main() -> None:
    with open_codex() as first:
        kit = offline_kit()
        if kit is not None:  # offline: script both answers
            kit.model.enqueue(Reply.text("Noted: your project is called Bluebird."))
            kit.model.enqueue(Reply.text("Your project is called Bluebird."))

        # 1. Create a thread and run a turn: this is the "existing" conversation.
        thread = first.thread_start()
        result = thread.run("Remember this: my project is called Bluebird. Reply briefly.")
        print(f"created thread {thread.id}")
        print(f"  turn 1: {result.final_response}")
        thread_id = thread.id  # in a real app you would store this id somewhere

        # 2. Stop that app-server; the thread stays saved in the Codex home.
        first.close()

        # 3. A new client (same configuration, so the same Codex home) resumes it by id.
        with Codex(first.config) as codex:
            resumed = codex.thread_resume(thread_id)
            info = resumed.info  # the thread record that thread/resume returned
            if info is not None:
                print(f"resumed thread {resumed.id} with {len(info.turns)} earlier turn(s)")
                print(f"  preview: {info.preview!r}")

            result = resumed.run("What is my project called? Answer in one short sentence.")
            print(f"  turn 2: {result.final_response}")
            if kit is not None:  # offline we can look at what the model was sent
                sent = kit.model.user_texts(kit.model.requests[-1])
                print(f"  the model was sent {len(sent)} user messages: {sent}")


if __name__ == "__main__":
    main()
