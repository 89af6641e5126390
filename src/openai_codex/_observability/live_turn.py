"""The state of a turn drawn live (``openai_codex.notebook.show``): what changed, and when
to redraw.

Pure logic with an injected clock: :class:`Throttle` decides when a redraw may go,
:class:`LiveTurn` keeps the result so far and the answer still streaming (for the rich
drawing), :class:`TurnTrace` writes a turn as plain text as it arrives (outside a kernel).
The drawings themselves come from ``rendering.py``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from .redact import scrub_text
from .rendering import (
    AGENT_DELTA,
    ITEM_COMPLETED,
    ITEM_STARTED,
    error_text,
    item_summary,
    shorten,
    turn_markdown,
    turn_plain,
)

__all__ = ["LiveTurn", "Throttle", "TurnTrace", "check_interval"]


def check_interval(interval: float) -> None:
    """Refuse an ``interval`` between redraws that is not a finite number of seconds >= 0.

    Raises:
        ValueError: a negative, infinite or NaN ``interval``.
    """
    if not interval >= 0 or math.isinf(interval):
        raise ValueError(f"interval must be a finite number of seconds >= 0, not {interval!r}")


class Throttle:
    """Lets an update through at most once every ``interval`` seconds.

    The clock is injected (``time.monotonic`` by default), so the rule is testable without
    waiting. The first update is due ``interval`` after the throttle is made (the initial
    drawing counts as one).
    """

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        check_interval(interval)
        self.interval = interval
        self._clock = clock
        self._last = clock()

    def due(self) -> bool:
        """Whether an update may go now (if so, the next one waits ``interval`` again)."""
        now = self._clock()
        if now - self._last < self.interval:
            return False
        self._last = now
        return True


class LiveTurn:
    """A running turn as a notebook draws it: the result so far (from the turn handle's
    collector, which its stream feeds) and the text of the agent message still arriving."""

    def __init__(self, collector: Any) -> None:
        self._collector = collector
        self._deltas: dict[str, list[str]] = {}  # item id -> deltas, until the item completes
        self._current: str | None = None

    def feed(self, note: Any) -> bool:
        """Take one of the turn's notifications; returns whether the drawing changed."""
        method = note.method
        params = note.params
        if method == AGENT_DELTA:
            item_id = str(params.get("itemId"))
            self._deltas.setdefault(item_id, []).append(str(params.get("delta", "")))
            self._current = item_id
            return True
        if method == ITEM_COMPLETED:
            item = params.get("item")
            item_id = str(item.get("id")) if isinstance(item, Mapping) else ""
            self._deltas.pop(item_id, None)
            if item_id == self._current:
                self._current = None
            return True
        return method in (ITEM_STARTED, "turn/completed", "thread/tokenUsage/updated")

    @property
    def streaming(self) -> str | None:
        """The text received so far of the agent message being streamed, if any."""
        if self._current is None:
            return None
        return "".join(self._deltas.get(self._current, ()))

    def result(self) -> Any:
        """The :class:`~openai_codex.TurnResult` so far."""
        return self._collector.result()

    def bundle(self, result: Any = None, note: str | None = None) -> dict[str, str]:
        """The display bundle (``text/markdown`` and ``text/plain``) of the turn so far, or
        of its final ``result``."""
        running = result is None
        if result is None:
            result = self.result()
        # An answer cut short (an exception) keeps its streamed text, without the cursor.
        streaming = self.streaming if running or not result.final_response else None
        return {
            "text/markdown": turn_markdown(result, streaming=streaming, cursor=running, note=note),
            "text/plain": turn_plain(result, streaming=streaming, note=note),
        }


class TurnTrace:
    """A running turn as plain text written as it arrives (the fallback outside IPython):
    agent text delta by delta, one line per command, tool call or file change, and a
    closing status line."""

    _SHOWN = frozenset({"commandExecution", "fileChange", "mcpToolCall", "dynamicToolCall"})

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._streamed: set[str] = set()
        self._midline = False

    def _out(self, text: str) -> None:
        if text:
            self._write(text)
            self._midline = not text.endswith("\n")

    def _newline(self) -> None:
        if self._midline:
            self._out("\n")

    def feed(self, note: Any) -> None:
        """Write what one of the turn's notifications adds."""
        method = note.method
        params = note.params
        if method == AGENT_DELTA:
            self._streamed.add(str(params.get("itemId")))
            self._out(str(params.get("delta", "")))
            return
        item = params.get("item")
        if not isinstance(item, Mapping):
            return
        kind = item.get("type")
        if method == ITEM_STARTED and kind in self._SHOWN:
            _icon, label, detail = item_summary(item)
            self._newline()
            self._out(f"[{label}] {detail}\n")
        elif method == ITEM_COMPLETED and kind == "agentMessage":
            if str(item.get("id")) not in self._streamed:
                self._newline()
                self._out(str(item.get("text") or ""))
            self._newline()

    def finish(self, result: Any, note: str | None = None) -> None:
        """Write the closing line: status, duration, tokens (and ``note``, if any)."""
        self._newline()
        self._out(f"[{turn_plain(result).splitlines()[0]}]\n")
        error = error_text(result)
        if error:
            self._out(f"[Error: {error}]\n")
        if note:
            self._out(f"[{shorten(scrub_text(note), 500)}]\n")
