"""Approval handlers with the async client: a thread handler and a per-turn override.

The coroutine handler could ask a human in a web UI; here it applies a rule. A turn may
pass its own ``on_approval``, used instead of the thread's for that turn only.

Run against your own Codex::

    python examples/17_approval_handler/async.py

or fully offline, where a scripted mock model asks to run commands::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/17_approval_handler/async.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex

from openai_codex import ApprovalRequest, Decision


async def cautious(request: ApprovalRequest) -> Decision:
    """The thread's handler: decline anything that deletes."""
    decision = Decision.decline if "rm " in request.command else Decision.accept
    print(f"thread handler: {request.kind} {request.command!r} -> {decision.name}")
    return decision


async def deny_all(request: ApprovalRequest) -> Decision:
    """A stricter handler for one turn."""
    print(f"turn handler: {request.kind} {request.command!r} -> decline")
    return Decision.decline


def escalate(cmd: str) -> dict[str, str]:
    return {"cmd": cmd, "sandbox_permissions": "require_escalated", "justification": "demo"}


async def main() -> None:
    async with open_async_codex() as codex:
        kit = offline_kit()
        if kit is not None:  # offline: the model asks to run a command, then answers
            from openai_codex.testing import Reply

            kit.model.enqueue(Reply.function_call("exec_command", escalate("echo hello")))
            kit.model.enqueue(Reply.text("Said hello."))

        thread = await codex.thread_start(on_approval=cautious)
        result = await thread.run("Print hello with echo.")
        print(f"answer: {result.final_response}")

        if kit is not None:
            from openai_codex.testing import Reply

            kit.model.enqueue(Reply.function_call("exec_command", escalate("echo again")))
            kit.model.enqueue(Reply.text("That was declined."))
        result = await thread.run("Print hello again.", on_approval=deny_all)
        print(f"answer: {result.final_response}")
        for item in result.items:
            if item.type == "commandExecution":
                print(f"command {item.command!r}: {item.status.value}")


if __name__ == "__main__":
    asyncio.run(main())
