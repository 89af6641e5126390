"""``codex-sdk batch TASKS.jsonl``: run a file of tasks (see :mod:`openai_codex.batch`).

Each line of the tasks file is one JSON object: ``id``, ``prompt``, and optionally ``cwd``,
``output_schema`` and thread options (``model``, ``sandbox``, ``approval_mode``,
``developer_instructions``, ``config``...). The whole file is checked first: a bad line
(not JSON, no ``id`` or ``prompt``, a duplicate id, an unknown option) is reported with its
line number and nothing runs (exit 2).

Results go to ``--out`` (a JSON-lines results file, written as each task ends; running
again with the same file skips the tasks completed there) or, without it, to stdout as
JSON lines once the batch is over. A live progress line is drawn on stdout when it is a
terminal; one summary line goes to stderr at the end. Exit status: 0 when every task
completed, 1 when some failed, 2 for usage errors, 130 when interrupted.

With ``--offline`` the tasks run on the embedded mock model, which answers
``echo: <prompt>``; ``OPENAI_CODEX_CLI_OFFLINE_REPLY=fail`` fails every attempt, ``hold``
holds every answer (try Ctrl-C), any other text is every answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .. import CodexConfig, Sandbox
from ._common import config_fields
from ._errors import EXIT_FAILURE, EXIT_USAGE, CliError
from ._offline import REPLY_ENV, offline_kit

if TYPE_CHECKING:
    from ..batch import BatchTask
    from ..batch._runner import BackendName

__all__ = ["add_parsers", "cmd_batch"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _read_tasks(args: argparse.Namespace) -> list[BatchTask]:
    from ..batch._task import TaskFileError, parse_tasks

    defaults: dict[str, Any] = {}
    if args.model:
        defaults["model"] = args.model
    if args.sandbox:
        defaults["sandbox"] = args.sandbox
    name: str = args.tasks
    try:
        if name == "-":
            text = sys.stdin.read()
            name = "<stdin>"
        else:
            with open(name, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        raise CliError(f"cannot read {name}: {exc.strerror or exc}", exit_code=EXIT_USAGE) from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{name} is not UTF-8 text ({exc.reason})", exit_code=EXIT_USAGE) from None
    try:
        tasks = parse_tasks(text, name, defaults=defaults)
    except TaskFileError as exc:
        raise CliError(str(exc), exit_code=EXIT_USAGE) from None
    if not tasks:
        raise CliError(f"{name} has no tasks", exit_code=EXIT_USAGE)
    return tasks


@contextlib.contextmanager
def _config(args: argparse.Namespace, tasks: int, attempts: int) -> Iterator[CodexConfig]:
    """The servers' config; offline, the mock model is scripted for every attempt."""
    fields = config_fields(args)
    if not args.offline:
        yield CodexConfig(**fields)
        return
    from ..testing import Reply

    with offline_kit() as kit:
        scripted = os.environ.get(REPLY_ENV, "").strip()
        keyword = scripted.lower()
        model = kit.harness.model
        if keyword == "fail":
            for _ in range(tasks * attempts):
                model.enqueue(Reply.failure("scripted failure of the offline mock"))
        elif keyword == "hold":  # released when the harness stops the model
            for _ in range(tasks):
                model.enqueue(Reply.text("(offline mock) released").held())
        elif scripted:
            for _ in range(tasks):
                model.enqueue(Reply.text(scripted))
        # else: the mock answers each prompt with "echo: <prompt>"
        yield kit.harness.config(**fields)


def cmd_batch(args: argparse.Namespace) -> int:
    """Run a tasks file; exit 0 when every task completed, 1 otherwise."""
    from ..batch._progress import BatchProgress, summary_line
    from ..batch._runner import check_parameters, execute, make_backend

    tasks = _read_tasks(args)
    backend: BackendName = "ray" if args.ray is not None else "local"
    ray_address = args.ray or None
    try:
        check_parameters(
            concurrency=args.concurrency,
            backend=backend,
            max_retries=args.max_retries,
            server_concurrency=args.server_concurrency,
            server_max_tasks=None,
            timeout_s=args.timeout,
            retry_delay_s=0.5,
            ray_address=ray_address,
            ray_actor_options=None,
        )
    except (TypeError, ValueError) as exc:
        raise CliError(str(exc), exit_code=EXIT_USAGE) from None
    if args.out:
        from ..batch import read_results

        try:
            read_results(args.out)  # a file that is not a results file is refused up front
        except ValueError as exc:
            raise CliError(str(exc), exit_code=EXIT_USAGE) from None
        except OSError as exc:
            raise CliError(f"cannot read {args.out}: {exc}", exit_code=EXIT_USAGE) from None
    live = sys.stdout.isatty()
    holder: list[BatchProgress] = []

    def progress(total: int, reused: int) -> BatchProgress:
        display = BatchProgress(total, reused=reused, stream=sys.stdout, live=live)
        holder.append(display)
        return display

    with _config(args, len(tasks), args.max_retries + 1) as config:
        try:
            runner = make_backend(
                backend,
                config,
                concurrency=args.concurrency,
                server_concurrency=args.server_concurrency,
                server_max_tasks=None if args.server_max_tasks == 0 else args.server_max_tasks,
                timeout_s=args.timeout,
                ray_address=ray_address,
                ray_actor_options=None,
            )
        except ImportError as exc:
            raise CliError(str(exc), exit_code=EXIT_USAGE) from None
        results = asyncio.run(
            execute(
                tasks,
                runner,
                concurrency=args.concurrency,
                server_concurrency=args.server_concurrency,
                max_retries=args.max_retries,
                retry_delay_s=0.5,
                results_path=args.out,
                progress=progress,
            )
        )
    if not args.out:
        for result in results:
            line = json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":"))
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
    display = holder[0] if holder else None
    line = summary_line(
        results,
        reused=display.reused if display else 0,
        retries=display.retries if display else 0,
        elapsed=display.elapsed if display else 0.0,
    )
    if args.out:
        line += f"; results in {args.out}"
    print(line, file=sys.stderr)
    return 0 if all(r.ok for r in results) else EXIT_FAILURE


def add_parsers(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``batch``."""
    from ..batch import DEFAULT_SERVER_CONCURRENCY, DEFAULT_SERVER_MAX_TASKS

    batch = sub.add_parser(
        "batch",
        parents=parents,
        help="run a JSON-lines file of tasks, each on a fresh thread, several at once",
        description="Run every task of a JSON-lines file (one object per line: id, prompt, "
        "and optionally cwd, output_schema and thread options such as model, sandbox, "
        "approval_mode, developer_instructions, config), each as one turn on a fresh "
        "thread, at most --concurrency at once. Failed attempts are retried. The file is "
        "checked before anything runs; a bad line is reported with its number (exit 2).",
        epilog="Exit status: 0 every task completed, 1 some failed, 2 usage error "
        "(a bad tasks line), 130 interrupted. Results: --out FILE (resumable), else "
        "JSON lines on stdout at the end; a summary line on stderr. "
        "Cost of the runtime: each task's thread start runs your login shell once to "
        "snapshot its environment (features.shell_snapshot, on by default); with a slow "
        "profile (pyenv init...) that dominates a batch (measured: 0.2 s per task growing "
        "to 0.65 s over 80 tasks, against 0.13 s with it off). "
        "-c features.shell_snapshot=false turns it off: each command the agent runs then "
        "starts a login shell of its own instead (same variables, plus the profile's "
        "functions and aliases, its start-up paid per command). See docs/scale.md.",
    )
    batch.add_argument("tasks", metavar="TASKS.jsonl", help="the tasks file; - reads stdin")
    batch.add_argument(
        "--concurrency",
        "-j",
        type=_positive_int,
        default=4,
        metavar="N",
        help="turns running at once (default 4)",
    )
    batch.add_argument(
        "--out",
        "-o",
        metavar="RESULTS.jsonl",
        help="write one result line per task as it ends; run again with the same file to "
        "resume (completed tasks are skipped, failed ones run again)",
    )
    batch.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="run on Ray actors (pip install 'openai-codex[ray]'): a local Ray, or the "
        "cluster at ADDRESS (default: $RAY_ADDRESS)",
    )
    batch.add_argument(
        "--max-retries",
        type=_count,
        default=2,
        metavar="N",
        help="retries of a failed attempt (failed turn, overloaded or dead server, timeout; "
        "default 2)",
    )
    batch.add_argument(
        "--timeout", type=_seconds, metavar="SECONDS", help="limit of each attempt (default: none)"
    )
    batch.add_argument(
        "--server-concurrency",
        type=_positive_int,
        default=DEFAULT_SERVER_CONCURRENCY,
        metavar="N",
        help=f"turns per app-server (default {DEFAULT_SERVER_CONCURRENCY}); the batch starts "
        "ceil(concurrency / N) servers",
    )
    batch.add_argument(
        "--server-max-tasks",
        type=_count,
        default=DEFAULT_SERVER_MAX_TASKS,
        metavar="N",
        help=f"replace an app-server by a fresh one after N tasks, to bound its memory "
        f"(default {DEFAULT_SERVER_MAX_TASKS}; 0: never)",
    )
    batch.add_argument("-m", "--model", help="the model of tasks that name none")
    batch.add_argument(
        "--sandbox",
        choices=[s.value for s in Sandbox],
        help="the sandbox of tasks that name none",
    )
    batch.set_defaults(handler=cmd_batch)
