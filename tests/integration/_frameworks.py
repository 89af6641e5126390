"""What the two framework integration test files share: mock-model scripts and readers."""

from __future__ import annotations

from openai_codex.testing import MockModel, Reply

# A command that needs more than the sandbox allows, so the app-server asks for approval
# (or, under approval_mode=deny_all, refuses it by policy).
ESCALATED = {"cmd": "echo hi", "sandbox_permissions": "require_escalated", "justification": "why"}
REJECTED_BY_USER = "rejected by user"
REFUSED_BY_POLICY = "approval policy is Never"

# Token counts the mock reports for one reply, and what one turn of it adds up to.
USAGE = {
    "input_tokens": 120,
    "input_tokens_details": {"cached_tokens": 20},
    "output_tokens": 30,
    "output_tokens_details": {"reasoning_tokens": 8},
}


def escalated_call() -> Reply:
    """The mock model asks to run ``echo hi`` outside the sandbox."""
    return Reply.function_call("exec_command", ESCALATED)


def tool_outputs(model: MockModel, index: int = -1) -> list[str]:
    """The function_call_output texts of one request to the mock model (the last by default)."""
    return [str(o["output"]) for o in MockModel.function_call_outputs(model.requests[index])]
