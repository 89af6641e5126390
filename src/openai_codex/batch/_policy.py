"""The retry policy: which failures are retried, the backoff, and the loop over attempts.

Retried (up to ``max_retries`` times, on a fresh thread each time):

* :class:`~openai_codex.TurnFailedError` (the model request failed, the turn ended
  ``failed``) and a turn that ended ``interrupted``;
* :class:`~openai_codex.ServerBusyError` and any error :func:`~openai_codex.is_retryable_error`
  calls an overload;
* :class:`~openai_codex.TransportClosedError` (the app-server died; the next attempt gets a
  new one), except a refusal of the credentials (an error with an HTTP ``status_code`` of
  401 or 403), which no retry can fix;
* a timeout (the batch's ``timeout_s``, or a request timeout of the config).

Anything else (a ``TypeError``/``ValueError`` for a bad option, a final answer that is not
the JSON its ``output_schema`` asked for, another server refusal) fails the task at once.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ._result import BatchResult, TokenUsage, add_usage
from ._task import BatchTask

__all__ = [
    "MAX_RETRY_DELAY_S",
    "AttemptOutcome",
    "backoff_delay",
    "describe_error",
    "is_retryable",
    "run_task",
]

MAX_RETRY_DELAY_S = 30.0
"""The longest pause between two attempts of a task."""


@dataclass(frozen=True)
class AttemptOutcome:
    """What one attempt of a task gave (plain data: it crosses process boundaries on Ray).

    Attributes:
        ok: the turn completed (and its structured output, if asked for, parsed).
        retryable: for a failure, whether another attempt may succeed.
        error: for a failure, ``"ErrorType: message"``.
        final_response / structured_output / usage / thread_id: as in
            :class:`~openai_codex.batch.BatchResult` (usage: this attempt's tokens).
    """

    ok: bool
    retryable: bool = False
    error: str | None = None
    final_response: str | None = None
    structured_output: Any = None
    usage: TokenUsage | None = None
    thread_id: str | None = None


def is_retryable(exc: BaseException) -> bool:
    """Whether a task that failed with ``exc`` should be tried again (see the module)."""
    from .. import (
        CodexTimeoutError,
        ServerBusyError,
        TransportClosedError,
        TurnFailedError,
        is_retryable_error,
    )

    if isinstance(exc, TransportClosedError):
        # A server that refuses the credentials (WebSocket 401/403) will refuse them again.
        return getattr(exc, "status_code", None) not in (401, 403)
    if isinstance(exc, (TurnFailedError, ServerBusyError, CodexTimeoutError)):
        return True
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return True
    return is_retryable_error(exc)


def describe_error(exc: BaseException) -> str:
    """``"ErrorType: first line of the message"`` (a server's stderr tail is left out)."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def backoff_delay(attempt: int, base_s: float, *, rng: random.Random | None = None) -> float:
    """The pause after failed attempt number ``attempt`` (1-based): ``base_s * 2**(attempt-1)``,
    at most :data:`MAX_RETRY_DELAY_S`, times a random factor in [0.5, 1] (jitter, so tasks
    that failed together do not retry together)."""
    if base_s <= 0:
        return 0.0
    ceiling = min(MAX_RETRY_DELAY_S, base_s * 2 ** max(0, attempt - 1))
    uniform = rng.uniform if rng is not None else random.uniform
    return float(ceiling * uniform(0.5, 1.0))


Attempt = Callable[[BatchTask], Awaitable[AttemptOutcome]]


async def run_task(
    task: BatchTask,
    attempt: Attempt,
    *,
    max_retries: int,
    retry_delay_s: float,
    on_retry: Callable[[BatchTask, AttemptOutcome], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> BatchResult:
    """Run ``task`` through ``attempt`` until it completes, fails for good, or has been
    retried ``max_retries`` times; usage adds up over the attempts.

    ``attempt`` must return an :class:`AttemptOutcome` rather than raise; an exception it
    raises anyway (other than cancellation) fails the task at once.
    """
    started = clock()
    usage: TokenUsage | None = None
    attempts = 0
    while True:
        attempts += 1
        try:
            outcome = await attempt(task)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in a backend must not stop the other tasks
            outcome = AttemptOutcome(ok=False, retryable=False, error=describe_error(exc))
        usage = add_usage(usage, outcome.usage)
        if outcome.ok:
            return BatchResult(
                id=task.id,
                status="completed",
                final_response=outcome.final_response,
                structured_output=outcome.structured_output,
                usage=usage,
                attempts=attempts,
                duration_s=round(clock() - started, 3),
                thread_id=outcome.thread_id,
            )
        if not outcome.retryable or attempts > max_retries:
            return BatchResult(
                id=task.id,
                status="failed",
                final_response=outcome.final_response,
                usage=usage,
                error=outcome.error or "unknown error",
                attempts=attempts,
                duration_s=round(clock() - started, 3),
                thread_id=outcome.thread_id,
            )
        if on_retry is not None:
            on_retry(task, outcome)
        await sleep(backoff_delay(attempts, retry_delay_s))
