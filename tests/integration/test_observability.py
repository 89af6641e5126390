"""Traces, usage accounting and logs against the real app-server and the mock model.

Spans go to an SDK ``TracerProvider`` given to each client (``CodexConfig(tracer_provider=
...)``) with an in-memory exporter, so no test sets the process-wide provider; the one test
of the global provider runs in a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from openai_codex import (
    ApprovalMode,
    ApprovalRequest,
    AsyncCodex,
    Codex,
    Decision,
    TokenUsage,
    TransportClosedError,
    TurnFailedError,
    TurnTimeoutError,
    tool,
)
from openai_codex.testing import CodexHarness, MockIssuer, Reply

FAKE_KEY = "sk-test-0bs3rv4b1l1ty-F4K3-K3Y-9f8e7d6c"
STATE = "St4t3-0f-th3-l0g1n-8a7b"
TURN = "invoke_agent codex"


class Spans:
    """A provider whose finished spans can be read back, and tree helpers."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = self.provider.get_tracer("the application")

    def all(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.all() if s.name == name]

    def one(self, name: str) -> ReadableSpan:
        (span,) = self.named(name)
        return span

    def parent(self, span: ReadableSpan) -> ReadableSpan | None:
        if span.parent is None:
            return None
        found = [s for s in self.all() if s.context.span_id == span.parent.span_id]
        return found[0] if found else None

    def parent_name(self, span: ReadableSpan) -> str | None:
        parent = self.parent(span)
        return None if parent is None else parent.name


@pytest.fixture
def spans() -> Iterator[Spans]:
    s = Spans()
    yield s
    s.provider.shutdown()


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def every_text(span: ReadableSpan) -> list[str]:
    """Every string a span exports: name, status, attributes, events and their attributes."""
    texts = [span.name, str(span.status.description or "")]
    texts += [f"{k}={v}" for k, v in (span.attributes or {}).items()]
    for event in span.events:
        texts.append(event.name)
        texts += [f"{k}={v}" for k, v in (event.attributes or {}).items()]
    return texts


def assert_no_secret(spans: list[ReadableSpan], *secrets: str) -> None:
    leaks = [(s.name, t) for s in spans for t in every_text(s) for x in secrets if x in t]
    assert leaks == []


@tool
def lookup_ticket(ticket_id: str) -> str:
    """Return the status of a ticket."""
    from opentelemetry import trace

    span = trace.get_current_span()  # the tool runs inside its tool-call span
    span.set_attribute("app.ticket", ticket_id[:4])
    return f"{ticket_id[:4]}: open"


# ------------------------------------------------------------------------- the span tree


def test_a_turn_with_a_tool_and_an_approval_is_one_secret_free_tree(spans: Spans) -> None:
    approvals: list[ApprovalRequest] = []

    def review(request: ApprovalRequest) -> Decision:
        with spans.tracer.start_as_current_span("app.review"):  # nests under the approval
            approvals.append(request)
            return Decision.accept

    url = f"http://127.0.0.1:1455/auth/callback?code=abc&state={STATE}"
    with CodexHarness() as harness:
        model = harness.model
        model.enqueue(Reply.function_call("lookup_ticket", {"ticket_id": f"T-42 {FAKE_KEY}"}))
        command = {
            "cmd": f"echo {url}",
            "sandbox_permissions": "require_escalated",
            "justification": "check the callback",
        }
        model.enqueue(Reply.function_call("exec_command", command))
        model.enqueue(Reply.text(f"Done; the key was {FAKE_KEY}"))
        config = harness.config(tracer_provider=spans.provider, trace_content=True)
        with Codex(config) as codex:
            codex.login_api_key(FAKE_KEY)
            thread = codex.thread_start(tools=[lookup_ticket], on_approval=review)
            with spans.tracer.start_as_current_span("app.request"):  # the caller's span
                result = thread.run(f"Check T-42 with key {FAKE_KEY}")
            usage = codex.usage
            assert thread.usage == usage == TokenUsage.from_turn_usage(result.usage)
    assert len(approvals) == 1

    everything = spans.all()
    assert_no_secret(everything, FAKE_KEY, STATE, "code=abc")

    # The tree: the caller's span > the turn > the tool call > the tool's own span, and
    # the turn > the command > its approval > the handler's span.
    turn = spans.one(TURN)
    assert spans.parent_name(turn) == "app.request"
    tool_call = spans.one("execute_tool lookup_ticket")
    assert spans.parent(tool_call) is turn
    command_span = spans.one("execute_tool command_execution")
    assert spans.parent(command_span) is turn
    approval = spans.one("codex.approval command")
    assert spans.parent(approval) is command_span
    assert spans.parent(spans.one("app.review")) is approval

    a = attrs(turn)
    assert a["gen_ai.operation.name"] == "invoke_agent"
    assert a["gen_ai.conversation.id"] == thread.id == a["gen_ai.conversation.id"]
    assert a["codex.turn.id"] == result.id
    assert a["codex.turn.status"] == "completed"
    assert a["gen_ai.request.model"] == "mock-model"
    assert a["gen_ai.provider.name"] == "mock_provider"
    assert a["gen_ai.usage.input_tokens"] == usage.input_tokens > 0
    assert a["gen_ai.usage.output_tokens"] == usage.output_tokens > 0
    assert a["gen_ai.usage.cache_read.input_tokens"] == usage.cached_input_tokens
    assert a["gen_ai.usage.reasoning.output_tokens"] == usage.reasoning_output_tokens
    assert "Check T-42 with key [REDACTED]" in a["gen_ai.input.messages"]
    assert "Done; the key was [REDACTED]" in a["gen_ai.output.messages"]
    assert turn.status.status_code is StatusCode.UNSET

    t = attrs(tool_call)
    assert t["gen_ai.operation.name"] == "execute_tool"
    assert t["gen_ai.tool.name"] == "lookup_ticket" and t["gen_ai.tool.type"] == "function"
    assert t["gen_ai.tool.call.id"] == t["codex.item.id"]
    assert t["codex.tool.success"] is True and t["app.ticket"] == "T-42"
    assert "[REDACTED]" in t["gen_ai.tool.call.arguments"]
    assert "T-42: open" in t["gen_ai.tool.call.result"]

    c = attrs(command_span)
    assert c["gen_ai.tool.type"] == "extension"
    assert "echo http://127.0.0.1:1455/auth/callback?[REDACTED]" in c["process.command_line"]
    # A command still running when its turn completes (a slow machine) ends with the turn.
    assert c["codex.item.status"] in ("completed", "unfinished")
    assert command_span.status.status_code is StatusCode.UNSET
    if c["codex.item.status"] == "completed":
        assert c["process.exit.code"] == 0 and isinstance(c["codex.duration_ms"], int)

    p = attrs(approval)
    assert p["codex.approval.kind"] == "command"
    assert p["codex.approval.decision"] == "accept"
    assert p["codex.decided_by"] == "handler"
    assert p["codex.item.id"] == approvals[0].item_id == c["codex.item.id"]

    start = spans.one("codex.start")
    assert attrs(start)["codex.runtime.version"] == "0.163.0"
    assert attrs(start)["codex.transport"] == "stdio"
    login = spans.one("codex.login api_key")
    assert attrs(login) == {"codex.login.method": "api_key", "codex.login.outcome": "succeeded"}


def test_without_trace_content_no_prompt_answer_or_tool_io_is_recorded(spans: Spans) -> None:
    with CodexHarness() as harness:
        harness.model.enqueue(Reply.function_call("lookup_ticket", {"ticket_id": "T-7"}))
        harness.model.enqueue(Reply.text("the answer text"))

        async def main() -> None:
            async with AsyncCodex(harness.config(tracer_provider=spans.provider)) as codex:
                thread = await codex.thread_start(tools=[lookup_ticket])
                with spans.tracer.start_as_current_span("app.async"):
                    await thread.run("the prompt text")

        run(main())
    assert spans.parent_name(spans.one(TURN)) == "app.async"
    for span in spans.all():
        for key in attrs(span):
            assert key not in ("gen_ai.input.messages", "gen_ai.output.messages")
            assert key not in ("gen_ai.tool.call.arguments", "gen_ai.tool.call.result")
    assert_no_secret(spans.all(), "the prompt text", "the answer text", "T-7: open")


def test_failures_timeouts_and_a_lost_server_are_recorded(spans: Spans) -> None:
    with CodexHarness() as harness:
        model = harness.model

        async def main() -> None:
            async with AsyncCodex(harness.config(tracer_provider=spans.provider)) as codex:
                thread = await codex.thread_start()
                model.enqueue(Reply.failure("model exploded"))
                with pytest.raises(TurnFailedError):
                    await thread.run("fail")
                held = model.enqueue(Reply.text("too late").held())
                with pytest.raises(TurnTimeoutError):
                    await thread.run("slow", timeout=1.0)
                held.release()
                held = model.enqueue(Reply.text("never").held())
                handle = await thread.turn("crash")
                assert await asyncio.to_thread(held.wait_reached, 30)
                assert codex.pid is not None
                os.kill(codex.pid, signal.SIGKILL)
                with pytest.raises(TransportClosedError):
                    await handle.run()
                model.enqueue(Reply.text("back"))
                assert (await thread.run("again")).final_response == "back"

        run(main(), timeout=120)

    failed, timed_out, lost, ok = spans.named(TURN)
    assert failed.status.status_code is StatusCode.ERROR
    assert attrs(failed)["error.type"] == "TurnFailedError"
    assert attrs(failed)["codex.turn.status"] == "failed"
    assert "model exploded" in str(failed.status.description)
    assert attrs(timed_out)["error.type"] == "TurnTimeoutError"
    assert timed_out.status.status_code is StatusCode.ERROR
    assert attrs(lost)["error.type"] == "TransportClosedError"
    assert ok.status.status_code is StatusCode.UNSET
    assert [attrs(s)["codex.restart"] for s in spans.named("codex.start")] == [False, True]


def test_the_global_provider_is_used_without_any_sdk_setup(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(
        textwrap.dedent(
            """
            import json
            from opentelemetry import trace
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import SimpleSpanProcessor
            from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
                InMemorySpanExporter,
            )
            from openai_codex import Codex
            from openai_codex.testing import CodexHarness, Reply

            exporter = InMemorySpanExporter()
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            trace.set_tracer_provider(provider)  # what the application does, and nothing else

            with CodexHarness() as harness, Codex(harness.config()) as codex:
                harness.model.enqueue(Reply.text("hi"))
                with trace.get_tracer("app").start_as_current_span("app"):
                    codex.thread_start().run("hello")
            spans = exporter.get_finished_spans()
            ids = {s.context.span_id: s.name for s in spans}
            print(json.dumps(
                [[s.name, ids.get(s.parent.span_id) if s.parent else None] for s in spans]
            ))
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    tree = json.loads(proc.stdout.strip().splitlines()[-1])
    assert ["codex.start", None] in tree
    assert [TURN, "app"] in tree


# --------------------------------------------------------------------------------- usage


def test_usage_matches_the_servers_totals_across_restarts_resumes_and_forks() -> None:
    def tokens(n: int) -> dict[str, Any]:
        return {
            "input_tokens": 10 * n,
            "input_tokens_details": {"cached_tokens": 3 * n},
            "output_tokens": n,
            "output_tokens_details": {"reasoning_tokens": n // 2},
        }

    with CodexHarness() as harness:
        model = harness.model
        with Codex(harness.config()) as codex:
            thread = codex.thread_start(tools=[lookup_ticket])
            model.enqueue(Reply.text("one", usage=tokens(1)))
            first = thread.run("one")
            assert thread.usage == TokenUsage.from_turn_usage(first.usage)
            assert thread.usage == TokenUsage(10, 3, 1, 0, 11)
            model.enqueue(
                Reply.function_call("lookup_ticket", {"ticket_id": "T-1"}, usage=tokens(2))
            )
            model.enqueue(Reply.text("two", usage=tokens(4)))
            second = thread.run("two: a tool call, two model requests")
            assert thread.usage == TokenUsage.from_turn_usage(second.usage)
            assert thread.usage.total_tokens == 11 * 7

            pid = codex.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)  # the next call starts a new server, which resumes
            model.enqueue(Reply.text("three", usage=tokens(8)))
            try:
                third = thread.run("three")
            except TransportClosedError:  # the call that met the dead server
                third = thread.run("three")
            assert thread.usage == TokenUsage.from_turn_usage(third.usage)  # no double count

            fork = codex.thread_fork(thread.id)
            model.enqueue(Reply.text("forked", usage=tokens(16)))
            forked = fork.run("in the fork")
            assert fork.usage.total_tokens == 11 * 16  # the fork's own request only
            assert TokenUsage.from_turn_usage(forked.usage).total_tokens == 11 * (15 + 16)
            assert codex.usage == thread.usage + fork.usage

            model.enqueue(Reply.text("summary", usage=tokens(32)))
            thread.compact()  # one model request, reported three times by the server
            assert thread.usage.total_tokens == 11 * (15 + 32)

        with Codex(harness.config()) as codex:
            again = codex.thread_resume(thread.id)  # the server repeats the stored usage
            model.enqueue(Reply.text("four", usage=tokens(64)))
            fourth = again.run("four")
            assert again.usage == codex.usage == TokenUsage(640, 192, 64, 32, 704)
            total = TokenUsage.from_turn_usage(fourth.usage)
            assert total is not None and total.total_tokens == 11 * (15 + 32 + 64)


# ---------------------------------------------------------------------------------- logs


def test_server_logs_are_forwarded_at_their_levels(caplog: pytest.LogCaptureFixture) -> None:
    with CodexHarness() as harness:
        harness.model.enqueue(Reply.text("hi"))
        with caplog.at_level(logging.DEBUG, logger="openai_codex.server"):
            config = harness.config(forward_server_logs=True, env={"RUST_LOG": "info"})
            with Codex(config) as codex:
                codex.thread_start().run("hello")
        forwarded = [r for r in caplog.records if r.name == "openai_codex.server"]
        assert forwarded
        assert {r.levelno for r in forwarded} >= {logging.INFO}
        assert all(getattr(r, "codex_server_level", None) for r in forwarded[:5])
        caplog.clear()
        with (
            caplog.at_level(logging.DEBUG, logger="openai_codex.server"),
            Codex(harness.config(env={"RUST_LOG": "info"})) as codex,
        ):
            codex.models()
        assert [r for r in caplog.records if r.name == "openai_codex.server"] == []


def test_sdk_log_records_carry_the_thread_turn_and_method(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with CodexHarness(approval_policy="on-request") as harness:
        harness.model.enqueue(
            Reply.function_call(
                "exec_command",
                {
                    "cmd": "echo hi",
                    "sandbox_permissions": "require_escalated",
                    "justification": "x",
                },
            )
        )
        harness.model.enqueue(Reply.text("declined"))
        with (
            caplog.at_level(logging.DEBUG, logger="openai_codex"),
            Codex(harness.config()) as codex,
        ):
            # Approvals come to this client, which has no handler: it declines.
            thread = codex.thread_start(approval_mode=ApprovalMode.on_request)
            result = thread.run("try")
    declined = [r for r in caplog.records if "declining command approval" in r.getMessage()]
    assert declined, [r.getMessage() for r in caplog.records]
    record = declined[0]
    assert record.codex_thread_id == thread.id  # type: ignore[attr-defined]
    assert record.codex_turn_id == result.id  # type: ignore[attr-defined]
    assert record.codex_method == "item/commandExecution/requestApproval"  # type: ignore[attr-defined]
    completed = [r for r in caplog.records if r.getMessage() == f"turn {result.id} completed"]
    assert completed and completed[0].codex_thread_id == thread.id  # type: ignore[attr-defined]


# -------------------------------------------------------------------------------- logins


def test_a_device_code_login_span_has_its_outcome_and_no_secret(spans: Spans) -> None:
    with (
        MockIssuer(email="o11y@example.com", plan="pro") as issuer,
        CodexHarness(requires_openai_auth=True, issuer=issuer) as harness,
    ):
        with Codex(harness.config(tracer_provider=spans.provider)) as codex:
            handle = codex.login_chatgpt_device_code()
            assert handle.wait(timeout=30).success
            user_code = handle.user_code
        tokens = list(issuer.issued_tokens)
    login = spans.one("codex.login device_code")
    assert attrs(login) == {
        "codex.login.method": "device_code",
        "codex.login.id": handle.login_id,
        "codex.login.outcome": "succeeded",
    }
    assert tokens
    assert_no_secret(spans.all(), user_code, *tokens)
