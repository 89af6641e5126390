"""The client's :class:`ThreadFeatures`: goals and reviews, plugged into its threads.

The client layer sits above both the thread modules and the features built on them, so it
is the one place that imports both and hands the features to threads (through
``AsyncCodex._features``).
"""

from __future__ import annotations

from .._conversation.features import ThreadFeatures
from .._conversation.goals.handles import start_goal, start_goal_blocking
from .._conversation.reviews import run_review

__all__ = ["THREAD_FEATURES"]

THREAD_FEATURES = ThreadFeatures(
    review=run_review, start_goal=start_goal, start_goal_blocking=start_goal_blocking
)
"""Goals and reviews, as every client's threads reach them."""
