"""A batch with ``arun_batch``, the asyncio form of ``run_batch`` (see ``sync.py``).

Same parameters, same results: every task runs as one turn on a fresh thread, at most
``concurrency`` at once, transient failures are retried, results come back in task order
and are appended to ``results_path`` as each task ends. Awaiting it leaves the event loop
free for other work; cancelling it stops every app-server it started (the tasks already
written to the results file are not run again next time).

    python examples/20_batch/async.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/20_batch/async.py   # offline

Offline, the mock model answers each prompt with ``echo: <prompt>``, and its first answer
is a failure, so that one task is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import is_offline

from openai_codex import CodexConfig
from openai_codex.batch import BatchTask, arun_batch, read_results

QUESTIONS = {
    "ls": "In one sentence, what does `ls -la` print?",
    "grep": "In one sentence, what is `grep -r` for?",
    "tar": "In one sentence, what does `tar -xzf` do?",
    "chmod": "In one sentence, what does `chmod +x` change?",
    "du": "In one sentence, what does `du -sh` report?",
}


@contextlib.contextmanager
def batch_config() -> Iterator[CodexConfig]:
    """Your Codex's config, or offline the test kit's (a mock model whose first answer fails)."""
    if not is_offline():
        yield CodexConfig()
        return
    from openai_codex.testing import CodexHarness, Reply

    with CodexHarness() as harness:
        harness.model.enqueue(Reply.failure("a transient model error"))
        yield harness.config()


async def main() -> None:
    tasks = [
        BatchTask(name, question, sandbox="read-only", approval_mode="deny_all", ephemeral=True)
        for name, question in QUESTIONS.items()
    ]
    with batch_config() as config, tempfile.TemporaryDirectory() as tmp:
        results_file = Path(tmp) / "results.jsonl"

        # 1. Run the batch: 3 turns at a time, a retry budget of 2 per task.
        results = await arun_batch(
            tasks,
            config=config,
            concurrency=3,
            max_retries=2,
            results_path=results_file,
            progress=True,  # a live line on a terminal's stderr; here only a summary
        )
        for result in results:
            answer = result.final_response if result.ok else result.error
            print(f"{result.id:<6} {result.status:<9} {answer}")
        tokens = sum(r.usage.total_tokens for r in results if r.usage is not None)
        retries = sum(r.attempts - 1 for r in results)
        print(f"{len(results)} tasks, {retries} retried attempt(s), {tokens} tokens")

        # 2. The results file: one JSON line per task, in the order the tasks ended.
        lines = read_results(results_file)
        print(f"results file: {len(lines)} lines, ids {sorted(r.id for r in lines)}")

        # 3. Run again with the same file: every task is completed there, so none runs.
        again = await arun_batch(tasks, config=config, results_path=results_file)
        same = [a.thread_id for a in again] == [r.thread_id for r in results]
        print(f"second run: {len(again)} results from the file, same threads: {same}")


if __name__ == "__main__":
    asyncio.run(main())
