"""Codex in the OpenAI Agents SDK, and Agents SDK tools in Codex.

Needs the ``openai-agents`` package: ``pip install 'openai-codex[agents]'``.

* :func:`codex_tool` gives an Agents SDK ``FunctionTool`` that hands a task to Codex::

      from agents import Agent, Runner
      from openai_codex import Codex
      from openai_codex.integrations.openai_agents import codex_tool

      with Codex() as codex:
          agent = Agent(name="lead", tools=[codex_tool(codex, sandbox="workspace-write")])
          print(Runner.run_sync(agent, "Fix the failing test in ./calc").final_output)

  Each call runs one Codex turn and returns its final response (or, with
  ``output_schema``, its structured output as JSON). The calls of one agent run continue
  one Codex thread (``keep_thread=False``: a thread per call). The turn's tokens are
  added to the run's ``context.usage``. A turn that fails comes back to the agent as the
  tool's output (``"Error: ..."``), not as an exception.

* :func:`to_codex_tool` makes an Agents SDK ``FunctionTool`` (from ``@function_tool``)
  a Codex dynamic tool; ``thread_start(tools=[...])`` does it by itself for the
  ``FunctionTool`` objects it is given.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

try:
    from agents import (
        FunctionTool,
        RunContextWrapper,
        ToolOutputFileContent,
        ToolOutputImage,
        ToolOutputText,
        Usage,
    )
    from agents.strict_schema import ensure_strict_json_schema
    from agents.tool import ValidToolOutputPydanticModelsTypeAdapter
    from agents.tool_context import ToolContext
    from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "openai_codex.integrations.openai_agents needs the OpenAI Agents SDK: "
        f"pip install 'openai-codex[agents]' ({exc})"
    ) from exc

from .._callbacks.tool_adapters import SchemaTool
from .._callbacks.tool_output import ImageResult
from .._callbacks.tools import ToolRegistry
from ._core import (
    TASK_DESCRIPTION,
    ClosableCodexTool,
    CodexToolState,
    default_description,
    make_state,
)

if TYPE_CHECKING:
    from .. import (
        ApprovalHandler,
        AsyncCodex,
        Codex,
        CodexConfig,
        TokenUsage,
        UserInputHandler,
    )

__all__ = ["CodexFunctionTool", "codex_tool", "to_codex_tool"]


class CodexFunctionTool(ClosableCodexTool, FunctionTool):
    """The Agents SDK ``FunctionTool`` that :func:`codex_tool` returns.

    It is a ``FunctionTool`` in every way; in addition ``close()`` / ``aclose()`` (or
    ``with`` / ``async with``) stop the app-server it started when it was built from a
    :class:`~openai_codex.CodexConfig`.
    """


def _task_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"task": {"type": "string", "description": TASK_DESCRIPTION}},
        "required": ["task"],
        "additionalProperties": False,
    }


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    return ensure_strict_json_schema(schema)


def codex_tool(
    codex: Codex | AsyncCodex | CodexConfig,
    *,
    name: str = "codex",
    description: str | None = None,
    output_schema: type[Any] | Mapping[str, Any] | None = None,
    keep_thread: bool = True,
    tools: Sequence[object] = (),
    on_approval: ApprovalHandler | None = None,
    on_user_input: UserInputHandler | None = None,
    turn_options: Mapping[str, Any] | None = None,
    **thread_options: Any,
) -> CodexFunctionTool:
    """An Agents SDK function tool that runs a task as a Codex turn.

    Args:
        codex: the client to use: a started :class:`~openai_codex.Codex` (works from any
            event loop, ``Runner.run_sync`` included), an :class:`~openai_codex.AsyncCodex`
            (use it on the loop that started it), or a :class:`~openai_codex.CodexConfig`:
            then the tool starts its own ``Codex`` at the first call and you stop it with
            ``tool.close()`` (or ``with tool:``); it is also closed when the tool is
            garbage collected or the interpreter exits.
        name, description: what the agent's model sees; the tool takes one argument,
            ``task`` (a string).
        output_schema: a pydantic model (or dataclass, TypedDict), whose schema is made
            strict, or a JSON Schema dict (sent as it is). The tool then returns Codex's
            structured answer as JSON text (validated by the model class when one is
            given).
        keep_thread: the calls of one agent run continue the same Codex thread (the run
            is recognised by its ``context.usage`` record, which the Agents SDK keeps for
            exactly one run, resumptions from a ``RunState`` included); False starts a new
            thread for every call.
        tools: tools for Codex's thread: Agents SDK ``FunctionTool`` objects (they run
            with the calling run's context and usage), :func:`~openai_codex.tool`
            functions, or anything else ``thread_start(tools=...)`` takes.
        on_approval, on_user_input: handlers for Codex's approval and user-input
            requests (as in ``thread_start``); without them the thread's
            ``approval_mode`` decides.
        turn_options: options for each turn (``effort``, ``summary``, ``timeout``, ...).
        thread_options: options for ``thread_start`` (``model``, ``cwd``, ``sandbox``,
            ``approval_mode``, ``developer_instructions``, ...).

    A call returns the final response; with ``output_schema``, the structured output as
    JSON. When the turn fails, is interrupted, or its answer does not fit the schema, the
    call returns ``"Error: <what happened>"`` for the agent to act on; bad options (an
    unknown thread option, say) raise when the first call starts the thread. The tokens
    of each turn are added to the run's ``context.usage`` (``requests`` is left to the
    agent's own model calls).
    """
    ToolRegistry(tools)  # unusable tools and duplicate names fail here, not mid-run
    state = make_state(
        codex,
        output_schema=output_schema,
        strict=_strict,
        keep_thread=keep_thread,
        on_approval=on_approval,
        on_user_input=on_user_input,
        turn_options=turn_options,
        thread_options=thread_options,
    )

    async def invoke(ctx: ToolContext[Any], raw_arguments: str) -> str:
        return await _run_codex(state, name, tools, ctx, raw_arguments)

    # No output_json_schema: the Agents SDK would then require every output, the
    # "Error: ..." ones included, to be a JSON object.
    made = CodexFunctionTool(
        name=name,
        description=description or default_description(keep_thread),
        params_json_schema=_task_schema(),
        on_invoke_tool=invoke,
        strict_json_schema=True,
    )
    made._codex_state = state
    return made


async def _run_codex(
    state: CodexToolState,
    name: str,
    tools: Sequence[object],
    ctx: ToolContext[Any],
    raw_arguments: str,
) -> str:
    try:
        arguments = json.loads(raw_arguments or "{}")
        task = arguments["task"]
        if not isinstance(task, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return f'Error: invalid arguments for tool {name!r}: expected {{"task": "..."}}'
    from ..errors import CodexError

    try:
        client = await state.client()
    except CodexError as exc:
        return f"Error: {exc}"

    def thread_tools() -> list[object]:
        return [to_codex_tool(t, context=ctx) if isinstance(t, FunctionTool) else t for t in tools]

    outcome = await state.runner.run(client, task, owner=ctx.usage, tools=thread_tools)
    _add_usage(ctx.usage, outcome.usage)
    if outcome.error is not None:
        return f"Error: {outcome.error}"
    if state.runner.output is not None:
        from pydantic_core import to_json

        return to_json(outcome.data).decode()
    return outcome.text or ""


def _add_usage(run_usage: Usage, used: TokenUsage) -> None:
    if not used:
        return
    run_usage.add(
        Usage(
            requests=0,
            input_tokens=used.input_tokens,
            input_tokens_details=InputTokensDetails(
                cached_tokens=used.cached_input_tokens, cache_write_tokens=0
            ),
            output_tokens=used.output_tokens,
            output_tokens_details=OutputTokensDetails(
                reasoning_tokens=used.reasoning_output_tokens
            ),
            total_tokens=used.total_tokens,
        )
    )


# ------------------------------------------------------------ Agents SDK tools in Codex


def to_codex_tool(tool: FunctionTool, *, context: Any = None) -> SchemaTool:
    """A Codex dynamic tool that runs an Agents SDK ``FunctionTool``.

    Same name, description and parameter schema. Each call goes through the tool's own
    ``on_invoke_tool`` (so its argument validation and error handling apply: a
    ``@function_tool`` returns its errors to the model as text) with a ``ToolContext``
    whose ``context`` is ``context``; pass a ``RunContextWrapper`` to run it as part of
    that agent run (its context, usage and agent). ``timeout_seconds`` is applied. The
    result is sent as text (``ToolOutputText``, strings), images (``ToolOutputImage``
    with a URL) or JSON.

    ``is_enabled`` is not consulted. Raises ValueError for a tool that needs approval
    (``needs_approval``) or has tool guardrails: inside a Codex turn the Agents SDK could
    neither pause the run for the approval nor run the guardrails, so rather than run
    the tool without them, it is refused.
    """
    if not isinstance(tool, FunctionTool):
        raise TypeError(f"to_codex_tool() takes an Agents SDK FunctionTool, not {tool!r}")
    if tool.needs_approval is not False:
        raise ValueError(
            f"tool {tool.name!r} needs approval (needs_approval), which a Codex turn cannot "
            "ask the Agents SDK for; use Codex's own approvals (on_approval=) instead"
        )
    if tool.tool_input_guardrails or tool.tool_output_guardrails:
        raise ValueError(
            f"tool {tool.name!r} has tool guardrails, which do not run inside a Codex turn; "
            "check the arguments in the tool function instead"
        )
    wrapper = context if isinstance(context, RunContextWrapper) else None

    async def call(arguments: dict[str, Any]) -> Any:
        raw = json.dumps(arguments, ensure_ascii=False)
        tool_context: ToolContext[Any] = ToolContext(
            wrapper.context if wrapper is not None else context,
            usage=wrapper.usage if wrapper is not None else Usage(),
            tool_name=tool.name,
            tool_call_id=f"codex-{uuid.uuid4().hex}",
            tool_arguments=raw,
            agent=getattr(wrapper, "agent", None),
            run_config=getattr(wrapper, "run_config", None),
        )
        pending = tool.on_invoke_tool(tool_context, raw)
        if tool.timeout_seconds is None:
            return _codex_content(await pending)
        try:
            result = await asyncio.wait_for(pending, tool.timeout_seconds)
        except asyncio.TimeoutError:
            raise TimeoutError(
                f"tool {tool.name!r} timed out after {tool.timeout_seconds:g} seconds"
            ) from None
        return _codex_content(result)

    return SchemaTool(tool.name, tool.description, tool.params_json_schema, call)


def _codex_content(value: Any) -> Any:
    """An Agents SDK tool output in the form Codex's tool results take."""
    if isinstance(value, (list, tuple)):
        return [_codex_part(v) for v in value]
    return _codex_part(value)


def _codex_part(value: Any) -> Any:
    if isinstance(value, Mapping) and value.get("type") in ("text", "image", "file"):
        try:
            value = ValidToolOutputPydanticModelsTypeAdapter.validate_python(value)
        except ValueError:
            return value  # some other dict: sent as JSON
    if isinstance(value, ToolOutputText):
        return value.text
    if isinstance(value, ToolOutputImage):
        url = value.image_url
        if url is not None and url.startswith(("http://", "https://", "data:")):
            return ImageResult(url)
        return f"[image {url or value.file_id}]"
    if isinstance(value, ToolOutputFileContent):
        return f"[file {value.filename or value.file_url or value.file_id or 'data'}]"
    return value


def adapt(obj: object) -> SchemaTool:
    """The hook of ``thread_start(tools=[...])`` for Agents SDK objects (see ``_core``)."""
    if isinstance(obj, FunctionTool):
        return to_codex_tool(obj)
    raise TypeError(
        f"an Agents SDK {type(obj).__name__} cannot run as a Codex tool; pass FunctionTool "
        "objects (made with @function_tool)"
    )
