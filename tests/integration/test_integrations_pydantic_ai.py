"""The Pydantic AI integration, through Pydantic AI's public API.

The agent's own model is Pydantic AI's ``TestModel`` or ``FunctionModel``: it calls the
Codex tool with a task; Codex is the real app-server on the offline kit's MockModel.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from _frameworks import (
    REJECTED_BY_USER,
    USAGE,
    escalated_call,
    tool_outputs,
)
from conftest import run
from pydantic import BaseModel
from pydantic_ai import Agent, ModelRetry, RunContext, Tool
from pydantic_ai.exceptions import UserError
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.test import TestModel

from openai_codex import ApprovalMode, AsyncCodex, Codex
from openai_codex.integrations.pydantic_ai import codex_tool
from openai_codex.testing import CodexHarness, MockModel, Reply

pytestmark = pytest.mark.timeout(120)


class City(BaseModel):
    name: str
    population: int


@dataclass
class Deps:
    """An application's dependencies, carrying the Codex client as ``codex``."""

    codex: Codex | AsyncCodex
    user: str = "grace"
    seen: list[str] = field(default_factory=list)


def calls(*tasks: Mapping[str, Any] | str, final: str = "done") -> FunctionModel:
    """The agent's model: one Codex call per step (a task, or a tool name and args)."""

    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        step = sum(isinstance(m, ModelResponse) for m in messages)
        if step < len(tasks):
            task = tasks[step]
            args = {"task": task} if isinstance(task, str) else dict(task)
            return ModelResponse(parts=[ToolCallPart(args.pop("tool", "codex"), args)])
        return ModelResponse(parts=[TextPart(final)])

    return FunctionModel(respond)


def returns(messages: list[ModelMessage]) -> list[ToolReturnPart]:
    """The tool results the agent's model was given, in order."""
    return [
        part
        for message in messages
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart)
    ]


# ------------------------------------------------------------------------- answers


def test_test_model_calls_codex_with_the_client_in_deps(
    harness: CodexHarness, codex: Codex
) -> None:
    harness.model.enqueue(Reply.text("The tests pass.", usage=USAGE))
    agent = Agent(TestModel(call_tools=["codex"]), deps_type=Codex, tools=[codex_tool()])
    result = agent.run_sync("check the tests", deps=codex)
    (answer,) = returns(result.all_messages())
    assert answer.tool_name == "codex" and answer.content == "The tests pass."
    assert json.loads(result.output) == {"codex": "The tests pass."}
    (call,) = [
        p
        for m in result.all_messages()
        if isinstance(m, ModelResponse)
        for p in m.parts
        if isinstance(p, ToolCallPart)
    ]
    assert MockModel.user_texts(harness.model.requests[-1])[-1] == call.args_as_dict()["task"]
    usage = result.usage
    assert usage.cache_read_tokens == 20 and usage.details.get("reasoning_tokens") == 8
    assert usage.input_tokens >= 120 and usage.output_tokens >= 30
    assert usage.requests == 2  # the agent's own model calls; Codex's are not counted


def test_structured_answer_is_a_model_instance(harness: CodexHarness, codex: Codex) -> None:
    harness.model.enqueue(Reply.text(json.dumps({"name": "Lyon", "population": 520000})))
    agent = Agent(calls("Lyon?"), tools=[codex_tool(codex, output_schema=City)])
    result = agent.run_sync("go")
    (answer,) = returns(result.all_messages())
    assert answer.content == City(name="Lyon", population=520000)
    sent = harness.model.requests[-1]["text"]["format"]
    assert sent["strict"] is True and sent["schema"]["additionalProperties"] is False
    assert sorted(sent["schema"]["required"]) == ["name", "population"]


# ------------------------------------------------------------ framework tools in Codex


def test_a_codex_turn_calls_pydantic_ai_tools_with_the_run_context(
    harness: CodexHarness, codex: Codex
) -> None:
    def lookup_ticket(ctx: RunContext[Deps], ticket_id: str) -> str:
        """Return the status of a ticket."""
        ctx.deps.seen.append(f"{ctx.tool_name}:{ticket_id}")
        return f"{ticket_id}: open (asked by {ctx.deps.user})"

    async def ticket_owner(ticket_id: str) -> dict[str, str]:
        """Return who owns a ticket."""
        if not ticket_id.startswith("T-"):
            raise ModelRetry("ticket ids look like T-42")
        return {"ticket": ticket_id, "owner": "ada"}

    harness.model.enqueue(
        Reply.sequence(
            Reply.function_call("lookup_ticket", {"ticket_id": "T-42"}),
            Reply.function_call("ticket_owner", {"ticket_id": "T-42"}),
            Reply.function_call("ticket_owner", {"ticket_id": "42"}),
            Reply.function_call("ticket_owner", {"ticket": "T-42"}),
        )
    )
    harness.model.enqueue(Reply.text("T-42 is open; ada owns it."))
    tool = codex_tool(tools=[Tool(lookup_ticket), Tool(ticket_owner)])
    agent = Agent(calls("Status of T-42?"), deps_type=Deps, tools=[tool])
    deps = Deps(codex)
    result = agent.run_sync("go", deps=deps)
    assert [r.content for r in returns(result.all_messages())] == ["T-42 is open; ada owns it."]
    assert deps.seen == ["lookup_ticket:T-42"]
    status, owner, retry, invalid = tool_outputs(harness.model)
    assert status == "T-42: open (asked by grace)"
    assert json.loads(owner) == {"ticket": "T-42", "owner": "ada"}
    assert retry == "ModelRetry: ticket ids look like T-42"
    assert invalid.startswith("ValidationError:") and "ticket_id" in invalid


def test_thread_start_takes_pydantic_ai_tools(harness: CodexHarness) -> None:
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    async def main() -> None:
        harness.model.enqueue(Reply.function_call("add", {"a": 2, "b": 3}))
        harness.model.enqueue(Reply.text("5"))
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start(tools=[Tool(add)])
            assert (await thread.run("2 + 3?")).final_response == "5"

    run(main())
    assert tool_outputs(harness.model) == ["5"]
    (declared,) = [t for t in harness.model.requests[0]["tools"] if t.get("name") == "add"]
    assert declared["description"] == "Add two numbers."
    assert sorted(declared["parameters"]["properties"]) == ["a", "b"]


def test_a_context_taking_tool_needs_a_context(codex: Codex) -> None:
    def needs_ctx(ctx: RunContext[None], x: int) -> int:
        return x

    with pytest.raises(TypeError, match="takes a RunContext"):
        codex.thread_start(tools=[Tool(needs_ctx)])


# -------------------------------------------------------------- approvals and errors


def test_an_approval_without_a_handler_is_declined(harness: CodexHarness, codex: Codex) -> None:
    harness.model.enqueue(escalated_call())
    harness.model.enqueue(Reply.text("not allowed"))
    tool = codex_tool(codex, approval_mode=ApprovalMode.on_request)  # requests reach us
    result = Agent(calls("say hi"), tools=[tool]).run_sync("go")
    assert [r.content for r in returns(result.all_messages())] == ["not allowed"]
    (refusal,) = tool_outputs(harness.model)
    assert REJECTED_BY_USER in refusal and "Output:\nhi" not in refusal


def test_a_failed_turn_is_a_failed_tool_call_and_the_run_goes_on(
    harness: CodexHarness, codex: Codex
) -> None:
    harness.model.enqueue(Reply.failure("model exploded"))
    harness.model.enqueue(Reply.text("recovered"))
    tool = codex_tool(codex, max_retries=0)  # a Codex failure uses no retry
    result = Agent(calls("first", "again", final="ok"), tools=[tool]).run_sync("go")
    failed, recovered = returns(result.all_messages())
    assert failed.outcome == "failed"
    assert str(failed.content).startswith("the Codex turn failed: ")
    assert "model exploded" in str(failed.content)
    assert (recovered.outcome, recovered.content) == ("success", "recovered")
    assert result.output == "ok"


def test_no_client_anywhere_is_a_user_error() -> None:
    agent = Agent(calls("hi"), tools=[codex_tool()])
    with pytest.raises(UserError, match="no Codex client"):
        agent.run_sync("go", deps=None)


# ---------------------------------------------------------------------- threads per run


@pytest.mark.parametrize("keep_thread", [True, False])
def test_keep_thread_continues_one_thread_per_run(
    harness: CodexHarness, codex: Codex, keep_thread: bool
) -> None:
    harness.model.enqueue(Reply.text("noted"))
    harness.model.enqueue(Reply.text("still here"))
    harness.model.enqueue(Reply.text("new run"))
    tool = codex_tool(codex, keep_thread=keep_thread)
    Agent(calls("remember 7", "what was it?"), tools=[tool]).run_sync("go")
    Agent(calls("hello"), tools=[tool]).run_sync("go")
    texts = [MockModel.user_texts(body) for body in harness.model.requests]
    if keep_thread:
        assert texts[1] == ["remember 7", "what was it?"]  # the follow-up sees the history
    else:
        assert texts[1] == ["what was it?"]
    assert texts[2] == ["hello"]  # another run: another thread


# ------------------------------------------------------------------------ clients


def test_async_client_in_deps_and_a_config_owned_client(harness: CodexHarness) -> None:
    async def main() -> tuple[list[Any], list[Any]]:
        harness.model.enqueue(Reply.text("from deps"))
        async with AsyncCodex(harness.config()) as codex:
            agent = Agent(calls("hi"), deps_type=Deps, tools=[codex_tool()])
            from_deps = await agent.run("go", deps=Deps(codex))
        harness.model.enqueue(Reply.text("owned"))
        async with codex_tool(harness.config()) as owned:
            from_config = await Agent(calls("hi"), tools=[owned]).run("go")
        after_close = await Agent(calls("hi"), tools=[owned]).run("go")
        return (
            [p.content for r in (from_deps, from_config) for p in returns(r.all_messages())],
            [p.content for p in returns(after_close.all_messages())],
        )

    answers, closed = run(main())
    assert answers == ["from deps", "owned"]
    assert closed == ["this Codex tool was closed; make a new one"]
