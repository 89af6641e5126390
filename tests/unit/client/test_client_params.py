"""What the client methods send: the official keyword names and defaults, on the wire.

A recording client stands in for the server (no process): each test checks the params of
the request a call makes.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from openai_codex import (
    ApprovalMode,
    AsyncCodex,
    Codex,
    Decision,
    ExternalMessage,
    Sandbox,
    Thread,
)
from openai_codex.types import ReasoningEffort, ReasoningSummary

THREAD = {
    "id": "thr",
    "cliVersion": "0.163.0",
    "createdAt": 1,
    "cwd": "/w",
    "ephemeral": False,
    "modelProvider": "mock",
    "preview": "",
    "projectId": None,
    "sessionId": "s",
    "source": "appServer",
    "status": {"type": "idle"},
    "turns": [],
    "updatedAt": 1,
}


class Recording(AsyncCodex):
    """An AsyncCodex whose requests are recorded and answered from a table."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, Any]] = []

    async def request(
        self, method: str, params: Any = None, *, timeout: float | None = None
    ) -> Any:
        self.sent.append((method, params))
        if method in ("thread/start", "thread/resume", "thread/fork", "thread/unarchive"):
            return {"thread": THREAD}
        if method == "thread/list":
            return {"data": [], "nextCursor": None}
        return {}


def sent(call: Any) -> Any:
    codex = Recording()
    asyncio.run(call(codex))
    return codex.sent[-1][1]


def test_thread_start_defaults_to_the_official_auto_review() -> None:
    assert sent(lambda c: c.thread_start()) == {
        "approvalPolicy": "on-request",
        "approvalsReviewer": "auto_review",
    }


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (ApprovalMode.deny_all, {"approvalPolicy": "never"}),
        (ApprovalMode.never, {"approvalPolicy": "never"}),
        (ApprovalMode.on_request, {"approvalPolicy": "on-request", "approvalsReviewer": "user"}),
    ],
)
def test_thread_start_approval_modes(mode: ApprovalMode, expected: dict[str, str]) -> None:
    assert sent(lambda c: c.thread_start(approval_mode=mode)) == expected


def test_a_handler_makes_the_approvals_yours_unless_you_deny_them_all() -> None:
    def handler(request: Any) -> Decision:
        return Decision.accept

    assert sent(lambda c: c.thread_start(on_approval=handler)) == {
        "approvalPolicy": "on-request",
        "approvalsReviewer": "user",
    }
    denied = sent(lambda c: c.thread_start(on_approval=handler, approval_mode="deny_all"))
    assert denied == {"approvalPolicy": "never"}


def test_thread_start_keywords_reach_their_fields() -> None:
    params = sent(
        lambda c: c.thread_start(
            approval_mode=ApprovalMode.deny_all,
            base_instructions="b",
            config={"a": 1},
            cwd="/tmp",
            developer_instructions="d",
            ephemeral=True,
            model="m",
            model_provider="p",
            personality="friendly",
            sandbox=Sandbox.full_access,
            service_name="svc",
            service_tier="flex",
            session_start_source="clear",
            thread_source="user",
        )
    )
    assert params == {
        "approvalPolicy": "never",
        "baseInstructions": "b",
        "config": {"a": 1},
        "cwd": "/tmp",
        "developerInstructions": "d",
        "ephemeral": True,
        "model": "m",
        "modelProvider": "p",
        "personality": "friendly",
        "sandbox": "danger-full-access",
        "serviceName": "svc",
        "serviceTier": "flex",
        "sessionStartSource": "clear",
        "threadSource": "user",
    }


def test_resume_and_fork_send_include_turns_as_its_negation() -> None:
    assert sent(lambda c: c.thread_resume("t", include_turns=True)) == {
        "threadId": "t",
        "excludeTurns": False,
    }
    assert sent(lambda c: c.thread_fork("t", include_turns=False)) == {
        "threadId": "t",
        "excludeTurns": True,
    }
    assert sent(lambda c: c.thread_resume("t")) == {"threadId": "t"}  # no default sent


def test_thread_list_filters() -> None:
    params = sent(
        lambda c: c.thread_list(
            archived=False,
            cwd=["/a", "/b"],
            limit=2,
            model_providers=["x"],
            search_term="q",
            section_id="s",
            sort_direction="asc",
            sort_key="created_at",
            source_kinds=["cli"],
            use_state_db_only=True,
        )
    )
    assert params == {
        "archived": False,
        "cwd": ["/a", "/b"],
        "limit": 2,
        "modelProviders": ["x"],
        "searchTerm": "q",
        "sectionId": "s",
        "sortDirection": "asc",
        "sortKey": "created_at",
        "sourceKinds": ["cli"],
        "useStateDbOnly": True,
    }


async def _turn(codex: Recording, input: Any, **options: Any) -> None:
    thread = codex.thread("thr")
    with pytest.raises(KeyError):  # the recording answers {}: no turn id comes back
        await thread.turn(input, **options)


def test_turn_keywords_reach_their_fields() -> None:
    params = sent(
        lambda c: _turn(
            c,
            "hi",
            approval_mode=ApprovalMode.auto_review,
            cwd="/tmp",
            effort=ReasoningEffort.low,
            model="m",
            output_schema={"type": "object"},
            personality="friendly",
            sandbox=Sandbox.read_only,
            service_tier="flex",
            source="cron",
            summary=ReasoningSummary.model_validate("concise"),
            turn_service_tier="fast",
        )
    )
    assert params == {
        "approvalPolicy": "on-request",
        "approvalsReviewer": "auto_review",
        "cwd": "/tmp",
        "effort": "low",
        "input": [{"type": "text", "text": "hi"}],
        "model": "m",
        "outputSchema": {"type": "object"},
        "personality": "friendly",
        "sandboxPolicy": {"type": "readOnly", "networkAccess": False},
        "serviceTier": "flex",
        "serviceTierForTurn": "fast",
        "summary": "concise",
        "threadId": "thr",
        "turnTrigger": "cron",
    }


def test_an_external_message_is_a_tool_output_with_no_input_items() -> None:
    params = sent(lambda c: _turn(c, ExternalMessage("inbox", "mail", namespace="ns")))
    assert params == {
        "input": [],
        "threadId": "thr",
        "toolOutput": {"name": "inbox", "output": "mail", "namespace": "ns"},
    }


def test_sync_methods_show_the_async_parameters() -> None:
    # The sync facade copies each async signature (one source for every keyword).
    for name in ("thread_start", "thread_resume", "thread_fork", "thread_list"):
        mine = inspect.signature(getattr(Codex, name))
        theirs = inspect.signature(getattr(AsyncCodex, name))
        assert list(mine.parameters) == list(theirs.parameters)
        assert "approval_mode" in mine.parameters or name == "thread_list"
    for name in ("turn", "run"):
        params = inspect.signature(getattr(Thread, name)).parameters
        assert {"effort", "summary", "turn_service_tier", "source", "on_approval"} <= set(params)
    assert inspect.signature(Codex.thread_start).return_annotation == "Thread"
