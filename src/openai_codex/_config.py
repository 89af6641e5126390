"""Client configuration: how to launch (or reach) the Codex app-server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ._version import __version__

__all__ = ["CodexConfig"]


@dataclass
class CodexConfig:
    """Settings for one connection to a Codex app-server.

    Attributes:
        codex_bin: Path to a ``codex`` executable. ``None`` uses the binary shipped by
            the ``openai-codex-cli-bin`` package.
        launch_args_override: Full argv to launch instead of ``[codex_bin, "app-server", ...]``.
            The SDK still speaks JSON-RPC over the child's stdin/stdout.
        config_overrides: Codex config values; each entry becomes ``-c key=value``.
            Values that are not strings are written as TOML literals (``true``, ``3``).
        cwd: Working directory of the app-server process.
        env: Variables merged over ``os.environ`` for the child (a ``None`` value removes
            the variable).
        client_name / client_title / client_version: the ``clientInfo`` sent in
            ``initialize``; the server puts the name in its user agent.
        experimental_api: Opt into experimental protocol methods and fields
            (needed for Python tools).
        request_timeout: Default seconds to wait for a response to a request, or ``None``
            to wait for as long as the server lives.
        shutdown_timeout: Seconds ``close()`` waits for the server to exit after closing
            its stdin, before terminating and then killing it.
    """

    codex_bin: str | Path | None = None
    launch_args_override: Sequence[str] | None = None
    config_overrides: Mapping[str, object] = field(default_factory=dict)
    cwd: str | Path | None = None
    env: Mapping[str, str | None] = field(default_factory=dict)
    client_name: str = "codex_python_sdk"
    client_title: str | None = "Codex Python SDK"
    client_version: str = __version__
    experimental_api: bool = True
    request_timeout: float | None = None
    shutdown_timeout: float = 2.0
