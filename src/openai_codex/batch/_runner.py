"""``run_batch`` / ``arun_batch``: the driver shared by both backends.

The driver checks everything first (tasks, duplicate ids, parameters, the results file),
takes completed results from an earlier run's file, then runs ``concurrency`` workers on
the event loop. Worker ``k`` uses the backend's slot ``k % slots`` (an app-server locally,
a Ray actor on Ray), takes the next pending task, runs it through the retry policy, writes
its result line and takes the next one, so at most ``concurrency`` turns run at once and
each server runs at most ``server_concurrency`` of them. Results come back in task order.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import sys
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol

from ._attempt import ServerPool, run_attempt
from ._policy import AttemptOutcome, run_task
from ._progress import BatchProgress
from ._result import BatchResult
from ._results_file import ResultsWriter, latest_results, read_results
from ._task import BatchTask, as_tasks

if TYPE_CHECKING:
    from .. import CodexConfig

__all__ = [
    "DEFAULT_SERVER_CONCURRENCY",
    "DEFAULT_SERVER_MAX_TASKS",
    "Backend",
    "LocalBackend",
    "arun_batch",
    "check_parameters",
    "execute",
    "make_backend",
    "run_batch",
]

DEFAULT_SERVER_CONCURRENCY = 8
"""Turns one app-server runs at once by default (see docs/scale.md, "Sizing")."""

DEFAULT_SERVER_MAX_TASKS = 100
"""Tasks an app-server runs before a fresh one replaces it (each finished thread stays
loaded in the server, 2-4 MB apiece)."""

_TICK_S = 0.5

BackendName = Literal["local", "ray"]
ProgressFactory = Callable[[int, int], BatchProgress]


class Backend(Protocol):
    """Where attempts run: ``slots`` places, each taking several attempts at once."""

    async def start(self, slots: int) -> int:
        """Prepare up to ``slots`` places; returns how many there are (at least 1)."""
        ...

    async def attempt(self, slot: int, task: BatchTask) -> AttemptOutcome:
        """Run one attempt of ``task`` on ``slot``; failures are outcomes, not exceptions."""
        ...

    async def close(self) -> None:
        """Stop everything the backend started."""
        ...


class LocalBackend:
    """Attempts run on app-servers of this process (:class:`ServerPool`, one per slot)."""

    def __init__(
        self,
        config: CodexConfig | None,
        *,
        server_max_tasks: int | None,
        timeout_s: float | None,
    ) -> None:
        self._config = config
        self._max_tasks = server_max_tasks
        self._timeout_s = timeout_s
        self.pool: ServerPool | None = None

    async def start(self, slots: int) -> int:
        """Make the pool; its servers start on first use."""
        self.pool = ServerPool.for_config(self._config, slots, self._max_tasks)
        return slots

    async def attempt(self, slot: int, task: BatchTask) -> AttemptOutcome:
        """One attempt on the slot's app-server."""
        assert self.pool is not None
        return await run_attempt(self.pool, slot, task, self._timeout_s)

    async def close(self) -> None:
        """Close every app-server of the pool."""
        if self.pool is not None:
            await self.pool.close()


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")


def check_parameters(
    *,
    concurrency: int,
    backend: str,
    max_retries: int,
    server_concurrency: int,
    server_max_tasks: int | None,
    timeout_s: float | None,
    retry_delay_s: float,
    ray_address: str | None,
    ray_actor_options: Mapping[str, Any] | None,
) -> None:
    """Check the parameters of :func:`run_batch` before anything runs.

    Raises:
        TypeError / ValueError: the first bad one, named.
    """
    _check_int("concurrency", concurrency, 1)
    _check_int("max_retries", max_retries, 0)
    _check_int("server_concurrency", server_concurrency, 1)
    if server_max_tasks is not None:
        _check_int("server_max_tasks", server_max_tasks, 1)
    if backend not in ("local", "ray"):
        raise ValueError(f"backend must be 'local' or 'ray', not {backend!r}")
    if timeout_s is not None and not timeout_s > 0:
        raise ValueError(f"timeout_s must be positive, not {timeout_s!r}")
    if not retry_delay_s >= 0:
        raise ValueError(f"retry_delay_s must not be negative, not {retry_delay_s!r}")
    if backend != "ray" and (ray_address is not None or ray_actor_options is not None):
        raise ValueError("ray_address and ray_actor_options need backend='ray'")


def plan(
    tasks: Sequence[BatchTask], stored: Mapping[str, BatchResult]
) -> tuple[list[BatchResult | None], list[int]]:
    """Which tasks to run: a result slot per task, filled with the stored result of each
    task already completed (failed ones run again), and the indices left to run."""
    results: list[BatchResult | None] = []
    pending: list[int] = []
    for index, task in enumerate(tasks):
        previous = stored.get(task.id)
        if previous is not None and previous.ok:
            results.append(previous)
        else:
            results.append(None)
            pending.append(index)
    return results, pending


async def _run_together(coros: Sequence[Coroutine[Any, Any, None]]) -> None:
    """Run coroutines as tasks; the first exception cancels the others and is raised.
    Cancelling this cancels them all; none outlives the call."""
    tasks = [asyncio.ensure_future(coro) for coro in coros]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


async def execute(
    tasks: Sequence[BatchTask],
    backend: Backend,
    *,
    concurrency: int,
    server_concurrency: int,
    max_retries: int,
    retry_delay_s: float,
    results_path: str | os.PathLike[str] | None,
    progress_stream: IO[str] | None = None,
    progress: ProgressFactory | None = None,
) -> list[BatchResult]:
    """Run checked ``tasks`` on ``backend`` (the body of :func:`arun_batch`).

    ``progress(total, reused)`` makes the display instead of
    :meth:`BatchProgress.for_stream` on ``progress_stream`` (the CLI draws its own).
    """
    stored: dict[str, BatchResult] = {}
    if results_path is not None:
        stored = latest_results(read_results(results_path))
    results, pending = plan(tasks, stored)
    reused = len(tasks) - len(pending)
    if progress is not None:
        display = progress(len(tasks), reused)
    else:
        display = BatchProgress.for_stream(len(tasks), reused, progress_stream)
    if not pending:
        final = [r for r in results if r is not None]
        display.close(final)
        return final
    writer = ResultsWriter(results_path) if results_path is not None else None
    queue = deque(pending)
    workers = min(concurrency, len(pending))

    def on_retry(task: BatchTask, outcome: AttemptOutcome) -> None:
        display.task_retried()

    async def worker(number: int, slots: int) -> None:
        slot = number % slots

        async def attempt(task: BatchTask) -> AttemptOutcome:
            return await backend.attempt(slot, task)

        while queue:
            index = queue.popleft()
            display.task_started()
            result = await run_task(
                tasks[index],
                attempt,
                max_retries=max_retries,
                retry_delay_s=retry_delay_s,
                on_retry=on_retry,
            )
            results[index] = result
            if writer is not None:
                writer.write(result)
            display.task_finished(result)

    async def ticker() -> None:
        while True:
            await asyncio.sleep(_TICK_S)
            display.refresh()

    tick = asyncio.ensure_future(ticker()) if display.live else None
    try:
        slots = await backend.start(math.ceil(workers / server_concurrency))
        display.refresh(force=True)
        await _run_together([worker(k, slots) for k in range(workers)])
    finally:
        if tick is not None:
            tick.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tick
        try:
            await backend.close()
        finally:
            if writer is not None:
                writer.close()
            display.clear()
    final = [r for r in results if r is not None]
    display.close(final)
    return final


def _progress_stream(progress: bool | IO[str]) -> IO[str] | None:
    if progress is True:
        return sys.stderr
    if progress is False or progress is None:
        return None
    return progress


def make_backend(
    backend: BackendName,
    config: CodexConfig | None,
    *,
    concurrency: int,
    server_concurrency: int,
    server_max_tasks: int | None,
    timeout_s: float | None,
    ray_address: str | None,
    ray_actor_options: Mapping[str, Any] | None,
) -> Backend:
    """The backend object for ``backend`` (Ray is imported only for ``"ray"``)."""
    if backend == "ray":
        from ._ray import RayBackend

        return RayBackend(
            config,
            server_concurrency=server_concurrency,
            server_max_tasks=server_max_tasks,
            timeout_s=timeout_s,
            address=ray_address,
            actor_options=ray_actor_options,
        )
    return LocalBackend(config, server_max_tasks=server_max_tasks, timeout_s=timeout_s)


async def arun_batch(
    tasks: Iterable[BatchTask | Mapping[str, Any]],
    *,
    config: CodexConfig | None = None,
    concurrency: int = 4,
    backend: BackendName = "local",
    results_path: str | os.PathLike[str] | None = None,
    max_retries: int = 2,
    progress: bool | IO[str] = False,
    ray_address: str | None = None,
    server_concurrency: int = DEFAULT_SERVER_CONCURRENCY,
    server_max_tasks: int | None = DEFAULT_SERVER_MAX_TASKS,
    timeout_s: float | None = None,
    retry_delay_s: float = 0.5,
    ray_actor_options: Mapping[str, Any] | None = None,
) -> list[BatchResult]:
    """Run every task, each as one turn on a fresh thread; the asyncio form of
    :func:`run_batch` (same parameters, same results).

    Every app-server, Ray actor and helper task it starts is stopped before it returns or
    raises (also when it is cancelled).
    """
    task_list = as_tasks(tasks)
    check_parameters(
        concurrency=concurrency,
        backend=backend,
        max_retries=max_retries,
        server_concurrency=server_concurrency,
        server_max_tasks=server_max_tasks,
        timeout_s=timeout_s,
        retry_delay_s=retry_delay_s,
        ray_address=ray_address,
        ray_actor_options=ray_actor_options,
    )
    runner = make_backend(
        backend,
        config,
        concurrency=concurrency,
        server_concurrency=server_concurrency,
        server_max_tasks=server_max_tasks,
        timeout_s=timeout_s,
        ray_address=ray_address,
        ray_actor_options=ray_actor_options,
    )
    return await execute(
        task_list,
        runner,
        concurrency=concurrency,
        server_concurrency=server_concurrency,
        max_retries=max_retries,
        retry_delay_s=retry_delay_s,
        results_path=results_path,
        progress_stream=_progress_stream(progress),
    )


def run_batch(
    tasks: Iterable[BatchTask | Mapping[str, Any]],
    *,
    config: CodexConfig | None = None,
    concurrency: int = 4,
    backend: BackendName = "local",
    results_path: str | os.PathLike[str] | None = None,
    max_retries: int = 2,
    progress: bool | IO[str] = False,
    ray_address: str | None = None,
    server_concurrency: int = DEFAULT_SERVER_CONCURRENCY,
    server_max_tasks: int | None = DEFAULT_SERVER_MAX_TASKS,
    timeout_s: float | None = None,
    retry_delay_s: float = 0.5,
    ray_actor_options: Mapping[str, Any] | None = None,
) -> list[BatchResult]:
    """Run every task, each as one turn on a fresh thread, and return their results in
    task order.

    Args:
        tasks: :class:`BatchTask` objects (or their dict form); ids must be unique.
        config: the :class:`~openai_codex.CodexConfig` of every app-server (default:
            ``CodexConfig()``).
        concurrency: at most this many turns run at once.
        backend: ``"local"`` (app-servers of this process) or ``"ray"`` (app-servers
            owned by Ray actors; needs ``pip install 'openai-codex[ray]'``).
        results_path: a JSON-lines file that gets one line per task as it finishes.
            Running again with the same file returns the tasks completed there without
            running them again (failed ones run again).
        max_retries: how many times a task is tried again after a retryable failure
            (a failed turn, an overloaded or dead server, a timeout).
        progress: ``True`` draws a live progress line on stderr when it is a terminal
            (else writes only a summary line at the end); a text stream draws there.
        ray_address: the Ray cluster to connect to when Ray is not initialized yet
            (default: ``RAY_ADDRESS``, else a local Ray).
        server_concurrency: at most this many turns per app-server; the batch starts
            ``ceil(concurrency / server_concurrency)`` servers (Ray: actors).
        server_max_tasks: an app-server is replaced by a fresh one after this many
            tasks, which bounds its memory (``None``: never).
        timeout_s: a limit in seconds for each attempt (the turn is interrupted and the
            attempt counts as a retryable failure); ``None``: no limit.
        retry_delay_s: the pause before the first retry; it doubles for each further
            one (at most 30 s), with jitter.
        ray_actor_options: options for each Ray actor (``num_cpus``, ``resources``,
            ``runtime_env``...; default ``{"num_cpus": 1}``).

    Returns:
        one :class:`BatchResult` per task, in the order of ``tasks``.

    Raises:
        TypeError / ValueError: a bad task, a duplicate id, a bad parameter, or a results
            file that is not one, before anything runs.
        RuntimeError: called from a running event loop (use :func:`arun_batch`).
        ImportError: ``backend="ray"`` without Ray installed.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError(
            "run_batch() cannot run inside a running event loop; use `await arun_batch(...)`"
        )
    return asyncio.run(
        arun_batch(
            tasks,
            config=config,
            concurrency=concurrency,
            backend=backend,
            results_path=results_path,
            max_retries=max_retries,
            progress=progress,
            ray_address=ray_address,
            server_concurrency=server_concurrency,
            server_max_tasks=server_max_tasks,
            timeout_s=timeout_s,
            retry_delay_s=retry_delay_s,
            ray_actor_options=ray_actor_options,
        )
    )
