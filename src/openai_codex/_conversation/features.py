"""The seam between threads and the features built on them (goals, reviews).

``thread.start_goal()`` and ``thread.review()`` are thread methods, but goals and reviews
build on threads (they read them, start turns on them, watch their notifications), so the
thread modules must not import them. A thread reaches them through ``Session._features``:
a :class:`ThreadFeatures` that the client assembles from the feature modules
(``_client/features.py``). A new feature of that kind adds a field here and a module
beside ``goals/`` and ``reviews.py``; the thread module only delegates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._core.notifications import Notification
    from .._core.portal import LoopThread
    from .._core.sinks import AsyncSink
    from .goals.handles import AsyncGoalHandle, GoalHandle
    from .reviews import ReviewResult
    from .thread import AsyncThread

__all__ = ["ThreadFeatures"]


@dataclass(frozen=True)
class ThreadFeatures:
    """What the thread methods of goals and reviews delegate to.

    ``review(thread, target, delivery, timeout, idle_timeout)`` runs a review turn;
    ``start_goal(thread, objective, token_budget, sink)`` starts a goal and returns its
    async handle once the first continuation started; ``start_goal_blocking(portal,
    thread, objective, token_budget)`` does the same for the blocking client.
    """

    review: Callable[
        [AsyncThread, Any, str | None, float | None, float | None], Awaitable[ReviewResult]
    ]
    start_goal: Callable[
        [AsyncThread, str, int | None, AsyncSink[Notification]], Awaitable[AsyncGoalHandle]
    ]
    start_goal_blocking: Callable[[LoopThread, AsyncThread, str, int | None], GoalHandle]
