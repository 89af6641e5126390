"""The offline test kit (MockModel, Reply, CodexHarness) against the real app-server.

These tests drive ``codex app-server`` through a tiny raw pipe client so that they do not
depend on the SDK client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _raw_client import Message, RawClient

from openai_codex.testing import CodexHarness, MockModel, Reply

WAIT = 10.0


@pytest.fixture
def harness() -> Iterator[CodexHarness]:
    with CodexHarness() as h:
        yield h


def connect(h: CodexHarness, **kwargs: Any) -> RawClient:
    cfg = h.config()
    assert cfg.cwd is not None
    client = RawClient(env=cfg.env, cwd=cfg.cwd, **kwargs)
    try:
        client.initialize()
    except BaseException:
        client.close()
        raise
    return client


@pytest.fixture
def client(harness: CodexHarness) -> Iterator[RawClient]:
    c = connect(harness)
    yield c
    c.close()


def methods(messages: list[Message], name: str) -> list[dict[str, Any]]:
    return [m["params"] for m in messages if m["method"] == name]


def agent_messages(turn_completed: Message) -> list[str]:
    items = turn_completed["params"]["turn"]["items"]
    return [i["text"] for i in items if i["type"] == "agentMessage"]


def parse_sse(blob: bytes) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in blob.decode().split("\n\n"):
        if not block:
            continue
        kind, data = block.split("\n")
        assert kind.startswith("event: ") and data.startswith("data: ")
        payload = json.loads(data[len("data: ") :])
        assert payload["type"] == kind[len("event: ") :]
        events.append((payload["type"], payload))
    return events


def post(url: str, body: dict[str, Any], timeout: float = WAIT) -> tuple[int, bytes, str]:
    request = urllib.request.Request(
        url + "/responses",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers["Content-Type"]


# --------------------------------------------------------------------------- mock alone


def test_a_text_reply_renders_created_added_deltas_done_and_completed_events() -> None:
    with MockModel() as model:
        model.enqueue(Reply.text("Hello world", deltas=3, usage={"input_tokens": 7}))
        status, blob, content_type = post(model.url, {"input": []})
    assert (status, content_type) == (200, "text/event-stream")
    events = parse_sse(blob)
    kinds = [k for k, _ in events]
    assert kinds == [
        "response.created",
        "response.output_item.added",
        *["response.output_text.delta"] * 3,
        "response.output_item.done",
        "response.completed",
    ]
    assert "".join(p["delta"] for k, p in events if k.endswith(".delta")) == "Hello world"
    usage = events[-1][1]["response"]["usage"]
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (7, 5, 12)


def test_a_text_reply_cannot_split_into_more_deltas_than_characters() -> None:
    with pytest.raises(ValueError):
        Reply.text("ab", deltas=3)
    assert [len(c) for c in Reply.text("abcdefg", deltas=3)._items[0].chunks] == [3, 2, 2]  # type: ignore[union-attr]


def test_a_text_reply_with_a_delay_streams_the_same_events_piece_by_piece() -> None:
    reply = Reply.text("abcd", deltas=4, delay=0.01)
    assert len(reply._render("r", iter(range(1, 10)))) == 6  # head, 4 deltas, tail
    with MockModel() as model:
        model.enqueue(reply)
        started = time.monotonic()
        status, blob, _ = post(model.url, {"input": []})
    assert status == 200 and time.monotonic() - started >= 0.04
    events = parse_sse(blob)
    assert [p["delta"] for k, p in events if k.endswith(".delta")] == ["a", "b", "c", "d"]
    assert events[-1][0] == "response.completed"


def test_an_http_error_reply_answers_with_its_status_and_a_json_error() -> None:
    with MockModel() as model:
        model.enqueue(Reply.http_error(503, "down", code="unavailable"))
        status, blob, content_type = post(model.url, {"input": []})
    assert (status, content_type) == (503, "application/json")
    assert json.loads(blob)["error"] == {"message": "down", "type": "error", "code": "unavailable"}


def test_a_held_reply_is_released_when_the_model_stops() -> None:
    model = MockModel().start()
    held = model.enqueue(Reply.text("slow").held())
    result: list[object] = []

    def call() -> None:
        try:
            result.append(post(model.url, {"input": []}))
        except Exception as exc:
            result.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    assert held.wait_reached(WAIT)
    started = time.monotonic()
    model.stop()
    caller.join(WAIT)
    assert not caller.is_alive() and result
    assert time.monotonic() - started < 3.0


def test_stop_joins_every_thread_of_the_model_and_is_idempotent() -> None:
    model = MockModel().start()
    model.enqueue(Reply.text("x"))
    post(model.url, {"input": []})  # leaves a keep-alive connection thread
    model.stop()
    model.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith("MockModel")]


def test_wait_for_requests_times_out_with_the_count_seen() -> None:
    with MockModel() as model, pytest.raises(TimeoutError, match="0 request"):
        model.wait_for_requests(1, timeout=0.1)


def test_the_default_reply_echoes_the_last_user_text_of_the_request() -> None:
    body = {
        "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "a"}]},
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "<environment_context>x"}],
            },
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "b"}]},
        ]
    }
    with MockModel() as model:
        _, blob, _ = post(model.url, body)
        assert model.requests == [body]
    assert MockModel.user_texts(body) == ["a", "b"]
    done = [p for k, p in parse_sse(blob) if k == "response.output_item.done"]
    assert done[0]["item"]["content"][0]["text"] == "echo: b"


def test_a_sequence_reply_streams_several_output_items_in_order() -> None:
    reply = Reply.sequence(
        Reply.text("Looking it up"),
        Reply.function_call("lookup_ticket", '{"ticket_id": "T-1"}', call_id="call_1"),
        Reply.items([{"type": "reasoning", "summary": [], "content": None}]),
    )
    with MockModel() as model:
        model.enqueue(reply)
        _, blob, _ = post(model.url, {"input": []})
    done = [p["item"] for k, p in parse_sse(blob) if k == "response.output_item.done"]
    assert [i["type"] for i in done] == ["message", "function_call", "reasoning"]
    assert done[1]["call_id"] == "call_1"
    assert done[1]["arguments"] == '{"ticket_id": "T-1"}'


# --------------------------------------------------------------------------- with the app-server


def test_a_scripted_text_reply_arrives_as_n_deltas_and_one_completed_message(
    harness: CodexHarness, client: RawClient
) -> None:
    harness.model.enqueue(Reply.text("Hello world", deltas=3))
    thread_id = client.start_thread()
    done, seen = client.run_turn(thread_id, "hi", timeout=WAIT)
    deltas = methods(seen, "item/agentMessage/delta")
    assert [d["delta"] for d in deltas] == ["Hell", "o wo", "rld"]
    assert done["params"]["turn"]["status"] == "completed"
    assert agent_messages(done) == ["Hello world"]
    completed = [
        p["item"] for p in methods(seen, "item/completed") if p["item"]["type"] == "agentMessage"
    ]
    assert [c["text"] for c in completed] == ["Hello world"]
    usage = methods(seen, "thread/tokenUsage/updated")[-1]["tokenUsage"]["last"]
    assert (usage["inputTokens"], usage["outputTokens"], usage["totalTokens"]) == (10, 5, 15)


def test_an_empty_queue_makes_the_model_echo_the_user_text(
    harness: CodexHarness, client: RawClient
) -> None:
    thread_id = client.start_thread()
    done, _ = client.run_turn(thread_id, "ping 42", timeout=WAIT)
    assert agent_messages(done) == ["echo: ping 42"]
    assert MockModel.user_texts(harness.model.requests[0]) == ["ping 42"]


def test_a_failure_reply_fails_the_turn_with_its_message(
    harness: CodexHarness, client: RawClient
) -> None:
    harness.model.enqueue(Reply.failure("boom", code="server_error"))
    thread_id = client.start_thread()
    done, seen = client.run_turn(thread_id, "hi", timeout=WAIT)
    turn = done["params"]["turn"]
    assert turn["status"] == "failed"
    assert "boom" in turn["error"]["message"]
    assert [e["willRetry"] for e in methods(seen, "error")] == [False]


def test_an_overloaded_failure_reply_is_reported_as_server_overloaded(
    harness: CodexHarness, client: RawClient
) -> None:
    harness.model.enqueue(Reply.failure("busy", code="server_is_overloaded"))
    thread_id = client.start_thread()
    done, _ = client.run_turn(thread_id, "hi", timeout=WAIT)
    assert done["params"]["turn"]["error"]["codexErrorInfo"] == "serverOverloaded"


def test_an_http_error_reply_fails_the_turn(harness: CodexHarness, client: RawClient) -> None:
    harness.model.enqueue(Reply.http_error(500, "kaput"))
    thread_id = client.start_thread()
    done, _ = client.run_turn(thread_id, "hi", timeout=WAIT)
    turn = done["params"]["turn"]
    assert turn["status"] == "failed"
    assert turn["error"]["codexErrorInfo"] == "internalServerError"


def test_a_held_reply_completes_the_turn_only_after_release(
    harness: CodexHarness, client: RawClient
) -> None:
    held = harness.model.enqueue(Reply.text("slow", deltas=2).held())
    thread_id = client.start_thread()
    client.start_turn(thread_id, "hi")
    assert held.wait_reached(WAIT)
    with pytest.raises(TimeoutError):
        client.wait_for("turn/completed", timeout=0.5)
    held.release()
    done, _ = client.wait_for("turn/completed", timeout=WAIT)
    assert agent_messages(done) == ["slow"]


def test_a_function_call_reply_sends_the_tool_output_in_the_next_request(
    harness: CodexHarness,
) -> None:
    calls: list[Message] = []

    def answer(request: Message) -> Message:
        if request["method"] != "item/tool/call":
            return {"error": {"code": -32601, "message": "unexpected"}}
        calls.append(request["params"])
        return {"result": {"success": True, "contentItems": [{"type": "inputText", "text": "ok"}]}}

    harness.model.enqueue(
        Reply.sequence(
            Reply.text("Let me look"), Reply.function_call("lookup_ticket", {"ticket_id": "T-42"})
        )
    )
    harness.model.enqueue(Reply.text("Ticket T-42 is open"))
    tool = {
        "type": "function",
        "name": "lookup_ticket",
        "description": "Look up a ticket",
        "inputSchema": {
            "type": "object",
            "properties": {"ticket_id": {"type": "string"}},
            "required": ["ticket_id"],
        },
    }
    with connect(harness, on_server_request=answer) as client:
        thread_id = client.start_thread(dynamicTools=[tool])
        done, seen = client.run_turn(thread_id, "look up T-42", timeout=WAIT)
    assert done["params"]["turn"]["status"] == "completed"
    completed = [p["item"] for p in methods(seen, "item/completed")]
    assert [i["text"] for i in completed if i["type"] == "agentMessage"] == [
        "Let me look",
        "Ticket T-42 is open",
    ]
    assert [i["type"] for i in completed if i["type"] == "dynamicToolCall"] == ["dynamicToolCall"]
    assert [(c["tool"], c["arguments"]) for c in calls] == [
        ("lookup_ticket", {"ticket_id": "T-42"})
    ]
    first, second = harness.model.requests
    assert any(t.get("name") == "lookup_ticket" for t in first["tools"])
    outputs = MockModel.function_call_outputs(second)
    assert len(outputs) == 1
    assert outputs[0]["call_id"] == calls[0]["callId"]
    assert "ok" in json.dumps(outputs[0]["output"])


def test_an_exec_command_call_asks_for_approval_under_on_request() -> None:
    approvals: list[Message] = []

    def answer(request: Message) -> Message:
        if request["method"] == "item/commandExecution/requestApproval":
            approvals.append(request["params"])
            return {"result": {"decision": "decline"}}
        return {"error": {"code": -32601, "message": "unexpected"}}

    with CodexHarness(approval_policy="on-request") as h:
        h.model.enqueue(
            Reply.function_call(
                "exec_command",
                {
                    "cmd": "echo hi",
                    "sandbox_permissions": "require_escalated",
                    "justification": "why",
                },
            )
        )
        with connect(h, on_server_request=answer) as client:
            thread_id = client.start_thread()
            done, _ = client.run_turn(thread_id, "run it", timeout=WAIT)
        assert done["params"]["turn"]["status"] == "completed"
        assert [a["reason"] for a in approvals] == ["why"]
        (output,) = MockModel.function_call_outputs(h.model.requests[1])
        assert "rejected" in json.dumps(output)


def test_requests_are_recorded_in_order(harness: CodexHarness, client: RawClient) -> None:
    thread_id = client.start_thread()
    client.run_turn(thread_id, "first", timeout=WAIT)
    client.run_turn(thread_id, "second", timeout=WAIT)
    bodies = harness.model.wait_for_requests(2, timeout=WAIT)
    assert [MockModel.user_texts(b)[-1] for b in bodies] == ["first", "second"]
    assert all(b["model"] == "mock-model" and b["stream"] is True for b in bodies)
    assert harness.model.calls == [("POST", "/v1/responses")] * 2


def test_the_model_catalog_lists_mock_model_in_model_list(client: RawClient) -> None:
    result = client.request("model/list", {})
    assert [m["id"] for m in result["data"]] == ["mock-model"]


def test_the_models_endpoint_serves_the_catalog_the_app_server_fetches() -> None:
    # The app-server GETs <provider>/models only with OpenAI auth and a model_catalog_url.
    with CodexHarness(requires_openai_auth=True, model_catalog=False) as h:
        text = h.config_path.read_text()
        h.config_path.write_text(text + f'model_catalog_url = "{h.model.url}/models"\n')
        with connect(h) as client:
            client.request("account/login/start", {"type": "apiKey", "apiKey": "sk-test"})
            result = client.request("model/list", {})
        assert [m["id"] for m in result["data"]] == ["mock-model"]
        assert ("GET", "/v1/models?client_version=0.163.0") in h.model.calls


def test_without_a_catalog_the_app_server_warns_about_missing_metadata() -> None:
    with CodexHarness(model_catalog=False) as h, connect(h) as client:
        thread_id = client.start_thread()
        done, seen = client.run_turn(thread_id, "hi", timeout=WAIT)
    assert agent_messages(done) == ["echo: hi"]
    assert any("mock-model" in w["message"] for w in methods(seen, "warning"))


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_the_harness_removes_ambient_api_keys_from_the_child_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-ambient")
    monkeypatch.setenv("CODEX_API_KEY", "sk-ambient")
    monkeypatch.setenv("CODEX_HOME", str(Path.home() / ".codex"))
    with CodexHarness() as h:
        cfg = h.config()
        assert cfg.env["OPENAI_API_KEY"] is None and cfg.env["CODEX_API_KEY"] is None
        with connect(h) as client:
            raw = Path(f"/proc/{client.proc.pid}/environ").read_bytes()
            result = client.request("account/read", {})
    child_env = dict(kv.split("=", 1) for kv in raw.decode().split("\0") if "=" in kv)
    assert "OPENAI_API_KEY" not in child_env and "CODEX_API_KEY" not in child_env
    assert child_env["CODEX_HOME"] == str(h.codex_home)
    assert child_env["CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG"] == "1"
    assert result["account"] is None


def test_the_harness_removes_its_directories_and_stops_only_its_own_model() -> None:
    with MockModel() as shared:
        with CodexHarness(model=shared) as h:
            root, home, workspace = h.root, h.codex_home, h.workspace
            assert home.is_dir() and workspace.is_dir()
            assert not (workspace / ".git").exists()
            assert str(root).startswith(str(Path.home()))
            assert h.model is shared
        assert not root.exists()
        assert post(shared.url, {"input": []})[0] == 200  # still serving
    with CodexHarness() as own:
        own_url = own.model.url
        assert post(own_url, {"input": []})[0] == 200
    with pytest.raises(OSError):
        post(own_url, {"input": []}, timeout=2.0)


def test_the_pytest_plugin_provides_mock_model_and_codex_harness_fixtures(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_fixtures.py").write_text(
        textwrap.dedent(
            """
            from openai_codex.testing import CodexHarness, MockModel

            def test_fixtures(mock_model, codex_harness):
                assert isinstance(mock_model, MockModel)
                assert isinstance(codex_harness, CodexHarness)
                assert codex_harness.model is mock_model
                assert codex_harness.config().cwd == codex_harness.workspace
            """
        )
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:openai_codex",
            "-p",
            "openai_codex.testing.pytest_plugin",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_turn_of_20000_deltas_streams_through_the_app_server_quickly(
    harness: CodexHarness, client: RawClient
) -> None:
    n = 20_000
    text = "x" * n
    started = time.perf_counter()
    chunks = Reply.text(text, deltas=n)._render("resp_bench", iter(range(1, 10)))
    render = time.perf_counter() - started
    thread_id = client.start_thread()
    client.run_turn(thread_id, "warm up", timeout=WAIT)  # first turn pays start-up costs
    harness.model.enqueue(Reply.text(text, deltas=n))
    started = time.perf_counter()
    done, seen = client.run_turn(thread_id, "go", timeout=60)
    elapsed = time.perf_counter() - started
    assert len(chunks) == 1
    assert len(methods(seen, "item/agentMessage/delta")) == n
    assert agent_messages(done) == [text]
    print(f"\n20,000-delta turn: {elapsed:.3f} s (mock render {render * 1000:.1f} ms)")
    assert elapsed < 30
