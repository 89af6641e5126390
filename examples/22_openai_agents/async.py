"""Codex as a tool of an OpenAI Agents SDK agent (async client).

``codex_tool(codex, ...)`` is an Agents SDK ``FunctionTool``. The agent hands Codex a task;
Codex works on it (here it calls ``ticket_status``, an Agents SDK function tool of the
application) and its structured answer (the ``Triage`` model) comes back to the agent as
JSON. The agent's second call continues the same Codex thread (one thread per agent run),
so Codex still knows the ticket. The tokens Codex spent are added to the run's usage.

With ``AsyncCodex`` the agent runs with ``await Runner.run(...)`` on the loop that started
the client; ``ticket_status`` is a coroutine, awaited inside Codex's turn.

Needs ``pip install 'openai-codex[agents]'``. Run against your own Codex, with the agent on
the Agents SDK's default OpenAI model (``OPENAI_API_KEY`` set)::

    python examples/22_openai_agents/async.py

or fully offline: the agent's model is the Agents SDK's ``ScriptedModel`` and Codex runs
on the scripted mock model::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/22_openai_agents/async.py
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import is_offline, offline_kit, open_async_codex
from agents import Agent, RunConfig, Runner, function_tool
from agents.items import ToolCallItem, ToolCallOutputItem
from pydantic import BaseModel

from openai_codex import Sandbox
from openai_codex.integrations.openai_agents import codex_tool

TICKETS = {"T-42": "open since Monday; the nightly build fails in test_parser.py"}
FIRST = "Triage ticket T-42: look up its status and say how severe it is."
FOLLOW_UP = "The parser fix is merged. Triage the same ticket again."


class Triage(BaseModel):
    """What Codex reports back about a ticket."""

    ticket: str
    severity: Literal["low", "medium", "high"]
    summary: str


@function_tool
async def ticket_status(ticket_id: str) -> str:
    """Return the status of a support ticket, e.g. T-42."""
    await asyncio.sleep(0.01)  # stands in for an HTTP call
    return TICKETS.get(ticket_id.upper(), f"no ticket {ticket_id}")


def offline_models(kit: Any) -> dict[str, Any]:
    """Offline, script both models: the agent's (ScriptedModel) and Codex's (MockModel)."""
    if kit is None:
        return {}  # the agent uses the Agents SDK's default model
    from agents.testing import ScriptedModel, assistant_message, function_call

    from openai_codex.testing import Reply

    kit.model.enqueue(Reply.function_call("ticket_status", {"ticket_id": "T-42"}))
    for severity, summary in (("high", "The nightly build is red."), ("low", "Fixed; watch CI.")):
        answer = {"ticket": "T-42", "severity": severity, "summary": summary}
        kit.model.enqueue(Reply.text(json.dumps(answer)))
    script = ScriptedModel(
        [
            [function_call("codex", {"task": FIRST}, call_id="call-1")],
            [function_call("codex", {"task": FOLLOW_UP}, call_id="call-2")],
            [assistant_message("T-42 went from high to low severity once the fix landed.")],
        ]
    )
    return {"model": script}


async def main() -> None:
    async with open_async_codex() as codex:
        kit = offline_kit()
        tool = codex_tool(
            codex, output_schema=Triage, tools=[ticket_status], sandbox=Sandbox.read_only
        )
        agent = Agent(
            name="support lead",
            instructions="Use the codex tool to triage tickets; answer in one sentence.",
            tools=[tool],
            **offline_models(kit),
        )
        # Offline nothing may leave the machine, the Agents SDK's traces included.
        result = await Runner.run(
            agent,
            "How bad is T-42, before and after the fix?",
            run_config=RunConfig(tracing_disabled=is_offline()),
        )
        for item in result.new_items:
            if isinstance(item, ToolCallItem):
                print(f"agent -> codex: {json.loads(item.raw_item.arguments)['task']}")
            elif isinstance(item, ToolCallOutputItem):
                print(f"codex -> {item.output}")
        print(f"agent: {result.final_output}")
        usage = result.context_wrapper.usage
        print(f"run usage: {usage.total_tokens} tokens, {usage.requests} agent request(s)")
        if kit is not None:  # offline we can look at what Codex's model was sent
            from openai_codex.testing import MockModel

            (status,) = MockModel.function_call_outputs(kit.model.requests[1])
            print(f"ticket_status answered Codex: {status['output']}")
            tasks = MockModel.user_texts(kit.model.requests[-1])
            print(f"the follow-up turn saw {len(tasks)} tasks on the same thread")


if __name__ == "__main__":
    asyncio.run(main())
