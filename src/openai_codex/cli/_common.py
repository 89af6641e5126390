"""What every ``codex-sdk`` command shares: global options, opening a client, errors.

A command receives the parsed :class:`argparse.Namespace` and opens its client with
:func:`open_session`, which honours the global options (``--codex-bin``, ``--cwd``,
``-c key=value``, ``--offline``). Commands report a user-facing failure by raising
:class:`CliError`; ``main`` turns it (and any :class:`~openai_codex.CodexError`) into one
``codex-sdk: error: ...`` line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from .. import Codex, CodexConfig
from ._errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, CliError
from ._offline import OfflineKit, offline_kit

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "CliError",
    "Session",
    "add_global_options",
    "dump_json",
    "open_session",
    "parse_config_value",
    "to_jsonable",
]


def parse_config_value(raw: str) -> object:
    """Interpret the value of ``-c key=value`` like ``codex -c`` does.

    The value is read as a TOML literal (``true``, ``3``, ``"text"``, ``[1, 2]``); anything
    that is not valid TOML is taken as a plain string, so ``-c model=o3`` works unquoted.
    """
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            return tomllib.loads(f"value = {raw}")["value"]
        except tomllib.TOMLDecodeError:
            return raw
    try:  # Python 3.10 has no TOML reader: JSON covers numbers, booleans, quoted strings
        return json.loads(raw)
    except ValueError:
        return raw


def _config_override(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    return key.strip(), parse_config_value(value.strip())


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Add the options every command accepts.

    They are accepted both before and after the command name; ``suppress`` (used on the
    subcommand parsers) leaves an option unset unless given there, so a value given before
    the command is not overwritten by the subcommand's default.
    """
    default: Any = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("global options")
    group.add_argument(
        "--codex-bin",
        metavar="PATH",
        default=default,
        help="the codex executable to run (default: the bundled openai-codex-cli-bin)",
    )
    group.add_argument(
        "--cwd",
        metavar="DIR",
        default=default,
        help="working directory of the Codex app-server (default: the current directory)",
    )
    group.add_argument(
        "-c",
        "--config",
        dest="config_overrides",
        metavar="KEY=VALUE",
        type=_config_override,
        action="append",
        default=default,
        help="override a Codex config value (repeatable); VALUE is read as TOML, "
        "else as a plain string",
    )
    group.add_argument(
        "--offline",
        action="store_true",
        default=default if suppress else False,
        help="run against the embedded offline test kit (mock model and sign-in issuer) "
        "instead of your Codex account; nothing leaves 127.0.0.1",
    )


@dataclass
class Session:
    """An open client, and the offline kit behind it when running with ``--offline``."""

    codex: Codex
    kit: OfflineKit | None

    def script_turn(self, prompt: str) -> None:
        """Offline: queue the mock model's answer to ``prompt``. No-op for real Codex."""
        if self.kit is not None:
            self.kit.script_turn(prompt)


def config_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`~openai_codex.CodexConfig` fields set by the global options
    (``--codex-bin``, ``--cwd``, ``-c key=value``)."""
    fields: dict[str, Any] = {}
    if args.codex_bin:
        fields["codex_bin"] = args.codex_bin
    if args.cwd:
        fields["cwd"] = args.cwd
    if args.config_overrides:
        fields["config_overrides"] = dict(args.config_overrides)
    return fields


@contextlib.contextmanager
def open_session(
    args: argparse.Namespace, *, browser_login: bool = False, **config: Any
) -> Iterator[Session]:
    """Start a Codex client configured by the global options.

    Args:
        args: the parsed command line.
        browser_login: the command runs a ChatGPT browser login (offline mode then holds the
            machine-wide lock of the callback port for the life of the server).
        config: more :class:`~openai_codex.CodexConfig` fields.
    """
    fields: dict[str, Any] = {**config, **config_fields(args)}
    if not args.offline:
        with Codex(CodexConfig(**fields)) as codex:
            yield Session(codex, None)
        return
    with (
        offline_kit(browser_login=browser_login) as kit,
        Codex(kit.harness.config(**fields)) as codex,
    ):
        yield Session(codex, kit)


def to_jsonable(value: Any) -> Any:
    """Convert SDK results (dataclasses, pydantic models, enums) to plain JSON values."""
    import dataclasses
    import enum

    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json", exclude_none=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def dump_json(value: Any, out: IO[str] | None = None) -> None:
    """Print ``value`` as indented JSON (see :func:`to_jsonable`)."""
    stream = out if out is not None else sys.stdout
    stream.write(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False) + "\n")
    stream.flush()
