"""Deciding in Python what the agent may run outside its sandbox (blocking client).

``on_approval`` receives an ``ApprovalRequest`` (kind, command, cwd, reason, file changes...)
and returns a ``Decision``. Setting it makes the thread ask (``ApprovalMode.on_request``).
Without a handler every request is declined.

Run against your own Codex (the agent only asks when it needs to leave the sandbox)::

    python examples/17_approval_handler/sync.py

or fully offline, where a scripted mock model asks to run two commands::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/17_approval_handler/sync.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex

from openai_codex import ApprovalRequest, Decision

SAFE_PROGRAMS = {"echo", "ls", "cat", "pwd", "git"}


def review(request: ApprovalRequest) -> Decision:
    """Allow a few read-only programs, refuse everything else."""
    if request.kind == "command":
        program = request.command.split()[0] if request.command else ""
        decision = Decision.accept if program in SAFE_PROGRAMS else Decision.decline
        print(f"approval: {request.command!r} ({request.reason}) -> {decision.name}")
        return decision
    if request.kind == "file_change":
        for change in request.file_changes:
            print(f"approval: {change.kind} {change.path} -> declined")
    return Decision.decline


def escalate(cmd: str) -> dict[str, str]:
    return {"cmd": cmd, "sandbox_permissions": "require_escalated", "justification": "demo"}


def main() -> None:
    with open_codex() as codex:
        kit = offline_kit()
        if kit is not None:  # offline: the model asks for two commands, then answers
            from openai_codex.testing import Reply

            kit.model.enqueue(Reply.function_call("exec_command", escalate("echo hello")))
            kit.model.enqueue(Reply.function_call("exec_command", escalate("rm -rf build")))
            kit.model.enqueue(Reply.text("Said hello; deleting build was declined."))

        thread = codex.thread_start(on_approval=review)
        result = thread.run("Print hello with echo, then delete the build directory.")
        commands = [item for item in result.items if item.type == "commandExecution"]
        for item in commands:
            print(f"command {item.command!r}: {item.status.value}")
        print(f"answer: {result.final_response}")


if __name__ == "__main__":
    main()
