"""A thread's life: name it, list it, read it back, fork it, archive and unarchive it.

    python examples/06_thread_lifecycle_and_controls/sync.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/06_thread_lifecycle_and_controls/sync.py

Against your real Codex the script archives the two threads it made before exiting, so
your thread list is left as it was (archived threads are kept, just hidden).
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
        if kit is not None:  # offline: script the three answers
            kit.model.enqueue(Reply.text("Paris."))
            kit.model.enqueue(Reply.text("Lyon, on the Rhône."))
            kit.model.enqueue(Reply.text("Still here: Paris."))

        # Start a thread, run a turn, give it a name.
        thread = codex.thread_start()
        answer = thread.run("Capital of France? One word.").final_response
        print(f"1. started {thread.id}: {answer}")
        thread.set_name("examples: lifecycle")

        # List stored threads (newest first, one page; follow `next_cursor` for more).
        page = codex.thread_list(limit=5)
        ours = next(t for t in page.data if t.id == thread.id)
        print(f"2. listed {len(page.data)} thread(s); ours is named {ours.name!r}")

        # Read it back with its turns and items.
        stored = thread.read(include_turns=True).thread
        print(f"3. read {stored.name!r}: {len(stored.turns)} turn(s)")
        for turn in stored.turns:
            kinds = ", ".join(item.type for item in turn.items)
            print(f"   - {turn.status.value}: {kinds}")

        # Fork: a new thread that starts with a copy of this one's history.
        fork = codex.thread_fork(thread.id)
        answer = fork.run("And the second largest city? One short line.").final_response
        print(f"4. forked into {fork.id}: {answer}")

        # Archive hides the thread from the default list; unarchive brings it back.
        codex.thread_archive(thread.id)
        archived = codex.thread_list(archived=True, limit=20).data
        print(f"5. archived: in archived list = {any(t.id == thread.id for t in archived)}")
        thread = codex.thread_unarchive(thread.id)
        answer = thread.run("Repeat your first answer.").final_response
        print(f"6. unarchived and ran again: {answer}")

        if kit is None:  # real Codex: tidy up what this example created
            codex.thread_archive(thread.id)
            codex.thread_archive(fork.id)
            print("archived both example threads")


if __name__ == "__main__":
    main()
