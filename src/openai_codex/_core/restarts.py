"""When to start a new app-server after one exited unexpectedly (sans-IO).

:class:`RestartBudget` counts unexpected exits in a sliding window. The client asks it
before each restart; once more than ``max_restarts`` exits fall within ``window`` seconds it
refuses, for good: a server that keeps crashing is reported, not restarted forever.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ["RESTART_WINDOW", "RestartBudget"]

RESTART_WINDOW = 60.0
"""Seconds over which unexpected exits are counted."""


class RestartBudget:
    """Unexpected exits within a sliding window, against a maximum."""

    def __init__(
        self,
        max_restarts: int,
        window: float = RESTART_WINDOW,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_restarts < 0:
            raise ValueError("max_restarts must not be negative")
        self.max_restarts = max_restarts
        self.window = window
        self._now = now
        self._exits: deque[float] = deque()
        self.exhausted = False

    def allow(self) -> bool:
        """Record one unexpected exit; ``True`` if a new server may be started for it."""
        if self.exhausted:
            return False
        now = self._now()
        self._exits.append(now)
        while self._exits and now - self._exits[0] > self.window:
            self._exits.popleft()
        if len(self._exits) > self.max_restarts:
            self.exhausted = True
        return not self.exhausted

    @property
    def recent(self) -> int:
        """How many exits the window holds."""
        return len(self._exits)
