"""OpenTelemetry traces and token usage of one client (see ``docs/observability.md``).

One :class:`Telemetry` per client lives across restarts of the app-server. For each
connection it makes a :class:`ConnectionObserver`, which the router calls with the few
notifications it needs (never the per-token deltas), on the dispatching thread:

* ``turn/started``, ``turn/completed`` and ``thread/tokenUsage/updated``, always: the usage
  accounting of ``codex.usage`` / ``thread.usage`` (:mod:`._usage`);
* ``item/started``, ``item/completed`` and ``account/login/completed`` as well, only while
  tracing is on.

Tracing is on when ``CodexConfig.tracer_provider`` is set, or when the application has
set a global tracer provider (``opentelemetry.trace.set_tracer_provider``), looked up each
time a server is launched. ``opentelemetry`` is imported only then, and only if the
application imported it already (or names a provider in ``OTEL_PYTHON_TRACER_PROVIDER``):
without the ``otel`` extra, or without a provider, nothing here costs more than a
``None`` check per turn, and the router observes no more notifications than without it.

The span tree of a turn (names and attributes in ``docs/observability.md``)::

    invoke_agent codex                 one per turn, child of the caller's current span
      execute_tool <tool>              one per item doing work (command, file change,
        codex.approval <kind>          MCP or Python tool call, web search); approvals
      codex.user_input                 of an item nest under it, others under the turn

Spans are created on whichever thread dispatches notifications (the loop, or a sync stream
holding the reader lease) and on the loop for server requests; a lock guards the tables,
and spans are ended outside it. A turn span is opened when ``turn/start`` answers or its
``turn/started`` arrives (whichever comes first), with the start time and the parent
captured when the caller asked for the turn; turns the server starts by itself (goal
continuations, reviews, compactions) take the caller's context of the request that led to
them. When the connection ends, every span still open on it ends with the error.

Secrets never reach a span: no attribute holds a key, a token, or a login URL, and every
string taken from the server or the caller passes :meth:`Telemetry.scrub`, which removes
the secrets this client knows (API keys given to ``login_api_key``, ``auth_token``,
secret-looking values of ``CodexConfig.env``), anything shaped like a key or bearer token,
and the query string of every URL. Exceptions are recorded as an ``exception`` event with
their type and (scrubbed, first-line) message, without a stack trace, whose source lines
could quote a secret.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .logs import log_extra
from .redact import scrub_text
from .usage import (
    TOKEN_USAGE_UPDATED,
    TURN_COMPLETED,
    TURN_STARTED,
    TokenUsage,
    UsageLedger,
    UsageMeter,
)

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer, TracerProvider

    from .._client.config import CodexConfig

__all__ = [
    "ConnectionObserver",
    "Telemetry",
    "resolve_tracer",
    "scrub_text",
]

logger = logging.getLogger("openai_codex")

# -- attribute names ------------------------------------------------------------------------
# The OpenTelemetry GenAI semantic conventions, spelled out here so that the SDK does not
# depend on the semantic-conventions package.
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_SYSTEM = "gen_ai.system"  # the older name of gen_ai.provider.name
GEN_AI_AGENT_NAME = "gen_ai.agent.name"
GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens"
GEN_AI_TOOL_NAME = "gen_ai.tool.name"
GEN_AI_TOOL_TYPE = "gen_ai.tool.type"
GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id"
GEN_AI_TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments"
GEN_AI_TOOL_CALL_RESULT = "gen_ai.tool.call.result"
GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages"
GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages"
ERROR_TYPE = "error.type"
PROCESS_COMMAND_LINE = "process.command_line"
PROCESS_EXIT_CODE = "process.exit.code"
SERVER_ADDRESS = "server.address"

INVOKE_AGENT = "invoke_agent"
EXECUTE_TOOL = "execute_tool"
AGENT_NAME = "codex"

# Codex's own attributes.
TURN_ID = "codex.turn.id"
TURN_STATUS = "codex.turn.status"
TOTAL_TOKENS = "codex.usage.total_tokens"
ITEM_ID = "codex.item.id"
ITEM_TYPE = "codex.item.type"
ITEM_STATUS = "codex.item.status"
DURATION_MS = "codex.duration_ms"
COMMAND_CWD = "codex.command.cwd"
COMMAND_OUTPUT = "codex.command.output"
FILE_PATHS = "codex.file_change.paths"
MCP_SERVER = "codex.mcp.server"
TOOL_NAMESPACE = "codex.tool.namespace"
TOOL_SUCCESS = "codex.tool.success"
WEB_SEARCH_QUERY = "codex.web_search.query"
APPROVAL_KIND = "codex.approval.kind"
APPROVAL_DECISION = "codex.approval.decision"
DECIDED_BY = "codex.decided_by"
REQUEST_METHOD = "codex.request.method"
USER_INPUT_QUESTIONS = "codex.user_input.questions"
USER_INPUT_ANSWERED = "codex.user_input.answered"
LOGIN_METHOD = "codex.login.method"
LOGIN_ID = "codex.login.id"
LOGIN_OUTCOME = "codex.login.outcome"
RUNTIME_VERSION = "codex.runtime.version"
TRANSPORT = "codex.transport"
RESTART = "codex.restart"

ITEM_STARTED = "item/started"
ITEM_COMPLETED = "item/completed"
LOGIN_COMPLETED = "account/login/completed"

USAGE_METHODS = frozenset({TURN_STARTED, TURN_COMPLETED, TOKEN_USAGE_UPDATED})
"""What the router shows every client's observer (usage accounting)."""
TRACE_METHODS = USAGE_METHODS | {ITEM_STARTED, ITEM_COMPLETED, LOGIN_COMPLETED}
"""What it shows while tracing is on."""

MAX_CONTENT_CHARS = 16_000
"""Longest text recorded in one attribute with ``trace_content`` (the rest is cut)."""

# -- secrets --------------------------------------------------------------------------------

_VERSION = re.compile(r"\d+(\.\d+)+[\w.+-]*")
_SECRET_ENV = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)


def _first_line(text: str, limit: int = 500) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[:limit] + "..."


# -- finding the tracer ---------------------------------------------------------------------


def resolve_tracer(provider: TracerProvider | None) -> Tracer | None:
    """The tracer for this SDK's spans, or ``None`` when nobody collects them.

    ``provider`` (``CodexConfig.tracer_provider``) wins; else the global provider, if the
    application set one. Without ``opentelemetry`` imported by the application (or a
    provider named by ``OTEL_PYTHON_TRACER_PROVIDER``) nothing is imported.
    """
    from .._version import __version__

    if provider is None:
        if "opentelemetry.trace" not in sys.modules and not os.environ.get(
            "OTEL_PYTHON_TRACER_PROVIDER"
        ):
            return None
        try:
            from opentelemetry import trace
        except ImportError:
            return None
        provider = trace.get_tracer_provider()
        unset = tuple(
            cls
            for cls in (
                getattr(trace, "ProxyTracerProvider", None),
                getattr(trace, "NoOpTracerProvider", None),
                getattr(trace, "_DefaultTracerProvider", None),
            )
            if isinstance(cls, type)
        )
        if isinstance(provider, unset):
            return None
    return provider.get_tracer("openai_codex", __version__)


# -- span bookkeeping -----------------------------------------------------------------------


class _Pending:
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


class RequestSpan:
    """The span of one approval or user-input request; :meth:`finish` it exactly once."""

    __slots__ = ("_spans", "span")

    def __init__(self, spans: _Spans, span: Span) -> None:
        self._spans = spans
        self.span = span

    @contextmanager
    def current(self) -> Iterator[None]:
        """Make this span the current one (the user's handler runs inside it)."""
        from opentelemetry import context, trace

        token = context.attach(trace.set_span_in_context(self.span))
        try:
            yield
        finally:
            context.detach(token)

    def finish(
        self,
        *,
        decision: str | None = None,
        decided_by: str,
        answered: int | None = None,
        error: BaseException | None = None,
    ) -> None:
        """Record the outcome and end the span."""
        span = self.span
        if decision is not None:
            span.set_attribute(APPROVAL_DECISION, decision)
        span.set_attribute(DECIDED_BY, decided_by)
        if answered is not None:
            span.set_attribute(USER_INPUT_ANSWERED, answered)
        if error is not None:
            self._spans.fail(span, type(error).__name__, str(error))
        span.end()


class LoginSpan:
    """The span of one login attempt; ended by its outcome."""

    __slots__ = ("_spans", "span")

    def __init__(self, spans: _Spans, span: Span) -> None:
        self._spans = spans
        self.span = span

    def rejected(self, error: BaseException) -> None:
        """The server refused to start the login."""
        self.span.set_attribute(LOGIN_OUTCOME, "rejected")
        self._spans.fail(self.span, type(error).__name__, str(error))
        self.span.end()

    def succeeded(self) -> None:
        """Done at once (an API key)."""
        self.span.set_attribute(LOGIN_OUTCOME, "succeeded")
        self.span.end()

    def pending(self, login_id: str) -> None:
        """Started: ``account/login/completed`` for ``login_id`` ends the span."""
        self.span.set_attribute(LOGIN_ID, login_id)
        self._spans.await_login(login_id, self.span)


class StartSpan:
    """The span of one client start (launch and ``initialize``)."""

    __slots__ = ("_spans", "span")

    def __init__(self, spans: _Spans, span: Span) -> None:
        self._spans = spans
        self.span = span

    def succeeded(self, runtime_version: str | None) -> None:
        """The handshake completed; ``runtime_version`` as the server reported it."""
        version = _VERSION.match(runtime_version or "")
        if version is not None:
            self.span.set_attribute(RUNTIME_VERSION, version.group(0))
        self.span.end()

    def failed(self, error: BaseException) -> None:
        """The server could not be started or reached."""
        self._spans.fail(self.span, type(error).__name__, str(error))
        self.span.end()


def _clean(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if v is not None}


class _Spans:
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
        self._pending: dict[str, deque[_Pending]] = {}
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

    def begin_turn(self, thread_id: str, attributes: dict[str, Any]) -> _Pending:
        pending = _Pending(thread_id, self.current_context(), attributes)
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
        pending: _Pending | None,
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

    def turn_answered(self, pending: _Pending, turn_id: str, generation: int) -> None:
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

    def turn_start_failed(self, pending: _Pending, error: BaseException) -> None:
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

    def _drop_pending(self, pending: _Pending) -> None:
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

    def login_span(self, method: str) -> LoginSpan:
        span = self._tracer.start_span(
            f"codex.login {method}",
            context=self.current_context(),
            kind=self._kind_client,
            attributes={LOGIN_METHOD: method},
        )
        return LoginSpan(self, span)

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
        span = self._tracer.start_span(
            "codex.start",
            context=self.current_context(),
            kind=self._kind_client,
            attributes=_clean(
                {
                    TRANSPORT: transport,
                    RESTART: restart,
                    SERVER_ADDRESS: address,
                }
            ),
        )
        return StartSpan(self, span)

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


# -- the per-client object ------------------------------------------------------------------


class Telemetry:
    """Token usage (always) and spans (when a tracer provider is configured) of one client."""

    def __init__(self, config: CodexConfig) -> None:
        self._config = config
        self.usage = UsageLedger()
        """The client's token usage, in total and per thread."""
        self.trace_content = bool(config.trace_content)
        self._secrets: list[str] = []
        self._spans: _Spans | None = None
        self._generation = 0
        if config.auth_token:
            self.add_secret(config.auth_token.strip())
        for key, value in (config.env or {}).items():
            if value and _SECRET_ENV.search(key):
                self.add_secret(value)

    # -- switches -------------------------------------------------------------------------

    @property
    def tracing(self) -> bool:
        """Whether spans are being recorded (decided at each launch)."""
        return self._spans is not None

    def refresh(self) -> None:
        """Look up the tracer (before each launch): the provider may have been set since."""
        tracer = resolve_tracer(self._config.tracer_provider)
        if tracer is None:
            self._spans = None
        elif self._spans is None or self._spans._tracer is not tracer:
            self._spans = _Spans(tracer, self)

    def add_secret(self, secret: str) -> None:
        """Never show ``secret`` in a span or a forwarded server log line."""
        if len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)

    def scrub(self, text: str) -> str:
        """``text`` without known secrets, token-shaped words or URL query strings."""
        return scrub_text(text, self._secrets)

    def observer(self) -> ConnectionObserver:
        """A fresh observer for a new connection."""
        self._generation += 1
        return ConnectionObserver(self, self._spans, self._generation)

    @property
    def generation(self) -> int:
        """The number of the latest connection."""
        return self._generation

    # -- what the client layers call (each a no-op while tracing is off) -------------------

    def begin_turn(
        self, thread_id: str, params: Mapping[str, Any], info: Any = None
    ) -> _Pending | None:
        """A ``turn/start`` is about to be sent on behalf of the current context."""
        spans = self._spans
        if spans is None:
            return None
        model = params.get("model") or getattr(info, "model", None)
        provider = getattr(info, "model_provider", None)
        attributes: dict[str, Any] = {
            GEN_AI_REQUEST_MODEL: model if isinstance(model, str) else None,
            GEN_AI_PROVIDER_NAME: provider if isinstance(provider, str) else None,
            GEN_AI_SYSTEM: provider if isinstance(provider, str) else None,
        }
        if self.trace_content:
            parts = [
                {"type": "text", "content": item["text"]}
                for item in params.get("input") or ()
                if isinstance(item, Mapping) and isinstance(item.get("text"), str)
            ]
            if parts:
                messages = [{"role": "user", "parts": parts}]
                attributes[GEN_AI_INPUT_MESSAGES] = spans.text(messages)
        return spans.begin_turn(thread_id, attributes)

    def turn_answered(self, pending: _Pending | None, turn_id: str) -> None:
        """``turn/start`` answered with ``turn_id``."""
        spans = self._spans
        if pending is not None and spans is not None:
            spans.turn_answered(pending, turn_id, self._generation)

    def turn_start_failed(self, pending: _Pending | None, error: BaseException) -> None:
        """``turn/start`` failed (or its caller was cancelled before it answered)."""
        spans = self._spans
        if pending is not None and spans is not None:
            spans.turn_start_failed(pending, error)

    def expect_turns(self, thread_id: str) -> None:
        """Turns the server starts on ``thread_id`` (goal, review, compaction) belong under
        the current context."""
        spans = self._spans
        if spans is not None:
            spans.expect_turns(thread_id)

    def turn_timed_out(self, turn_id: str, message: str) -> None:
        """A turn ran out of time: its span ends as ``TurnTimeoutError``."""
        spans = self._spans
        if spans is not None:
            spans.turn_error(turn_id, "TurnTimeoutError", message)

    @contextmanager
    def tool_scope(self, thread_id: object, call_id: object) -> Iterator[None]:
        """Run a Python tool with its tool-call span as the current span."""
        spans = self._spans
        context = None
        if spans is not None and isinstance(thread_id, str) and isinstance(call_id, str):
            context = spans.item_context(thread_id, call_id)
        if context is None:
            yield
            return
        from opentelemetry import context as otel_context

        token = otel_context.attach(context)
        try:
            yield
        finally:
            otel_context.detach(token)

    def approval_span(
        self,
        kind: str,
        method: str,
        thread_id: str | None,
        turn_id: str | None,
        item_id: str | None,
    ) -> RequestSpan | None:
        """The span of an approval request (``None`` while tracing is off)."""
        spans = self._spans
        if spans is None:
            return None
        return spans.request_span(
            f"codex.approval {kind}",
            thread_id,
            turn_id,
            item_id,
            {APPROVAL_KIND: kind, REQUEST_METHOD: method},
        )

    def user_input_span(
        self, thread_id: str | None, turn_id: str | None, item_id: str | None, questions: int
    ) -> RequestSpan | None:
        """The span of a user-input request (``None`` while tracing is off)."""
        spans = self._spans
        if spans is None:
            return None
        return spans.request_span(
            "codex.user_input",
            thread_id,
            turn_id,
            item_id,
            {USER_INPUT_QUESTIONS: questions, REQUEST_METHOD: "item/tool/requestUserInput"},
        )

    def login_span(self, method: str) -> LoginSpan | None:
        """The span of a login attempt (``None`` while tracing is off)."""
        spans = self._spans
        return None if spans is None else spans.login_span(method)

    def start_span(self, *, restart: bool) -> StartSpan | None:
        """The span of a client start (``None`` while tracing is off)."""
        spans = self._spans
        if spans is None:
            return None
        url = self._config.url
        address = None
        if url:
            address = self.scrub(url.split("?", 1)[0])
        return spans.start_span(
            restart=restart, transport="websocket" if url else "stdio", address=address
        )


class ConnectionObserver:
    """The router's observer for one connection (see the module notes).

    Called on the dispatching thread, in order of arrival; :meth:`closed` is called once
    when the connection ends.
    """

    __slots__ = ("_generation", "_meter", "_spans", "methods")

    def __init__(self, telemetry: Telemetry, spans: _Spans | None, generation: int) -> None:
        self._meter = UsageMeter(telemetry.usage)
        self._spans = spans
        self._generation = generation
        self.methods = TRACE_METHODS if spans is not None else USAGE_METHODS
        """The notification methods this observer needs to see."""

    def __call__(self, method: str, params: dict[str, Any]) -> None:
        spans = self._spans
        if method == TOKEN_USAGE_UPDATED:
            added = self._meter.updated(params)
            if added is not None:
                if spans is not None:
                    spans.turn_usage(params.get("turnId"), added)
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug(
                        "thread %s used %d tokens",
                        params.get("threadId"),
                        added.total_tokens,
                        extra=log_extra(params.get("threadId"), params.get("turnId"), method),
                    )
            return
        if method == ITEM_STARTED:
            if spans is not None:
                spans.item_started(params, self._generation)
            return
        if method == ITEM_COMPLETED:
            if spans is not None:
                spans.item_completed(params)
            return
        if method in (TURN_STARTED, TURN_COMPLETED):
            turn = params.get("turn")
            turn_id = turn.get("id") if isinstance(turn, Mapping) else params.get("turnId")
            thread_id = params.get("threadId")
            if not isinstance(turn_id, str):
                return
            if method == TURN_STARTED:
                self._meter.turn_started(turn_id)
                if spans is not None and isinstance(thread_id, str):
                    spans.turn_started(thread_id, turn_id, self._generation)
            else:
                self._meter.turn_completed(turn_id)
                if spans is not None:
                    spans.turn_completed(params, turn_id)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "turn %s %s",
                    turn_id,
                    "started" if method == TURN_STARTED else "completed",
                    extra=log_extra(thread_id, turn_id, method),
                )
            return
        if method == LOGIN_COMPLETED and spans is not None:
            spans.login_completed(params)

    def closed(self, error: BaseException) -> None:
        """The connection ended: end its open spans with ``error``."""
        spans = self._spans
        if spans is not None:
            spans.connection_closed(self._generation, error)
