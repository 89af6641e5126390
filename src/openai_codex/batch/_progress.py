"""The batch's progress display: one line redrawn in place on a terminal.

``[#####.........]  12/40 done, 1 failed, 4 running, 2 retries, 3.1k tokens, 0:07, ETA 0:16``

Drawn only when its stream is a terminal (``\\r`` and a padded line, no escape codes, no
dependency); elsewhere nothing is drawn and only the final summary line is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import IO

from ._result import BatchResult

__all__ = ["BatchProgress", "format_duration", "format_tokens", "summary_line"]

_BAR_WIDTH = 20
_MIN_REDRAW_S = 0.1


def format_tokens(count: int) -> str:
    """``950``, ``12.3k``, ``4.56M``."""
    if count < 1000:
        return str(count)
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.2f}M"


def format_duration(seconds: float) -> str:
    """``0:07``, ``12:34``, ``1:02:03``."""
    whole = max(0, int(seconds + 0.5))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def summary_line(
    results: Sequence[BatchResult], *, reused: int, retries: int, elapsed: float
) -> str:
    """One line about a finished batch: counts, retries, tokens and time."""
    completed = sum(1 for r in results if r.ok)
    failed = len(results) - completed
    tokens = sum(r.usage.total_tokens for r in results if r.usage is not None)
    parts = [f"{completed} completed"]
    if reused:
        parts[0] += f" ({reused} from an earlier run)"
    parts.append(f"{failed} failed")
    text = f"batch: {len(results)} task{'s' if len(results) != 1 else ''}, " + ", ".join(parts)
    text += f"; {retries} retr{'ies' if retries != 1 else 'y'}"
    text += f", {format_tokens(tokens)} tokens, {elapsed:.1f} s"
    return text


class BatchProgress:
    """Counts a batch's tasks and draws them.

    Args:
        total: tasks in the batch.
        reused: tasks taken from an earlier run's results file (counted as done at once).
        stream: where to draw; ``None`` draws nothing.
        live: redraw the line in place (normally: ``stream.isatty()``).
        summary: write :func:`summary_line` to ``stream`` at :meth:`close`.
    """

    def __init__(
        self,
        total: int,
        *,
        reused: int = 0,
        stream: IO[str] | None = None,
        live: bool = False,
        summary: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.reused = reused
        self.done = reused
        self.failed = 0
        self.running = 0
        self.retries = 0
        self.tokens = 0
        self._stream = stream
        self._live = live and stream is not None
        self._summary = summary and stream is not None
        self._clock = clock
        self._started = clock()
        self._drawn_at = 0.0
        self._width = 0

    @classmethod
    def for_stream(cls, total: int, reused: int, stream: IO[str] | None) -> BatchProgress:
        """Live on a terminal, else only the final summary (``None``: nothing at all)."""
        isatty = getattr(stream, "isatty", None)
        live = bool(isatty is not None and isatty())
        return cls(total, reused=reused, stream=stream, live=live, summary=stream is not None)

    @property
    def live(self) -> bool:
        """Whether the line is redrawn in place."""
        return self._live

    @property
    def elapsed(self) -> float:
        """Seconds since the display was made."""
        return self._clock() - self._started

    # -- events -------------------------------------------------------------------------

    def task_started(self) -> None:
        """A task began (its first attempt)."""
        self.running += 1
        self.refresh()

    def task_retried(self) -> None:
        """A task failed an attempt and will try again."""
        self.retries += 1
        self.refresh()

    def task_finished(self, result: BatchResult) -> None:
        """A task ended (completed or failed for good)."""
        self.running -= 1
        self.done += 1
        if not result.ok:
            self.failed += 1
        if result.usage is not None:
            self.tokens += result.usage.total_tokens
        self.refresh(force=True)

    # -- drawing ------------------------------------------------------------------------

    def line(self) -> str:
        """The progress line as it would be drawn now."""
        total = max(self.total, 1)
        filled = int(_BAR_WIDTH * self.done / total)
        bar = "#" * filled + "." * (_BAR_WIDTH - filled)
        text = (
            f"[{bar}] {self.done:>{len(str(self.total))}}/{self.total} done, "
            f"{self.failed} failed, {self.running} running"
        )
        if self.retries:
            text += f", {self.retries} retr{'ies' if self.retries != 1 else 'y'}"
        text += f", {format_tokens(self.tokens)} tokens, {format_duration(self.elapsed)}"
        finished_here = self.done - self.reused
        remaining = self.total - self.done
        if finished_here > 0 and remaining > 0:
            eta = self.elapsed / finished_here * remaining
            text += f", ETA {format_duration(eta)}"
        return text

    def refresh(self, *, force: bool = False) -> None:
        """Redraw the line (at most every 0.1 s unless ``force``)."""
        if not self._live or self._stream is None:
            return
        now = self._clock()
        if not force and now - self._drawn_at < _MIN_REDRAW_S:
            return
        self._drawn_at = now
        line = self.line()
        self._width = max(self._width, len(line))
        self._stream.write("\r" + line.ljust(self._width))
        self._stream.flush()

    def clear(self) -> None:
        """Erase the line."""
        if self._live and self._stream is not None and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0

    def close(self, results: Sequence[BatchResult] | None = None) -> None:
        """Erase the line; write the summary of ``results`` if asked to."""
        self.clear()
        if self._summary and self._stream is not None and results is not None:
            text = summary_line(
                results, reused=self.reused, retries=self.retries, elapsed=self.elapsed
            )
            self._stream.write(text + "\n")
            self._stream.flush()
