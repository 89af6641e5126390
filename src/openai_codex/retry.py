"""Retrying calls that the server refused because it was overloaded."""

from __future__ import annotations

import asyncio
import inspect
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

from .errors import RetryLimitExceededError, is_retryable_error

__all__ = ["async_retry_on_overload", "backoff_delays", "retry_on_overload"]

T = TypeVar("T")


def backoff_delays(max_attempts: int, initial_delay_s: float, max_delay_s: float) -> list[float]:
    """The pauses between attempts: exponential, capped, with full jitter in [d/2, d]."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if initial_delay_s < 0 or max_delay_s < 0:
        raise ValueError("delays must not be negative")
    delays = []
    for attempt in range(max_attempts - 1):
        ceiling = min(max_delay_s, initial_delay_s * (2**attempt))
        delays.append(random.uniform(ceiling / 2, ceiling))
    return delays


@overload
def retry_on_overload(
    fn: Callable[[], Awaitable[T]],
    *,
    max_attempts: int = ...,
    initial_delay_s: float = ...,
    max_delay_s: float = ...,
) -> Awaitable[T]: ...


@overload
def retry_on_overload(
    fn: Callable[[], T],
    *,
    max_attempts: int = ...,
    initial_delay_s: float = ...,
    max_delay_s: float = ...,
) -> T: ...


def retry_on_overload(
    fn: Callable[[], Any],
    *,
    max_attempts: int = 5,
    initial_delay_s: float = 0.25,
    max_delay_s: float = 4.0,
) -> Any:
    """Call ``fn()`` and retry it while the server answers that it is overloaded.

    Only :class:`~openai_codex.ServerBusyError` (see :func:`is_retryable_error`) is retried,
    after a jittered exponential pause; every other error propagates at once. When ``fn`` is
    a coroutine function (or returns an awaitable), the result is an awaitable that retries
    asynchronously: ``await retry_on_overload(lambda: codex.thread_start())``.

    Raises:
        RetryLimitExceededError: every attempt was refused; ``last_error`` holds the last.
    """
    delays = backoff_delays(max_attempts, initial_delay_s, max_delay_s)
    if inspect.iscoroutinefunction(fn):
        return _retry_async(fn, delays)
    last: BaseException | None = None
    for attempt in range(max_attempts):
        try:
            result = fn()
        except Exception as exc:
            if not is_retryable_error(exc):
                raise
            last = exc
        else:
            if inspect.isawaitable(result):
                # fn returned an awaitable (e.g. a lambda around a coroutine method).
                return _retry_async(fn, delays, first=result)
            return result
        if attempt < max_attempts - 1:
            time.sleep(delays[attempt])
    assert last is not None
    raise RetryLimitExceededError(max_attempts, last) from last


async def _retry_async(
    fn: Callable[[], Awaitable[T]], delays: list[float], first: Awaitable[T] | None = None
) -> T:
    attempts = len(delays) + 1
    last: BaseException | None = None
    for attempt in range(attempts):
        awaitable = first if (attempt == 0 and first is not None) else fn()
        try:
            return await awaitable
        except Exception as exc:
            if not is_retryable_error(exc):
                raise
            last = exc
        if attempt < attempts - 1:
            await asyncio.sleep(delays[attempt])
    assert last is not None
    raise RetryLimitExceededError(attempts, last) from last


async def async_retry_on_overload(
    fn: Callable[[], Awaitable[T]],
    *,
    max_attempts: int = 5,
    initial_delay_s: float = 0.25,
    max_delay_s: float = 4.0,
) -> T:
    """The async form of :func:`retry_on_overload`: ``fn`` returns an awaitable."""
    return await _retry_async(fn, backoff_delays(max_attempts, initial_delay_s, max_delay_s))
