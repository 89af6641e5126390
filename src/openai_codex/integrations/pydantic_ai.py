"""Codex in Pydantic AI, and Pydantic AI tools in Codex.

Needs the ``pydantic-ai-slim`` package: ``pip install 'openai-codex[pydantic-ai]'``.

* :func:`codex_tool` gives a Pydantic AI ``Tool`` that hands a task to Codex. Its client
  is the one you give it, or the one the agent run carries in its dependencies (``deps``
  is the client, or has it as ``deps.codex``)::

      from pydantic_ai import Agent
      from openai_codex import AsyncCodex
      from openai_codex.integrations.pydantic_ai import codex_tool

      agent = Agent("openai:gpt-5", deps_type=AsyncCodex, tools=[codex_tool()])

      async with AsyncCodex() as codex:
          result = await agent.run("Fix the failing test in ./calc", deps=codex)

  Each call runs one Codex turn and returns its final response (or, with
  ``output_schema``, its structured output: an instance of the model class). The calls of
  one agent run continue one Codex thread. The turn's tokens are added to the run's
  usage. A turn that fails is reported to the model as a failed tool call
  (``ToolFailed``), which does not use up the tool's retries.

* :func:`to_codex_tool` makes a Pydantic AI ``Tool`` a Codex dynamic tool;
  ``thread_start(tools=[...])`` does it by itself for the ``Tool`` objects it is given.
"""

from __future__ import annotations

import dataclasses
import inspect
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

try:
    from pydantic_ai import RunContext, Tool, ToolFailed, ToolReturn
    from pydantic_ai.exceptions import UserError
    from pydantic_ai.profiles.openai import OpenAIJsonSchemaTransformer
    from pydantic_ai.usage import RunUsage
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "openai_codex.integrations.pydantic_ai needs Pydantic AI: "
        f"pip install 'openai-codex[pydantic-ai]' ({exc})"
    ) from exc

from .._callbacks.tool_adapters import SchemaTool
from .._callbacks.tools import as_dynamic_tool
from ._core import (
    TASK_DESCRIPTION,
    Client,
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

__all__ = ["CodexTool", "codex_tool", "to_codex_tool"]


class CodexTool(ClosableCodexTool, Tool[Any]):
    """The Pydantic AI ``Tool`` that :func:`codex_tool` returns.

    It is a ``Tool`` in every way; in addition ``close()`` / ``aclose()`` (or ``with`` /
    ``async with``) stop the app-server it started when it was built from a
    :class:`~openai_codex.CodexConfig`.
    """


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    return OpenAIJsonSchemaTransformer(schema, strict=True).walk()


def codex_tool(
    codex: Codex | AsyncCodex | CodexConfig | None = None,
    *,
    name: str = "codex",
    description: str | None = None,
    output_schema: type[Any] | Mapping[str, Any] | None = None,
    keep_thread: bool = True,
    tools: Sequence[object] = (),
    on_approval: ApprovalHandler | None = None,
    on_user_input: UserInputHandler | None = None,
    turn_options: Mapping[str, Any] | None = None,
    max_retries: int | None = None,
    **thread_options: Any,
) -> CodexTool:
    """A Pydantic AI tool that runs a task as a Codex turn.

    Args:
        codex: the client: a started :class:`~openai_codex.Codex` (works from any event
            loop, ``run_sync`` included) or :class:`~openai_codex.AsyncCodex` (use it on
            the loop that started it), a :class:`~openai_codex.CodexConfig` (the tool
            starts its own ``Codex`` at the first call; stop it with ``tool.close()`` or
            ``async with tool:``; it is also closed when the tool is garbage collected or
            the interpreter exits), or None: each call takes the client from the run's
            ``deps`` (the deps object itself, or its ``codex`` attribute).
        name, description: what the agent's model sees; the tool takes one argument,
            ``task`` (a string).
        output_schema: a pydantic model (or dataclass, TypedDict), whose schema is made
            strict, or a JSON Schema dict (sent as it is). The tool then returns the
            validated instance (or the parsed JSON), which Pydantic AI serialises for
            the model.
        keep_thread: the calls of one agent run (one ``run_id``) continue the same Codex
            thread; False starts a new thread for every call.
        tools: tools for Codex's thread: Pydantic AI ``Tool`` objects (they run with the
            calling run's ``RunContext``), :func:`~openai_codex.tool` functions, or
            anything else ``thread_start(tools=...)`` takes.
        on_approval, on_user_input: handlers for Codex's approval and user-input
            requests (as in ``thread_start``); without them the thread's
            ``approval_mode`` decides.
        turn_options: options for each turn (``effort``, ``summary``, ``timeout``, ...).
        max_retries: the tool's ``max_retries`` (Pydantic AI's; Codex failures do not
            count against it).
        thread_options: options for ``thread_start`` (``model``, ``cwd``, ``sandbox``,
            ``approval_mode``, ``developer_instructions``, ...).

    When the turn fails, is interrupted, or its answer does not fit the schema, the call
    raises ``ToolFailed`` with what happened: the model sees it as the tool's failed
    result and the run goes on. The tokens of each turn are added to ``ctx.usage``
    (``requests`` is left to the agent's own model calls). Without a client anywhere,
    the call raises ``UserError``.
    """
    _check_tools(tools)  # unusable tools and duplicate names fail here, not mid-run
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

    async def run_task(
        ctx: RunContext[Any], task: Annotated[str, Field(description=TASK_DESCRIPTION)]
    ) -> Any:
        return await _run_codex(state, tools, ctx, task)

    made = CodexTool(
        run_task,
        takes_ctx=True,
        name=name,
        description=description or default_description(keep_thread),
        max_retries=max_retries,
    )
    made._codex_state = state
    return made


def _check_tools(tools: Sequence[object]) -> None:
    names: set[str] = set()
    for item in tools:
        if isinstance(item, Tool):
            _check_runnable(item)
            name = item.name
        else:
            name = as_dynamic_tool(item).name
        if name in names:
            raise ValueError(f"duplicate tool name {name!r}")
        names.add(name)


def _check_runnable(tool: Tool[Any]) -> None:
    if tool.requires_approval:
        raise ValueError(
            f"tool {tool.name!r} requires approval, which a Codex turn cannot ask Pydantic AI "
            "for; use Codex's own approvals (on_approval=) instead"
        )


def _deps_client(deps: Any) -> Client | None:
    from .. import AsyncCodex, Codex

    for candidate in (deps, getattr(deps, "codex", None)):
        if isinstance(candidate, (Codex, AsyncCodex)):
            return candidate
    return None


async def _run_codex(
    state: CodexToolState, tools: Sequence[object], ctx: RunContext[Any], task: str
) -> Any:
    from ..errors import CodexError

    fallback = _deps_client(ctx.deps) if state.source is None else None
    if state.source is None and fallback is None:
        raise UserError(
            "codex_tool() has no Codex client: pass one to codex_tool(...), or run the agent "
            "with deps=codex (or deps with a .codex attribute)"
        )
    try:
        client = await state.client(fallback)
    except CodexError as exc:
        raise ToolFailed(str(exc)) from exc

    def thread_tools() -> list[object]:
        return [to_codex_tool(t, ctx=ctx) if isinstance(t, Tool) else t for t in tools]

    outcome = await state.runner.run(
        client, task, owner=ctx.usage, key=ctx.run_id, tools=thread_tools
    )
    _add_usage(ctx.usage, outcome.usage)
    if outcome.error is not None:
        raise ToolFailed(outcome.error)
    if state.runner.output is not None:
        return outcome.data
    return outcome.text or ""


def _add_usage(run_usage: RunUsage, used: TokenUsage) -> None:
    if not used:
        return
    details = {"reasoning_tokens": used.reasoning_output_tokens}
    run_usage.incr(
        RunUsage(
            input_tokens=used.input_tokens,
            cache_read_tokens=used.cached_input_tokens,
            output_tokens=used.output_tokens,
            details={k: v for k, v in details.items() if v},
        )
    )


# -------------------------------------------------------------- Pydantic AI tools in Codex


def to_codex_tool(tool: Tool[Any], *, ctx: RunContext[Any] | None = None) -> SchemaTool:
    """A Codex dynamic tool that runs a Pydantic AI ``Tool``.

    Same name, description and parameter schema. The arguments are validated by the
    tool's own schema (and its ``args_validator``); ``ModelRetry`` and ``ToolFailed``
    raised by the function, like validation errors, answer the Codex model with
    ``success: false`` and the message; a ``ToolReturn`` gives its ``return_value``.
    A tool that takes a ``RunContext`` needs ``ctx``: it is then called with that
    context (with ``tool_name`` and ``tool_call_id`` set for the call); a tool given to
    :func:`codex_tool` gets the calling agent run's context by itself.

    ``prepare`` is not consulted. Raises TypeError for a context-taking tool without
    ``ctx``, ValueError for a tool that requires approval (a Codex turn cannot defer a
    call to Pydantic AI's approval flow).
    """
    if not isinstance(tool, Tool):
        raise TypeError(f"to_codex_tool() takes a Pydantic AI Tool, not {tool!r}")
    _check_runnable(tool)
    if tool.takes_ctx and ctx is None:
        raise TypeError(
            f"tool {tool.name!r} takes a RunContext: pass to_codex_tool(tool, ctx=...), or "
            "give it to codex_tool(tools=[...]), whose calls pass the agent run's context"
        )
    schema = tool.function_schema

    async def call(arguments: dict[str, Any]) -> Any:
        run_ctx: Any = None
        if ctx is not None:
            run_ctx = dataclasses.replace(
                ctx, tool_name=tool.name, tool_call_id=f"codex-{uuid.uuid4().hex}", retry=0
            )
        validation_context = run_ctx.validation_context if run_ctx is not None else None
        args = schema.validator.validate_python(arguments, context=validation_context)
        # ModelRetry and ToolFailed answer "ModelRetry: <message>" like any exception.
        if tool.args_validator is not None:
            checked = tool.args_validator(run_ctx, **args)
            if inspect.isawaitable(checked):
                await checked
        result = await schema.call(args, run_ctx)
        if isinstance(result, ToolReturn):
            return result.return_value
        return result

    return SchemaTool(tool.name, tool.description or "", tool.tool_def.parameters_json_schema, call)


def adapt(obj: object) -> SchemaTool:
    """The hook of ``thread_start(tools=[...])`` for Pydantic AI objects (see ``_core``)."""
    if isinstance(obj, Tool):
        return to_codex_tool(obj)
    raise TypeError(
        f"a Pydantic AI {type(obj).__name__} cannot run as a Codex tool; pass Tool objects "
        "(or the plain functions themselves)"
    )
