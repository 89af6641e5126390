"""Answering the app-server's requests to the client, routed by the thread they name.

One :class:`ServerRequestDispatcher` per client is the connection's request handler. It
keeps, per thread id, the handlers given to ``thread_start`` / ``thread_resume`` /
``thread_fork`` (Python tools, ``on_approval``, ``on_user_input``), and per running turn
the handlers given to ``turn`` / ``run``, which take precedence for that turn and are
dropped when its ``turn/completed`` arrives.

What each server request gets:

=====================================  ======================================================
method                                 answer
=====================================  ======================================================
``item/tool/call``                     the thread's tool registry runs the tool; no tools
                                       registered → ``success: false`` with a message
``item/commandExecution/requestApproval``,
``item/fileChange/requestApproval``,
``item/permissions/requestApproval``,
``execCommandApproval``,
``applyPatchApproval``                 the turn's, else the thread's ``on_approval``; none →
                                       **decline** (a raising handler → decline, logged)
``item/tool/requestUserInput``         the turn's, else the thread's ``on_user_input``; none
                                       (or a raising handler) → no answers
                                       (``{"answers": {}}``), so the turn goes on
``currentTime/read``                   the local clock
``mcpServer/elicitation/request``      ``{"action": "decline"}``
anything else                          error -32601 (method not found) at once
=====================================  ======================================================

With tracing on (``docs/observability.md``), each approval and user-input request gets a
span (its kind, the decision, and who decided: ``handler`` or ``default``) and each Python
tool runs with its tool-call span as the current span.

Handlers may be plain functions or coroutine functions. Plain functions run in the event
loop's default executor (``asyncio.to_thread``) so the connection's reader, and every other
thread's stream, keeps flowing while they run. Each request runs in its own task; the
connection answers it exactly once, with an error if the client closes first.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .._core.notifications import turn_id_of
from .._core.router import Observer, Router
from .._observability.logs import log_extra
from ..errors import METHOD_NOT_FOUND

# ``approvals`` and ``tools`` are imported where used (a server request, ``tools=``,
# a handler): most clients never need them, and ``import openai_codex`` stays cheaper.
if TYPE_CHECKING:
    from .._core.connection import RequestHandler
    from .._observability.telemetry import Telemetry
    from .approvals import ApprovalFileChange, ApprovalHandler, UserInputHandler
    from .tools import ToolRegistry

__all__ = [
    "ServerRequestDispatcher",
    "ThreadHandlers",
    "ToolsArg",
]

logger = logging.getLogger("openai_codex")

T = TypeVar("T")

TOOL_CALL = "item/tool/call"
CURRENT_TIME = "currentTime/read"
ELICITATION = "mcpServer/elicitation/request"

ToolsArg = Iterable[object]
"""What ``tools=`` accepts: :class:`Tool` objects, plain functions (wrapped with ``tool``)
and framework tools that ``openai_codex.integrations`` adapts (``as_dynamic_tool``)."""


@dataclass(frozen=True)
class ThreadHandlers:
    """The handlers registered for one thread (any of them may be missing)."""

    tools: ToolRegistry | None = None
    on_approval: ApprovalHandler | None = None
    on_user_input: UserInputHandler | None = None

    def merged_over(self, older: ThreadHandlers | None) -> ThreadHandlers:
        """These handlers, falling back to ``older``'s for the ones not set here."""
        if older is None:
            return self
        return ThreadHandlers(
            tools=self.tools if self.tools is not None else older.tools,
            on_approval=self.on_approval if self.on_approval is not None else older.on_approval,
            on_user_input=(
                self.on_user_input if self.on_user_input is not None else older.on_user_input
            ),
        )


class _TurnScope:
    """Handlers given to one ``turn()``/``run()`` call."""

    __slots__ = ("finished", "on_approval", "on_user_input", "thread_id", "turn_id")

    def __init__(
        self,
        thread_id: str,
        on_approval: ApprovalHandler | None,
        on_user_input: UserInputHandler | None,
    ) -> None:
        self.thread_id = thread_id
        self.on_approval = on_approval
        self.on_user_input = on_user_input
        self.turn_id: str | None = None  # known once turn/start has answered
        self.finished: set[str] = set()  # turns of the thread completed before that


_OBSERVED_METHODS = frozenset({"item/started", "item/completed", "turn/completed"})
"""The notifications :meth:`ServerRequestDispatcher.observe` acts on."""


async def call_handler(handler: Callable[[Any], Any], argument: Any) -> Any:
    """Call a sync or async handler; sync ones run in a worker thread (``to_thread``)."""
    from .tool_schema import is_async_callable

    if is_async_callable(handler):
        result = await handler(argument)
    else:
        result = await asyncio.to_thread(handler, argument)
    if inspect.isawaitable(result):
        result = await result
    return result


class ServerRequestDispatcher:
    """The request handler of one connection: routes server requests to thread handlers.

    Methods run on the client's event loop, except :meth:`observe`, which runs on the
    thread that routes notifications (the loop, or a sync stream holding the reader lease);
    the turn scopes and file changes it shares with the loop are guarded by a lock.
    """

    def __init__(self, telemetry: Telemetry | None = None) -> None:
        self._telemetry = telemetry
        self._lock = threading.Lock()
        self._threads: dict[str, ThreadHandlers] = {}
        self._scopes: dict[str, list[_TurnScope]] = {}
        # (thread id, item id) -> (turn id, changes) of fileChange items in progress.
        self._file_changes: dict[tuple[str, str], tuple[str | None, tuple[ApprovalFileChange, ...]]]
        self._file_changes = {}
        self._method_handlers: dict[str, RequestHandler] = {}

    # -- wiring -----------------------------------------------------------------------

    def make_router(
        self, extra: Observer | None = None, extra_methods: frozenset[str] = frozenset()
    ) -> Router:
        """A :class:`Router` for the connection that lets this dispatcher observe items.

        ``extra`` (the client's usage and tracing observer) also sees the notifications
        whose method is in ``extra_methods``; each observer sees only its own methods.
        """
        if extra is None or not extra_methods:
            return Router(self.observe, _OBSERVED_METHODS)
        own = _OBSERVED_METHODS
        observe = self.observe

        def both(method: str, params: dict[str, Any]) -> None:
            if method in own:
                try:
                    observe(method, params)
                except Exception:
                    logger.exception(
                        "tracking notification %s failed",
                        method,
                        extra=log_extra(params.get("threadId"), turn_id_of(params), method),
                    )
            if method in extra_methods:
                extra(method, params)

        return Router(both, own | extra_methods)

    def set_method_handler(self, method: str, handler: RequestHandler | None) -> None:
        """Answer ``method`` (one not routed by thread) with ``handler``; None removes it."""
        if handler is None:
            self._method_handlers.pop(method, None)
        else:
            self._method_handlers[method] = handler

    # -- registration ---------------------------------------------------------------------

    def register_thread(self, thread_id: str, handlers: ThreadHandlers | None) -> None:
        """Set the handlers of a thread; handlers not given keep their previous value."""
        if handlers is None:
            return
        self._threads[thread_id] = handlers.merged_over(self._threads.get(thread_id))

    def handlers(self, thread_id: str) -> ThreadHandlers | None:
        """The handlers registered for a thread, if any."""
        return self._threads.get(thread_id)

    def forget_thread(self, thread_id: str) -> None:
        """Drop a thread's handlers (its requests then get the defaults)."""
        self._threads.pop(thread_id, None)

    def begin_turn(
        self,
        thread_id: str,
        on_approval: ApprovalHandler | None,
        on_user_input: UserInputHandler | None,
    ) -> _TurnScope:
        """Install turn handlers before ``turn/start`` is sent (they bind to its turn id)."""
        scope = _TurnScope(thread_id, on_approval, on_user_input)
        with self._lock:
            self._scopes.setdefault(thread_id, []).append(scope)
        return scope

    def bind_turn(self, scope: _TurnScope, turn_id: str) -> None:
        """The turn id is known: the scope now applies to that turn only."""
        with self._lock:
            if turn_id in scope.finished:  # the turn was over before its start returned
                self._end_turn(scope)
                return
            scope.turn_id = turn_id
            scope.finished.clear()

    def end_turn(self, scope: _TurnScope) -> None:
        """Drop turn handlers (the turn completed, or its start failed)."""
        with self._lock:
            self._end_turn(scope)

    def _end_turn(self, scope: _TurnScope) -> None:
        scopes = self._scopes.get(scope.thread_id)
        if scopes and scope in scopes:
            scopes.remove(scope)
            if not scopes:
                del self._scopes[scope.thread_id]

    # -- notifications --------------------------------------------------------------------

    def observe(self, method: str, params: dict[str, Any]) -> None:
        """Track file-change items and turn completions (called by the router)."""
        if method == "item/started" or method == "item/completed":
            item = params.get("item")
            thread_id = params.get("threadId")
            if not isinstance(item, dict) or item.get("type") != "fileChange":
                return
            if not isinstance(thread_id, str) or not isinstance(item.get("id"), str):
                return
            key = (thread_id, item["id"])
            if method == "item/started":
                from .approvals import file_changes_from_item

                changes = (turn_id_of(params), file_changes_from_item(item))
                with self._lock:
                    self._file_changes[key] = changes
            else:
                with self._lock:
                    self._file_changes.pop(key, None)
        elif method == "turn/completed":
            thread_id = params.get("threadId")
            turn_id = turn_id_of(params)
            if not isinstance(thread_id, str) or turn_id is None:
                return
            with self._lock:
                for scope in list(self._scopes.get(thread_id, ())):
                    if scope.turn_id == turn_id:
                        self._end_turn(scope)
                    elif scope.turn_id is None:
                        scope.finished.add(turn_id)
                stale = [
                    k
                    for k, (t, _) in self._file_changes.items()
                    if k[0] == thread_id and t == turn_id
                ]
                for key in stale:
                    del self._file_changes[key]

    # -- lookup ---------------------------------------------------------------------------

    def _scope_for(self, thread_id: str | None, turn_id: str | None) -> list[_TurnScope]:
        if thread_id is None:
            return []
        with self._lock:
            scopes = list(self._scopes.get(thread_id, ()))
        if not scopes:
            return []
        exact = [s for s in scopes if turn_id is not None and s.turn_id == turn_id]
        pending = [s for s in scopes if s.turn_id is None]
        if turn_id is None:
            return list(reversed(scopes))
        return exact + pending

    def approval_handler(
        self, thread_id: str | None, turn_id: str | None
    ) -> ApprovalHandler | None:
        """The handler that answers approvals for a thread/turn: turn's, else thread's."""
        for scope in self._scope_for(thread_id, turn_id):
            if scope.on_approval is not None:
                return scope.on_approval
        handlers = self._threads.get(thread_id) if thread_id is not None else None
        return handlers.on_approval if handlers is not None else None

    def user_input_handler(
        self, thread_id: str | None, turn_id: str | None
    ) -> UserInputHandler | None:
        """The handler that answers user-input requests: turn's, else thread's."""
        for scope in self._scope_for(thread_id, turn_id):
            if scope.on_user_input is not None:
                return scope.on_user_input
        handlers = self._threads.get(thread_id) if thread_id is not None else None
        return handlers.on_user_input if handlers is not None else None

    # -- answering ------------------------------------------------------------------------

    async def __call__(self, method: str, params: Any) -> Any:
        """Answer one server request (the connection's ``request_handler``)."""
        if not isinstance(params, dict):
            params = {}
        custom = self._method_handlers.get(method)
        if custom is not None:
            return await custom(method, params)
        if method == TOOL_CALL:
            return await self._tool_call(params)
        from .approvals import APPROVAL_METHODS, USER_INPUT_REQUEST

        if method in APPROVAL_METHODS:
            return await self._approval(method, params)
        if method == USER_INPUT_REQUEST:
            return await self._user_input(params)
        if method == CURRENT_TIME:
            return {"currentTimeAt": int(time.time())}
        if method == ELICITATION:
            return {"action": "decline", "content": None}
        from .._core.connection import ServerRequestError  # loaded by the time a request arrives

        raise ServerRequestError(METHOD_NOT_FOUND, f"client does not handle {method}")

    async def _tool_call(self, params: dict[str, Any]) -> dict[str, object]:
        thread_id = params.get("threadId")
        name = str(params.get("tool", ""))
        handlers = self._threads.get(thread_id) if isinstance(thread_id, str) else None
        registry = handlers.tools if handlers is not None else None
        if registry is None:
            logger.warning(
                "tool call %r for thread %s, which has no tools here",
                name,
                thread_id,
                extra=log_extra(thread_id, params.get("turnId"), TOOL_CALL),
            )
            return {
                "success": False,
                "contentItems": [
                    {
                        "type": "inputText",
                        "text": f"Tool '{name}' is not available: this client registered no "
                        "tools for the thread.",
                    }
                ],
            }
        telemetry = self._telemetry
        if telemetry is None or not telemetry.tracing:
            return await registry.dispatch(name, params.get("arguments"))
        with telemetry.tool_scope(thread_id, params.get("callId")):
            return await registry.dispatch(name, params.get("arguments"))

    async def _approval(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        from .approvals import Decision, approval_request_from, approval_response, to_decision

        thread_id = params.get("threadId") or params.get("conversationId")
        item_id = params.get("itemId")
        changes: tuple[ApprovalFileChange, ...] = ()
        if isinstance(thread_id, str) and isinstance(item_id, str):
            entry = self._file_changes.get((thread_id, item_id))
            if entry is not None:
                changes = entry[1]
        request = approval_request_from(method, params, changes)
        extra = log_extra(request.thread_id, request.turn_id, method)
        handler = self.approval_handler(request.thread_id, request.turn_id)
        span = None
        if self._telemetry is not None and self._telemetry.tracing:
            span = self._telemetry.approval_span(
                request.kind, method, request.thread_id, request.turn_id, request.item_id
            )
        if handler is None:
            logger.info(
                "declining %s approval for thread %s: no on_approval handler",
                request.kind,
                request.thread_id,
                extra=extra,
            )
            if span is not None:
                span.finish(decision=Decision.decline.value, decided_by="default")
            return approval_response(request, Decision.decline)
        failure: Exception | None = None
        try:
            if span is None:
                result = await call_handler(handler, request)
            else:
                with span.current():
                    result = await call_handler(handler, request)
            if isinstance(result, Mapping):
                if span is not None:
                    span.finish(decision=_decision_label(result), decided_by="handler")
                return dict(result)
            decision = to_decision(result)
        except Exception as exc:
            logger.exception(
                "on_approval handler failed; declining the %s request", request.kind, extra=extra
            )
            decision, failure = Decision.decline, exc
        except BaseException as exc:  # cancelled: the connection answers with an error
            if span is not None:
                span.finish(decided_by="handler", error=exc)
            raise
        if span is not None:
            span.finish(
                decision=decision.value,
                decided_by="default" if failure is not None else "handler",
                error=failure,
            )
        return approval_response(request, decision)

    async def _user_input(self, params: dict[str, Any]) -> dict[str, Any]:
        from .approvals import USER_INPUT_REQUEST, user_input_request_from, user_input_response

        request = user_input_request_from(params)
        extra = log_extra(request.thread_id, request.turn_id, USER_INPUT_REQUEST)
        handler = self.user_input_handler(request.thread_id, request.turn_id)
        span = None
        if self._telemetry is not None and self._telemetry.tracing:
            span = self._telemetry.user_input_span(
                request.thread_id, request.turn_id, request.item_id, len(request.questions)
            )
        if handler is None:
            logger.info(
                "answering no user input for thread %s: no handler",
                request.thread_id,
                extra=extra,
            )
            if span is not None:
                span.finish(decided_by="default", answered=0)
            return user_input_response(None)
        try:
            if span is None:
                response = user_input_response(await call_handler(handler, request))
            else:
                with span.current():
                    response = user_input_response(await call_handler(handler, request))
        except Exception as exc:
            logger.exception("on_user_input handler failed; answering no input", extra=extra)
            if span is not None:
                span.finish(decided_by="default", answered=0, error=exc)
            return user_input_response(None)
        except BaseException as exc:
            if span is not None:
                span.finish(decided_by="handler", error=exc)
            raise
        if span is not None:
            span.finish(decided_by="handler", answered=len(response["answers"]))
        return response


def _decision_label(response: Mapping[str, Any]) -> str:
    """What a handler's raw wire answer decided, for a span (``custom`` if unclear)."""
    wire = response.get("decision")
    if isinstance(wire, str):
        return str(getattr(wire, "value", wire))
    if isinstance(wire, Mapping) and len(wire) == 1:
        return str(next(iter(wire)))
    return "custom"


# ----------------------------------------------------------------------- client helpers
