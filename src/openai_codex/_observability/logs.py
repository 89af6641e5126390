"""Logging helpers: structured ``extra`` fields, and the app-server's stderr as log records.

The SDK logs under the ``openai_codex`` logger. Records about a thread, a turn or a
protocol method carry them as ``extra`` fields (:func:`log_extra`): ``codex_thread_id``,
``codex_turn_id`` and ``codex_method``, so a structured handler (JSON logs, a log
shipper) can index them without parsing the message.

With ``CodexConfig(forward_server_logs=True)`` the stdio transport hands every stderr line
of the app-server to a :class:`ServerLogForwarder`, which logs it under
``openai_codex.server`` at the level the server printed. The server writes lines like
``2026-01-02T03:04:05.678901Z  WARN codex_core::config: message`` (its ``RUST_LOG``
output, ``TRACE``/``DEBUG``/``INFO``/``WARN``/``ERROR``); a line without that prefix (a
start-up error, a panic) is logged at WARNING, or ERROR when it says it is one. A token
bucket caps the rate, so a server flooding stderr costs a bounded amount of work per
second, and the next record that gets through (or :meth:`ServerLogForwarder.flush`) says
how many lines were dropped.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

__all__ = ["SERVER_LOGGER", "ServerLogForwarder", "log_extra", "server_log_level"]

SERVER_LOGGER = logging.getLogger("openai_codex.server")
"""Where forwarded app-server stderr lines go."""

_LEVELS = {
    "TRACE": logging.DEBUG,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}
_LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\dT[0-9:.]+Z?)\s+(?P<level>TRACE|DEBUG|INFO|WARN|WARNING|ERROR)\s+"
    r"(?P<rest>.*)$"
)
_TARGET = re.compile(r"^(?P<target>[A-Za-z_][\w:]*)[{:]")
_ERRORISH = re.compile(r"^(error\b|fatal\b|thread '.*' panicked)", re.IGNORECASE)

DEFAULT_RATE = 200.0
"""Server log lines forwarded per second, on average."""
DEFAULT_BURST = 1000
"""Server log lines forwarded at once after a quiet period."""


def log_extra(
    thread_id: object = None, turn_id: object = None, method: object = None
) -> dict[str, Any]:
    """The ``extra`` of a log record about a thread, turn or protocol method."""
    extra: dict[str, Any] = {}
    if thread_id is not None:
        extra["codex_thread_id"] = thread_id
    if turn_id is not None:
        extra["codex_turn_id"] = turn_id
    if method is not None:
        extra["codex_method"] = method
    return extra


def server_log_level(line: str) -> tuple[int, str, dict[str, Any]]:
    """``(logging level, message, extra)`` of one app-server stderr line.

    The message is the line without its timestamp and level; ``extra`` has
    ``codex_server_level`` (as printed), ``codex_server_target`` (the Rust module) and
    ``codex_server_time`` when the line has them.
    """
    match = _LINE.match(line)
    if match is None:
        level = logging.ERROR if _ERRORISH.match(line) else logging.WARNING
        return level, line, {}
    printed = match.group("level")
    rest = match.group("rest")
    extra: dict[str, Any] = {
        "codex_server_level": printed,
        "codex_server_time": match.group("time"),
    }
    target = _TARGET.match(rest)
    if target is not None:
        extra["codex_server_target"] = target.group("target")
    return _LEVELS[printed], rest, extra


class ServerLogForwarder:
    """Logs app-server stderr lines under ``openai_codex.server``, at most ``rate`` a second.

    ``forward`` runs on the event loop for every line (the transport's stderr callback):
    it never blocks beyond one ``logging`` call, and once the budget is spent it only
    counts. ``scrub`` (optional) rewrites each message before it is logged (the client
    removes its known secrets).
    """

    def __init__(
        self,
        *,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        scrub: Callable[[str], str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger = SERVER_LOGGER,
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._stamp = clock()
        self._scrub = scrub
        self._logger = logger
        self.dropped = 0
        """Lines dropped since the last report."""
        self.dropped_total = 0
        """Lines dropped since the forwarder was created."""

    def forward(self, line: str) -> None:
        """Log one stderr line (already decoded and stripped), unless over the budget."""
        logger = self._logger
        level, message, extra = server_log_level(line)
        if not logger.isEnabledFor(level):
            return
        now = self._clock()
        tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if tokens < 1.0:
            self._tokens = tokens
            self.dropped += 1
            self.dropped_total += 1
            return
        self._tokens = tokens - 1.0
        if self.dropped:
            self._report()
        if self._scrub is not None:
            message = self._scrub(message)
        logger.log(level, "%s", message, extra=extra)

    def flush(self) -> None:
        """Report lines dropped since the last report (the transport calls this at the end)."""
        if self.dropped:
            self._report()

    def _report(self) -> None:
        count, self.dropped = self.dropped, 0
        self._logger.warning(
            "dropped %d app-server log line%s (more than %g a second)",
            count,
            "" if count == 1 else "s",
            self._rate,
            extra={"codex_server_dropped": count},
        )
