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

from typing import TYPE_CHECKING

from ._conversation.live_view import DEFAULT_INTERVAL, ashow_turn, show_turn

if TYPE_CHECKING:
    from ._conversation.results import TurnResult
    from ._conversation.thread_sync import TurnHandle
    from ._conversation.turn import AsyncTurnHandle

__all__ = ["DEFAULT_INTERVAL", "ashow", "show"]


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
    from ._conversation.turn import AsyncTurnHandle

    if isinstance(handle, AsyncTurnHandle):
        raise TypeError("show() takes a blocking TurnHandle: use `await ashow(handle)`")
    return show_turn(handle, interval=interval, timeout=timeout, idle_timeout=idle_timeout)


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
    from ._conversation.turn import AsyncTurnHandle

    if not isinstance(handle, AsyncTurnHandle):
        raise TypeError("ashow() takes an AsyncTurnHandle: use show(handle) for a blocking one")
    return await ashow_turn(handle, interval=interval, timeout=timeout, idle_timeout=idle_timeout)
