"""Client configuration: how to launch (or reach) the Codex app-server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (cold start)
if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

__all__ = [
    "DEFAULT_INITIALIZE_TIMEOUT",
    "DEFAULT_MAX_LINE_BYTES",
    "DEFAULT_REQUEST_TIMEOUT",
    "RUNTIME_VERSION",
    "CodexConfig",
    "ConfigOverrides",
    "override_args",
]

RUNTIME_VERSION = "0.163.0"
"""The version of the pinned runtime (``openai-codex-cli-bin``)."""

DEFAULT_REQUEST_TIMEOUT = 300.0
"""Seconds a request waits for its answer unless configured otherwise."""

DEFAULT_INITIALIZE_TIMEOUT = 60.0
"""Seconds the handshake waits for the answer to ``initialize`` unless configured otherwise.

The server answers it about 0.2 s after it starts (under 2 s on a loaded 2-core machine);
one that is still silent after a minute is broken, and waiting the whole
``request_timeout`` for it would only hide why."""

DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024
"""The longest message accepted from the server (64 MiB)."""

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
            ``repr()`` masks the values whose key or text looks secret (``api_key``,
            ``token``, ``auth``..., or a token-shaped value).
        cwd: Working directory of the app-server process.
        env: Variables merged over ``os.environ`` for the child (a ``None`` value removes
            the variable). ``repr()`` shows their names but masks the values (``'***'``),
            except for a few harmless ones such as ``PATH`` and ``CODEX_HOME``.
        client_name / client_title / client_version: the ``clientInfo`` sent in
            ``initialize``; the server puts name and version in its user agent. The version
            defaults to the pinned runtime's, as in the official SDK.
        experimental_api: Opt into experimental protocol methods and fields
            (needed for Python tools).
        request_timeout: Default seconds to wait for the answer to a request (300 s:
            the slowest legitimate request measured, ``thread/start`` on a loaded 2-core
            machine, took 6.5 s); ``None`` waits for as long as the server lives. A
            request the server never answers raises ``CodexTimeoutError`` and the
            connection stays usable. Turns are not requests: see ``turn_timeout``.
        shutdown_timeout: Seconds ``close()`` waits for the server to exit after closing
            its stdin, before terminating and then killing it.
        turn_timeout / turn_idle_timeout: Defaults for ``run(timeout=, idle_timeout=)``
            and ``stream(...)`` of every turn: a limit on the whole turn, and on the time
            without any event of the turn. ``None`` (the default): no limit.
        auto_restart: When the app-server exits unexpectedly, start a new one on the next
            call, and let threads resume on it (see ``docs/reliability.md``).
        max_restarts: More than this many unexpected exits within 60 seconds end in a
            ``CodexError`` (with the server's last stderr lines) and no further starts.
        max_line_bytes: The longest message accepted from the server; a longer one fails
            the connection with ``ProtocolError`` instead of growing memory without bound.
        url: ``"ws://HOST:PORT"`` of a running WebSocket app-server (``codex app-server
            --listen ws://127.0.0.1:PORT``, or ``codex-sdk serve``) to connect to instead of
            launching one. The launch settings (``codex_bin``, ``launch_args_override``,
            ``config_overrides``, ``cwd``, ``env``) then do not apply, and ``close()``
            only disconnects. See ``docs/scale.md``.
        auth_token: The server's capability token (``--ws-auth capability-token``), sent
            as ``Authorization: Bearer`` on the upgrade request; surrounding whitespace is
            ignored. Needs ``url``. Never shown by ``repr()``, logs or error messages.
        tracer_provider: The OpenTelemetry ``TracerProvider`` this client's spans go to
            (needs ``openai-codex[otel]``). ``None`` (the default): the global provider,
            when the application has set one; else no spans at all. See
            ``docs/observability.md``.
        trace_content: Also record prompt and answer text, tool arguments and results,
            and command output in spans (default ``False``: only ids, names, statuses,
            counts and timings).
        forward_server_logs: Log the app-server's stderr lines under the
            ``openai_codex.server`` logger at the levels the server printed (rate-limited),
            instead of only at DEBUG under ``openai_codex``.
        fetch_remote_images: Download an image input given by an ``http(s)`` URL
            (``ImageInput(url)``) and send it inline as a ``data:`` URL (the default: the
            runtime refuses remote image URLs). ``False`` sends such URLs unchanged, for a
            runtime that accepts them. See ``docs/inputs.md``.
        remote_image_timeout: Seconds a download may take (connecting, each wait for
            data, and the whole download).
        remote_image_max_bytes: The largest image downloaded (20 MiB by default).
        initialize_timeout: Seconds to wait for the server's answer to ``initialize``
            when a client starts (60 s; at most ``request_timeout``). A server that stays
            silent that long is broken: the start fails with ``CodexTimeoutError`` quoting
            the server's last stderr lines, and the process is ended. ``None``: wait
            ``request_timeout``.
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
    request_timeout: float | None = DEFAULT_REQUEST_TIMEOUT
    shutdown_timeout: float = 2.0
    turn_timeout: float | None = None
    turn_idle_timeout: float | None = None
    auto_restart: bool = True
    max_restarts: int = 3
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    url: str | None = None
    auth_token: str | None = field(default=None, repr=False)
    tracer_provider: TracerProvider | None = field(default=None, repr=False, compare=False)
    trace_content: bool = False
    forward_server_logs: bool = False
    initialize_timeout: float | None = DEFAULT_INITIALIZE_TIMEOUT
    fetch_remote_images: bool = True
    remote_image_timeout: float = 30.0
    remote_image_max_bytes: int = 20 * 1024 * 1024

    def __repr__(self) -> str:
        """The dataclass repr, with values that may be secrets shown as ``'***'``.

        Every ``env`` value except a few harmless names (``PATH``, ``HOME``,
        ``CODEX_HOME``, ``RUST_LOG``...), secret-looking ``config_overrides`` values (mapping
        or ``"key=value"`` form), such ``-c`` values in ``launch_args_override``, and the
        userinfo and query of ``url``. The fields keep the real values.
        """
        from .._observability.masking import (
            dataclass_repr,
            masked_args,
            masked_env,
            masked_overrides,
            masked_url,
        )

        return dataclass_repr(
            self,
            {
                "launch_args_override": masked_args,
                "config_overrides": masked_overrides,
                "env": masked_env,
                "url": masked_url,
            },
        )


def override_args(overrides: ConfigOverrides) -> list[str]:
    """The ``key=value`` arguments of ``-c`` for ``config_overrides``.

    Raises:
        ValueError: a string entry without ``=``.
        TypeError: ``overrides`` is neither a mapping nor a sequence of strings.
    """
    from .toml import toml_value

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
