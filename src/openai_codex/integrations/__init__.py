"""Codex inside agent frameworks, and the frameworks' tools inside Codex.

Two integrations, each in its own module and each needing its framework (an optional
extra of this package):

* :mod:`openai_codex.integrations.openai_agents`, for the OpenAI Agents SDK
  (``pip install 'openai-codex[agents]'``): ``codex_tool(...)`` is a ``FunctionTool`` that
  hands a task to Codex; ``to_codex_tool(function_tool)`` runs an Agents SDK tool inside
  Codex turns.
* :mod:`openai_codex.integrations.pydantic_ai`, for Pydantic AI
  (``pip install 'openai-codex[pydantic-ai]'``): ``codex_tool(...)`` is a Pydantic AI
  ``Tool`` whose Codex client may come from the agent's dependencies;
  ``to_codex_tool(tool)`` runs a Pydantic AI tool inside Codex turns.

Importing this package imports neither framework. ``thread_start(tools=[...])`` accepts
the frameworks' tools directly (an Agents SDK ``FunctionTool``, a Pydantic AI ``Tool``):
they are converted by the integration of the framework they come from.
:class:`SchemaTool` is the common form, usable on its own for a tool described by a JSON
Schema. See ``docs/integrations.md``.
"""

from __future__ import annotations

from .._callbacks.tool_adapters import SchemaTool

__all__ = ["SchemaTool"]
