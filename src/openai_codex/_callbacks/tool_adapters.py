"""Tools that are not :class:`~openai_codex.Tool` objects: :class:`SchemaTool` (a JSON Schema
and a function) and the tools of the agent frameworks ``openai_codex.integrations``
adapts.

The one plugin point of the package: a ``tools=`` entry whose class comes from a framework
listed in ``_ADAPTERS`` is handed to the integration module named there, imported by name
and only then (it imports its framework, which is installed since the object exists).
The integration modules sit at the top of the layers; naming them here, rather than
importing them, keeps this layer below them.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .tool_output import call_and_answer, failure
from .tool_schema import is_async_callable, parse_arguments, validate_name

if TYPE_CHECKING:
    from .tools import DynamicTool

__all__ = ["SchemaTool", "adapt_tool"]

# The root package of a framework's classes -> our module that adapts its tools (a
# function ``adapt(obj) -> SchemaTool``, which raises TypeError for what it cannot run).
_ADAPTERS = {
    "agents": "openai_codex.integrations.openai_agents",
    "pydantic_ai": "openai_codex.integrations.pydantic_ai",
}


# ------------------------------------------------------------------------- SchemaTool


class SchemaTool:
    """A Codex dynamic tool given by its JSON Schema and a function of the arguments.

    ``function`` receives the arguments the model sent as one ``dict`` (an empty one when
    none were sent) and returns the result, converted like a :func:`~openai_codex.tool`'s
    result (text, images, JSON). It may be a coroutine function (awaited on the client's
    event loop) or a plain function (run in a worker thread). The arguments are not
    validated against ``input_schema`` here: that is the function's job (the framework
    adapters let the framework validate them). An exception answers the model with
    ``success: false`` and ``"ExceptionType: message"``; the turn goes on.

    Pass it in ``thread_start(tools=[...])`` like a :class:`~openai_codex.Tool`.
    """

    name: str
    description: str
    input_schema: dict[str, Any]
    function: Callable[[dict[str, Any]], Any]

    def __init__(
        self,
        name: str,
        description: str,
        input_schema: Mapping[str, Any],
        function: Callable[[dict[str, Any]], Any],
    ) -> None:
        """Describe the tool; ValueError for a name the app-server would refuse."""
        if not callable(function):
            raise TypeError(f"SchemaTool {name!r}: function must be callable")
        self.name = validate_name(name)
        self.description = description or f"Call {self.name}."
        self.input_schema = copy.deepcopy(dict(input_schema))
        self.function = function
        self._is_async = is_async_callable(function)

    def __repr__(self) -> str:
        return f"SchemaTool(name={self.name!r})"

    def spec(self) -> dict[str, Any]:
        """The ``DynamicToolSpec`` wire item: ``{"type", "name", "description", "inputSchema"}``."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "inputSchema": copy.deepcopy(self.input_schema),
        }

    async def invoke(self, arguments: object) -> dict[str, object]:
        """Answer an ``item/tool/call`` request (see :meth:`openai_codex.Tool.invoke`)."""
        parsed = parse_arguments(self.name, arguments)
        if isinstance(parsed, str):
            return failure(parsed)
        call = self._acall if self._is_async else self._call
        return await call_and_answer(call, self._is_async, {"arguments": parsed})

    def _call(self, arguments: dict[str, Any]) -> Any:
        return self.function(arguments)

    async def _acall(self, arguments: dict[str, Any]) -> Any:
        return await self.function(arguments)


def _is_dynamic_tool(item: object) -> bool:
    return (
        isinstance(getattr(item, "name", None), str)
        and callable(getattr(item, "spec", None))
        and callable(getattr(item, "invoke", None))
    )


def adapt_tool(item: object) -> DynamicTool | None:
    """The Codex tool for a ``tools=`` entry that is not a :class:`~openai_codex.Tool`.

    An object with ``name``, ``spec()`` and ``invoke()`` (such as :class:`SchemaTool`) is
    used as it is; an object of a framework this package integrates is converted by that
    integration (TypeError for an object of it that cannot run as a tool); anything else
    gives None (the caller wraps plain functions with :func:`~openai_codex.tool`).
    """
    if _is_dynamic_tool(item):
        return item  # type: ignore[return-value]  # checked structurally above
    for cls in type(item).__mro__:
        module_name = _ADAPTERS.get(cls.__module__.partition(".")[0])
        if module_name is not None:
            module = importlib.import_module(module_name)
            adapted: DynamicTool = module.adapt(item)
            return adapted
    return None
