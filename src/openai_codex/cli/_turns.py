"""``codex-sdk run`` and ``codex-sdk chat``: turns streamed to the terminal."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import IO, Any

from .. import CodexError, Notification, Sandbox, Thread, TurnFailedError, TurnHandle, TurnResult
from ._common import Session, dump_json, open_session
from ._errors import EXIT_INTERRUPTED, CliError

__all__ = ["add_parsers", "cmd_chat", "cmd_run", "stream_answer"]

_DELTA = "item/agentMessage/delta"
_CHAT_HELP = "/new starts a new thread, /quit (or Ctrl-D) leaves"


class _DeltaPrinter:
    """Writes agent message deltas, one line break between two messages."""

    def __init__(self, out: IO[str] | None) -> None:
        self._out = out
        self._item: str | None = None

    def feed(self, event: Notification) -> None:
        if self._out is None or event.method != _DELTA:
            return
        payload = event.payload
        if self._item is not None and payload.item_id != self._item:
            self._out.write("\n")
        self._item = payload.item_id
        self._out.write(payload.delta)
        self._out.flush()

    def end(self) -> None:
        if self._out is not None and self._item is not None:
            self._out.write("\n")
            self._out.flush()


def stream_answer(handle: TurnHandle, out: IO[str] | None) -> tuple[TurnResult, bool]:
    """Print the turn's answer to ``out`` as it streams (``None``: print nothing).

    The first Ctrl-C asks the server to interrupt the turn and keeps streaming until the
    turn has ended; a second one gives up at once. Returns the result and whether the turn
    was interrupted by Ctrl-C.

    Raises:
        TurnFailedError: the turn failed (``.result`` holds the partial result).
    """
    printer = _DeltaPrinter(out)
    interrupted = False
    while True:
        try:
            for event in handle.stream():  # a new stream resumes where the last one stopped
                printer.feed(event)
            break
        except KeyboardInterrupt:
            if interrupted:
                raise
            interrupted = True
            with contextlib.suppress(CodexError):  # it may have just ended: keep draining
                handle.interrupt()
    printer.end()
    return handle.run(), interrupted


def _thread_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.model:
        options["model"] = args.model
    if args.sandbox:
        options["sandbox"] = args.sandbox
    return options


def _start_thread(session: Session, args: argparse.Namespace) -> Thread:
    return session.codex.thread_start(**_thread_options(args))


def _read_prompt(args: argparse.Namespace) -> str:
    words: list[str] = args.prompt
    prompt = sys.stdin.read() if words == ["-"] else " ".join(words)
    if not prompt.strip():
        raise CliError("the prompt is empty", exit_code=2)
    return prompt


def cmd_run(args: argparse.Namespace) -> int:
    """Run one turn on a new thread; stream the answer, or print the result as JSON."""
    prompt = _read_prompt(args)
    with open_session(args) as session:
        thread = _start_thread(session, args)
        session.script_turn(prompt)
        handle = thread.turn(prompt)
        try:
            result, interrupted = stream_answer(handle, None if args.json else sys.stdout)
        except TurnFailedError as exc:
            if args.json and exc.result is not None:
                dump_json(exc.result)
            raise CliError(str(exc)) from None
    if args.json:
        dump_json(result)
    if interrupted:
        print("codex-sdk: turn interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    status = getattr(result.status, "value", result.status)
    if status != "completed":
        raise CliError(f"the turn ended {status}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """An interactive loop: each line of stdin is a turn on one thread."""
    interactive = sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):  # not on every platform
            import readline  # noqa: F401  (line editing and history for input())
    with open_session(args) as session:
        thread = _start_thread(session, args)
        if interactive:
            print(f"codex-sdk chat on thread {thread.id}; {_CHAT_HELP}", file=sys.stderr)
        while True:
            try:
                line = input("you> " if interactive else "")
            except EOFError:
                break
            except KeyboardInterrupt:
                print(file=sys.stderr)
                return EXIT_INTERRUPTED
            text = line.strip()
            if not text:
                continue
            if text in ("/quit", "/exit"):
                break
            if text == "/help":
                print(_CHAT_HELP, file=sys.stderr)
                continue
            if text == "/new":
                thread = _start_thread(session, args)
                print(f"new thread {thread.id}", file=sys.stderr)
                continue
            session.script_turn(text)
            try:
                _, interrupted = stream_answer(thread.turn(text), sys.stdout)
            except TurnFailedError as exc:
                print(f"codex-sdk: {exc}", file=sys.stderr)
                continue
            if interrupted:
                print("(turn interrupted)", file=sys.stderr)
    return 0


def _add_turn_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--model", help="the model to use (see `codex-sdk models`)")
    parser.add_argument(
        "--sandbox",
        choices=[s.value for s in Sandbox],
        help="what commands run by the agent may touch (default: your Codex config)",
    )


def add_parsers(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``run`` and ``chat``."""
    run = sub.add_parser(
        "run",
        parents=parents,
        help="run one prompt on a new thread and stream the answer",
        description="Run one turn on a new thread and stream the answer to stdout. "
        "Exits 1 when the turn fails, 130 when interrupted with Ctrl-C.",
    )
    run.add_argument("prompt", nargs="+", metavar="PROMPT", help="the prompt; - reads stdin")
    run.add_argument(
        "--json", action="store_true", help="print the TurnResult as JSON instead of the text"
    )
    _add_turn_options(run)
    run.set_defaults(handler=cmd_run)

    chat = sub.add_parser(
        "chat",
        parents=parents,
        help="chat interactively: each line you type is a turn on one thread",
        description=f"Read prompts from stdin, one per line, and stream each answer. "
        f"{_CHAT_HELP}; Ctrl-C interrupts a running turn.",
    )
    _add_turn_options(chat)
    chat.set_defaults(handler=cmd_chat)
