"""The OpenAI Agents SDK integration, through the Agents SDK's public API.

The agent's own model is the Agents SDK's ``ScriptedModel`` (``agents.testing``): it calls
the Codex tool with a task; Codex is the real app-server on the offline kit's MockModel.
Tracing is off in every run (nothing may leave 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from _frameworks import (
    REFUSED_BY_POLICY,
    REJECTED_BY_USER,
    USAGE,
    escalated_call,
    tool_outputs,
)
from agents import Agent, RunConfig, RunContextWrapper, Runner, function_tool
from agents.items import ToolCallOutputItem
from agents.result import RunResult
from agents.testing import ScriptedModel, assistant_message, function_call
from agents.tool_context import ToolContext
from conftest import run
from pydantic import BaseModel

from openai_codex import (
    ApprovalMode,
    ApprovalRequest,
    AsyncCodex,
    Codex,
    CodexConfig,
    Decision,
)
from openai_codex.integrations.openai_agents import codex_tool
from openai_codex.testing import CodexHarness, MockModel, Reply

pytestmark = pytest.mark.timeout(120)

NO_TRACING = RunConfig(tracing_disabled=True)


class City(BaseModel):
    name: str
    population: int


@dataclass
class AppContext:
    """The application's context object, passed to ``Runner.run(context=...)``."""

    user: str
    seen: list[str] = field(default_factory=list)


def script(*calls: tuple[str, Mapping[str, Any]], final: str = "done") -> ScriptedModel:
    """The agent's model: one tool call per step, then a final message."""
    steps: list[Any] = [
        [function_call(name, dict(args), call_id=f"call-{index}")]
        for index, (name, args) in enumerate(calls)
    ]
    steps.append([assistant_message(final)])
    return ScriptedModel(steps)


def outputs(result: RunResult) -> list[Any]:
    """What the agent's tools returned, in order."""
    return [item.output for item in result.new_items if isinstance(item, ToolCallOutputItem)]


def run_agent(agent: Agent[Any], context: Any = None) -> RunResult:
    return Runner.run_sync(agent, "go", context=context, run_config=NO_TRACING)


# ------------------------------------------------------------------------- answers


def test_text_answer_reaches_the_agent_and_usage_is_added(
    harness: CodexHarness, codex: Codex
) -> None:
    harness.model.enqueue(Reply.text("6 x 7 = 42.", usage=USAGE))
    agent = Agent(
        name="lead",
        model=script(("codex", {"task": "What is 6 x 7?"})),
        tools=[codex_tool(codex)],
    )
    result = run_agent(agent)
    assert outputs(result) == ["6 x 7 = 42."]
    assert result.final_output == "done"
    assert MockModel.user_texts(harness.model.requests[-1])[-1] == "What is 6 x 7?"
    usage = result.context_wrapper.usage  # the scripted model reports no tokens itself
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (120, 30, 150)
    assert usage.input_tokens_details.cached_tokens == 20
    assert usage.output_tokens_details.reasoning_tokens == 8
    assert usage.requests == 2  # the agent's own two model calls; Codex's are not counted


def test_structured_answer_from_a_pydantic_model(harness: CodexHarness, codex: Codex) -> None:
    harness.model.enqueue(Reply.text(json.dumps({"name": "Lyon", "population": 520000})))
    tool = codex_tool(codex, output_schema=City)
    agent = Agent(name="lead", model=script(("codex", {"task": "Lyon?"})), tools=[tool])
    result = run_agent(agent)
    assert json.loads(outputs(result)[0]) == {"name": "Lyon", "population": 520000}
    sent = harness.model.requests[-1]["text"]["format"]
    assert sent["type"] == "json_schema" and sent["strict"] is True
    assert sent["schema"]["additionalProperties"] is False
    assert sorted(sent["schema"]["required"]) == ["name", "population"]
    assert sent["schema"]["properties"]["population"]["type"] == "integer"


def test_structured_answer_from_a_json_schema_and_a_mismatch(
    harness: CodexHarness, codex: Codex
) -> None:
    schema = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
        "additionalProperties": False,
    }
    harness.model.enqueue(Reply.text('{"ok": true}'))
    harness.model.enqueue(Reply.text("not JSON at all"))
    tool = codex_tool(codex, output_schema=schema, keep_thread=False)
    agent = Agent(
        name="lead",
        model=script(("codex", {"task": "one"}), ("codex", {"task": "two"})),
        tools=[tool],
    )
    first, second = outputs(run_agent(agent))
    assert json.loads(first) == {"ok": True}
    assert harness.model.requests[0]["text"]["format"]["schema"] == schema  # sent unchanged
    assert second.startswith("Error: Codex's answer does not match the output schema")


# ------------------------------------------------------------ framework tools in Codex


def test_a_codex_turn_calls_agents_sdk_tools_with_the_run_context(
    harness: CodexHarness, codex: Codex
) -> None:
    @function_tool
    def lookup_ticket(ctx: RunContextWrapper[AppContext], ticket_id: str) -> str:
        """Return the status of a ticket."""
        ctx.context.seen.append(ticket_id)
        return f"{ticket_id}: open (asked by {ctx.context.user})"

    @function_tool
    async def ticket_owner(ticket_id: str) -> dict[str, str]:
        """Return who owns a ticket."""
        return {"ticket": ticket_id, "owner": "ada"}

    harness.model.enqueue(
        Reply.sequence(
            Reply.function_call("lookup_ticket", {"ticket_id": "T-42"}),
            Reply.function_call("ticket_owner", {"ticket_id": "T-42"}),
        )
    )
    harness.model.enqueue(Reply.text("T-42 is open; ada owns it."))
    tool = codex_tool(codex, tools=[lookup_ticket, ticket_owner])
    agent = Agent[AppContext](
        name="lead", model=script(("codex", {"task": "Status of T-42?"})), tools=[tool]
    )
    app = AppContext(user="grace")
    result = run_agent(agent, context=app)
    assert outputs(result) == ["T-42 is open; ada owns it."]
    assert app.seen == ["T-42"]
    sent = tool_outputs(harness.model)
    assert sent[0] == "T-42: open (asked by grace)"
    assert json.loads(sent[1]) == {"ticket": "T-42", "owner": "ada"}
    declared = {t["name"]: t for t in harness.model.requests[0]["tools"] if "name" in t}
    assert declared["lookup_ticket"]["parameters"]["required"] == ["ticket_id"]
    assert declared["lookup_ticket"]["description"] == "Return the status of a ticket."


def test_thread_start_takes_agents_sdk_function_tools(harness: CodexHarness) -> None:
    @function_tool
    async def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @function_tool(failure_error_function=None)  # exceptions propagate to the caller
    def broken(text: str) -> str:
        """Always fails."""
        raise LookupError(f"nothing for {text}")

    async def main() -> None:
        harness.model.enqueue(
            Reply.sequence(
                Reply.function_call("add", {"a": 2, "b": 3}),
                Reply.function_call("add", {"a": "two"}),
                Reply.function_call("broken", {"text": "x"}),
            )
        )
        harness.model.enqueue(Reply.text("5"))
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start(tools=[add, broken])
            result = await thread.run("2 + 3?")
        assert result.final_response == "5"

    run(main())
    ok, invalid, failed = tool_outputs(harness.model)
    assert ok == "5"
    # The Agents SDK's own handling of bad arguments (its default error text)...
    assert invalid == "An error occurred while running the tool. Please try again."
    # ... and, without it, the exception answers the Codex model with success: false.
    assert failed == "LookupError: nothing for x"


# -------------------------------------------------------------- approvals and errors


def test_an_approval_is_denied_by_policy(harness: CodexHarness, codex: Codex) -> None:
    harness.model.enqueue(escalated_call())
    harness.model.enqueue(Reply.text("I was not allowed to run it."))
    tool = codex_tool(codex, approval_mode=ApprovalMode.deny_all)
    agent = Agent(name="lead", model=script(("codex", {"task": "say hi"})), tools=[tool])
    assert outputs(run_agent(agent)) == ["I was not allowed to run it."]
    (refusal,) = tool_outputs(harness.model)
    assert REFUSED_BY_POLICY in refusal and "Output:\nhi" not in refusal


def test_an_approval_goes_to_the_handler(harness: CodexHarness, codex: Codex) -> None:
    asked: list[ApprovalRequest] = []

    def review(request: ApprovalRequest) -> Decision:
        asked.append(request)
        return Decision.decline

    harness.model.enqueue(escalated_call())
    harness.model.enqueue(Reply.text("declined"))
    tool = codex_tool(codex, on_approval=review)
    agent = Agent(name="lead", model=script(("codex", {"task": "say hi"})), tools=[tool])
    assert outputs(run_agent(agent)) == ["declined"]
    assert [r.command for r in asked] == ["echo hi"]
    assert REJECTED_BY_USER in tool_outputs(harness.model)[0]


def test_a_failed_turn_is_a_tool_error_and_the_run_goes_on(
    harness: CodexHarness, codex: Codex
) -> None:
    harness.model.enqueue(Reply.failure("model exploded"))
    harness.model.enqueue(Reply.text("recovered"))
    agent = Agent(
        name="lead",
        model=script(("codex", {"task": "first"}), ("codex", {"task": "again"}), final="ok"),
        tools=[codex_tool(codex)],
    )
    result = run_agent(agent)
    failed, recovered = outputs(result)
    assert failed.startswith("Error: the Codex turn failed: ") and "model exploded" in failed
    assert recovered == "recovered"  # the same thread goes on after a failed turn
    assert result.final_output == "ok"


# ---------------------------------------------------------------------- threads per run


@pytest.mark.parametrize("keep_thread", [True, False])
def test_keep_thread_continues_one_thread_per_run(
    harness: CodexHarness, codex: Codex, keep_thread: bool
) -> None:
    harness.model.enqueue(Reply.text("noted"))
    harness.model.enqueue(Reply.text("still here"))
    harness.model.enqueue(Reply.text("new run"))
    tool = codex_tool(codex, keep_thread=keep_thread)
    first_run = Agent(
        name="lead",
        model=script(("codex", {"task": "remember 7"}), ("codex", {"task": "what was it?"})),
        tools=[tool],
    )
    run_agent(first_run)
    second_run = Agent(name="lead", model=script(("codex", {"task": "hello"})), tools=[tool])
    run_agent(second_run)
    texts = [MockModel.user_texts(body) for body in harness.model.requests]
    if keep_thread:
        assert texts[1] == ["remember 7", "what was it?"]  # the follow-up sees the history
    else:
        assert texts[1] == ["what was it?"]
    assert texts[2] == ["hello"]  # another run: another thread


# ------------------------------------------------------------------------ clients


def test_async_client_on_the_runs_loop(harness: CodexHarness) -> None:
    async def main() -> list[Any]:
        harness.model.enqueue(Reply.text("async answer"))
        async with AsyncCodex(harness.config()) as codex:
            agent = Agent(
                name="lead", model=script(("codex", {"task": "hi"})), tools=[codex_tool(codex)]
            )
            result = await Runner.run(agent, "go", run_config=NO_TRACING)
        return outputs(result)

    assert run(main()) == ["async answer"]


def test_blocking_client_from_an_async_run(harness: CodexHarness, codex: Codex) -> None:
    harness.model.enqueue(Reply.text("from the client's own loop"))
    agent = Agent(name="lead", model=script(("codex", {"task": "hi"})), tools=[codex_tool(codex)])
    result = run(Runner.run(agent, "go", run_config=NO_TRACING))
    assert outputs(result) == ["from the client's own loop"]


def client_threads() -> set[threading.Thread]:
    """The threads of blocking clients (each runs its event loop in one)."""
    return {t for t in threading.enumerate() if t.name.startswith("openai-codex")}


def test_a_tool_made_from_a_config_owns_its_client(harness: CodexHarness) -> None:
    before = client_threads()
    harness.model.enqueue(Reply.text("owned"))
    config: CodexConfig = harness.config()
    with codex_tool(config) as tool:
        agent = Agent(
            name="lead",
            model=script(("codex", {"task": "one"}), ("codex", {"task": "two"})),
            tools=[tool],
        )
        first = outputs(run_agent(agent))
        assert first[0] == "owned"
        assert first[1] == "echo: two"  # the mock echoes unscripted prompts
        assert len(client_threads() - before) == 1  # started at the first call
    # Closed: its client's thread is gone, and a later call answers an error.
    assert client_threads() == before
    agent = Agent(name="lead", model=script(("codex", {"task": "three"})), tools=[tool])
    assert outputs(run_agent(agent)) == ["Error: this Codex tool was closed; make a new one"]


def test_cancelling_a_call_interrupts_the_turn(harness: CodexHarness, codex: Codex) -> None:
    """A blocking client's turn runs on its own loop: cancelling the call on the caller's
    loop interrupts it there before the cancellation goes on."""
    held = harness.model.enqueue(Reply.text("too late").held())
    tool = codex_tool(codex)

    async def main() -> None:
        context = ToolContext(None, tool_name="codex", tool_call_id="c1", tool_arguments="{}")
        call = asyncio.create_task(tool.on_invoke_tool(context, json.dumps({"task": "slow"})))
        assert await asyncio.to_thread(held.wait_reached, 10)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call

    run(main())
    held.release()
    (listed,) = codex.thread_list().data
    (turn,) = codex.thread(listed.id).read(include_turns=True).thread.turns
    assert turn.status == "interrupted"
