"""The ``codex-sdk`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._demo import run_demo

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="codex-sdk", description="Drive the Codex app-server from the command line."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="offline demo: a thread and a streamed turn on the embedded mock model"
    )
    demo.set_defaults(handler=lambda args: run_demo())
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    result: int = handler(args)
    return result
