"""Unit tests of approval/user-input types and the server-request dispatcher (no process)."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest

from openai_codex import (
    ApprovalRequest,
    Decision,
    UserInputRequest,
    tool,
)
from openai_codex._callbacks.approvals import (
    approval_request_from,
    approval_response,
    to_decision,
    user_input_request_from,
    user_input_response,
)
from openai_codex._callbacks.dispatch import ServerRequestDispatcher, ThreadHandlers
from openai_codex._callbacks.tools import ToolRegistry
from openai_codex._conversation.handlers import prepare_thread_options
from openai_codex._conversation.options import ApprovalMode
from openai_codex._core.connection import ServerRequestError

COMMAND = "item/commandExecution/requestApproval"
FILE_CHANGE = "item/fileChange/requestApproval"
PERMISSIONS = "item/permissions/requestApproval"


def command_params(thread: str = "t1", turn: str = "u1", **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "kind": "command",
        "threadId": thread,
        "turnId": turn,
        "itemId": "call_1",
        "startedAtMs": 1,
        "reason": "why",
        "command": "/bin/bash -lc 'echo hi'",
        "cwd": "/work",
        "availableDecisions": [
            "accept",
            {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": ["echo"]}},
            "cancel",
        ],
    }
    params.update(extra)
    return params


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 10))


# ----------------------------------------------------------------------------- Decision


def test_decision_values_are_the_wire_values() -> None:
    assert [d.value for d in Decision] == ["accept", "acceptForSession", "decline", "cancel"]
    assert Decision("accept_for_session") is Decision.accept_for_session
    assert Decision("acceptForSession") is Decision.accept_for_session
    assert Decision("approved") is Decision.accept
    assert Decision.decline == "decline"
    with pytest.raises(ValueError):
        Decision("maybe")


def test_to_decision_rejects_bad_values() -> None:
    assert to_decision("decline") is Decision.decline
    with pytest.raises(ValueError, match="unknown decision"):
        to_decision("yes please")
    with pytest.raises(TypeError):
        to_decision(None)


# ---------------------------------------------------------------------- request decoding


def test_command_request_is_typed() -> None:
    req = approval_request_from(COMMAND, command_params())
    assert req.kind == "command"
    assert req.command == "echo hi"
    assert req.command_line == "/bin/bash -lc 'echo hi'"
    assert (req.thread_id, req.turn_id, req.item_id) == ("t1", "u1", "call_1")
    assert req.reason == "why" and req.cwd == "/work"
    assert req.available_decisions == (Decision.accept, Decision.cancel)
    assert req.raw["availableDecisions"][1]["acceptWithExecpolicyAmendment"]


def test_file_change_request_takes_changes_from_the_item() -> None:
    from openai_codex._callbacks.approvals import file_changes_from_item

    item = {
        "type": "fileChange",
        "id": "call_p1",
        "changes": [
            {"path": "/w/a.txt", "kind": {"type": "add"}, "diff": "hello\n"},
            {"path": "/w/b.txt", "kind": {"type": "update", "move_path": "/w/c.txt"}, "diff": "@@"},
        ],
        "status": "inProgress",
    }
    changes = file_changes_from_item(item)
    params = {"threadId": "t", "turnId": "u", "itemId": "call_p1", "startedAtMs": 1}
    req = approval_request_from(FILE_CHANGE, params, changes)
    assert req.kind == "file_change" and req.command == ""
    assert [(c.path, c.kind, c.move_path) for c in req.file_changes] == [
        ("/w/a.txt", "add", None),
        ("/w/b.txt", "update", "/w/c.txt"),
    ]
    assert req.file_changes[0].diff == "hello\n"
    assert Decision.decline in req.available_decisions


def test_legacy_requests() -> None:
    exec_req = approval_request_from(
        "execCommandApproval",
        {
            "conversationId": "t9",
            "callId": "c",
            "command": ["bash", "-lc", "rm -rf /tmp/x"],
            "cwd": "/w",
            "parsedCmd": [],
        },
    )
    assert exec_req.kind == "command" and exec_req.thread_id == "t9"
    assert exec_req.command == "rm -rf /tmp/x"
    assert approval_response(exec_req, Decision.accept) == {"decision": "approved"}
    assert approval_response(exec_req, Decision.accept_for_session) == {
        "decision": "approved_for_session"
    }
    assert approval_response(exec_req, Decision.cancel) == {"decision": "abort"}
    denied = approval_response(exec_req, Decision.decline)["decision"]
    assert set(denied) == {"denied"} and denied["denied"]["rejection"]

    patch_req = approval_request_from(
        "applyPatchApproval",
        {
            "conversationId": "t9",
            "callId": "c",
            "fileChanges": {
                "a.txt": {"type": "add", "content": "x"},
                "b.txt": {"type": "update", "unified_diff": "@@", "move_path": None},
            },
        },
    )
    assert patch_req.kind == "file_change"
    assert [(c.path, c.kind, c.diff) for c in patch_req.file_changes] == [
        ("a.txt", "add", "x"),
        ("b.txt", "update", "@@"),
    ]


def test_v2_responses() -> None:
    req = approval_request_from(COMMAND, command_params())
    assert approval_response(req, Decision.accept) == {"decision": "accept"}
    assert approval_response(req, Decision.accept_for_session) == {"decision": "acceptForSession"}
    assert approval_response(req, Decision.decline) == {"decision": "decline"}
    assert approval_response(req, Decision.cancel) == {"decision": "cancel"}


def test_permissions_responses_grant_or_refuse() -> None:
    params = {
        "threadId": "t",
        "turnId": "u",
        "itemId": "i",
        "startedAtMs": 1,
        "cwd": "/w",
        "reason": "net",
        "permissions": {"network": {"enabled": True}, "fileSystem": None},
    }
    req = approval_request_from(PERMISSIONS, params)
    assert req.kind == "permissions" and req.permissions == params["permissions"]
    assert approval_response(req, Decision.accept) == {
        "permissions": {"network": {"enabled": True}},
        "scope": "turn",
    }
    assert approval_response(req, Decision.accept_for_session)["scope"] == "session"
    assert approval_response(req, Decision.decline) == {"permissions": {}, "scope": "turn"}
    assert approval_response(req, Decision.cancel) == {"permissions": {}, "scope": "turn"}


def test_user_input_round_trip() -> None:
    req = user_input_request_from(
        {
            "threadId": "t",
            "turnId": "u",
            "itemId": "i",
            "isBlocking": True,
            "questions": [
                {
                    "id": "color",
                    "header": "Color",
                    "question": "Which?",
                    "isOther": True,
                    "isSecret": False,
                    "options": [{"label": "Red", "description": "warm"}],
                }
            ],
        }
    )
    assert isinstance(req, UserInputRequest)
    q = req.questions[0]
    assert (q.id, q.header, q.question, q.allows_other) == ("color", "Color", "Which?", True)
    assert q.options[0].label == "Red"
    assert user_input_response({"color": "Red", "size": ["S", "M"]}) == {
        "answers": {"color": {"answers": ["Red"]}, "size": {"answers": ["S", "M"]}}
    }
    assert user_input_response(None) == {"answers": {}}
    with pytest.raises(TypeError):
        user_input_response({"color": 3})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        user_input_response(["Red"])  # type: ignore[arg-type]


# ----------------------------------------------------------------------- thread options


def test_no_handlers_change_nothing() -> None:
    options: dict[str, Any] = {"model": "m"}
    assert prepare_thread_options(options, tools=None, on_approval=None, on_user_input=None) is None
    assert options == {"model": "m"}


def test_on_approval_defaults_approval_mode_unless_given() -> None:
    options: dict[str, Any] = {}
    handlers = prepare_thread_options(
        options, tools=None, on_approval=lambda r: Decision.accept, on_user_input=None
    )
    assert handlers is not None and handlers.on_approval is not None
    assert options == {"approval_mode": ApprovalMode.on_request}
    chosen: dict[str, Any] = {"approval_mode": "never"}
    prepare_thread_options(
        chosen, tools=None, on_approval=lambda r: Decision.accept, on_user_input=None
    )
    assert chosen == {"approval_mode": "never"}


def test_tools_only_do_not_touch_approvals() -> None:
    def ping() -> str:
        return "pong"

    options: dict[str, Any] = {}
    handlers = prepare_thread_options(options, tools=[ping], on_approval=None, on_user_input=None)
    assert handlers is not None and handlers.tools is not None
    assert handlers.tools.names == ["ping"] and options == {}


# ---------------------------------------------------------------------------- dispatcher


def test_default_for_unregistered_thread_is_decline(caplog: pytest.LogCaptureFixture) -> None:
    d = ServerRequestDispatcher()
    with caplog.at_level(logging.INFO, logger="openai_codex"):
        assert run(d(COMMAND, command_params(thread="nobody"))) == {"decision": "decline"}
    assert "no on_approval handler" in caplog.text
    legacy = run(d("execCommandApproval", {"conversationId": "x", "command": ["ls"]}))
    assert "denied" in legacy["decision"]
    assert run(d("item/tool/requestUserInput", {"threadId": "x", "questions": []})) == {
        "answers": {}
    }
    answer = run(d("item/tool/call", {"threadId": "x", "tool": "t", "arguments": {}}))
    assert answer["success"] is False
    assert "no tools" in answer["contentItems"][0]["text"]


def test_other_methods_are_answered_at_once() -> None:
    d = ServerRequestDispatcher()
    for method in ("account/chatgptAuthTokens/refresh", "attestation/generate", "nope/x"):
        with pytest.raises(ServerRequestError) as info:
            run(d(method, {}))
        assert info.value.code == -32601
    assert run(d("mcpServer/elicitation/request", {"threadId": "t"}))["action"] == "decline"
    assert isinstance(run(d("currentTime/read", {"threadId": "t"}))["currentTimeAt"], int)

    async def custom(method: str, params: Any) -> Any:
        return {"token": "abc"}

    d.set_method_handler("attestation/generate", custom)
    assert run(d("attestation/generate", {})) == {"token": "abc"}
    d.set_method_handler("attestation/generate", None)
    with pytest.raises(ServerRequestError):
        run(d("attestation/generate", {}))


def test_sync_handler_runs_in_a_worker_thread_async_on_the_loop() -> None:
    seen: list[tuple[str, ApprovalRequest]] = []

    def sync_handler(req: ApprovalRequest) -> str:
        seen.append((threading.current_thread().name, req))
        return "accept_for_session"

    async def async_handler(req: ApprovalRequest) -> Decision:
        seen.append((threading.current_thread().name, req))
        return Decision.cancel

    d = ServerRequestDispatcher()
    d.register_thread("a", ThreadHandlers(on_approval=sync_handler))
    d.register_thread("b", ThreadHandlers(on_approval=async_handler))
    assert run(d(COMMAND, command_params("a"))) == {"decision": "acceptForSession"}
    assert run(d(COMMAND, command_params("b"))) == {"decision": "cancel"}
    assert seen[0][0] != threading.current_thread().name  # worker thread
    assert seen[1][0] == threading.current_thread().name  # the loop's thread
    assert seen[0][1].command == "echo hi"


def test_raising_or_bad_handler_declines_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    def boom(req: ApprovalRequest) -> Decision:
        raise RuntimeError("handler exploded")

    def bad(req: ApprovalRequest) -> Any:
        return 42

    d = ServerRequestDispatcher()
    d.register_thread("a", ThreadHandlers(on_approval=boom))
    d.register_thread("b", ThreadHandlers(on_approval=bad))
    with caplog.at_level(logging.ERROR, logger="openai_codex"):
        assert run(d(COMMAND, command_params("a"))) == {"decision": "decline"}
        assert run(d(COMMAND, command_params("b"))) == {"decision": "decline"}
    assert "handler exploded" in caplog.text
    assert "must return a Decision" in caplog.text


def test_handler_may_return_a_raw_response() -> None:
    raw = {"decision": {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": ["echo"]}}}
    d = ServerRequestDispatcher()
    d.register_thread("a", ThreadHandlers(on_approval=lambda req: raw))
    assert run(d(COMMAND, command_params("a"))) == raw


def test_turn_scope_overrides_thread_and_is_dropped_on_completion() -> None:
    d = ServerRequestDispatcher()
    d.register_thread("a", ThreadHandlers(on_approval=lambda r: Decision.decline))
    scope = d.begin_turn("a", lambda r: Decision.accept, None)
    # Before turn/start answers, the scope applies to any turn of the thread.
    assert run(d(COMMAND, command_params("a", "u1"))) == {"decision": "accept"}
    d.bind_turn(scope, "u1")
    assert run(d(COMMAND, command_params("a", "u1"))) == {"decision": "accept"}
    assert run(d(COMMAND, command_params("a", "other"))) == {"decision": "decline"}
    d.observe("turn/completed", {"threadId": "a", "turn": {"id": "u1"}})
    assert run(d(COMMAND, command_params("a", "u1"))) == {"decision": "decline"}
    assert not d._scopes


def test_turn_completed_before_bind_drops_the_scope() -> None:
    d = ServerRequestDispatcher()
    scope = d.begin_turn("a", lambda r: Decision.accept, None)
    d.observe("turn/completed", {"threadId": "a", "turn": {"id": "u1"}})
    d.bind_turn(scope, "u1")
    assert not d._scopes
    scope2 = d.begin_turn("a", lambda r: Decision.accept, None)
    d.end_turn(scope2)  # a failed turn/start
    assert not d._scopes


def test_register_thread_merges_handlers() -> None:
    def first(r: ApprovalRequest) -> Decision:
        return Decision.accept

    d = ServerRequestDispatcher()
    d.register_thread("a", ThreadHandlers(on_approval=first))
    d.register_thread("a", ThreadHandlers(tools=ToolRegistry([])))
    handlers = d.handlers("a")
    assert handlers is not None and handlers.on_approval is first and handlers.tools is not None
    d.register_thread("a", None)
    assert d.handlers("a") is handlers
    d.forget_thread("a")
    assert d.handlers("a") is None


def test_file_changes_are_tracked_per_item() -> None:
    d = ServerRequestDispatcher()
    got: list[ApprovalRequest] = []

    def handler(req: ApprovalRequest) -> Decision:
        got.append(req)
        return Decision.accept

    d.register_thread("a", ThreadHandlers(on_approval=handler))
    item = {
        "type": "fileChange",
        "id": "p1",
        "changes": [{"path": "/w/x", "kind": {"type": "add"}, "diff": "x"}],
    }
    d.observe("item/started", {"threadId": "a", "turnId": "u", "item": item})
    params = {"threadId": "a", "turnId": "u", "itemId": "p1", "startedAtMs": 1}
    assert run(d(FILE_CHANGE, params)) == {"decision": "accept"}
    assert got[0].file_changes[0].path == "/w/x"
    d.observe("item/completed", {"threadId": "a", "turnId": "u", "item": item})
    assert not d._file_changes
    d.observe("item/started", {"threadId": "a", "turnId": "u", "item": item})
    d.observe("turn/completed", {"threadId": "a", "turn": {"id": "u"}})
    assert not d._file_changes


def test_tool_calls_go_to_the_thread_registry() -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    d = ServerRequestDispatcher()
    d.register_thread("a", ThreadHandlers(tools=ToolRegistry([add])))
    ok = run(d("item/tool/call", {"threadId": "a", "tool": "add", "arguments": {"a": 1, "b": 2}}))
    assert ok == {"success": True, "contentItems": [{"type": "inputText", "text": "3"}]}
    bad = run(d("item/tool/call", {"threadId": "a", "tool": "add", "arguments": {"a": "x"}}))
    assert bad["success"] is False and "Invalid arguments" in bad["contentItems"][0]["text"]


def test_user_input_handler_and_failures(caplog: pytest.LogCaptureFixture) -> None:
    async def answer(req: UserInputRequest) -> dict[str, str]:
        return {q.id: "yes" for q in req.questions}

    def boom(req: UserInputRequest) -> dict[str, str]:
        raise ValueError("no idea")

    params = {
        "threadId": "a",
        "turnId": "u",
        "itemId": "i",
        "isBlocking": True,
        "questions": [{"id": "q", "header": "H", "question": "?"}],
    }
    d = ServerRequestDispatcher()
    d.register_thread("a", ThreadHandlers(on_user_input=answer))
    assert run(d("item/tool/requestUserInput", params)) == {"answers": {"q": {"answers": ["yes"]}}}
    d.register_thread("a", ThreadHandlers(on_user_input=boom))
    with caplog.at_level(logging.ERROR, logger="openai_codex"):
        assert run(d("item/tool/requestUserInput", params)) == {"answers": {}}
    assert "no idea" in caplog.text


def test_tools_must_be_a_list() -> None:
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    for bad in (ping, "ping"):
        with pytest.raises(TypeError, match="list of functions"):
            prepare_thread_options({}, tools=bad, on_approval=None, on_user_input=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="duplicate"):
        prepare_thread_options({}, tools=[ping, ping], on_approval=None, on_user_input=None)
