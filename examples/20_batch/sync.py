"""A batch: several prompts, each on a fresh thread, a few at a time, with retries.

``run_batch`` runs every :class:`~openai_codex.batch.BatchTask` as one turn on a new thread,
at most ``concurrency`` at once (spread over ``ceil(concurrency / server_concurrency)``
app-servers), retries the attempts that fail for a transient reason (a failed turn, an
overloaded or dead server) and returns one ``BatchResult`` per task, in task order. With
``results_path`` each result is also appended to a JSON-lines file as its task ends;
running again with the same file returns the completed tasks from it without running them
again, so an interrupted batch resumes where it stopped. ``async.py`` does the same with
``arun_batch``.

    python examples/20_batch/sync.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/20_batch/sync.py   # offline

Offline, the mock model answers each prompt with ``echo: <prompt>``, and its first answer
is a failure, so that one task is retried.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import is_offline

from openai_codex import CodexConfig
from openai_codex.batch import BatchTask, read_results, run_batch

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


def main() -> None:
    # Thread options apply per task: no commands needed here, and nothing to approve.
    tasks = [
        BatchTask(name, question, sandbox="read-only", approval_mode="deny_all", ephemeral=True)
        for name, question in QUESTIONS.items()
    ]
    with batch_config() as config, tempfile.TemporaryDirectory() as tmp:
        results_file = Path(tmp) / "results.jsonl"

        # 1. Run the batch: 3 turns at a time, a retry budget of 2 per task.
        results = run_batch(
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
        again = run_batch(tasks, config=config, results_path=results_file)
        same = [a.thread_id for a in again] == [r.thread_id for r in results]
        print(f"second run: {len(again)} results from the file, same threads: {same}")


if __name__ == "__main__":
    main()
