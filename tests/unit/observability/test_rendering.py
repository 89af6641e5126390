"""Notebook renderings (``_repr_markdown_``) and the live drawing of a turn, without a server.

Results are built the way the SDK builds them: a ``TurnCollector`` fed with the wire
notifications of a turn (so the items are the generated models), and ``BatchResult`` /
thread records from their wire form. The live drawing gets a stand-in display and an
injected clock, so the throttle is tested without waiting.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from openai_codex import Notification, TokenUsage, TurnResult
from openai_codex._conversation.live_view import _LiveView
from openai_codex._conversation.results import TurnCollector
from openai_codex._observability.live_turn import LiveTurn, Throttle, TurnTrace
from openai_codex._observability.rendering import (
    code_block,
    code_span,
    escape,
    login_markdown,
    response_block,
    thread_markdown,
)
from openai_codex.batch import BatchResult
from openai_codex.types import Thread as ThreadInfo

THREAD = "thread-1"
TURN = "turn-1"
SECRETS = (
    "sk-live-0123456789abcdef",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
    "Bearer abcdefghijklmnop",
    "state=csrf-secret-123",
    "hunter2-value",
)


def note(method: str, **params: Any) -> Notification:
    return Notification(method, {"threadId": THREAD, "turnId": TURN, **params})


def delta(text: str, item_id: str = "a1") -> Notification:
    return note("item/agentMessage/delta", itemId=item_id, delta=text)


def started(item: dict[str, Any]) -> Notification:
    return note("item/started", item=item, startedAtMs=1)


def completed(item: dict[str, Any]) -> Notification:
    return note("item/completed", item=item, completedAtMs=2)


def usage(total: int) -> Notification:
    breakdown = {
        "inputTokens": total - 34,
        "cachedInputTokens": 100,
        "outputTokens": 34,
        "reasoningOutputTokens": 12,
        "totalTokens": total,
    }
    return note(
        "thread/tokenUsage/updated",
        tokenUsage={"total": breakdown, "last": breakdown, "modelContextWindow": None},
    )


def turn_done(status: str = "completed", error: str | None = None) -> Notification:
    turn = {
        "id": TURN,
        "status": status,
        "items": [],
        "error": {"message": error} if error is not None else None,
        "startedAt": 100,
        "completedAt": 102,
        "durationMs": 1500,
    }
    return Notification("turn/completed", {"threadId": THREAD, "turn": turn})


USER = {"type": "userMessage", "id": "u1", "content": [{"type": "text", "text": "List files"}]}
COMMAND = {
    "type": "commandExecution",
    "id": "c1",
    "command": f"curl -H 'Authorization: {SECRETS[2]}' https://x.test/?{SECRETS[3]}",
    "cwd": "/work",
    "commandActions": [],
    "status": "completed",
    "exitCode": 0,
    "durationMs": 42,
    "aggregatedOutput": "\n".join(f"line {i}" for i in range(30)) + f"\nkey {SECRETS[0]}\n",
}
TOOL = {
    "type": "mcpToolCall",
    "id": "m1",
    "server": "docs",
    "tool": "search",
    "status": "completed",
    "arguments": {"token": SECRETS[4]},
}
CHANGE = {
    "type": "fileChange",
    "id": "f1",
    "status": "completed",
    "changes": [{"path": "src/app.py", "kind": {"type": "update"}, "diff": "@@"}],
}
ANSWER = "Two files:\n\n- `a.py`\n- `b.py`\n\n```python\nprint('unclosed')"
AGENT = {"type": "agentMessage", "id": "a1", "text": ANSWER}


def turn_notes(status: str = "completed", error: str | None = None) -> list[Notification]:
    return [
        completed(USER),
        started(COMMAND),
        completed(COMMAND),
        completed(TOOL),
        completed(CHANGE),
        delta("Two files:"),
        delta("\n\n- `a.py`"),
        completed(AGENT),
        usage(1234),
        turn_done(status, error),
    ]


def collect(notes: list[Notification]) -> TurnCollector:
    collector = TurnCollector(THREAD, TURN)
    for n in notes:
        collector.feed(n)
    return collector


def assert_no_secret(text: str) -> None:
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"{leaked} in:\n{text}"


# --------------------------------------------------------------------------- turn results


def test_a_turn_result_renders_status_usage_answer_and_folded_items() -> None:
    result = collect(turn_notes()).result()
    md = result._repr_markdown_()
    head = md.splitlines()[0]
    assert head.startswith("**✅ completed** · turn `turn-1` · 1.5 s · **1,234 tokens**")
    assert "input 1,200, cached 100, output 34, reasoning 12" in head
    assert ANSWER in md  # the model's Markdown, as it is
    assert "print('unclosed')\n```" in md  # its open fence closed before the items
    folded = md.split("<details>", 1)[1]
    assert folded.startswith("<summary>5 items: 1 user, 1 command, 1 tool, 1 file change, 1 agent")
    assert md.rstrip().endswith("</details>")
    assert "- ⚙️ **command** `curl -H 'Authorization: [REDACTED]'" in md
    assert "→ exit 0 (42 ms)" in md
    assert "… 19 more lines" in md and "line 29" in md and "line 10" not in md
    assert "- 🛠️ **tool** docs.search" in md
    assert "- 📝 **file change** 1 file: src/app.py (update)" in md
    assert_no_secret(md)


def test_a_failed_turn_shows_its_error_scrubbed() -> None:
    notes = [completed(USER), turn_done("failed", f"upstream said {SECRETS[0]}")]
    md = collect(notes).result()._repr_markdown_()
    assert md.startswith("**❌ failed**")
    assert "*No final response.*" in md
    assert r"> **Error:** upstream said \[REDACTED\]" in md
    assert_no_secret(md)


def test_a_result_from_its_constructor_renders_without_usage_or_items() -> None:
    from openai_codex.types import TurnStatus

    md = TurnResult(id="t", status=TurnStatus.interrupted, final_response="partial *answer*")
    text = md._repr_markdown_()
    assert text == "**⏹️ interrupted** · turn `t`\n\npartial *answer*\n"


# --------------------------------------------------------------------------- helpers


def test_markdown_helpers_keep_text_literal() -> None:
    assert escape("a *b* [c](d) `e` $x$ <i>") == r"a \*b\* \[c\](d) \`e\` \$x\$ &lt;i&gt;"
    assert code_span("x ` y") == "``x ` y``"
    assert code_span("`x`") == "`` `x` ``"
    assert code_span("a\n  b") == "`a b`"
    assert code_block("```\ninside\n```", "md").startswith("````md\n")
    assert response_block("~~~\ncode") == "~~~\ncode\n~~~"
    assert response_block("```py\nx\n```\ndone") == "```py\nx\n```\ndone"
    assert response_block("```\n```py\n") == "```\n```py\n```"  # not a closing fence


# --------------------------------------------------------------------------- threads


def thread_info(**fields: Any) -> ThreadInfo:
    raw = {
        "id": THREAD,
        "cliVersion": "0.163.0",
        "createdAt": 1_700_000_000,
        "updatedAt": 1_700_000_000,
        "cwd": "/work/project",
        "ephemeral": False,
        "modelProvider": "openai",
        "model": "gpt-5",
        "preview": "Fix the *tests*",
        "projectId": None,
        "sessionId": "s",
        "source": "appServer",
        "status": {"type": "idle"},
        "turns": [],
        **fields,
    }
    return ThreadInfo.model_validate(raw)


def test_a_thread_shows_its_options_but_no_config_value() -> None:
    options = {
        "model": "gpt-5",
        "sandbox": "workspace-write",
        "developerInstructions": f"Use {SECRETS[0]} for the API",
        "config": {"model_providers.corp.api_key": SECRETS[4], "shell_environment_policy": {}},
    }
    thread = SimpleNamespace(
        id=THREAD, info=thread_info(name="fixes"), usage=TokenUsage(10, 0, 5, 0, 15)
    )
    md = thread_markdown(thread, options)
    head = md.splitlines()[0]
    assert head.startswith("**Thread** `thread-1` · fixes · model `gpt-5` · **15 tokens**")
    assert "provider `openai` · cwd `/work/project` · created " in md
    assert r"> Fix the \*tests\*" in md
    assert "- `config`: `model_providers.corp.api_key`, `shell_environment_policy`" in md
    assert "(values not shown)" in md
    assert "- `developerInstructions`: `Use [REDACTED] for the API`" in md
    assert "- `sandbox`: `workspace-write`" in md
    assert_no_secret(md)


def test_a_thread_without_info_or_usage_shows_its_id() -> None:
    thread = SimpleNamespace(id=THREAD, info=None, usage=TokenUsage())
    assert thread_markdown(thread, {}) == "**Thread** `thread-1`\n"


# --------------------------------------------------------------------------- batch results


def test_batch_results_render_their_answer_or_error() -> None:
    ok = BatchResult.from_dict(
        {
            "id": "task-1",
            "status": "completed",
            "final_response": '{"n": 3}',
            "structured_output": {"n": 3},
            "usage": {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10},
            "attempts": 1,
            "duration_s": 2.5,
            "thread_id": "th",
        }
    )
    md = ok._repr_markdown_()
    assert md.startswith(
        "**✅ completed** · task `task-1` · 1 attempt · 2.5 s · **10 tokens** (input 7, "
    )
    assert "· thread `th`" in md and '```json\n{\n  "n": 3\n}\n```' in md
    failed = BatchResult(
        id="task-2", status="failed", error=f"TurnFailedError: {SECRETS[1]}", attempts=3
    )
    md = failed._repr_markdown_()
    assert md.startswith("**❌ failed** · task `task-2` · 3 attempts · 0 ms")
    assert r"> **Error:** TurnFailedError: \[REDACTED\]" in md
    assert_no_secret(md)


# --------------------------------------------------------------------------- logins


def test_a_device_code_is_shown_only_while_its_login_is_pending() -> None:
    handle = SimpleNamespace(
        login_id="L1", user_code="ABCD-1234", verification_url="https://auth.test/codex/device"
    )
    pending = login_markdown(handle, "pending", None)
    assert pending.startswith("**ChatGPT sign-in** (device code) · **⏳ pending** · login `L1`")
    assert "Open <https://auth.test/codex/device> and enter the code **`ABCD-1234`**." in pending
    for state in ("succeeded", "failed", "closed"):
        assert "ABCD-1234" not in login_markdown(handle, state, None)
    failed = login_markdown(handle, "failed", f"denied: {SECRETS[1]}")
    assert "**❌ failed**" in failed and r"> **Error:** denied: \[REDACTED\]" in failed
    assert_no_secret(failed)


def test_a_browser_login_never_shows_its_url_query() -> None:
    url = f"https://auth.test/oauth/authorize?client_id=c&{SECRETS[3]}&code_challenge=xyz"
    handle = SimpleNamespace(login_id="L2", auth_url=url)
    md = login_markdown(handle, "pending", None)
    assert "(browser) · **⏳ pending**" in md
    assert "`https://auth.test/oauth/authorize?…`" in md
    assert "code_challenge" not in md and "client_id" not in md
    assert_no_secret(md)


# --------------------------------------------------------------------------- live turns


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Display:
    """A stand-in for IPython's display: records the bundle shown and each update."""

    def __init__(self) -> None:
        self.shown: list[dict[str, str]] = []
        self.updates: list[dict[str, str]] = []

    def publish(self, bundle: dict[str, str]) -> Any:
        self.shown.append(bundle)
        return self.updates.append


def test_the_throttle_lets_one_update_through_per_interval() -> None:
    clock = Clock()
    throttle = Throttle(0.25, clock)
    assert not throttle.due()  # the first drawing counts as one
    clock.now += 0.24
    assert not throttle.due()
    clock.now += 0.01
    assert throttle.due()
    assert not throttle.due()
    clock.now += 10
    assert throttle.due()
    assert Throttle(0, clock).due()
    for bad in (-1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="interval must be a finite number"):
            Throttle(bad, clock)


def live_view(interval: float = 0.25) -> tuple[_LiveView, TurnCollector, Display, Clock]:
    collector = TurnCollector(THREAD, TURN)
    handle = SimpleNamespace(_collector=collector)
    display, clock = Display(), Clock()
    view = _LiveView(handle, interval=interval, publish=display.publish, clock=clock)  # type: ignore[arg-type]
    return view, collector, display, clock


def feed(view: _LiveView, collector: TurnCollector, n: Notification) -> None:
    collector.feed(n)  # what the handle's stream does before it yields
    view.feed(n)


def test_a_live_turn_is_redrawn_at_most_once_per_interval_and_once_at_the_end() -> None:
    view, collector, display, clock = live_view()
    (first,) = display.shown
    assert first["text/markdown"].startswith("**⏳ in progress** · turn `turn-1`")
    for word in ("Paris ", "is ", "the ", "capital."):
        feed(view, collector, delta(word))  # no time passes: all held back
    assert display.updates == []
    clock.now += 0.25
    feed(view, collector, started({"type": "reasoning", "id": "r1", "summary": []}))
    (update,) = display.updates
    assert "Paris is the capital. ▌" in update["text/markdown"]  # the text so far, a cursor
    assert update["text/plain"].endswith("Paris is the capital.")
    clock.now += 0.1
    feed(view, collector, completed({**AGENT, "text": "Paris is the capital."}))
    assert len(display.updates) == 1
    clock.now += 0.2  # 0.3 s since the last redraw, and a change waiting since then
    feed(view, collector, usage(40))
    assert len(display.updates) == 2
    clock.now += 5
    feed(view, collector, Notification("warning", {"message": "x"}))  # changes nothing
    assert len(display.updates) == 2
    feed(view, collector, turn_done())
    assert len(display.updates) == 3  # due: 5 s since the last redraw
    result = view.done(collector.finish())  # the last drawing, whatever the clock says
    final = display.updates[-1]
    assert len(display.updates) == 4 and display.shown == [first]
    assert final["text/markdown"] == result._repr_markdown_()
    assert final["text/markdown"].startswith("**✅ completed**")
    assert "▌" not in final["text/markdown"]


def test_a_live_turn_ended_by_an_exception_shows_why() -> None:
    view, collector, display, _clock = live_view()
    feed(view, collector, delta("Half an ans"))
    view.failed(KeyboardInterrupt())
    final = display.updates[-1]["text/markdown"]
    assert final.startswith("**⏳ in progress**") and "> KeyboardInterrupt" in final
    assert "Half an ans" in final and "▌" not in final


def test_the_text_trace_writes_deltas_commands_and_a_closing_line() -> None:
    out: list[str] = []
    trace = TurnTrace(out.append)
    for n in turn_notes():
        trace.feed(n)
    trace.feed(completed({"type": "agentMessage", "id": "a2", "text": "Unstreamed."}))
    trace.finish(collect(turn_notes()).result())
    text = "".join(out)
    assert text.startswith("[command] curl -H 'Authorization: [REDACTED]'")
    assert "→ exit 0 (42 ms)\n" in text
    assert "Two files:\n\n- `a.py`\nUnstreamed.\n" in text
    last = text.splitlines()[-1]
    assert last == "[Turn turn-1: completed · 1.5 s · 1,234 tokens on the thread · 5 items]"
    assert_no_secret(text)


def test_the_text_view_writes_a_failure_note() -> None:
    out: list[str] = []
    collector = TurnCollector(THREAD, TURN)
    view = _LiveView(SimpleNamespace(_collector=collector), write=out.append)  # type: ignore[arg-type]
    feed(view, collector, delta("partial"))
    view.failed(RuntimeError(f"boom {SECRETS[0]}"))
    assert "".join(out) == (
        "partial\n[Turn turn-1: in progress]\n[RuntimeError: boom [REDACTED]]\n"
    )


def test_live_turn_reports_which_notifications_change_the_drawing() -> None:
    live = LiveTurn(TurnCollector(THREAD, TURN))
    assert live.feed(delta("a")) and live.streaming == "a"
    assert live.feed(delta("b", item_id="a2")) and live.streaming == "b"
    assert live.feed(completed({"type": "agentMessage", "id": "a2", "text": "b"}))
    assert live.streaming is None
    assert not live.feed(Notification("thread/status/changed", {"threadId": THREAD}))
    assert re.search(r"\[Turn turn-1: in progress\]", f"[{live.bundle()['text/plain']}]")
