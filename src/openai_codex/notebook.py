"""Turns drawn live in a notebook cell.

::

    from openai_codex.notebook import show

    handle = thread.turn("Explain this repository in five bullet points.")
    result = show(handle)          # or: result = handle.display()

:func:`show` renders the turn in the cell as its events arrive: the answer as it streams
(as Markdown), then the items folded, the status and the token usage. It redraws at most
once every ``interval`` seconds (a quarter of a second by default), and always once more
when the turn ends, then returns the :class:`~openai_codex.TurnResult` like
``handle.run()``. In async code use ``await ashow(handle)`` or ``await handle.display()``.

In a Jupyter kernel (anything that runs an IPython kernel: JupyterLab, Notebook, VS Code,
Colab) the drawing is one IPython display that is updated in place. Elsewhere (a script, a
terminal IPython, IPython not installed) the turn is printed to stdout as plain text as it
arrives, with a closing status line. IPython is never imported by ``import openai_codex``
nor by this module: only when :func:`show` finds it already loaded.

A goal run's handle (``thread.start_goal(...)``, ``thread.turn(objective, goal=True)``) is
a turn handle too: ``show`` draws all its continuation turns as one.

The returned result is also what a cell shows when it ends with ``show(handle)``: assign it
(``result = show(handle)``) or end the line with ``;`` to see the turn only once.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._rendering import LiveTurn, Throttle, TurnTrace, check_interval
from ._results import TurnResult

if TYPE_CHECKING:
    from ._notifications import Notification
    from ._thread import AsyncTurnHandle
    from ._thread_sync import TurnHandle

__all__ = ["ashow", "show"]

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


def show(
    handle: TurnHandle,
    *,
    interval: float = DEFAULT_INTERVAL,
    timeout: float | None = None,
    idle_timeout: float | None = None,
) -> TurnResult:
    """Draw a running turn live in the notebook cell and return its result.

    Redraws at most once every ``interval`` seconds while events arrive, and once more at
    the end; outside a Jupyter kernel the turn is printed to stdout as plain text.
    ``timeout`` / ``idle_timeout`` limit the wait as in :meth:`TurnHandle.run`.

    Raises:
        TypeError: ``handle`` is an async turn handle (use ``await ashow(handle)``).
        ValueError: ``interval`` is negative or not finite.
        TurnFailedError: the turn failed (drawn first; ``.result`` keeps the partial
            result), and the other errors of :meth:`TurnHandle.run`.
    """
    from ._thread import AsyncTurnHandle

    if isinstance(handle, AsyncTurnHandle):
        raise TypeError("show() takes a blocking TurnHandle: use `await ashow(handle)`")
    view = _view(handle, interval)
    try:
        for note in handle.stream(timeout=timeout, idle_timeout=idle_timeout):
            view.feed(note)
        result = handle.run()
    except BaseException as exc:
        view.failed(exc)
        raise
    return view.done(result)


async def ashow(
    handle: AsyncTurnHandle,
    *,
    interval: float = DEFAULT_INTERVAL,
    timeout: float | None = None,
    idle_timeout: float | None = None,
) -> TurnResult:
    """The async :func:`show`: ``result = await ashow(handle)`` (or ``await
    handle.display()``), for :class:`~openai_codex.AsyncTurnHandle`.

    Raises:
        TypeError: ``handle`` is a blocking turn handle (use :func:`show`).
        ValueError: ``interval`` is negative or not finite.
        TurnFailedError: the turn failed (drawn first), and the other errors of
            :meth:`AsyncTurnHandle.run`.
    """
    from ._thread import AsyncTurnHandle

    if not isinstance(handle, AsyncTurnHandle):
        raise TypeError("ashow() takes an AsyncTurnHandle: use show(handle) for a blocking one")
    view = _view(handle, interval)
    try:
        async for note in handle.stream(timeout=timeout, idle_timeout=idle_timeout):
            view.feed(note)
        result = await handle.run()
    except BaseException as exc:
        view.failed(exc)
        raise
    return view.done(result)
