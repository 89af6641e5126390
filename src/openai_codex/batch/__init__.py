"""Fleets of tasks: run many prompts, each on a fresh thread, over several app-servers.

::

    from openai_codex.batch import BatchTask, run_batch

    tasks = [BatchTask(f"file-{i}", f"Summarize {name}", sandbox="read-only") for i, name in ...]
    results = run_batch(tasks, concurrency=8, results_path="results.jsonl", progress=True)
    for result in results:
        print(result.id, result.status, result.final_response or result.error)

* :class:`BatchTask`: a prompt, its ``cwd`` and ``output_schema``, and thread options
  (the keywords of ``thread_start``), validated when built.
* :func:`run_batch` / :func:`arun_batch`: at most ``concurrency`` turns at once, spread
  over ``ceil(concurrency / server_concurrency)`` app-servers; retryable failures (a failed
  turn, an overloaded or dead server, a timeout) are retried ``max_retries`` times; one
  failing task never stops the others; results come back in task order.
* ``results_path``: a JSON-lines file written as each task ends; running again with it
  skips the tasks completed there, so an interrupted batch resumes where it stopped.
* ``backend="ray"``: the same on Ray actors (``pip install 'openai-codex[ray]'``); Ray is
  imported only then.
* :func:`read_tasks` reads a JSON-lines tasks file (line-numbered errors);
  :func:`read_results` reads a results file.

See ``docs/scale.md`` ("Batches") for the results file format, retries, Ray and sizing.
"""

from ._progress import summary_line
from ._result import BatchResult, TaskStatus, TokenUsage
from ._results_file import read_results
from ._runner import (
    DEFAULT_SERVER_CONCURRENCY,
    DEFAULT_SERVER_MAX_TASKS,
    arun_batch,
    run_batch,
)
from ._task import BatchTask, TaskFileError, read_tasks

__all__ = [
    "DEFAULT_SERVER_CONCURRENCY",
    "DEFAULT_SERVER_MAX_TASKS",
    "BatchResult",
    "BatchTask",
    "TaskFileError",
    "TaskStatus",
    "TokenUsage",
    "arun_batch",
    "read_results",
    "read_tasks",
    "run_batch",
    "summary_line",
]
