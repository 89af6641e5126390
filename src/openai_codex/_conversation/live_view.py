"""A turn drawn live as it runs: in a notebook cell (IPython display) or as plain text.

The machinery behind ``openai_codex.notebook.show``/``ashow`` and ``handle.display()``:
one drawing per turn, fed with the turn's notifications, redrawn at most every
``interval`` seconds, finished with the result or the exception that ended the turn. The
rendering is ``_observability/rendering.py`` and ``live_turn.py``; IPython is used only
when the process already loaded it and runs a kernel.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._observability.live_turn import LiveTurn, Throttle, TurnTrace, check_interval
from .results import TurnResult

if TYPE_CHECKING:
    from .._core.notifications import Notification
    from .thread_sync import TurnHandle
    from .turn import AsyncTurnHandle

__all__ = ["DEFAULT_INTERVAL", "ashow_turn", "show_turn"]

DEFAULT_INTERVAL = 0.25
"""Seconds between two redraws of a live turn, at least (four a second at most)."""

Bundle = dict[str, str]
Publish = Callable[[Bundle], Callable[[Bundle], None]]
"""Shows a display bundle and returns the function that replaces it in place."""


def _ipython_publisher() -> Publish | None:
    """IPython's display, when this process is a kernel that renders rich output."""
    if "IPython" not in sys.modules:  # never import IPython just to look
        return None
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:  # no shell, or a terminal
        return None

    def publish(bundle: Bundle) -> Callable[[Bundle], None]:
        handle = display(bundle, raw=True, display_id=True)  # type: ignore[no-untyped-call]

        def update(new: Bundle) -> None:
            handle.update(new, raw=True)

        return update

    return publish


class _Rich:
    """A live turn as one display, redrawn in place through ``publish``'s updater."""

    def __init__(self, live: LiveTurn, publish: Publish, throttle: Throttle) -> None:
        self._live = live
        self._throttle = throttle
        self._dirty = False
        self._update = publish(live.bundle())

    def feed(self, note: Notification) -> None:
        self._dirty = self._live.feed(note) or self._dirty
        if self._dirty and self._throttle.due():
            self._dirty = False
            self._update(self._live.bundle())

    def finish(self, result: TurnResult, note: str | None) -> None:
        self._update(self._live.bundle(result, note))


class _Text:
    """A live turn as plain text written to stdout as it arrives."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._trace = TurnTrace(write)

    def feed(self, note: Notification) -> None:
        self._trace.feed(note)

    def finish(self, result: TurnResult, note: str | None) -> None:
        self._trace.finish(result, note)


def _stdout_write(text: str) -> None:
    stream = sys.stdout  # looked up per write: notebooks and tests swap it
    stream.write(text)
    stream.flush()


class _LiveView:
    """What :func:`show` and :func:`ashow` share: the drawing of one turn, fed with its
    notifications, finished with its result or the exception that ended it.

    ``publish`` (IPython's display, or a stand-in) selects the rich drawing; ``None`` the
    plain text one written by ``write``. ``clock`` is injectable for tests of the throttle.
    """

    def __init__(
        self,
        handle: TurnHandle | AsyncTurnHandle,
        *,
        interval: float = DEFAULT_INTERVAL,
        publish: Publish | None = None,
        write: Callable[[str], None] = _stdout_write,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_interval(interval)
        # A goal run (a GoalHandle is a TurnHandle) collects all its continuations at once.
        collector = getattr(handle, "_goal_run", None) or handle._collector
        self._live = LiveTurn(collector)
        self._out: _Rich | _Text
        if publish is not None:
            self._out = _Rich(self._live, publish, Throttle(interval, clock))
        else:
            self._out = _Text(write)

    def feed(self, note: Notification) -> None:
        """Draw what one notification of the turn changes (throttled)."""
        self._out.feed(note)

    def done(self, result: TurnResult) -> TurnResult:
        """Draw the final state of the turn; returns ``result``."""
        self._out.finish(result, None)
        return result

    def failed(self, exc: BaseException) -> None:
        """Draw the turn as an exception left it (its partial result, and why)."""
        result = getattr(exc, "result", None)
        if not isinstance(result, TurnResult):
            result = self._live.result()
        if getattr(result.status, "value", result.status) == "failed":
            note = None  # the result's own error says it
        else:
            message = str(exc)
            note = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        self._out.finish(result, note)


def _view(handle: Any, interval: float) -> _LiveView:
    return _LiveView(handle, interval=interval, publish=_ipython_publisher())


def show_turn(
    handle: TurnHandle,
    *,
    interval: float = DEFAULT_INTERVAL,
    timeout: float | None = None,
    idle_timeout: float | None = None,
) -> TurnResult:
    """Draw a blocking turn live while it runs and return its result (see
    :func:`openai_codex.notebook.show`)."""
    view = _view(handle, interval)
    try:
        for note in handle.stream(timeout=timeout, idle_timeout=idle_timeout):
            view.feed(note)
        result = handle.run()
    except BaseException as exc:
        view.failed(exc)
        raise
    return view.done(result)


async def ashow_turn(
    handle: AsyncTurnHandle,
    *,
    interval: float = DEFAULT_INTERVAL,
    timeout: float | None = None,
    idle_timeout: float | None = None,
) -> TurnResult:
    """Draw an async turn live while it runs and return its result (see
    :func:`openai_codex.notebook.ashow`)."""
    view = _view(handle, interval)
    try:
        async for note in handle.stream(timeout=timeout, idle_timeout=idle_timeout):
            view.feed(note)
        result = await handle.run()
    except BaseException as exc:
        view.failed(exc)
        raise
    return view.done(result)
