"""Spans from notifications and client calls, without a server: ``_observability/telemetry``.

Each test gives the telemetry of one client its own SDK ``TracerProvider`` (through
``CodexConfig(tracer_provider=...)``), so nothing touches the global provider. The
notification shapes are the app-server's (0.163.0).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from openai_codex import CodexConfig, TransportClosedError
from openai_codex._callbacks.dispatch import ServerRequestDispatcher
from openai_codex._core.router import Router
from openai_codex._observability.redact import scrub_text
from openai_codex._observability.telemetry import (
    TRACE_METHODS,
    USAGE_METHODS,
    ConnectionObserver,
    Telemetry,
    resolve_tracer,
)

SECRET = "sk-test-Tr4c3-S3cr3t-0123456789"


class Traced:
    """A telemetry with its own provider and exporter, plus its first connection."""

    def __init__(self, **config: Any) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.telemetry = Telemetry(CodexConfig(tracer_provider=self.provider, **config))
        self.telemetry.refresh()
        self.observer: ConnectionObserver = self.telemetry.observer()

    def feed(self, method: str, params: dict[str, Any]) -> None:
        assert method in self.observer.methods
        self.observer(method, params)

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> ReadableSpan:
        (span,) = [s for s in self.spans() if s.name == name]
        return span

    def parent_name(self, span: ReadableSpan) -> str | None:
        if span.parent is None:
            return None
        by_id = {s.context.span_id: s.name for s in self.spans()}
        return by_id.get(span.parent.span_id, "<open or foreign>")


@pytest.fixture
def traced() -> Iterator[Traced]:
    t = Traced()
    yield t
    t.provider.shutdown()


def turn_started(thread: str, turn: str) -> dict[str, Any]:
    return {"threadId": thread, "turn": {"id": turn, "status": "inProgress", "items": []}}


def turn_completed(thread: str, turn: str, status: str = "completed", **extra: Any) -> dict:
    return {"threadId": thread, "turn": {"id": turn, "status": status, "items": [], **extra}}


def item(thread: str, turn: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"threadId": thread, "turnId": turn, "item": body}


def usage(thread: str, turn: str, total: int, last: int) -> dict[str, Any]:
    def b(n: int) -> dict[str, int]:
        return {
            "totalTokens": n,
            "inputTokens": n - n // 3,
            "cachedInputTokens": n // 5,
            "outputTokens": n // 3,
            "reasoningOutputTokens": n // 10,
        }

    return {"threadId": thread, "turnId": turn, "tokenUsage": {"total": b(total), "last": b(last)}}


def every_string(span: ReadableSpan) -> Iterator[str]:
    yield span.name
    yield str(span.status.description or "")
    for value in (span.attributes or {}).values():
        yield str(value)
    for event in span.events:
        yield event.name
        for value in (event.attributes or {}).values():
            yield str(value)


# ------------------------------------------------------------------------------- switches


def test_without_a_provider_nothing_is_traced_and_only_usage_is_observed() -> None:
    telemetry = Telemetry(CodexConfig())
    telemetry.refresh()  # the test session never sets a global provider
    assert not telemetry.tracing
    observer = telemetry.observer()
    assert observer.methods == USAGE_METHODS
    assert "item/agentMessage/delta" not in observer.methods
    assert telemetry.begin_turn("A", {}) is None
    assert telemetry.approval_span("command", "m", "A", None, None) is None
    assert telemetry.login_span("api_key") is None
    assert telemetry.start_span(restart=False) is None
    with telemetry.tool_scope("A", "call"):
        pass


def test_an_explicit_provider_turns_tracing_on(traced: Traced) -> None:
    assert traced.telemetry.tracing
    assert traced.observer.methods == TRACE_METHODS
    assert resolve_tracer(traced.provider) is not None


@pytest.mark.parametrize(
    "setup",
    [
        "sys.modules['opentelemetry'] = None  # the otel extra is not installed",
        "import opentelemetry.trace  # installed and imported, but no provider set",
        "pass  # installed, never imported",
    ],
)
def test_no_tracer_without_the_extra_or_a_provider(setup: str) -> None:
    code = f"""
        import sys
        {setup}
        from openai_codex._observability.telemetry import resolve_tracer
        assert resolve_tracer(None) is None
        if "import opentelemetry" not in {setup!r}:
            assert not any(
                m.startswith("opentelemetry") and sys.modules[m] is not None
                for m in sys.modules
            ), "opentelemetry was imported"
    """
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------------------------- turns


def test_a_turn_span_is_a_child_of_the_callers_span_and_carries_usage(traced: Traced) -> None:
    telemetry = traced.telemetry
    caller = traced.provider.get_tracer("app")
    with caller.start_as_current_span("caller"):
        pending = telemetry.begin_turn("A", {"model": "m1", "input": [{"type": "text"}]})
    telemetry.turn_answered(pending, "T1")  # the answer came before turn/started
    traced.feed("turn/started", turn_started("A", "T1"))
    traced.feed("thread/tokenUsage/updated", usage("A", "T1", 30, 30))
    traced.feed("thread/tokenUsage/updated", usage("A", "T1", 90, 60))
    traced.feed("turn/completed", turn_completed("A", "T1"))
    turn = traced.named("invoke_agent codex")
    assert traced.parent_name(turn) == "caller"
    attrs = dict(turn.attributes or {})
    assert attrs["gen_ai.operation.name"] == "invoke_agent"
    assert attrs["gen_ai.conversation.id"] == "A"
    assert attrs["codex.turn.id"] == "T1"
    assert attrs["gen_ai.request.model"] == "m1"
    assert attrs["codex.turn.status"] == "completed"
    assert attrs["codex.usage.total_tokens"] == 90
    assert attrs["gen_ai.usage.input_tokens"] == 60
    assert attrs["gen_ai.usage.output_tokens"] == 30
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 6 + 12
    assert attrs["gen_ai.usage.reasoning.output_tokens"] == 3 + 6
    assert "gen_ai.input.messages" not in attrs  # trace_content is off
    assert turn.status.status_code is StatusCode.UNSET
    assert telemetry.usage.thread("A").total_tokens == 90


def test_turn_started_before_the_answer_binds_the_pending_turn(traced: Traced) -> None:
    telemetry = traced.telemetry
    with traced.provider.get_tracer("app").start_as_current_span("caller"):
        pending = telemetry.begin_turn("A", {})
    traced.feed("turn/started", turn_started("A", "T1"))
    telemetry.turn_answered(pending, "T1")
    traced.feed("turn/completed", turn_completed("A", "T1"))
    assert traced.parent_name(traced.named("invoke_agent codex")) == "caller"


def test_input_that_joins_a_running_turn_opens_no_second_span(traced: Traced) -> None:
    telemetry = traced.telemetry
    first = telemetry.begin_turn("A", {})
    telemetry.turn_answered(first, "T1")
    second = telemetry.begin_turn("A", {})
    telemetry.turn_answered(second, "T1")  # the server's answer names the running turn
    traced.feed("turn/completed", turn_completed("A", "T1"))
    (turn,) = traced.spans()
    assert [e.name for e in turn.events] == ["codex.turn.input_joined"]


def test_a_failed_turn_start_is_an_error_span(traced: Traced) -> None:
    telemetry = traced.telemetry
    pending = telemetry.begin_turn("A", {})
    telemetry.turn_start_failed(pending, ValueError(f"bad input {SECRET}"))
    (span,) = traced.spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None and span.attributes["error.type"] == "ValueError"
    assert all(SECRET not in text for text in every_string(span))


def test_turns_the_server_starts_go_under_the_context_of_the_request(traced: Traced) -> None:
    with traced.provider.get_tracer("app").start_as_current_span("goal"):
        traced.telemetry.expect_turns("A")
    for turn_id in ("G1", "G2"):
        traced.feed("turn/started", turn_started("A", turn_id))
        traced.feed("turn/completed", turn_completed("A", turn_id))
    traced.feed("turn/started", turn_started("B", "X1"))  # another thread: a root span
    traced.feed("turn/completed", turn_completed("B", "X1"))
    turns = [s for s in traced.spans() if s.name == "invoke_agent codex"]
    assert [traced.parent_name(s) for s in turns] == ["goal", "goal", None]


def test_failed_and_timed_out_turns_record_their_errors(traced: Traced) -> None:
    traced.feed("turn/started", turn_started("A", "T1"))
    error = {"message": f"model exploded (key {SECRET})", "codexErrorInfo": None}
    traced.feed("turn/completed", turn_completed("A", "T1", "failed", error=error))
    traced.feed("turn/started", turn_started("A", "T2"))
    traced.telemetry.turn_timed_out("T2", "turn T2 ran past its timeout of 1 s")
    traced.feed("turn/completed", turn_completed("A", "T2", "interrupted"))
    failed, timed_out = traced.spans()
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.events[0].attributes is not None
    assert failed.events[0].attributes["exception.type"] == "TurnFailedError"
    assert "model exploded" in str(failed.events[0].attributes["exception.message"])
    assert "exception.stacktrace" not in failed.events[0].attributes
    assert all(SECRET not in text for text in every_string(failed))
    assert timed_out.attributes is not None
    assert timed_out.attributes["codex.turn.status"] == "interrupted"
    assert timed_out.attributes["error.type"] == "TurnTimeoutError"


def test_losing_the_connection_ends_its_open_spans_with_the_error(traced: Traced) -> None:
    traced.feed("turn/started", turn_started("A", "T1"))
    traced.feed("item/started", item("A", "T1", {"type": "webSearch", "id": "w1", "query": ""}))
    later = traced.telemetry.observer()  # a restart: the next connection
    later("turn/started", turn_started("A", "T2"))
    error = TransportClosedError(
        "the Codex app-server exited\nlast stderr lines:\n  token " + SECRET, exit_code=9
    )
    traced.observer.closed(error)
    assert sorted(s.name for s in traced.spans()) == [
        "execute_tool web_search",
        "invoke_agent codex",
    ]
    for span in traced.spans():
        assert span.status.status_code is StatusCode.ERROR
        assert span.attributes is not None
        assert span.attributes["error.type"] == "TransportClosedError"
        assert all(SECRET not in text for text in every_string(span))
    later("turn/completed", turn_completed("A", "T2"))  # the new connection's turn goes on
    assert len(traced.spans()) == 3


# ---------------------------------------------------------------------------------- items


def test_work_items_become_tool_spans_under_their_turn(traced: Traced) -> None:
    traced.feed("turn/started", turn_started("A", "T1"))
    command = {
        "type": "commandExecution",
        "id": "c1",
        "command": f"curl -H 'Authorization: Bearer {SECRET}' https://h/x?state=abc",
        "cwd": "/w",
        "status": "inProgress",
    }
    traced.feed("item/started", item("A", "T1", command))
    changes = [{"path": "/w/a.py", "kind": {"type": "add"}, "diff": "x"}]
    patch = {"type": "fileChange", "id": "f1", "changes": changes, "status": "inProgress"}
    traced.feed("item/started", item("A", "T1", patch))
    tool = {"type": "dynamicToolCall", "id": "d1", "tool": "lookup", "arguments": {"q": 1}}
    traced.feed("item/started", item("A", "T1", {**tool, "status": "inProgress"}))
    mcp = {"type": "mcpToolCall", "id": "m1", "server": "docs", "tool": "search", "arguments": {}}
    traced.feed("item/started", item("A", "T1", {**mcp, "status": "inProgress"}))
    message = {"type": "agentMessage", "id": "a1", "text": "hi"}
    traced.feed("item/started", item("A", "T1", message))  # no span: not work
    done_command = {**command, "status": "completed", "exitCode": 3, "durationMs": 12}
    traced.feed("item/completed", item("A", "T1", done_command))
    traced.feed("item/completed", item("A", "T1", {**patch, "status": "failed"}))
    done_tool = {**tool, "status": "failed", "success": False, "contentItems": []}
    traced.feed("item/completed", item("A", "T1", done_tool))
    error = {"message": "server down"}
    traced.feed("item/completed", item("A", "T1", {**mcp, "status": "failed", "error": error}))
    traced.feed("item/completed", item("A", "T1", message))
    traced.feed("turn/completed", turn_completed("A", "T1"))

    spans = {s.name: s for s in traced.spans()}
    assert set(spans) == {
        "execute_tool command_execution",
        "execute_tool file_change",
        "execute_tool lookup",
        "execute_tool search",
        "invoke_agent codex",
    }
    for name, span in spans.items():
        if name != "invoke_agent codex":
            assert traced.parent_name(span) == "invoke_agent codex"
            assert span.attributes is not None
            assert span.attributes["gen_ai.operation.name"] == "execute_tool"
        assert all(SECRET not in text and "state=abc" not in text for text in every_string(span))
    cmd = dict(spans["execute_tool command_execution"].attributes or {})
    assert cmd["process.exit.code"] == 3 and cmd["codex.duration_ms"] == 12
    assert cmd["codex.command.cwd"] == "/w" and "curl" in cmd["process.command_line"]
    assert "codex.command.output" not in cmd
    assert spans["execute_tool file_change"].attributes == {
        **(spans["execute_tool file_change"].attributes or {}),
        "codex.file_change.paths": ("/w/a.py",),
        "codex.item.status": "failed",
    }
    assert spans["execute_tool file_change"].status.status_code is StatusCode.ERROR
    fn = dict(spans["execute_tool lookup"].attributes or {})
    assert fn["gen_ai.tool.type"] == "function" and fn["gen_ai.tool.call.id"] == "d1"
    assert fn["codex.tool.success"] is False and "gen_ai.tool.call.arguments" not in fn
    assert spans["execute_tool lookup"].status.status_code is StatusCode.ERROR
    mcp_attrs = dict(spans["execute_tool search"].attributes or {})
    assert mcp_attrs["codex.mcp.server"] == "docs" and mcp_attrs["gen_ai.tool.type"] == "extension"
    assert spans["execute_tool search"].status.status_code is StatusCode.ERROR


def test_trace_content_records_prompts_answers_and_tool_io_scrubbed() -> None:
    traced = Traced(trace_content=True)
    telemetry = traced.telemetry
    pending = telemetry.begin_turn("A", {"input": [{"type": "text", "text": f"use {SECRET}"}]})
    telemetry.turn_answered(pending, "T1")
    tool = {"type": "dynamicToolCall", "id": "d1", "tool": "lookup", "arguments": {"q": SECRET}}
    traced.feed("item/started", item("A", "T1", {**tool, "status": "inProgress"}))
    result = [{"type": "inputText", "text": "found"}]
    done = {**tool, "status": "completed", "success": True, "contentItems": result}
    traced.feed("item/completed", item("A", "T1", done))
    answer = {"type": "agentMessage", "id": "a1", "text": "all done"}
    traced.feed("item/completed", item("A", "T1", answer))
    traced.feed("turn/completed", turn_completed("A", "T1"))
    fn, turn = traced.spans()
    assert fn.attributes is not None and turn.attributes is not None
    assert "[REDACTED]" in str(fn.attributes["gen_ai.tool.call.arguments"])
    assert "found" in str(fn.attributes["gen_ai.tool.call.result"])
    assert "use [REDACTED]" in str(turn.attributes["gen_ai.input.messages"])
    assert "all done" in str(turn.attributes["gen_ai.output.messages"])
    for span in traced.spans():
        assert all(SECRET not in text for text in every_string(span))


def test_a_python_tool_runs_inside_its_tool_call_span(traced: Traced) -> None:
    traced.feed("turn/started", turn_started("A", "T1"))
    body = {"type": "dynamicToolCall", "id": "call-1", "tool": "f", "status": "inProgress"}
    traced.feed("item/started", item("A", "T1", body))
    with traced.telemetry.tool_scope("A", "call-1"):
        inner = trace.get_current_span()
        traced.provider.get_tracer("tool").start_span("inside").end()
    assert inner.get_span_context().is_valid
    traced.feed("item/completed", item("A", "T1", {**body, "status": "completed"}))
    assert traced.parent_name(traced.named("inside")) == "execute_tool f"
    assert not trace.get_current_span().get_span_context().is_valid  # detached again


# ------------------------------------------------------------------ requests and logins


def test_an_approval_nests_under_its_item_and_records_who_decided(traced: Traced) -> None:
    traced.feed("turn/started", turn_started("A", "T1"))
    body = {"type": "commandExecution", "id": "c1", "command": "ls", "cwd": "/w"}
    traced.feed("item/started", item("A", "T1", body))
    span = traced.telemetry.approval_span("command", "item/cmd", "A", "T1", "c1")
    assert span is not None
    span.finish(decision="accept", decided_by="handler")
    fallback = traced.telemetry.approval_span("permissions", "item/perm", "A", "T1", None)
    assert fallback is not None
    fallback.finish(decision="decline", decided_by="default", error=RuntimeError("boom"))
    question = traced.telemetry.user_input_span("A", "T1", "q1", 2)
    assert question is not None
    question.finish(decided_by="handler", answered=1)
    approval = traced.named("codex.approval command")
    assert traced.parent_name(approval) == "<open or foreign>"  # the command is still open
    assert approval.parent is not None
    assert approval.attributes is not None
    assert approval.attributes["codex.approval.decision"] == "accept"
    assert approval.attributes["codex.decided_by"] == "handler"
    permissions = traced.named("codex.approval permissions")
    assert permissions.attributes is not None
    assert permissions.attributes["codex.decided_by"] == "default"
    assert permissions.status.status_code is StatusCode.ERROR
    answered = traced.named("codex.user_input")
    assert answered.attributes is not None
    assert answered.attributes["codex.user_input.questions"] == 2
    assert answered.attributes["codex.user_input.answered"] == 1


def test_dispatcher_records_default_declines_and_handler_decisions(traced: Traced) -> None:
    dispatcher = ServerRequestDispatcher(traced.telemetry)
    params = {"threadId": "A", "turnId": "T1", "itemId": "c1", "command": "rm -rf /"}

    async def main() -> None:
        method = "item/commandExecution/requestApproval"
        assert await dispatcher(method, params) == {"decision": "decline"}
        dispatcher.begin_turn("A", lambda request: "accept", None)
        assert await dispatcher(method, params) == {"decision": "accept"}

    asyncio.run(main())
    default, handler = traced.spans()
    assert default.attributes is not None and handler.attributes is not None
    assert (default.attributes["codex.decided_by"], handler.attributes["codex.decided_by"]) == (
        "default",
        "handler",
    )
    assert handler.attributes["codex.approval.decision"] == "accept"


def test_login_spans_end_with_their_outcome_and_hold_no_secret(traced: Traced) -> None:
    telemetry = traced.telemetry
    telemetry.add_secret(SECRET)
    api_key = telemetry.login_span("api_key")
    assert api_key is not None
    api_key.succeeded()
    browser = telemetry.login_span("chatgpt")
    assert browser is not None
    browser.pending("L1")
    device = telemetry.login_span("device_code")
    assert device is not None
    # The completion may be observed before the handle registers the login id.
    traced.feed("account/login/completed", {"loginId": "L2", "success": False, "error": "x"})
    device.pending("L2")
    traced.feed("account/login/completed", {"loginId": "L1", "success": True, "error": None})
    outcomes = {
        str((s.attributes or {})["codex.login.method"]): (s.attributes or {})["codex.login.outcome"]
        for s in traced.spans()
    }
    assert outcomes == {"api_key": "succeeded", "device_code": "failed", "chatgpt": "succeeded"}
    rejected = telemetry.login_span("api_key")
    assert rejected is not None
    rejected.rejected(RuntimeError(f"invalid key {SECRET}"))
    for span in traced.spans():
        assert all(SECRET not in text for text in every_string(span))


def test_start_spans_record_the_runtime_version_but_never_the_ws_token() -> None:
    traced = Traced(url="ws://127.0.0.1:9/?token=abc", auth_token=SECRET)
    span = traced.telemetry.start_span(restart=True)
    assert span is not None
    span.succeeded("0.163.0 (Debian 12.0.0; x86_64) xterm")
    failed = traced.telemetry.start_span(restart=False)
    assert failed is not None
    failed.failed(ConnectionError(f"401 for token {SECRET}"))
    ok, bad = traced.spans()
    assert ok.attributes == {
        "codex.transport": "websocket",
        "codex.restart": True,
        "server.address": "ws://127.0.0.1:9/",
        "codex.runtime.version": "0.163.0",
    }
    assert bad.status.status_code is StatusCode.ERROR
    for span_ in traced.spans():
        assert all(SECRET not in text and "abc" not in text for text in every_string(span_))


# ------------------------------------------------------------------------ plumbing


def test_scrub_removes_known_secrets_tokens_and_url_queries() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJlLWhlcmU"
    text = (
        f"key=my-own-secret Authorization: Bearer abcdefgh12345678 {jwt} "
        "sk-proj-abcdefghijklmnop http://127.0.0.1:1455/auth?code=1&state=xyz done"
    )
    clean = scrub_text(text, ["my-own-secret"])
    for leaked in ("my-own-secret", "abcdefgh12345678", jwt, "sk-proj", "state=xyz", "code=1"):
        assert leaked not in clean
    assert clean.endswith("http://127.0.0.1:1455/auth?[REDACTED] done")


def test_secret_looking_env_values_and_the_auth_token_are_known_secrets() -> None:
    telemetry = Telemetry(
        CodexConfig(env={"MY_SERVICE_TOKEN": "tok-123456", "HOME": "/root"}, auth_token=" zz99 ")
    )
    assert telemetry.scrub("a tok-123456 zz99 /root") == "a [REDACTED] [REDACTED] /root"


def test_router_composes_the_dispatcher_and_telemetry_observers() -> None:
    seen: list[str] = []
    dispatcher = ServerRequestDispatcher()

    def extra(method: str, params: dict[str, Any]) -> None:
        seen.append(method)

    router = dispatcher.make_router(extra, USAGE_METHODS)
    closed: list[BaseException] = []
    router.on_close = closed.append
    for method in ("item/started", "turn/started", "item/agentMessage/delta", "turn/completed"):
        router.dispatch(method, {"threadId": "A", "turn": {"id": "T"}, "item": {}})
    assert seen == ["turn/started", "turn/completed"]
    error = TransportClosedError("gone")
    router.close(error)
    router.close(error)
    assert closed == [error]
    assert isinstance(Router().on_close, type(None))


def test_an_item_left_open_ends_with_its_turn_without_an_error(traced: Traced) -> None:
    telemetry = traced.telemetry
    pending = telemetry.begin_turn("A", {})
    telemetry.turn_answered(pending, "T1")
    command = {"type": "commandExecution", "id": "c1", "command": "sleep 100", "cwd": "/w"}
    traced.feed("item/started", {"threadId": "A", "turnId": "T1", "item": command})
    traced.feed("turn/completed", turn_completed("A", "T1"))
    span = traced.named("execute_tool command_execution")
    assert span.attributes is not None and span.attributes["codex.item.status"] == "unfinished"
    assert span.status.status_code is StatusCode.UNSET
    assert span.end_time is not None
