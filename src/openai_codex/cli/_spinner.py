"""A one-line progress spinner on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import IO

__all__ = ["Spinner"]


class Spinner:
    """Redraws ``<frame> <text> (<seconds>s)`` in place on each :meth:`tick`.

    On anything but a terminal (a pipe, a file, a CI log) it draws nothing, so captured
    output stays clean. Use it as a context manager: the line is erased on exit.
    """

    FRAMES = "|/-\\"

    def __init__(self, text: str, stream: IO[str] | None = None) -> None:
        self.text = text
        self._stream = stream if stream is not None else sys.stderr
        isatty = getattr(self._stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self._frame = 0
        self._width = 0
        self._started = time.monotonic()

    def tick(self) -> None:
        """Draw the next frame."""
        if not self.enabled:
            return
        elapsed = time.monotonic() - self._started
        line = f"{self.FRAMES[self._frame % len(self.FRAMES)]} {self.text} ({elapsed:.0f}s)"
        self._frame += 1
        self._width = max(self._width, len(line))
        self._stream.write("\r" + line.ljust(self._width))
        self._stream.flush()

    def clear(self) -> None:
        """Erase the spinner's line."""
        if self.enabled and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0

    def __enter__(self) -> Spinner:
        self.tick()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.clear()
