"""The ``codex-sdk`` command line (also ``python -m openai_codex``).

Commands: ``demo``, ``login``, ``account``, ``logout``, ``models``, ``run``, ``chat``,
``review``, ``serve``, ``batch``; see ``codex-sdk --help``. Each command lives in a small
module of this package and registers its parser through ``add_parsers``. Global options
(``--codex-bin``, ``--cwd``, ``-c key=value``, ``--offline``) are accepted before or after
the command name.

Exit statuses: 0 success, 1 failure (a failed turn or login, a Codex error), 2 usage
error, 130 interrupted by Ctrl-C. Every failure is one ``codex-sdk: error: ...`` line on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import CodexError, TransportClosedError, __version__
from . import _auth, _batch, _demo, _models, _review, _serve, _turns
from ._common import add_global_options
from ._errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, CliError

__all__ = ["build_parser", "main"]

PROG = "codex-sdk"


class _UsageError(Exception):
    """A command-line mistake found by argparse."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become one line instead of usage + message + exit."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message, self.prog)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = _Parser(
        prog=PROG,
        description="Drive the Codex app-server from the command line "
        "(openai-codex Python SDK). Start with `codex-sdk demo`.",
        epilog="Exit status: 0 ok, 1 failed, 2 usage error, 130 interrupted (Ctrl-C). "
        "With --offline every command runs on the embedded mock model and sign-in issuer.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    add_global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parents = [common]
    _demo.add_parsers(sub, parents)
    _auth.add_parsers(sub, parents)
    _models.add_parsers(sub, parents)
    _turns.add_parsers(sub, parents)
    _review.add_parsers(sub, parents)
    _serve.add_parsers(sub, parents)
    _batch.add_parsers(sub, parents)
    return parser


def _error(message: str) -> None:
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    print(f"{PROG}: error: {first}", file=sys.stderr)


def _describe(exc: CodexError) -> str:
    """One line for an SDK error; a server that exited also gets its own reason."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    text = lines[0]
    if isinstance(exc, TransportClosedError):
        reason = _server_reason(exc.stderr_tail)
        if reason:
            text += f"; the server said: {reason}"
    return text


def _server_reason(tail: Sequence[str]) -> str:
    """The telling line of a server's last stderr lines (its error, not its backtrace)."""
    lines = [line.strip() for line in tail if line.strip()]
    if "Stack backtrace:" in lines:
        lines = lines[: lines.index("Stack backtrace:")]
    for line in reversed(lines):
        if "error" in line.lower():
            return line
    return lines[-1] if lines else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        _error(f"{exc} (see `{exc.prog} --help`)")
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        result: int = handler(args)
        return result
    except CliError as exc:
        _error(str(exc))
        return exc.exit_code
    except CodexError as exc:
        _error(_describe(exc))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `codex-sdk models | head -1`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILURE
