"""The open spans of one client, and how notifications and client calls open and end them.

:class:`Spans` exists only while tracing is on; :class:`~.facade.Telemetry` and the
router's :class:`~.observer.ConnectionObserver` call it. Spans are created on whichever
thread dispatches notifications (the loop, or a sync stream holding the reader lease) and
on the loop for server requests; a lock guards the tables, and spans are ended outside it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..usage import TokenUsage
from .handles import LoginSpan, RequestSpan, StartSpan
from .names import (
    AGENT_NAME,
    COMMAND_CWD,
    COMMAND_OUTPUT,
    DURATION_MS,
    ERROR_TYPE,
    EXECUTE_TOOL,
    FILE_PATHS,
    GEN_AI_AGENT_NAME,
    GEN_AI_CONVERSATION_ID,
    GEN_AI_OPERATION_NAME,
    GEN_AI_OUTPUT_MESSAGES,
    GEN_AI_TOOL_CALL_ARGUMENTS,
    GEN_AI_TOOL_CALL_ID,
    GEN_AI_TOOL_CALL_RESULT,
    GEN_AI_TOOL_NAME,
    GEN_AI_TOOL_TYPE,
    GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    GEN_AI_USAGE_INPUT_TOKENS,
    GEN_AI_USAGE_OUTPUT_TOKENS,
    GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    INVOKE_AGENT,
    ITEM_ID,
    ITEM_STATUS,
    ITEM_TYPE,
    LOGIN_METHOD,
    LOGIN_OUTCOME,
    MAX_CONTENT_CHARS,
    MCP_SERVER,
    PROCESS_COMMAND_LINE,
    PROCESS_EXIT_CODE,
    RESTART,
    SERVER_ADDRESS,
    TOOL_NAMESPACE,
    TOOL_SUCCESS,
    TOTAL_TOKENS,
    TRANSPORT,
    TURN_ID,
    TURN_STATUS,
    WEB_SEARCH_QUERY,
)

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer

    from .facade import Telemetry

__all__ = ["PendingTurn", "Spans"]


def _first_line(text: str, limit: int = 500) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[:limit] + "..."


class PendingTurn:
    """A ``turn/start`` in flight: the caller's context and when it asked."""

    __slots__ = ("attributes", "bound", "context", "start", "thread_id")

    def __init__(self, thread_id: str, context: Context, attributes: dict[str, Any]) -> None:
        self.thread_id = thread_id
        self.context = context
        self.start = time.time_ns()
        self.attributes = attributes
        self.bound: str | None = None  # the turn id, once its span exists


class _TurnEntry:
    __slots__ = ("answer", "error", "generation", "span", "usage")

    def __init__(self, span: Span, generation: int) -> None:
        self.span = span
        self.generation = generation
        self.usage = TokenUsage()
        self.answer: str | None = None  # the last agent message (trace_content only)
        self.error: tuple[str, str] | None = None  # (type, message) recorded before the end


class _Open:
    """A span ended by a later event (an item, a login), with its connection's number and,
    for an item, its turn."""

    __slots__ = ("generation", "span", "turn_id")

    def __init__(self, span: Span, generation: int, turn_id: str | None = None) -> None:
        self.span = span
        self.generation = generation
        self.turn_id = turn_id


def _clean(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if v is not None}


class Spans:
    """Every open span of one client, and how notifications open and close them."""

    def __init__(self, tracer: Tracer, telemetry: Telemetry) -> None:
        from opentelemetry import trace
        from opentelemetry.context import Context
        from opentelemetry.trace import SpanKind, Status, StatusCode

        self._tracer = tracer
        self._telemetry = telemetry
        self._trace = trace
        self._root = Context()  # no parent: never inherit whatever the reader's context is
        self._kind_client = SpanKind.CLIENT
        self._error_status = Status
        self._error_code = StatusCode.ERROR
        self._lock = threading.Lock()
        self._pending: dict[str, deque[PendingTurn]] = {}
        self._ambient: dict[str, Context] = {}
        self._turns: dict[str, _TurnEntry] = {}
        self._items: dict[tuple[str, str], _Open] = {}
        self._logins: dict[str, _Open] = {}
        # Completions that arrived before their login's span was registered (bounded).
        self._early_logins: OrderedDict[str, Mapping[str, Any]] = OrderedDict()

    # -- helpers --------------------------------------------------------------------------

    def text(self, value: object, limit: int = MAX_CONTENT_CHARS) -> str:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        text = self._telemetry.scrub(text)
        return text if len(text) <= limit else text[:limit] + "..."

    def fail(self, span: Span, error_type: str, message: str) -> None:
        """Mark ``span`` failed, with an ``exception`` event (no stack trace)."""
        text = _first_line(self._telemetry.scrub(message))
        span.set_attribute(ERROR_TYPE, error_type)
        span.add_event("exception", {"exception.type": error_type, "exception.message": text})
        span.set_status(self._error_status(self._error_code, f"{error_type}: {text}"))

    def _under(self, span: Span | None) -> Context:
        return self._root if span is None else self._trace.set_span_in_context(span, self._root)

    def current_context(self) -> Context:
        from opentelemetry import context

        return context.get_current()

    # -- turns ----------------------------------------------------------------------------

    def begin_turn(self, thread_id: str, attributes: dict[str, Any]) -> PendingTurn:
        pending = PendingTurn(thread_id, self.current_context(), attributes)
        with self._lock:
            # A turn the caller starts ends what an earlier goal or review set up: turns
            # the server starts later on this thread belong to a new expect_turns().
            self._ambient.pop(thread_id, None)
            self._pending.setdefault(thread_id, deque()).append(pending)
        return pending

    def expect_turns(self, thread_id: str) -> None:
        with self._lock:
            self._ambient[thread_id] = self.current_context()

    def _open_turn(
        self,
        thread_id: str,
        turn_id: str,
        generation: int,
        pending: PendingTurn | None,
    ) -> None:
        """Create the turn's span (under the lock: span creation never exports)."""
        attributes = {
            GEN_AI_OPERATION_NAME: INVOKE_AGENT,
            GEN_AI_AGENT_NAME: AGENT_NAME,
            GEN_AI_CONVERSATION_ID: thread_id,
            TURN_ID: turn_id,
        }
        if pending is not None:
            attributes.update(pending.attributes)
            parent, start = pending.context, pending.start
            pending.bound = turn_id
        else:
            parent, start = self._ambient.get(thread_id, self._root), None
        span = self._tracer.start_span(
            f"{INVOKE_AGENT} {AGENT_NAME}",
            context=parent,
            kind=self._kind_client,
            attributes=_clean(attributes),
            start_time=start,
        )
        self._turns[turn_id] = _TurnEntry(span, generation)

    def turn_started(self, thread_id: str, turn_id: str, generation: int) -> None:
        with self._lock:
            if turn_id in self._turns:
                return
            queue = self._pending.get(thread_id)
            pending = queue.popleft() if queue else None
            if queue is not None and not queue:
                del self._pending[thread_id]
            self._open_turn(thread_id, turn_id, generation, pending)

    def turn_answered(self, pending: PendingTurn, turn_id: str, generation: int) -> None:
        joined: Span | None = None
        with self._lock:
            if pending.bound is not None:
                return
            self._drop_pending(pending)
            entry = self._turns.get(turn_id)
            if entry is None:
                self._open_turn(pending.thread_id, turn_id, generation, pending)
            else:  # the input joined a turn already running (the server's rule)
                pending.bound = turn_id
                joined = entry.span
        if joined is not None:
            joined.add_event("codex.turn.input_joined")

    def turn_start_failed(self, pending: PendingTurn, error: BaseException) -> None:
        with self._lock:
            if pending.bound is not None:
                return  # the turn started; its completion (or the connection) ends it
            self._drop_pending(pending)
        span = self._tracer.start_span(
            f"{INVOKE_AGENT} {AGENT_NAME}",
            context=pending.context,
            kind=self._kind_client,
            attributes=_clean(
                {
                    GEN_AI_OPERATION_NAME: INVOKE_AGENT,
                    GEN_AI_AGENT_NAME: AGENT_NAME,
                    GEN_AI_CONVERSATION_ID: pending.thread_id,
                    **pending.attributes,
                }
            ),
            start_time=pending.start,
        )
        self.fail(span, type(error).__name__, str(error) or type(error).__name__)
        span.end()

    def _drop_pending(self, pending: PendingTurn) -> None:
        queue = self._pending.get(pending.thread_id)
        if queue is not None and pending in queue:
            queue.remove(pending)
            if not queue:
                del self._pending[pending.thread_id]

    def turn_usage(self, turn_id: str | None, usage: TokenUsage) -> None:
        if turn_id is None:
            return
        with self._lock:
            entry = self._turns.get(turn_id)
            if entry is not None:
                entry.usage = entry.usage + usage

    def turn_error(self, turn_id: str, error_type: str, message: str) -> None:
        with self._lock:
            entry = self._turns.get(turn_id)
            if entry is not None:
                entry.error = (error_type, message)

    def turn_completed(self, params: Mapping[str, Any], turn_id: str) -> None:
        with self._lock:
            entry = self._turns.pop(turn_id, None)
            # Items of the turn that never completed (the runtime does not always send
            # item/completed, e.g. for a command left running): they end with the turn.
            leftovers = [k for k, item in self._items.items() if item.turn_id == turn_id]
            unfinished = [self._items.pop(k).span for k in leftovers]
        for item_span in unfinished:
            item_span.set_attribute(ITEM_STATUS, "unfinished")
            item_span.end()
        if entry is None:
            return
        span = entry.span
        turn = params.get("turn")
        turn = turn if isinstance(turn, Mapping) else {}
        status = turn.get("status")
        if isinstance(status, str):
            span.set_attribute(TURN_STATUS, status)
        self._set_usage(span, entry.usage)
        if entry.answer is not None and self._telemetry.trace_content:
            answer = {"role": "assistant", "parts": [{"type": "text", "content": entry.answer}]}
            span.set_attribute(GEN_AI_OUTPUT_MESSAGES, self.text([answer]))
        if entry.error is not None:
            self.fail(span, *entry.error)
        elif status == "failed":
            error = turn.get("error")
            message = error.get("message") if isinstance(error, Mapping) else None
            self.fail(span, "TurnFailedError", str(message or "the turn failed"))
        span.end()

    def _set_usage(self, span: Span, usage: TokenUsage) -> None:
        span.set_attribute(GEN_AI_USAGE_INPUT_TOKENS, usage.input_tokens)
        span.set_attribute(GEN_AI_USAGE_OUTPUT_TOKENS, usage.output_tokens)
        span.set_attribute(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cached_input_tokens)
        span.set_attribute(GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoning_output_tokens)
        span.set_attribute(TOTAL_TOKENS, usage.total_tokens)

    # -- items ----------------------------------------------------------------------------

    def item_started(self, params: Mapping[str, Any], generation: int) -> None:
        item = params.get("item")
        thread_id = params.get("threadId")
        if not isinstance(item, Mapping) or not isinstance(thread_id, str):
            return
        item_id = item.get("id")
        described = self._describe_item(item)
        if described is None or not isinstance(item_id, str):
            return
        tool, attributes = described
        turn_id = params.get("turnId")
        with self._lock:
            entry = self._turns.get(turn_id) if isinstance(turn_id, str) else None
            parent = entry.span if entry is not None else None
            context = self._under(parent) if parent is not None else self._ambient_of(thread_id)
            span = self._tracer.start_span(
                f"{EXECUTE_TOOL} {tool}",
                context=context,
                attributes=_clean(
                    {
                        GEN_AI_OPERATION_NAME: EXECUTE_TOOL,
                        GEN_AI_TOOL_NAME: tool,
                        GEN_AI_CONVERSATION_ID: thread_id,
                        TURN_ID: turn_id,
                        ITEM_ID: item_id,
                        ITEM_TYPE: item.get("type"),
                        **attributes,
                    }
                ),
            )
            self._items[(thread_id, item_id)] = _Open(
                span, generation, turn_id if isinstance(turn_id, str) else None
            )

    def _ambient_of(self, thread_id: str) -> Context:
        return self._ambient.get(thread_id, self._root)

    def _describe_item(self, item: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """``(tool name, attributes)`` of an item that does work, else ``None``."""
        kind = item.get("type")
        content = self._telemetry.trace_content
        if kind == "commandExecution":
            return "command_execution", {
                GEN_AI_TOOL_TYPE: "extension",
                PROCESS_COMMAND_LINE: self.text(item.get("command") or "", 4000),
                COMMAND_CWD: self.text(item.get("cwd") or "", 1000) or None,
            }
        if kind == "fileChange":
            paths = [
                self.text(change.get("path") or "", 1000)
                for change in item.get("changes") or ()
                if isinstance(change, Mapping)
            ]
            return "file_change", {GEN_AI_TOOL_TYPE: "extension", FILE_PATHS: paths}
        if kind == "dynamicToolCall" or kind == "mcpToolCall":
            mcp = kind == "mcpToolCall"
            attributes: dict[str, Any] = {
                GEN_AI_TOOL_TYPE: "extension" if mcp else "function",
                GEN_AI_TOOL_CALL_ID: item.get("id"),
            }
            if mcp:
                attributes[MCP_SERVER] = self.text(item.get("server") or "", 200)
            elif isinstance(item.get("namespace"), str):
                attributes[TOOL_NAMESPACE] = self.text(item["namespace"], 200)
            if content and item.get("arguments") is not None:
                attributes[GEN_AI_TOOL_CALL_ARGUMENTS] = self.text(item["arguments"])
            return self.text(item.get("tool") or "unknown", 200), attributes
        if kind == "webSearch":
            attributes = {GEN_AI_TOOL_TYPE: "extension"}
            if content and item.get("query"):
                attributes[WEB_SEARCH_QUERY] = self.text(item["query"])
            return "web_search", attributes
        return None

    def item_completed(self, params: Mapping[str, Any]) -> None:
        item = params.get("item")
        thread_id = params.get("threadId")
        if not isinstance(item, Mapping) or not isinstance(thread_id, str):
            return
        item_id = item.get("id")
        kind = item.get("type")
        if kind == "agentMessage":
            self._answer(params, item)
            return
        if not isinstance(item_id, str):
            return
        with self._lock:
            entry = self._items.pop((thread_id, item_id), None)
        if entry is None:
            return
        span = entry.span
        content = self._telemetry.trace_content
        status = item.get("status")
        if isinstance(status, str):
            span.set_attribute(ITEM_STATUS, status)
        if isinstance(item.get("durationMs"), int):
            span.set_attribute(DURATION_MS, item["durationMs"])
        if kind == "commandExecution":
            if isinstance(item.get("exitCode"), int):
                span.set_attribute(PROCESS_EXIT_CODE, item["exitCode"])
            if content and isinstance(item.get("aggregatedOutput"), str):
                span.set_attribute(COMMAND_OUTPUT, self.text(item["aggregatedOutput"]))
        elif kind == "dynamicToolCall":
            success = item.get("success")
            if isinstance(success, bool):
                span.set_attribute(TOOL_SUCCESS, success)
                if not success:
                    self.fail(span, "ToolError", "the tool reported a failure")
            if content and item.get("contentItems") is not None:
                span.set_attribute(GEN_AI_TOOL_CALL_RESULT, self.text(item["contentItems"]))
        elif kind == "mcpToolCall":
            error = item.get("error")
            if isinstance(error, Mapping):
                self.fail(span, "McpToolError", str(error.get("message") or "MCP tool error"))
            if content and item.get("result") is not None:
                span.set_attribute(GEN_AI_TOOL_CALL_RESULT, self.text(item["result"]))
        elif kind == "webSearch" and content and item.get("query"):
            span.set_attribute(WEB_SEARCH_QUERY, self.text(item["query"]))
        if status == "failed" and kind in ("commandExecution", "fileChange"):
            self.fail(span, "ItemFailed", f"the {kind} item failed")
        span.end()

    def _answer(self, params: Mapping[str, Any], item: Mapping[str, Any]) -> None:
        if not self._telemetry.trace_content or not isinstance(item.get("text"), str):
            return
        turn_id = params.get("turnId")
        with self._lock:
            entry = self._turns.get(turn_id) if isinstance(turn_id, str) else None
            if entry is not None:
                entry.answer = item["text"]

    def item_context(self, thread_id: str, item_id: str) -> Context | None:
        with self._lock:
            entry = self._items.get((thread_id, item_id))
        return None if entry is None else self._trace.set_span_in_context(entry.span)

    # -- server requests ------------------------------------------------------------------

    def request_span(
        self,
        name: str,
        thread_id: str | None,
        turn_id: str | None,
        item_id: str | None,
        attributes: dict[str, Any],
    ) -> RequestSpan:
        with self._lock:
            parent: Span | None = None
            if thread_id is not None and item_id is not None:
                item = self._items.get((thread_id, item_id))
                parent = item.span if item is not None else None
            if parent is None and turn_id is not None:
                turn = self._turns.get(turn_id)
                parent = turn.span if turn is not None else None
            if parent is not None:
                context = self._under(parent)
            elif thread_id is not None:
                context = self._ambient_of(thread_id)
            else:
                context = self._root
        span = self._tracer.start_span(
            name,
            context=context,
            attributes=_clean(
                {
                    GEN_AI_CONVERSATION_ID: thread_id,
                    TURN_ID: turn_id,
                    ITEM_ID: item_id,
                    **attributes,
                }
            ),
        )
        return RequestSpan(self, span)

    # -- logins and starts ----------------------------------------------------------------

    def _client_span(self, name: str, attributes: Mapping[str, Any]) -> Span:
        """A ``CLIENT`` span under the caller's current context (a login, a start)."""
        return self._tracer.start_span(
            name,
            context=self.current_context(),
            kind=self._kind_client,
            attributes=_clean(attributes),
        )

    def login_span(self, method: str) -> LoginSpan:
        return LoginSpan(self, self._client_span(f"codex.login {method}", {LOGIN_METHOD: method}))

    def await_login(self, login_id: str, span: Span) -> None:
        with self._lock:
            early = self._early_logins.pop(login_id, None)
            if early is None:
                self._logins[login_id] = _Open(span, self._telemetry.generation)
                return
        self._end_login(span, early)

    def login_completed(self, params: Mapping[str, Any]) -> None:
        login_id = params.get("loginId")
        if not isinstance(login_id, str):
            return
        with self._lock:
            entry = self._logins.pop(login_id, None)
            if entry is None:
                self._early_logins[login_id] = params
                while len(self._early_logins) > 16:
                    self._early_logins.popitem(last=False)
                return
        self._end_login(entry.span, params)

    def _end_login(self, span: Span, params: Mapping[str, Any]) -> None:
        if params.get("success"):
            span.set_attribute(LOGIN_OUTCOME, "succeeded")
        else:
            span.set_attribute(LOGIN_OUTCOME, "failed")
            self.fail(span, "LoginFailed", str(params.get("error") or "the login failed"))
        span.end()

    def start_span(self, *, restart: bool, transport: str, address: str | None) -> StartSpan:
        attributes = {TRANSPORT: transport, RESTART: restart, SERVER_ADDRESS: address}
        return StartSpan(self, self._client_span("codex.start", attributes))

    # -- the end of a connection ----------------------------------------------------------

    def connection_closed(self, generation: int, error: BaseException) -> None:
        with self._lock:
            turns = [t for t, e in self._turns.items() if e.generation == generation]
            ended_turns = [self._turns.pop(t) for t in turns]
            items = [k for k, e in self._items.items() if e.generation == generation]
            ended = [self._items.pop(k).span for k in items]
            logins = [k for k, e in self._logins.items() if e.generation == generation]
            ended += [self._logins.pop(k).span for k in logins]
        error_type = type(error).__name__
        message = str(error)
        for entry in ended_turns:
            self._set_usage(entry.span, entry.usage)
            if entry.error is not None:
                self.fail(entry.span, *entry.error)
            else:
                self.fail(entry.span, error_type, message)
            entry.span.end()
        for span in ended:
            self.fail(span, error_type, message)
            span.end()
