"""Token usage accounting: :class:`TokenUsage`, and how the SDK sums what the server reports.

Pure logic, no I/O. The app-server reports usage with ``thread/tokenUsage/updated``
``{"threadId", "turnId", "tokenUsage": {"total", "last", "modelContextWindow"}}``. What the
fields mean (observed with app-server 0.163.0 and the mock model):

* ``total`` is the thread's cumulative usage, kept with the thread: it goes on from its
  stored value after the app-server restarts and after ``thread/resume``, and a fork starts
  from its source thread's total.
* Each model request of a turn raises ``total`` by that request's usage.
* ``last`` is *not* a reliable per-request count: on ``thread/resume``, ``thread/fork`` and
  ``thread/unarchive`` + resume the server repeats the thread's current usage (``last`` of
  its last request, under that old turn's id), and a compaction turn reports ``total``
  unchanged twice, once with ``last`` set to the compacted context's size.

So :class:`UsageMeter` counts increments of ``total`` per thread, seen on one connection:
an update that does not belong to a turn started on that connection (the repeats above)
only sets the thread's baseline, and an update whose ``total`` did not grow counts nothing.
The first update of a thread in a live turn with no baseline (a new thread, whose ``total``
starts at 0) counts its ``last``, which then equals ``total``. The client's ledger
(:class:`UsageLedger`) adds those increments up across restarts of the server, so the sum
for a thread started by this client equals the server's ``total`` and nothing is counted
twice.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["USAGE_FIELDS", "TokenUsage", "UsageLedger", "UsageMeter"]

USAGE_FIELDS = (
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
)
"""The counts of a :class:`TokenUsage`, in order."""

# snake_case field -> the camelCase key of the wire's TokenUsageBreakdown.
_WIRE_KEYS = {
    "input_tokens": "inputTokens",
    "cached_input_tokens": "cachedInputTokens",
    "output_tokens": "outputTokens",
    "reasoning_output_tokens": "reasoningOutputTokens",
    "total_tokens": "totalTokens",
}

TOKEN_USAGE_UPDATED = "thread/tokenUsage/updated"
TURN_STARTED = "turn/started"
TURN_COMPLETED = "turn/completed"


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return value


@dataclass(frozen=True)
class TokenUsage:
    """Token counts, as the server reports them; add two with ``+``.

    Attributes:
        input_tokens: prompt tokens, cached ones included.
        cached_input_tokens: the part of ``input_tokens`` served from the cache.
        output_tokens: generated tokens, reasoning included.
        reasoning_output_tokens: the part of ``output_tokens`` spent reasoning.
        total_tokens: input plus output, as reported.

    ``codex.usage`` and ``thread.usage`` return one; ``sum(usages, TokenUsage())`` (or
    ``sum(usages)``) adds many.
    """

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        if not isinstance(other, TokenUsage):
            return NotImplemented
        return TokenUsage(
            self.input_tokens + other.input_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
            self.output_tokens + other.output_tokens,
            self.reasoning_output_tokens + other.reasoning_output_tokens,
            self.total_tokens + other.total_tokens,
        )

    def __radd__(self, other: object) -> TokenUsage:
        if other == 0:  # sum() starts from 0
            return self
        return NotImplemented

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in USAGE_FIELDS)

    @classmethod
    def from_breakdown(cls, breakdown: Any) -> TokenUsage:
        """From a ``TokenUsageBreakdown`` (the ``total`` or ``last`` of a
        ``ThreadTokenUsage``), or its wire dict (camelCase or snake_case keys).

        Missing or malformed counts are 0.
        """
        if breakdown is None:
            return cls()
        if isinstance(breakdown, Mapping):
            return cls(
                *(
                    _count(breakdown.get(wire, breakdown.get(name)))
                    for name, wire in _WIRE_KEYS.items()
                )
            )
        return cls(*(_count(getattr(breakdown, name, 0)) for name in USAGE_FIELDS))

    @classmethod
    def from_turn_usage(cls, usage: Any) -> TokenUsage | None:
        """From a :attr:`TurnResult.usage` (``ThreadTokenUsage``): its ``total``.

        That is the thread's cumulative usage, which on a fresh thread that ran one turn
        is that turn's usage. ``None`` (nothing reported) gives ``None``.
        """
        if usage is None:
            return None
        breakdown = getattr(usage, "total", None)
        if breakdown is None and isinstance(usage, Mapping):
            breakdown = usage.get("total")
        if breakdown is None:
            return None
        return cls.from_breakdown(breakdown)

    def to_dict(self) -> dict[str, int]:
        """The JSON form: the field names as keys."""
        return {name: getattr(self, name) for name in USAGE_FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenUsage:
        """The inverse of :meth:`to_dict` (missing counts are 0).

        Raises:
            ValueError: a count that is not an integer.
        """
        values: list[int] = []
        for name in USAGE_FIELDS:
            value = data.get(name, 0)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"usage.{name} must be an integer, not {value!r}")
            values.append(value)
        return cls(*values)

    def _minus(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(*(getattr(self, name) - getattr(other, name) for name in USAGE_FIELDS))


ZERO = TokenUsage()


class UsageLedger:
    """The usage counted for one client, in total and per thread (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = ZERO
        self._threads: dict[str, TokenUsage] = {}

    def add(self, thread_id: str | None, usage: TokenUsage) -> None:
        """Count ``usage`` for the client and for ``thread_id``."""
        with self._lock:
            self._total = self._total + usage
            if thread_id is not None:
                self._threads[thread_id] = self._threads.get(thread_id, ZERO) + usage

    @property
    def total(self) -> TokenUsage:
        """Everything counted so far."""
        return self._total

    def thread(self, thread_id: str) -> TokenUsage:
        """What was counted for one thread (zero for a thread never seen)."""
        return self._threads.get(thread_id, ZERO)


class UsageMeter:
    """Turns the usage notifications of one connection into counted increments.

    Feed it ``turn/started``, ``turn/completed`` and ``thread/tokenUsage/updated`` in order
    of arrival (one dispatching thread at a time: the router serialises them); see the
    module notes for the rules. Increments go to the ledger.
    """

    def __init__(self, ledger: UsageLedger) -> None:
        self._ledger = ledger
        self._totals: dict[str, TokenUsage] = {}  # thread id -> last total seen here
        self._live: set[str] = set()  # turns started on this connection, not completed

    def turn_started(self, turn_id: str | None) -> None:
        """A turn started on this connection: its usage updates count."""
        if turn_id is not None:
            self._live.add(turn_id)

    def turn_completed(self, turn_id: str | None) -> None:
        """A turn ended (its usage update, if any, came before)."""
        if turn_id is not None:
            self._live.discard(turn_id)

    def updated(self, params: Mapping[str, Any]) -> TokenUsage | None:
        """Account one ``thread/tokenUsage/updated``; returns what it added, if anything."""
        thread_id = params.get("threadId")
        usage = params.get("tokenUsage")
        if not isinstance(thread_id, str) or not isinstance(usage, Mapping):
            return None
        total = TokenUsage.from_breakdown(usage.get("total"))
        previous = self._totals.get(thread_id)
        self._totals[thread_id] = total
        turn_id = params.get("turnId")
        if turn_id is not None and turn_id not in self._live:
            return None  # a repeat of a stored total (resume, fork): a baseline only
        if previous is None:
            if turn_id is None:
                return None
            added = TokenUsage.from_breakdown(usage.get("last"))
            if added.total_tokens > total.total_tokens:  # never more than the thread's total
                added = total
        else:
            added = total._minus(previous)
            if any(getattr(added, name) < 0 for name in USAGE_FIELDS):
                return None  # the total went down: not a new request; re-baselined above
        if not added:
            return None
        self._ledger.add(thread_id, added)
        return added
