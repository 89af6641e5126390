"""``codex-sdk serve``: run a Codex app-server on a local WebSocket port, guarded by a token.

It launches ``codex app-server --listen ws://127.0.0.1:PORT --ws-auth capability-token
--ws-token-file FILE`` with a fresh random token in a 0600 file, prints the URL, the token
file and how to connect, and waits. Ctrl-C (SIGINT) or SIGTERM stops the server (SIGTERM,
then SIGKILL after a grace period) and removes the token file if this command created it.
The token itself is never printed.

No thread or task is involved: the main thread drains the server's stderr with a
``select`` timeout, so signals are handled at once.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import re
import secrets
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from ._common import config_fields
from ._errors import EXIT_USAGE, CliError

__all__ = ["AppServerProcess", "add_parsers", "cmd_serve", "write_token_file"]

_LISTENING = re.compile(r"listening on:\s*(ws://\S+)")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_START_TIMEOUT = 60.0  # seconds until the server prints its URL (a loaded 2-core machine)
_STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL
_TAIL = 40


class _Stop(Exception):
    """SIGTERM arrived: stop like Ctrl-C does."""


def write_token_file(path: str | None) -> tuple[Path, str, bool]:
    """Create a fresh random token in a file only its owner may read (mode 0600).

    ``path`` ``None`` makes a temporary file. Returns the absolute path, the token and
    whether the file is temporary (to be removed at the end).
    """
    token = secrets.token_urlsafe(32)
    if path is None:
        fd, name = tempfile.mkstemp(prefix="codex-sdk-token-", suffix=".txt")
        temporary = True
    else:
        name = os.path.abspath(os.path.expanduser(path))
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        temporary = False
    try:
        os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
        os.write(fd, (token + "\n").encode())
    finally:
        os.close(fd)
    return Path(name), token, temporary


class AppServerProcess:
    """A ``codex app-server`` listening on a WebSocket port (a child process of ours).

    :meth:`start` returns once the server printed its URL; :meth:`wait` drains its stderr
    until it exits; :meth:`stop` ends it and everything in its process group.
    """

    def __init__(self, proc: subprocess.Popen[bytes], *, echo: bool) -> None:
        self._proc = proc
        self._echo = echo
        self._partial = b""
        self.tail: collections.deque[str] = collections.deque(maxlen=_TAIL)
        self.url = ""

    @classmethod
    def start(
        cls,
        argv: list[str],
        *,
        env: dict[str, str],
        cwd: str | None,
        echo: bool = False,
        timeout: float = _START_TIMEOUT,
    ) -> AppServerProcess:
        """Launch ``argv`` and wait (at most ``timeout`` s) for its ``listening on`` line.

        Raises:
            CliError: the program cannot be run, exits first, or prints no URL in time.
        """
        try:
            proc = subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,  # Ctrl-C reaches us only; we stop the server
            )
        except OSError as exc:
            raise CliError(f"could not start {argv[0]}: {exc}") from None
        server = cls(proc, echo=echo)
        try:
            server._await_url(timeout)
        except BaseException:
            server.stop()
            raise
        return server

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._proc.pid

    def _await_url(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.url:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CliError(f"the app-server printed no URL within {timeout:g} s")
            if not self._drain(left):
                raise CliError(self._exit_message("exited before listening"))

    def _drain(self, timeout: float) -> bool:
        """Read what stderr has within ``timeout`` s; ``False`` at its end (server gone)."""
        stream = self._proc.stderr
        assert stream is not None
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            if not selector.select(timeout):
                return True
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            return False
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        for raw in lines:
            line = _ANSI_ESCAPE.sub("", raw.decode("utf-8", "replace")).rstrip()
            if not line:
                continue
            self.tail.append(line)
            if self._echo:
                print(f"app-server: {line}", file=sys.stderr, flush=True)
            match = _LISTENING.search(line)
            if match and not self.url:
                self.url = match.group(1)
        return True

    def _exit_message(self, what: str) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=_STOP_GRACE)
        reason = next((line for line in reversed(self.tail) if "error" in line.lower()), "")
        text = f"the app-server {what} (exit code {self._proc.returncode})"
        return text + (f": {reason}" if reason else "")

    def wait(self) -> None:
        """Drain stderr until the server exits (returns only then).

        Raises:
            CliError: the server exited (it should run until stopped).
        """
        while self._drain(1.0):
            pass
        raise CliError(self._exit_message("exited"))

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after a grace period; reap the child; idempotent.

        Returns the exit status.
        """
        proc = self._proc
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=_STOP_GRACE)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # Helpers the server left in its process group must not outlive it.
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.stderr is not None:
            proc.stderr.close()
        return proc.returncode


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into :class:`_Stop` in the main thread while the block runs."""

    def handler(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: let the clean-up finish
        raise _Stop

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: SIGTERM keeps its meaning
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _launch_config(args: argparse.Namespace, stack: contextlib.ExitStack) -> Any:
    """The CodexConfig describing the server to launch (global options, ``--offline``)."""
    from .. import CodexConfig

    fields = config_fields(args)
    if not args.offline:
        return CodexConfig(**fields)
    from ._offline import offline_kit

    kit = stack.enter_context(offline_kit())
    return kit.harness.config(**fields)


def _connect_help(url: str, pid: int, token_file: Path, temporary: bool) -> str:
    port = url.rsplit(":", 1)[-1]
    kept = "removed when this command stops" if temporary else "kept when this command stops"
    return f"""\
Codex app-server listening on {url} (pid {pid})
token file: {token_file} (mode 0600, {kept})

Connect from Python:

    from pathlib import Path
    from openai_codex import Codex, CodexConfig

    token = Path({str(token_file)!r}).read_text().strip()
    with Codex(CodexConfig(url={url!r}, auth_token=token)) as codex:
        print(codex.thread_start().run("Hello!").final_response)

The server listens on 127.0.0.1 only. From another machine, forward the port over SSH
(ssh -N -L {port}:127.0.0.1:{port} THIS_HOST) and copy the token file there privately.
Press Ctrl-C to stop the server."""


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the app-server on a WebSocket port until Ctrl-C or SIGTERM."""
    from .._client.runtime import build_argv, build_env

    if not 0 <= args.port <= 65535:
        raise CliError("--port must be between 0 and 65535", EXIT_USAGE)
    try:
        with _sigterm_raises(), contextlib.ExitStack() as stack:
            config = _launch_config(args, stack)
            argv, path_dir = build_argv(config)
            env = build_env(config, path_dir)
            token_file, _token, temporary = write_token_file(args.token_file)
            if temporary:
                stack.callback(_remove, token_file)
            argv += [
                "--listen",
                f"ws://127.0.0.1:{args.port}",
                "--ws-auth",
                "capability-token",
                "--ws-token-file",
                str(token_file),
            ]
            cwd = str(config.cwd) if config.cwd is not None else None
            server = AppServerProcess.start(argv, env=env, cwd=cwd, echo=args.verbose)
            stack.callback(server.stop)
            print(_connect_help(server.url, server.pid, token_file, temporary), flush=True)
            server.wait()
    except (KeyboardInterrupt, _Stop):
        print("codex-sdk serve: stopped", file=sys.stderr, flush=True)
        return 0
    return 0  # pragma: no cover - wait() only returns by raising


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def add_parsers(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``serve``."""
    serve = sub.add_parser(
        "serve",
        parents=parents,
        help="run an app-server on a local WebSocket port for other programs",
        description="Run `codex app-server` on ws://127.0.0.1:PORT, guarded by a fresh "
        "capability token written to a 0600 file. Prints the URL, the token file and how "
        "to connect (CodexConfig(url=..., auth_token=...)); Ctrl-C or SIGTERM stops it.",
    )
    serve.add_argument(
        "--port", type=int, default=0, help="the port to listen on (default 0: a free port)"
    )
    serve.add_argument(
        "--token-file",
        metavar="PATH",
        help="where to write the token (created or overwritten with mode 0600, and kept); "
        "default: a temporary file removed on exit",
    )
    serve.add_argument(
        "-v", "--verbose", action="store_true", help="copy the server's log lines to stderr"
    )
    serve.set_defaults(handler=cmd_serve)
