"""Server-to-client requests against the real app-server and the mock model.

Python tools called by the model, approval handlers (accept/decline/raising/default),
user-input answers, routing between concurrent threads, exactly-once answers on interrupt
and close, and the examples 16/17 running offline.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run

from openai_codex import (
    ApprovalMode,
    ApprovalRequest,
    AsyncCodex,
    Codex,
    Decision,
    Notification,
    UserInputRequest,
    tool,
)
from openai_codex.testing import CodexHarness, MockModel, Reply
from openai_codex.testing._wire import mock_model_info

ROOT = Path(__file__).resolve().parents[2]
ECHO = {"cmd": "echo hi", "sandbox_permissions": "require_escalated", "justification": "why"}
REJECTED = "rejected by user"
PLAN_MODE = {"mode": "plan", "settings": {"model": "mock-model"}}


def echo_call() -> Reply:
    return Reply.function_call("exec_command", ECHO)


def outputs(model: MockModel, index: int = -1) -> list[str]:
    """The function_call_output texts of one model request (the last by default)."""
    return [str(o["output"]) for o in MockModel.function_call_outputs(model.requests[index])]


def items(notes: list[Notification], method: str, item_type: str) -> list[dict[str, Any]]:
    return [
        n.params["item"]
        for n in notes
        if n.method == method and n.params.get("item", {}).get("type") == item_type
    ]


@tool
def lookup_ticket(ticket_id: str) -> str:
    """Return the title and status of a ticket."""
    return f"{ticket_id}: Printer on fire (open)"


@tool
async def ticket_owner(ticket_id: str) -> dict[str, str]:
    """Return who owns a ticket."""
    await asyncio.sleep(0)
    return {"ticket": ticket_id, "owner": "ada"}


@tool
def broken(ticket_id: str) -> str:
    """Always fails."""
    raise LookupError(f"no ticket {ticket_id}")


@pytest.fixture
def approvals_harness() -> Iterator[CodexHarness]:
    with CodexHarness(approval_policy="on-request") as h:
        yield h


# --------------------------------------------------------------------------------- tools


def test_sync_and_async_tools_reach_the_model(harness: CodexHarness, codex: Codex) -> None:
    harness.model.enqueue(
        Reply.sequence(
            Reply.function_call("lookup_ticket", {"ticket_id": "T-42"}, call_id="c1"),
            Reply.function_call("ticket_owner", {"ticket_id": "T-42"}, call_id="c2"),
        )
    )
    harness.model.enqueue(Reply.text("T-42 is on fire; ask ada"))
    thread = codex.thread_start(tools=[lookup_ticket, ticket_owner])
    handle = thread.turn("What is the status of T-42?")
    notes = list(handle.stream())
    result = handle.run()
    assert result.final_response == "T-42 is on fire; ask ada"

    specs = [t for t in harness.model.requests[0]["tools"] if t.get("name") in ("lookup_ticket",)]
    assert specs[0]["description"] == "Return the title and status of a ticket."
    assert specs[0]["parameters"]["required"] == ["ticket_id"]
    by_call = {
        o["call_id"]: o["output"]
        for o in MockModel.function_call_outputs(harness.model.requests[1])
    }
    assert by_call["c1"] == "T-42: Printer on fire (open)"
    assert json.loads(by_call["c2"]) == {"ticket": "T-42", "owner": "ada"}
    # The tool calls are visible in the turn's stream as items.
    started = items(notes, "item/started", "dynamicToolCall")
    completed = items(notes, "item/completed", "dynamicToolCall")
    assert sorted(i["tool"] for i in started) == ["lookup_ticket", "ticket_owner"]
    assert all(i["success"] is True for i in completed) and len(completed) == 2


def test_tool_errors_and_invalid_arguments_answer_failure_and_the_turn_goes_on(
    harness: CodexHarness,
) -> None:
    async def main() -> None:
        harness.model.enqueue(Reply.function_call("broken", {"ticket_id": "T-1"}))
        harness.model.enqueue(Reply.function_call("lookup_ticket", {"ticket": 42}))
        harness.model.enqueue(Reply.function_call("no_such_tool", {}))
        harness.model.enqueue(Reply.text("sorry"))
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start(tools=[broken, lookup_ticket])
            handle = await thread.turn("go")
            notes = [n async for n in handle.stream()]
            result = await handle.run()
        assert result.final_response == "sorry"
        texts = outputs(harness.model)
        assert texts[0] == "LookupError: no ticket T-1"
        assert "Invalid arguments for tool 'lookup_ticket'" in texts[1]
        assert "ticket_id" in texts[1]
        completed = items(notes, "item/completed", "dynamicToolCall")
        assert [i["success"] for i in completed[:2]] == [False, False]

    run(main())


def test_tools_survive_resume_in_a_new_client_and_fork(harness: CodexHarness) -> None:
    with Codex(harness.config()) as codex:
        harness.model.enqueue(Reply.text("ready"))
        thread_id = codex.thread_start(tools=[lookup_ticket]).run("hi").thread_id
    with Codex(harness.config()) as codex:
        # Without tools= this client cannot answer: the model gets a failure message.
        harness.model.enqueue(Reply.function_call("lookup_ticket", {"ticket_id": "T-1"}))
        harness.model.enqueue(Reply.text("no tool"))
        codex.thread_resume(thread_id).run("again")
        assert "no tools" in outputs(harness.model)[-1]
        # With tools= the server's stored spec and our function meet again.
        thread = codex.thread_resume(thread_id, tools=[lookup_ticket])
        harness.model.enqueue(Reply.function_call("lookup_ticket", {"ticket_id": "T-2"}))
        harness.model.enqueue(Reply.text("ok"))
        thread.run("again")
        assert outputs(harness.model)[-1] == "T-2: Printer on fire (open)"
        # A fork keeps the tool specs on the server and inherits the handlers here.
        fork = codex.thread_fork(thread_id)
        harness.model.enqueue(Reply.function_call("lookup_ticket", {"ticket_id": "T-3"}))
        harness.model.enqueue(Reply.text("ok"))
        fork.run("fork")
        assert outputs(harness.model)[-1] == "T-3: Printer on fire (open)"


# ----------------------------------------------------------------------------- approvals


def test_accept_runs_the_command_and_the_request_is_typed(harness: CodexHarness) -> None:
    seen: list[ApprovalRequest] = []

    def review(request: ApprovalRequest) -> Decision:
        seen.append(request)
        return Decision.accept

    harness.model.enqueue(echo_call())
    harness.model.enqueue(Reply.text("done"))
    # The harness policy is "never": setting on_approval switches the thread to on-request.
    with Codex(harness.config()) as codex:
        thread = codex.thread_start(on_approval=review)
        handle = thread.turn("say hi")
        notes = list(handle.stream(include_thread_events=True))  # + serverRequest/resolved
    assert "Output:\nhi" in outputs(harness.model)[-1]
    (request,) = seen
    assert request.kind == "command" and request.command == "echo hi"
    assert request.reason == "why" and request.thread_id == thread.id
    assert request.turn_id == handle.id and request.item_id
    assert request.cwd == str(harness.workspace)
    assert Decision.accept in request.available_decisions
    started = items(notes, "item/started", "commandExecution")
    assert started and started[0]["id"] == request.item_id
    assert any(n.method == "serverRequest/resolved" for n in notes)
    assert items(notes, "item/completed", "commandExecution")[0]["status"] == "completed"


def test_decline_stops_the_command(harness: CodexHarness) -> None:
    async def review(request: ApprovalRequest) -> Decision:
        return Decision.decline

    async def main() -> None:
        harness.model.enqueue(echo_call())
        harness.model.enqueue(Reply.text("declined"))
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start(on_approval=review)
            result = await thread.run("say hi")
        assert result.final_response == "declined"
        (text,) = outputs(harness.model)
        assert REJECTED in text and "Output:\nhi" not in text

    run(main())


def test_a_raising_handler_declines_and_logs(
    harness: CodexHarness, caplog: pytest.LogCaptureFixture
) -> None:
    def review(request: ApprovalRequest) -> Decision:
        raise RuntimeError("reviewer crashed")

    harness.model.enqueue(echo_call())
    harness.model.enqueue(Reply.text("ok"))
    with caplog.at_level(logging.ERROR, logger="openai_codex"), Codex(harness.config()) as codex:
        codex.thread_start(on_approval=review).run("say hi")
    assert REJECTED in outputs(harness.model)[-1]
    assert "reviewer crashed" in caplog.text


def test_threads_without_handlers_get_decline(approvals_harness: CodexHarness) -> None:
    h = approvals_harness
    h.model.enqueue(echo_call())
    h.model.enqueue(Reply.text("ok"))
    with Codex(h.config()) as codex:
        # on_request routes the approval to this client (the default, auto_review, would
        # have Codex's reviewer agent answer it); with no handler the client declines.
        result = codex.thread_start(approval_mode=ApprovalMode.on_request).run("say hi")
    assert result.status == "completed"
    assert REJECTED in outputs(h.model)[-1]


def test_turn_handler_overrides_the_thread_handler_for_that_turn(harness: CodexHarness) -> None:
    with Codex(harness.config()) as codex:
        thread = codex.thread_start(on_approval=lambda request: Decision.decline)
        harness.model.enqueue(echo_call())
        harness.model.enqueue(Reply.text("ok"))
        thread.run("say hi", on_approval=lambda request: "accept")
        assert "Output:\nhi" in outputs(harness.model)[-1]
        assert not codex._async._server_requests._scopes  # dropped at turn/completed
        harness.model.enqueue(echo_call())
        harness.model.enqueue(Reply.text("ok"))
        thread.run("say hi again")
        assert REJECTED in outputs(harness.model)[-1]


def test_cancel_interrupts_the_turn(harness: CodexHarness) -> None:
    harness.model.enqueue(echo_call())
    with Codex(harness.config()) as codex:
        result = codex.thread_start(on_approval=lambda r: Decision.cancel).turn("hi").run()
    assert result.status == "interrupted"


def _patch_catalog(h: CodexHarness) -> None:
    info = mock_model_info()
    info["apply_patch_tool_type"] = "freeform"
    h.catalog_path.write_text(json.dumps({"models": [info]}), encoding="utf-8")


def test_file_change_approval_lists_the_changes(harness: CodexHarness) -> None:
    _patch_catalog(harness)
    patch = "*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch\n"
    call = {"type": "custom_tool_call", "call_id": "p1", "name": "apply_patch", "input": patch}
    seen: list[ApprovalRequest] = []

    def review(request: ApprovalRequest) -> Decision:
        seen.append(request)
        return Decision.accept if len(seen) == 1 else Decision.decline

    with Codex(harness.config()) as codex:
        thread = codex.thread_start(on_approval=review)
        harness.model.enqueue(Reply.items([call]))
        harness.model.enqueue(Reply.text("written"))
        thread.run("write hello")
        assert (harness.workspace / "hello.txt").read_text() == "hello\n"
        other = {**call, "call_id": "p2", "input": patch.replace("hello", "bye")}
        harness.model.enqueue(Reply.items([other]))
        harness.model.enqueue(Reply.text("not written"))
        thread.run("write bye")
    assert not (harness.workspace / "bye.txt").exists()
    assert "rejected by user" in outputs(harness.model)[-1]
    first = seen[0]
    assert first.kind == "file_change" and first.item_id == "p1"
    (change,) = first.file_changes
    assert change.path.endswith("hello.txt") and change.kind == "add"
    assert change.diff == "hello\n"


def test_permissions_approval_grants_the_requested_profile() -> None:
    seen: list[ApprovalRequest] = []

    def review(request: ApprovalRequest) -> Decision:
        seen.append(request)
        return Decision.accept if len(seen) == 1 else Decision.decline

    ask = {"reason": "need network", "permissions": {"network": {"enabled": True}}}
    features = {"features": {"request_permissions_tool": True}}
    with CodexHarness(extra_config=features) as h, Codex(h.config()) as codex:
        thread = codex.thread_start(on_approval=review)
        for _ in range(2):
            h.model.enqueue(Reply.function_call("request_permissions", ask))
            h.model.enqueue(Reply.text("ok"))
            thread.run("need net")
        granted = json.loads(outputs(h.model, 1)[-1])
        refused = json.loads(outputs(h.model, 3)[-1])
    assert seen[0].kind == "permissions" and seen[0].reason == "need network"
    assert seen[0].permissions == {"network": {"enabled": True}, "fileSystem": None}
    assert granted["permissions"]["network"] == {"enabled": True}
    assert refused["permissions"]["network"] is None


# ---------------------------------------------------------------------------- user input


def test_user_input_answers_reach_the_model(harness: CodexHarness) -> None:
    question = {
        "id": "color",
        "header": "Color",
        "question": "Which color?",
        "options": [
            {"label": "Red (Recommended)", "description": "warm"},
            {"label": "Blue", "description": "cold"},
        ],
    }
    seen: list[UserInputRequest] = []

    def answer(request: UserInputRequest) -> dict[str, str]:
        seen.append(request)
        return {"color": request.questions[0].options[1].label}

    options: Any = {"collaboration_mode": PLAN_MODE}
    with Codex(harness.config()) as codex:
        thread = codex.thread_start(on_user_input=answer)
        harness.model.enqueue(Reply.function_call("request_user_input", {"questions": [question]}))
        harness.model.enqueue(Reply.text("blue it is"))
        thread.run("pick", **options)
        assert json.loads(outputs(harness.model)[-1]) == {
            "answers": {"color": {"answers": ["Blue"]}}
        }
        # Without a handler the answer is empty and the turn still finishes.
        plain = codex.thread_start()
        harness.model.enqueue(Reply.function_call("request_user_input", {"questions": [question]}))
        harness.model.enqueue(Reply.text("fine"))
        assert plain.run("pick", **options).final_response == "fine"
        assert json.loads(outputs(harness.model)[-1]) == {"answers": {}}
    (request,) = seen
    assert request.questions[0].id == "color" and request.questions[0].allows_other


# ------------------------------------------------------------------ routing, exactly once


def test_concurrent_threads_use_their_own_handlers_and_keep_flowing(
    harness: CodexHarness,
) -> None:
    b_done = threading.Event()
    a_times: list[float] = []

    def slow_accept(request: ApprovalRequest) -> Decision:
        a_times.append(time.monotonic())
        b_done.wait(10)  # blocks this worker thread only
        time.sleep(0.2)
        a_times.append(time.monotonic())
        return Decision.accept

    def decline(request: ApprovalRequest) -> Decision:
        return Decision.decline

    with Codex(harness.config()) as codex:
        thread_a = codex.thread_start(on_approval=slow_accept)
        thread_b = codex.thread_start(on_approval=decline)
        harness.model.enqueue(echo_call())
        turn_a = thread_a.turn("a")
        deadline = time.monotonic() + 10
        while not a_times and time.monotonic() < deadline:
            time.sleep(0.01)
        assert a_times, "thread A's handler was not called"
        harness.model.enqueue(echo_call())
        harness.model.enqueue(Reply.text("b finished"))
        result_b = thread_b.run("b")
        b_finished = time.monotonic()
        b_done.set()
        harness.model.enqueue(Reply.text("a finished"))
        result_a = turn_a.run()
    assert result_b.final_response == "b finished"
    assert result_a.final_response == "a finished"
    assert b_finished < a_times[1]  # B completed while A's handler was still running
    assert REJECTED in outputs(harness.model, 2)[-1]  # B declined
    assert "Output:\nhi" in outputs(harness.model, 3)[-1]  # A accepted


def _answers_to(sent: list[bytes], request_id: int) -> list[dict[str, Any]]:
    found = []
    for blob in sent:
        for line in blob.splitlines():
            message = json.loads(line)
            if message.get("id") == request_id and "method" not in message:
                found.append(message)
    return found


def test_interrupt_during_a_pending_approval_answers_once(harness: CodexHarness) -> None:
    async def main() -> None:
        entered = asyncio.Event()
        release = asyncio.Event()
        ids: list[Any] = []

        async def review(request: ApprovalRequest) -> Decision:
            entered.set()
            await release.wait()
            return Decision.accept

        async with AsyncCodex(harness.config()) as codex:
            transport = codex._transport
            assert transport is not None
            sent: list[bytes] = []
            original = transport.send

            async def spy(data: bytes) -> None:
                sent.append(data)
                await original(data)

            transport.send = spy  # type: ignore[method-assign]
            conn = codex._connection
            assert conn is not None
            original_serve = conn._serve

            def serve(message: Any) -> None:
                ids.append(message.id)
                original_serve(message)

            conn._serve = serve  # type: ignore[method-assign]
            thread = await codex.thread_start(on_approval=review)
            harness.model.enqueue(echo_call())
            handle = await thread.turn("hi")
            await asyncio.wait_for(entered.wait(), 10)
            await handle.interrupt()
            result = await handle.run()
            assert result.status == "interrupted"
            release.set()
            await asyncio.sleep(0.2)
            (request_id,) = ids
            assert len(_answers_to(sent, request_id)) == 1
            # The connection is healthy afterwards.
            harness.model.enqueue(Reply.text("still here"))
            assert (await thread.run("again")).final_response == "still here"

    run(main())


def test_close_during_a_sync_handler_answers_once_and_leaves_no_thread(
    harness: CodexHarness,
) -> None:
    entered = threading.Event()
    release = threading.Event()
    sent: list[bytes] = []
    ids: list[Any] = []

    def review(request: ApprovalRequest) -> Decision:
        entered.set()
        release.wait(10)
        return Decision.accept

    before = set(threading.enumerate())
    codex = Codex(harness.config())
    inner = codex._async
    transport = inner._transport
    conn = inner._connection
    assert transport is not None and conn is not None
    original = transport.send

    async def spy(data: bytes) -> None:
        sent.append(data)
        await original(data)

    transport.send = spy  # type: ignore[method-assign]
    original_serve = conn._serve

    def serve(message: Any) -> None:
        ids.append(message.id)
        original_serve(message)

    conn._serve = serve  # type: ignore[method-assign]
    thread = codex.thread_start(on_approval=review)
    harness.model.enqueue(echo_call())
    thread.turn("hi")
    assert entered.wait(10)
    timer = threading.Timer(0.3, release.set)
    timer.start()
    codex.close()
    timer.join()
    (request_id,) = ids
    answers = _answers_to(sent, request_id)
    assert len(answers) == 1 and answers[0]["error"]["message"] == "client is closing"
    leftover = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert leftover == []


# ------------------------------------------------------------------------------ examples


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("16_python_tools/sync.py", "T-42"),
        ("16_python_tools/async.py", "T-42"),
        ("17_approval_handler/sync.py", "declined"),
        ("17_approval_handler/async.py", "declined"),
    ],
)
def test_examples_run_offline(example: str, expected: str) -> None:
    env = {**os.environ, "OPENAI_CODEX_EXAMPLES_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / example)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
