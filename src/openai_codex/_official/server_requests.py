"""How the low-level clients answer the server's requests (approvals, user input, tools).

With an ``approval_handler`` its return value is the answer; without one, as in the
official SDK, command and file-change approvals are accepted and every other request is
answered ``{}``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from .._json import JsonObject

__all__ = ["ServerRequestHandler", "answer_server_request"]

ServerRequestHandler = Callable[[str, "JsonObject | None"], Any]
"""``handler(method, params) -> dict``: answers a server request (an approval...).

A plain function or a coroutine function; what it returns is sent as the result.
"""

# What a server request gets when no approval handler is given: the official low-level
# clients accept command and file-change approvals and answer ``{}`` to everything else
# (observed with openai-codex 0.163.0).
_ACCEPTED_BY_DEFAULT = frozenset(
    {"item/commandExecution/requestApproval", "item/fileChange/requestApproval"}
)


async def answer_server_request(
    handler: ServerRequestHandler | None, method: str, params: Any
) -> Any:
    """The result to send for one server request.

    A plain ``handler`` runs in a worker thread (it may call the blocking client); a
    coroutine function, or an awaitable it returns, is awaited on the loop.
    """
    if handler is None:
        return {"decision": "accept"} if method in _ACCEPTED_BY_DEFAULT else {}
    if inspect.iscoroutinefunction(handler):
        result = await handler(method, params)
    else:
        result = await asyncio.to_thread(handler, method, params)
        if inspect.isawaitable(result):
            result = await result
    return _jsonable(result)


def _jsonable(value: Any) -> Any:
    """A handler's result as JSON: a protocol model by alias (no ``None``), else as is."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return value
