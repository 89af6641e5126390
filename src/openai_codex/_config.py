"""Client configuration: how to launch (or reach) the Codex app-server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RUNTIME_VERSION", "CodexConfig", "ConfigOverrides", "override_args"]

RUNTIME_VERSION = "0.163.0"
"""The version of the pinned runtime (``openai-codex-cli-bin``)."""

ConfigOverrides = Mapping[str, object] | Sequence[str]
"""``{"key": value}`` (values written as TOML) or ``("key=<TOML value>", ...)``."""


@dataclass
class CodexConfig:
    """Settings for one connection to a Codex app-server.

    Attributes:
        codex_bin: Path to a ``codex`` executable. ``None`` uses the binary shipped by
            the ``openai-codex-cli-bin`` package.
        launch_args_override: Full argv to launch instead of ``[codex_bin, "app-server", ...]``.
            The SDK still speaks JSON-RPC over the child's stdin/stdout.
        config_overrides: Codex config values, each passed as ``-c key=value``. Either a
            mapping (``{"model": "o3", "features": {"x": True}}``; values that are not
            strings are written as TOML literals) or, as in the official SDK, a sequence of
            ``"key=value"`` strings whose value is already TOML (``('model="o3"',)``).
        cwd: Working directory of the app-server process.
        env: Variables merged over ``os.environ`` for the child (a ``None`` value removes
            the variable).
        client_name / client_title / client_version: the ``clientInfo`` sent in
            ``initialize``; the server puts name and version in its user agent. The version
            defaults to the pinned runtime's, as in the official SDK.
        experimental_api: Opt into experimental protocol methods and fields
            (needed for Python tools).
        request_timeout: Default seconds to wait for a response to a request, or ``None``
            to wait for as long as the server lives.
        shutdown_timeout: Seconds ``close()`` waits for the server to exit after closing
            its stdin, before terminating and then killing it.
    """

    codex_bin: str | Path | None = None
    launch_args_override: Sequence[str] | None = None
    config_overrides: ConfigOverrides = ()
    cwd: str | Path | None = None
    env: Mapping[str, str | None] | None = None
    client_name: str = "codex_python_sdk"
    client_title: str | None = "Codex Python SDK"
    client_version: str = RUNTIME_VERSION
    experimental_api: bool = True
    request_timeout: float | None = None
    shutdown_timeout: float = 2.0


def override_args(overrides: ConfigOverrides) -> list[str]:
    """The ``key=value`` arguments of ``-c`` for ``config_overrides``.

    Raises:
        ValueError: a string entry without ``=``.
        TypeError: ``overrides`` is neither a mapping nor a sequence of strings.
    """
    from ._toml import toml_value

    if isinstance(overrides, Mapping):
        return [f"{key}={toml_value(value)}" for key, value in overrides.items()]
    if isinstance(overrides, str) or not isinstance(overrides, Sequence):
        raise TypeError(
            "config_overrides takes a mapping or a sequence of 'key=value' strings, "
            f"not {type(overrides).__name__}"
        )
    args = []
    for entry in overrides:
        if not isinstance(entry, str) or "=" not in entry:
            raise ValueError(f"config_overrides entries must be 'key=value' strings: {entry!r}")
        args.append(entry)
    return args
