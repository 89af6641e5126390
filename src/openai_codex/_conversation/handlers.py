"""A thread's own handlers (tools, approvals, user input), hooked into the dispatcher.

The dispatcher (``_callbacks/dispatch.py``) answers the server's requests; this module is
the conversation's side of it: which handlers a ``thread_start``/``turn`` call brings, the
approval option that makes the server route approvals to them, and a turn whose requests
reach its own handlers first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._callbacks.dispatch import ServerRequestDispatcher, ThreadHandlers, ToolsArg
from .options import ApprovalMode, approval_mode_of

if TYPE_CHECKING:
    from .._callbacks.approvals import ApprovalHandler, UserInputHandler

__all__ = ["apply_approval_default", "prepare_thread_options", "start_turn_with_handlers"]

_APPROVAL_OPTION_KEYS = ("approval_mode", "approval_policy", "approvals_reviewer")


def prepare_thread_options(
    options: dict[str, Any],
    *,
    tools: ToolsArg | None,
    on_approval: ApprovalHandler | None,
    on_user_input: UserInputHandler | None,
) -> ThreadHandlers | None:
    """Build a thread's handlers; with ``on_approval``, make the approvals the caller's.

    ``approval_mode`` in ``options`` (mutated) becomes ``on_request`` unless the caller
    chose ``deny_all``/``on_request`` or passed ``approval_policy``/``approvals_reviewer``:
    under ``auto_review`` (``thread_start``'s default) Codex's reviewer would answer
    every request and the handler would never be called.

    Returns None when no handler was given (nothing changes then).
    """
    registry = None
    if tools is not None:
        from .._callbacks.tools import Tool, ToolRegistry

        if isinstance(tools, (Tool, str)) or not hasattr(tools, "__iter__"):
            raise TypeError(
                "tools= takes a list of functions, Tool objects or framework tools, e.g. tools=[fn]"
            )
        registry = ToolRegistry(tools)
    if registry is None and on_approval is None and on_user_input is None:
        return None
    if on_approval is not None:
        apply_approval_default(options)
    return ThreadHandlers(tools=registry, on_approval=on_approval, on_user_input=on_user_input)


def apply_approval_default(options: dict[str, Any]) -> None:
    """Ask the server to route approvals to us unless the caller chose an approval option.

    ``approval_mode=auto_review`` counts as no choice: it is ``thread_start``'s default,
    and under it an ``on_approval`` handler would never be called.
    """
    mode = options.get("approval_mode")
    if mode is not None and approval_mode_of(mode) is ApprovalMode.auto_review:
        mode = None
    others = (options.get(key) for key in _APPROVAL_OPTION_KEYS if key != "approval_mode")
    if mode is None and all(value is None for value in others):
        options["approval_mode"] = ApprovalMode.on_request


async def start_turn_with_handlers(
    thread_id: str,
    dispatcher: ServerRequestDispatcher,
    options: dict[str, Any],
    start: Callable[[], Awaitable[str]],
    on_approval: ApprovalHandler | None,
    on_user_input: UserInputHandler | None,
) -> str:
    """Start a turn (``start()`` sends its ``turn/start`` with ``options``) whose requests go
    to the given handlers first; returns the turn id."""
    if on_approval is None and on_user_input is None:
        return await start()
    if on_approval is not None:
        apply_approval_default(options)
    scope = dispatcher.begin_turn(thread_id, on_approval, on_user_input)
    try:
        turn_id = await start()
    except BaseException:
        dispatcher.end_turn(scope)
        raise
    dispatcher.bind_turn(scope, turn_id)
    return turn_id
