"""Retrying calls that the server refused because it was overloaded."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

from .errors import JsonRpcError, RetryLimitExceededError, ServerBusyError, is_retryable_error

__all__ = ["async_retry_on_overload", "backoff_delays", "retry_on_overload"]

T = TypeVar("T")

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_INITIAL_DELAY_S = 0.25
DEFAULT_MAX_DELAY_S = 2.0
DEFAULT_JITTER_RATIO = 0.2


def backoff_delays(
    max_attempts: int,
    initial_delay_s: float,
    max_delay_s: float,
    jitter_ratio: float = DEFAULT_JITTER_RATIO,
) -> list[float]:
    """The pauses between attempts.

    The n-th pause is ``min(max_delay_s, initial_delay_s * 2**n)``, scaled by a random factor
    in ``[1 - jitter_ratio, 1 + jitter_ratio]`` (never below zero).
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be >= 1")
    if initial_delay_s < 0 or max_delay_s < 0:
        raise ValueError("delays must not be negative")
    import random  # here, not at module level: keeps `import openai_codex` cheap

    delays = []
    for attempt in range(max_attempts - 1):
        base = min(max_delay_s, initial_delay_s * (2**attempt))
        factor = random.uniform(1 - jitter_ratio, 1 + jitter_ratio) if jitter_ratio else 1.0
        delays.append(max(0.0, base * factor))
    return delays


def _give_up(attempts: int, last: BaseException) -> BaseException:
    """What to raise once every attempt was refused."""
    if isinstance(last, ServerBusyError) and not isinstance(last, RetryLimitExceededError):
        assert isinstance(last, JsonRpcError)
        return RetryLimitExceededError.after(attempts, last)
    return last  # another retryable error: raise it as it is


@overload
def retry_on_overload(
    op: Callable[[], Awaitable[T]],
    *,
    max_attempts: int = ...,
    initial_delay_s: float = ...,
    max_delay_s: float = ...,
    jitter_ratio: float = ...,
) -> Awaitable[T]: ...


@overload
def retry_on_overload(
    op: Callable[[], T],
    *,
    max_attempts: int = ...,
    initial_delay_s: float = ...,
    max_delay_s: float = ...,
    jitter_ratio: float = ...,
) -> T: ...


def retry_on_overload(
    op: Callable[[], T],
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    initial_delay_s: float = DEFAULT_INITIAL_DELAY_S,
    max_delay_s: float = DEFAULT_MAX_DELAY_S,
    jitter_ratio: float = DEFAULT_JITTER_RATIO,
) -> T:
    """Call ``op()`` and retry it while the server answers that it is overloaded.

    Only retryable errors (see :func:`~openai_codex.is_retryable_error`) are retried, after
    a growing pause (``initial_delay_s`` doubling up to ``max_delay_s``, each scaled by a
    random factor within ``1 ± jitter_ratio``); every other error propagates at once. When
    ``op`` is a coroutine function (or returns an awaitable), the result is an awaitable
    that retries asynchronously: ``await retry_on_overload(lambda: codex.thread_start())``.

    Raises:
        RetryLimitExceededError: every attempt was refused with :class:`ServerBusyError`
            (a subclass of it, with the last refusal's code and message; ``attempts`` and
            ``last_error`` tell the rest). Another retryable error that lasts is raised as
            it is.
        ValueError: ``max_attempts`` below 1 or a negative delay.
    """
    delays = backoff_delays(max_attempts, initial_delay_s, max_delay_s, jitter_ratio)
    if inspect.iscoroutinefunction(op):
        return _retry_async(op, delays)  # type: ignore[return-value]
    last: BaseException | None = None
    for attempt in range(max_attempts):
        try:
            result = op()
        except Exception as exc:
            if not is_retryable_error(exc):
                raise
            last = exc
        else:
            if inspect.isawaitable(result):
                # op returned an awaitable (e.g. a lambda around a coroutine method).
                return _retry_async(op, delays, first=result)  # type: ignore[arg-type, return-value]
            return result
        if attempt < max_attempts - 1:
            time.sleep(delays[attempt])
    assert last is not None
    raise _give_up(max_attempts, last) from last


async def _retry_async(
    op: Callable[[], Awaitable[T]], delays: list[float], first: Awaitable[T] | None = None
) -> T:
    attempts = len(delays) + 1
    last: BaseException | None = None
    for attempt in range(attempts):
        awaitable = first if (attempt == 0 and first is not None) else op()
        try:
            return await awaitable
        except Exception as exc:
            if not is_retryable_error(exc):
                raise
            last = exc
        if attempt < attempts - 1:
            await asyncio.sleep(delays[attempt])
    assert last is not None
    raise _give_up(attempts, last) from last


async def async_retry_on_overload(
    op: Callable[[], Awaitable[T]],
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    initial_delay_s: float = DEFAULT_INITIAL_DELAY_S,
    max_delay_s: float = DEFAULT_MAX_DELAY_S,
    jitter_ratio: float = DEFAULT_JITTER_RATIO,
) -> T:
    """The async form of :func:`retry_on_overload`: ``op`` returns an awaitable."""
    delays = backoff_delays(max_attempts, initial_delay_s, max_delay_s, jitter_ratio)
    return await _retry_async(op, delays)
