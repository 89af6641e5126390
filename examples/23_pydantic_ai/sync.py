"""Codex as a tool of a Pydantic AI agent (blocking client, carried in the deps).

``codex_tool()`` is a Pydantic AI ``Tool``; with no client of its own it takes the one the
run carries in its dependencies (``deps.codex``). Codex calls ``ticket_status``, a Pydantic
AI tool that reads the same dependencies through its ``RunContext``, and answers with a
``Triage`` instance (``output_schema``). A Codex turn that fails reaches the agent's model
as a failed tool call (``ToolFailed``, which does not use up the tool's retries), so the
agent can simply ask again; both calls run on the run's one Codex thread.

Needs ``pip install 'openai-codex[pydantic-ai]'``. Run against your own Codex, with the
agent on an OpenAI model (``pydantic-ai-slim[openai]`` and ``OPENAI_API_KEY``; set
``PYDANTIC_AI_MODEL`` for another)::

    python examples/23_pydantic_ai/sync.py

or fully offline: the agent's model is Pydantic AI's ``FunctionModel``, Codex runs on the
scripted mock model, and its first turn fails on purpose::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/23_pydantic_ai/sync.py
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex
from pydantic import BaseModel
from pydantic_ai import Agent, RunContext, Tool
from pydantic_ai.messages import ModelRequest, ToolReturnPart

from openai_codex import AsyncCodex, Codex, Sandbox
from openai_codex.integrations.pydantic_ai import codex_tool

TASK = "Triage ticket T-42: look up its status and say how severe it is."


@dataclass
class Deps:
    """What one agent run carries: the Codex client and the ticket database."""

    codex: Codex | AsyncCodex
    tickets: dict[str, str] = field(
        default_factory=lambda: {"T-42": "open since Monday; the nightly build is red"}
    )


class Triage(BaseModel):
    """What Codex reports back about a ticket."""

    ticket: str
    severity: Literal["low", "medium", "high"]
    summary: str


def ticket_status(ctx: RunContext[Deps], ticket_id: str) -> str:
    """Return the status of a support ticket, e.g. T-42."""
    return ctx.deps.tickets.get(ticket_id.upper(), f"no ticket {ticket_id}")


def agent_model(kit: Any) -> Any:
    """Offline, script both models: the agent's (FunctionModel) and Codex's (MockModel)."""
    if kit is None:
        return os.environ.get("PYDANTIC_AI_MODEL", "openai:gpt-4.1")
    from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
    from pydantic_ai.models.function import FunctionModel

    from openai_codex.testing import Reply

    kit.model.enqueue(Reply.failure("the model is overloaded"))
    kit.model.enqueue(Reply.function_call("ticket_status", {"ticket_id": "T-42"}))
    answer = {"ticket": "T-42", "severity": "high", "summary": "The nightly build is red."}
    kit.model.enqueue(Reply.text(json.dumps(answer)))

    def respond(messages: list[Any], info: Any) -> ModelResponse:
        results = [p for m in messages for p in m.parts if isinstance(p, ToolReturnPart)]
        if not results or results[-1].outcome == "failed":  # (again, after a failure)
            return ModelResponse(parts=[ToolCallPart("codex", {"task": TASK})])
        return ModelResponse(parts=[TextPart("T-42 is high severity: the build is red.")])

    return FunctionModel(respond)


def main() -> None:
    with open_codex() as codex:
        kit = offline_kit()
        triage = codex_tool(
            output_schema=Triage, tools=[Tool(ticket_status)], sandbox=Sandbox.read_only
        )
        agent = Agent(
            agent_model(kit),
            deps_type=Deps,
            instructions="Use the codex tool to triage tickets; answer in one sentence.",
            tools=[triage],
        )
        result = agent.run_sync("How bad is T-42?", deps=Deps(codex))
        for message in result.all_messages():
            for part in message.parts if isinstance(message, ModelRequest) else ():
                if isinstance(part, ToolReturnPart):
                    print(f"codex ({part.outcome}) -> {part.content!r}")
        print(f"agent: {result.output}")
        print(f"run usage: {result.usage.requests} agent request(s)")
        if kit is not None:  # offline: the retry ran on the thread of the failed turn
            from openai_codex.testing import MockModel

            tasks = MockModel.user_texts(kit.model.requests[-1])
            print(f"the second call's turn saw {len(tasks)} tasks on the same thread")


if __name__ == "__main__":
    main()
