"""The integrations' pure logic: tool conversion both ways, output schemas, run keys.

No app-server here: the framework tools are converted and invoked as the thread's tool
registry would, and the Codex tools are checked as they are built.
"""

from __future__ import annotations

import asyncio
import gc
import json
from dataclasses import dataclass
from typing import Any

import pytest
from agents import (
    Agent,
    RunContextWrapper,
    ToolGuardrailFunctionOutput,
    ToolOutputImage,
    ToolOutputText,
    function_tool,
    tool_input_guardrail,
)
from agents.strict_schema import ensure_strict_json_schema
from pydantic import BaseModel
from pydantic_ai import ModelRetry, RunContext, Tool, ToolReturn
from pydantic_ai.models.test import TestModel
from pydantic_ai.profiles.openai import OpenAIJsonSchemaTransformer
from pydantic_ai.toolsets import FunctionToolset
from pydantic_ai.usage import RunUsage

from openai_codex import CodexConfig
from openai_codex._callbacks.tools import Tool as CodexTool
from openai_codex._callbacks.tools import ToolRegistry
from openai_codex.integrations import SchemaTool
from openai_codex.integrations import openai_agents as oa
from openai_codex.integrations import pydantic_ai as pa
from openai_codex.integrations._core import OutputSpec, _Slots

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
PNG_URL = "data:image/png;base64,iVBORw0KGgoAAAAAAAAAAAAAAAAAAAA="


def invoke(tool: Any, arguments: object) -> dict[str, Any]:
    """Answer one ``item/tool/call`` the way a thread's registry does."""
    registry = ToolRegistry([tool])
    (name,) = registry.names
    return asyncio.run(registry.dispatch(name, arguments))


def texts(answer: dict[str, Any]) -> list[str]:
    return [item.get("text", item.get("imageUrl")) for item in answer["contentItems"]]


# ------------------------------------------------------------------------ SchemaTool


def test_schema_tool_spec_and_calls() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    seen: list[dict[str, Any]] = []

    def search(arguments: dict[str, Any]) -> list[str]:
        seen.append(arguments)
        return [f"hit for {arguments.get('q')}", "second"]

    made = SchemaTool("search", "Search the docs.", schema, search)
    assert made.spec() == {
        "type": "function",
        "name": "search",
        "description": "Search the docs.",
        "inputSchema": schema,
    }
    assert invoke(made, '{"q": "tools"}') == {
        "success": True,
        "contentItems": [
            {"type": "inputText", "text": "hit for tools"},
            {"type": "inputText", "text": "second"},
        ],
    }
    assert invoke(made, None)["success"] is True and seen[-1] == {}
    bad = invoke(made, "{not json")
    assert bad["success"] is False and "not valid JSON" in texts(bad)[0]


def test_schema_tool_async_errors_and_names() -> None:
    async def fail(arguments: dict[str, Any]) -> str:
        raise LookupError("nothing here")

    answer = invoke(SchemaTool("fail", "", {"type": "object"}, fail), {})
    assert answer == {
        "success": False,
        "contentItems": [{"type": "inputText", "text": "LookupError: nothing here"}],
    }
    assert SchemaTool("x", "", {}, fail).description == "Call x."
    with pytest.raises(ValueError, match="invalid tool name"):
        SchemaTool("no spaces", "", {}, fail)
    with pytest.raises(TypeError, match="callable"):
        SchemaTool("x", "", {}, "not a function")  # type: ignore[arg-type]


def test_registry_adapts_by_origin_and_refuses_the_rest() -> None:
    def plain(a: int) -> int:
        return a

    registry = ToolRegistry([plain, SchemaTool("s", "", {}, plain)])
    assert isinstance(registry.get("plain"), CodexTool)
    assert isinstance(registry.get("s"), SchemaTool)
    with pytest.raises(TypeError, match="Agents SDK Agent cannot run as a Codex tool"):
        ToolRegistry([Agent(name="helper")])
    with pytest.raises(TypeError, match="Pydantic AI FunctionToolset cannot run"):
        ToolRegistry([FunctionToolset([plain])])
    with pytest.raises(TypeError, match="not int"):
        ToolRegistry([42])


# ------------------------------------------------------------------- Agents SDK tools


@dataclass
class App:
    user: str


def test_agents_function_tool_keeps_name_description_and_schema() -> None:
    @function_tool
    def lookup(ticket_id: str, verbose: bool = False) -> str:
        """Return a ticket's status.

        Args:
            ticket_id: the ticket, like T-42.
            verbose: say more.
        """
        return f"{ticket_id}: open"

    converted = ToolRegistry([lookup]).get("lookup")
    assert isinstance(converted, SchemaTool)
    spec = converted.spec()
    assert spec["description"] == lookup.description
    assert spec["inputSchema"] == lookup.params_json_schema
    assert texts(invoke(lookup, {"ticket_id": "T-1", "verbose": True})) == ["T-1: open"]


def test_agents_outputs_become_codex_content() -> None:
    @function_tool
    def text_output() -> ToolOutputText:
        """Text."""
        return ToolOutputText(text="plain words")

    @function_tool
    async def mixed() -> list[Any]:
        """An image and a text, as dicts and models."""
        return [ToolOutputImage(image_url=PNG_URL), {"type": "text", "text": "caption"}]

    @function_tool
    def by_file_id() -> ToolOutputImage:
        """An image the Codex model cannot fetch."""
        return ToolOutputImage(file_id="file-123")

    @function_tool
    def data() -> dict[str, int]:
        """JSON."""
        return {"a": 1}

    assert texts(invoke(text_output, {})) == ["plain words"]
    answer = invoke(mixed, {})
    assert answer["contentItems"] == [
        {"type": "inputImage", "imageUrl": PNG_URL},
        {"type": "inputText", "text": "caption"},
    ]
    assert texts(invoke(by_file_id, {})) == ["[image file-123]"]
    assert json.loads(texts(invoke(data, {}))[0]) == {"a": 1}


def test_agents_tool_context_and_timeout() -> None:
    @function_tool
    def who(ctx: RunContextWrapper[App]) -> str:
        """Who asks."""
        return ctx.context.user

    @function_tool(timeout=0.01, failure_error_function=None)
    async def slow() -> str:
        """Too slow."""
        await asyncio.sleep(5)
        return "late"

    assert texts(invoke(oa.to_codex_tool(who, context=App("ada")), {})) == ["ada"]
    wrapper = RunContextWrapper(App("grace"))
    assert texts(invoke(oa.to_codex_tool(who, context=wrapper), {})) == ["grace"]
    answer = invoke(slow, {})
    assert answer["success"] is False
    assert "timed out after 0.01 seconds" in texts(answer)[0]


def test_agents_tools_that_cannot_run_in_codex_are_refused() -> None:
    @function_tool(needs_approval=True)
    def delete_all() -> str:
        """Dangerous."""
        return "gone"

    @tool_input_guardrail
    def allow(data: Any) -> ToolGuardrailFunctionOutput:
        return ToolGuardrailFunctionOutput.allow()

    @function_tool(tool_input_guardrails=[allow])
    def guarded() -> str:
        """Guarded."""
        return "ok"

    with pytest.raises(ValueError, match="needs approval"):
        ToolRegistry([delete_all])
    with pytest.raises(ValueError, match="guardrails"):
        oa.to_codex_tool(guarded)
    with pytest.raises(ValueError, match="needs approval"):
        oa.codex_tool(CodexConfig(), tools=[delete_all])  # at construction, not mid-run


# ------------------------------------------------------------------ Pydantic AI tools


def run_context(deps: Any) -> RunContext[Any]:
    return RunContext(deps=deps, model=TestModel(), usage=RunUsage())


def test_pydantic_ai_tool_keeps_name_description_and_schema() -> None:
    def add(a: int, b: int = 1) -> int:
        """Add two numbers."""
        return a + b

    tool = Tool(add)
    converted = pa.to_codex_tool(tool)
    assert converted.spec()["inputSchema"] == tool.tool_def.parameters_json_schema
    assert converted.description == "Add two numbers."
    assert texts(invoke(tool, {"a": "2", "b": 3})) == ["5"]  # validated (lax) by its schema
    invalid = invoke(tool, {"a": "two"})
    assert invalid["success"] is False and texts(invalid)[0].startswith("ValidationError:")


def test_pydantic_ai_tool_context_retries_and_tool_returns() -> None:
    def greet(ctx: RunContext[App], name: str) -> ToolReturn:
        """Greet."""
        if not name:
            raise ModelRetry("give a name")
        return ToolReturn(return_value=f"{ctx.deps.user} greets {name} ({ctx.tool_name})")

    tool = Tool(greet)
    with pytest.raises(TypeError, match="takes a RunContext"):
        pa.to_codex_tool(tool)
    converted = pa.to_codex_tool(tool, ctx=run_context(App("ada")))
    assert texts(invoke(converted, {"name": "bo"})) == ["ada greets bo (greet)"]
    assert texts(invoke(converted, {"name": ""})) == ["ModelRetry: give a name"]


def test_pydantic_ai_tools_that_cannot_run_in_codex_are_refused() -> None:
    def drop_table() -> str:
        return "dropped"

    with pytest.raises(ValueError, match="requires approval"):
        ToolRegistry([Tool(drop_table, requires_approval=True)])
    with pytest.raises(ValueError, match="duplicate tool name"):
        pa.codex_tool(tools=[Tool(drop_table), Tool(drop_table)])


# ------------------------------------------------------------------ structured output


class Report(BaseModel):
    title: str
    score: int = 0
    tags: list[str] | None = None


@pytest.mark.parametrize(
    "strict",
    [
        ensure_strict_json_schema,
        lambda schema: OpenAIJsonSchemaTransformer(schema, strict=True).walk(),
    ],
    ids=["agents", "pydantic_ai"],
)
def test_output_spec_of_a_model_is_strict_and_validates(strict: Any) -> None:
    spec = OutputSpec(Report, strict)
    assert spec.schema["type"] == "object"
    assert spec.schema["additionalProperties"] is False
    assert sorted(spec.schema["required"]) == ["score", "tags", "title"]
    assert spec.parse('{"title": "t", "score": 3, "tags": null}') == Report(title="t", score=3)
    with pytest.raises(ValueError):
        spec.parse('{"title": 1}')
    with pytest.raises(ValueError):
        spec.parse("not json")


def test_output_spec_of_a_dict_and_bad_types() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    spec = OutputSpec(schema, ensure_strict_json_schema)
    assert spec.schema == schema and spec.schema is not schema  # sent as given
    assert spec.parse('{"n": 1}') == {"n": 1}
    with pytest.raises(TypeError, match="not described by a JSON object"):
        OutputSpec(int, ensure_strict_json_schema)
    with pytest.raises(TypeError, match="JSON Schema dict or a type"):
        OutputSpec("Report", ensure_strict_json_schema)  # type: ignore[arg-type]


def test_codex_tools_check_their_arguments_when_built() -> None:
    with pytest.raises(TypeError, match="Codex, an AsyncCodex or a CodexConfig"):
        oa.codex_tool("not a client")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="output_schema"):
        pa.codex_tool(turn_options={"output_schema": {}})
    tool = oa.codex_tool(CodexConfig(), name="builder", description="Builds things.")
    assert (tool.name, tool.description) == ("builder", "Builds things.")
    assert tool.params_json_schema["required"] == ["task"]
    assert tool.params_json_schema["additionalProperties"] is False
    default = pa.codex_tool(keep_thread=False)
    assert "continue" not in (default.description or "")
    assert default.tool_def.parameters_json_schema["required"] == ["task"]
    tool.close()  # never started: nothing to stop, and idempotent
    tool.close()


# ------------------------------------------------------------------------ run keys


class Owner:
    """Stands for a framework's per-run record (Usage / RunUsage)."""


def test_threads_are_kept_per_run_and_dropped_with_it() -> None:
    slots = _Slots()
    client: Any = object()
    first, second = Owner(), Owner()
    slot = slots.get(first, None, client)
    assert slots.get(first, None, client) is slot
    assert slots.get(first, "run-2", client) is not slot  # another run id
    assert slots.get(second, None, client) is not slot
    assert len(slots) == 3
    del first
    gc.collect()
    assert len(slots) == 1
    unreferenceable = 12345  # an int cannot be weakly referenced: no thread is kept
    assert slots.get(unreferenceable, None, client) is not slots.get(unreferenceable, None, client)
