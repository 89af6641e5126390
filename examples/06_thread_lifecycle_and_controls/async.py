"""A thread's life (async client): name, list, read, fork, archive and unarchive it.

    python examples/06_thread_lifecycle_and_controls/async.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/06_thread_lifecycle_and_controls/async.py

Against your real Codex the script archives the two threads it made before exiting, so
your thread list is left as it was (archived threads are kept, just hidden).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex

from openai_codex.testing import Reply  # only used offline, to script the mock model


async def main() -> None:
    async with open_async_codex() as codex:
        kit = offline_kit()
        if kit is not None:  # offline: script the three answers
            kit.model.enqueue(Reply.text("Paris."))
            kit.model.enqueue(Reply.text("Lyon, on the Rhône."))
            kit.model.enqueue(Reply.text("Still here: Paris."))

        # Start a thread, run a turn, give it a name.
        thread = await codex.thread_start()
        answer = (await thread.run("Capital of France? One word.")).final_response
        print(f"1. started {thread.id}: {answer}")
        await thread.set_name("examples: lifecycle")

        # List stored threads (newest first, one page; follow `next_cursor` for more).
        page = await codex.thread_list(limit=5)
        ours = next(t for t in page.data if t.id == thread.id)
        print(f"2. listed {len(page.data)} thread(s); ours is named {ours.name!r}")

        # Read it back with its turns and items.
        stored = (await thread.read(include_turns=True)).thread
        print(f"3. read {stored.name!r}: {len(stored.turns)} turn(s)")
        for turn in stored.turns:
            kinds = ", ".join(item.type for item in turn.items)
            print(f"   - {turn.status.value}: {kinds}")

        # Fork: a new thread that starts with a copy of this one's history.
        fork = await codex.thread_fork(thread.id)
        answer = (await fork.run("And the second largest city? One short line.")).final_response
        print(f"4. forked into {fork.id}: {answer}")

        # Archive hides the thread from the default list; unarchive brings it back.
        await codex.thread_archive(thread.id)
        archived = (await codex.thread_list(archived=True, limit=20)).data
        print(f"5. archived: in archived list = {any(t.id == thread.id for t in archived)}")
        thread = await codex.thread_unarchive(thread.id)
        answer = (await thread.run("Repeat your first answer.")).final_response
        print(f"6. unarchived and ran again: {answer}")

        if kit is None:  # real Codex: tidy up what this example created
            await codex.thread_archive(thread.id)
            await codex.thread_archive(fork.id)
            print("archived both example threads")


if __name__ == "__main__":
    asyncio.run(main())
