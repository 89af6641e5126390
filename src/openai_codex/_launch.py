"""Opening a transport to an app-server and the ``initialize`` handshake.

Shared by :class:`~openai_codex.AsyncCodex` and the official low-level clients
(``openai_codex.api``): how to reach the server is decided here, once.
"""

from __future__ import annotations

from typing import Any

from ._config import CodexConfig
from ._connection import Connection
from ._runtime import build_argv, build_env
from ._transport.stdio import StdioTransport
from .errors import TransportClosedError

__all__ = ["handshake", "initialize_params", "open_transport"]


async def open_transport(config: CodexConfig) -> StdioTransport:
    """Launch the app-server process for ``config`` and return its transport (not started).

    Raises:
        CodexRuntimeNotFoundError: no ``codex`` binary could be found.
        TransportClosedError: the process could not be started.
    """
    argv, path_dir = build_argv(config)
    env = build_env(config, path_dir)
    try:
        return await StdioTransport.spawn(
            argv,
            env=env,
            cwd=str(config.cwd) if config.cwd is not None else None,
            shutdown_timeout=config.shutdown_timeout,
        )
    except OSError as exc:
        raise TransportClosedError(f"could not start {argv[0]}: {exc}") from exc


def initialize_params(config: CodexConfig) -> dict[str, Any]:
    """The params of ``initialize`` for ``config`` (client info, capabilities)."""
    return {
        "clientInfo": {
            "name": config.client_name,
            "title": config.client_title,
            "version": config.client_version,
        },
        "capabilities": {"experimentalApi": config.experimental_api},
    }


async def handshake(connection: Connection, config: CodexConfig) -> Any:
    """Send ``initialize`` and ``initialized``; return the raw ``initialize`` result."""
    result = await connection.request(
        "initialize", initialize_params(config), timeout=config.request_timeout
    )
    await connection.notify("initialized")
    return result
