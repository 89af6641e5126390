"""Turn deadlines: a limit on a whole turn and on the silence between its events (sans-IO).

A :class:`TurnClock` only does arithmetic on a monotonic clock; the turn handles ask it how
long they may wait for the next event and, when a wait runs out, which limit it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["TurnClock"]


def _check(name: str, value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
    return value


class TurnClock:
    """The deadlines of one wait for a turn.

    ``timeout`` bounds the whole wait (from the clock's creation); ``idle_timeout`` bounds
    the time since the last event (:meth:`tick`). Either may be ``None`` (no limit).

    Raises:
        ValueError: a limit that is not a positive number.
    """

    __slots__ = ("_deadline", "_last", "_now", "idle_timeout", "timeout")

    def __init__(
        self,
        timeout: float | None,
        idle_timeout: float | None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout = _check("timeout", timeout)
        self.idle_timeout = _check("idle_timeout", idle_timeout)
        self._now = now
        start = now()
        self._deadline = start + timeout if timeout is not None else None
        self._last = start

    @property
    def unlimited(self) -> bool:
        """Whether neither limit is set."""
        return self._deadline is None and self.idle_timeout is None

    def tick(self) -> None:
        """An event arrived: the idle limit counts from now."""
        if self.idle_timeout is not None:
            self._last = self._now()

    def deadline(self) -> float | None:
        """When the next wait must end, as a ``time.monotonic()`` value, or ``None``."""
        deadline = self._deadline
        if self.idle_timeout is not None:
            idle_end = self._last + self.idle_timeout
            if deadline is None or idle_end < deadline:
                return idle_end
        return deadline

    def remaining(self) -> float | None:
        """Seconds the next wait may last (``0`` once a limit has passed), or ``None``."""
        limits = []
        now = self._now()
        if self._deadline is not None:
            limits.append(self._deadline - now)
        if self.idle_timeout is not None:
            limits.append(self._last + self.idle_timeout - now)
        return max(0.0, min(limits)) if limits else None

    def expired(self) -> tuple[str, float] | None:
        """The limit that has run out, as ``(name, seconds)``; ``None`` while both hold."""
        now = self._now()
        if self._deadline is not None and now >= self._deadline:
            assert self.timeout is not None
            return "timeout", self.timeout
        if self.idle_timeout is not None and now >= self._last + self.idle_timeout:
            return "idle_timeout", self.idle_timeout
        return None
