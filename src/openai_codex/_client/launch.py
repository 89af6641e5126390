"""Opening a transport to an app-server and the ``initialize`` handshake.

Shared by :class:`~openai_codex.AsyncCodex` and the official low-level clients
(``openai_codex.api``): how to reach the server is decided here, once.
"""

from __future__ import annotations

import contextlib

from .._core.transport._popen import discard, launch
from ..errors import CodexTimeoutError, TransportClosedError
from .config import CodexConfig
from .runtime import build_argv, build_env

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (cold start)
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Sequence
    from typing import Any

    from .._core.connection import Connection
    from .._core.transport.stdio import StdioTransport
    from .._core.transport.websocket import WebSocketTransport
    from .._observability.logs import ServerLogForwarder

__all__ = [
    "discard",
    "handshake",
    "initialize_params",
    "initialize_timeout",
    "launch_greeted",
    "launch_server",
    "open_transport",
]


def launch_server(config: CodexConfig) -> subprocess.Popen[bytes] | None:
    """Start the app-server process of ``config`` now; ``None`` for a WebSocket ``url``.

    Needs no event loop and imports no asyncio: the blocking client calls it first, so the
    server boots while the rest of the SDK is imported. :func:`open_transport` adopts the
    process (or :func:`discard` ends it).

    Raises:
        CodexRuntimeNotFoundError: no ``codex`` binary could be found.
        TransportClosedError: the process could not be started.
        ValueError: ``auth_token`` without ``url``.
    """
    if config.url is not None:
        return None
    if config.auth_token is not None:
        raise ValueError("auth_token is for a WebSocket app-server: set url as well")
    argv, path_dir = build_argv(config)
    env = build_env(config, path_dir)
    try:
        return launch(argv, env=env, cwd=str(config.cwd) if config.cwd is not None else None)
    except OSError as exc:
        raise TransportClosedError(f"could not start {argv[0]}: {exc}") from exc


async def open_transport(
    config: CodexConfig,
    *,
    server_logs: ServerLogForwarder | None = None,
    process: subprocess.Popen[bytes] | None = None,
) -> StdioTransport | WebSocketTransport:
    """Launch the app-server process for ``config`` and return its transport (not started).

    ``process``, from :func:`launch_server` for the same ``config``, is adopted instead of
    launching another. With ``config.url``, connect to that WebSocket app-server instead
    (nothing is launched). With ``config.forward_server_logs``, the server's stderr lines go
    to ``server_logs`` (a plain :class:`ServerLogForwarder` when not given).

    Raises:
        CodexRuntimeNotFoundError: no ``codex`` binary could be found.
        TransportClosedError: the process could not be started, or the server at
            ``config.url`` could not be reached.
        CodexAuthError: the server at ``config.url`` refused ``config.auth_token``.
        ValueError: a malformed ``url``, or ``auth_token`` without ``url``.
    """
    if config.url is not None:
        from .._core.transport.websocket import WebSocketTransport

        return await WebSocketTransport.connect(
            config.url,
            auth_token=config.auth_token,
            close_timeout=config.shutdown_timeout,
            max_message_bytes=config.max_line_bytes,
        )
    from .._core.transport.stdio import StdioTransport
    from .._observability.logs import ServerLogForwarder

    if process is None:
        process = launch_server(config)
        assert process is not None  # no url
    if not config.forward_server_logs:
        server_logs = None
    elif server_logs is None:
        server_logs = ServerLogForwarder()
    try:
        return await StdioTransport.adopt(
            process, shutdown_timeout=config.shutdown_timeout, server_logs=server_logs
        )
    except BaseException:
        discard(process)
        raise


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


def launch_greeted(config: CodexConfig) -> tuple[subprocess.Popen[bytes], bytes] | None:
    """:func:`launch_server`, then write ``initialize`` to the server at once.

    The server answers it as soon as it has booted, while the client is still importing:
    returns the process and the line written, which :func:`handshake` takes as
    ``greeting`` (it then waits for that answer instead of sending the request again).
    ``None`` for a WebSocket ``url``. A server that has already exited is not an error here;
    the transport reports it.
    """
    process = launch_server(config)
    if process is None:
        return None
    try:
        from .._core.protocol import RpcProtocol

        _, line = RpcProtocol[None]().send_request("initialize", initialize_params(config), None)
        if process.stdin is not None:
            with contextlib.suppress(OSError):  # it exited: the transport will say how
                process.stdin.write(line)
    except BaseException:
        discard(process)
        raise
    return process, line


async def handshake(
    connection: Connection, config: CodexConfig, *, greeting: bytes | None = None
) -> Any:
    """Send ``initialize`` and ``initialized``; return the raw ``initialize`` result.

    ``greeting``: the ``initialize`` line :func:`launch_greeted` already wrote on this
    connection's
    transport (it must be the connection's first request).
    """
    timeout = initialize_timeout(config)
    try:
        result = await connection.request(
            "initialize", initialize_params(config), timeout=timeout, sent=greeting
        )
    except CodexTimeoutError as exc:
        tail: Sequence[str] = getattr(connection.transport, "stderr_tail", ())
        lines = "".join(f"\n  {line}" for line in tail)
        raise CodexTimeoutError(
            f"initialize: the app-server did not answer within {timeout:g} s; it is running "
            "but broken or badly overloaded (raise CodexConfig.initialize_timeout if this "
            "machine is that slow)"
            + (f"\nlast stderr lines:{lines}" if lines else " and wrote nothing on stderr")
        ) from exc
    await connection.notify("initialized")
    return result


def initialize_timeout(config: CodexConfig) -> float | None:
    """How long the handshake waits for ``initialize``: the shorter of the two settings."""
    limits = [t for t in (config.initialize_timeout, config.request_timeout) if t is not None]
    return min(limits) if limits else None
