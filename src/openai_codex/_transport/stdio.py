"""The stdio transport: spawn ``codex app-server``, move bytes, drain stderr."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import re
import signal
from collections.abc import Callable, Sequence
from typing import Any

from .._logs import ServerLogForwarder
from .._redact import scrub_text
from ..errors import TransportClosedError

__all__ = ["StdioTransport"]

logger = logging.getLogger("openai_codex")

_STDERR_TAIL_LINES = 40
_STDERR_MAX_LINE = 64 * 1024
# The server colours its log lines; error messages and logs get them plain.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _ChildProtocol(asyncio.SubprocessProtocol):
    """asyncio callbacks of the child's pipes, forwarded to the transport."""

    def __init__(self, server_logs: ServerLogForwarder | None = None) -> None:
        self.on_data: Callable[[bytes], None] | None = None
        self.on_eof: Callable[[], None] | None = None
        self.early: list[bytes] = []  # stdout data before start() (normally none)
        self.stdout_closed = False
        self.stderr_done = asyncio.get_running_loop().create_future()
        self.exited = asyncio.get_running_loop().create_future()
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
        self._stderr_partial = b""
        self._drain: asyncio.Future[None] | None = None
        self.paused = False
        self.server_logs = server_logs

    # stdout / stderr ----------------------------------------------------------------

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd == 1:
            if self.on_data is not None:
                self.on_data(data)
            else:
                self.early.append(data)
        else:
            self._stderr(data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1:
            self.stdout_closed = True
            if self.on_eof is not None:
                self.on_eof()
        elif fd == 2:
            if self._stderr_partial:
                self._stderr_line(self._stderr_partial)
                self._stderr_partial = b""
            if self.server_logs is not None:
                self.server_logs.flush()
            if not self.stderr_done.done():
                self.stderr_done.set_result(None)
        elif fd == 0:
            self._wake_writer()

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)
        self._wake_writer()

    def _stderr(self, data: bytes) -> None:
        data = self._stderr_partial + data
        *lines, rest = data.split(b"\n")
        if len(rest) > _STDERR_MAX_LINE:  # a line without end: keep a bounded piece
            lines.append(rest[:_STDERR_MAX_LINE])
            rest = b""
        self._stderr_partial = rest
        for line in lines:
            self._stderr_line(line)

    def _stderr_line(self, raw: bytes) -> None:
        line = _ANSI_ESCAPE.sub("", raw.decode("utf-8", "replace")).rstrip()
        if not line:
            return
        if len(line) > 2000:
            line = line[:2000] + "..."
        if self.server_logs is not None:
            self.stderr_tail.append(scrub_text(line))
            self.server_logs.forward(line)  # scrubs with the secrets the client knows
        else:
            line = scrub_text(line)  # the tail is quoted in errors: no secret in it either
            self.stderr_tail.append(line)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("codex app-server: %s", line)

    # stdin flow control ------------------------------------------------------------

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._wake_writer()

    def _wake_writer(self) -> None:
        drain = self._drain
        if drain is not None:
            self._drain = None
            if not drain.done():
                drain.set_result(None)

    async def wait_writable(self) -> None:
        if self._drain is None:
            self._drain = asyncio.get_running_loop().create_future()
        await self._drain


class StdioTransport:
    """A child process speaking JSON-RPC on stdin/stdout.

    stdout chunks go straight to the connection's callback; stderr is split into lines
    continuously (a server that floods stderr never blocks) and sent to the
    ``openai_codex`` logger at DEBUG level, or, given ``server_logs``, to that forwarder
    (the ``openai_codex.server`` logger at the server's levels, rate-limited); the last
    lines are kept for error messages.
    """

    def __init__(
        self,
        transport: asyncio.SubprocessTransport,
        protocol: _ChildProtocol,
        *,
        shutdown_timeout: float = 2.0,
    ) -> None:
        self._transport = transport
        self._protocol = protocol
        self._stdin: Any = transport.get_pipe_transport(0)
        self._shutdown_timeout = shutdown_timeout
        self._closed = False

    @classmethod
    async def spawn(
        cls,
        argv: Sequence[str],
        *,
        env: dict[str, str],
        cwd: str | None,
        shutdown_timeout: float = 2.0,
        server_logs: ServerLogForwarder | None = None,
    ) -> StdioTransport:
        """Start the process; raises ``OSError`` if it cannot be executed."""
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.subprocess_exec(
            lambda: _ChildProtocol(server_logs),
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        return cls(transport, protocol, shutdown_timeout=shutdown_timeout)

    @property
    def pid(self) -> int:
        """The child's process id."""
        pid: int = self._transport.get_pid()
        return pid

    @property
    def stderr_tail(self) -> list[str]:
        """The last lines the server wrote on stderr."""
        return list(self._protocol.stderr_tail)

    def start(self, on_data: Callable[[bytes], None], on_eof: Callable[[], None]) -> None:
        """Deliver stdout chunks to ``on_data`` and its end to ``on_eof``."""
        protocol = self._protocol
        protocol.on_data = on_data
        protocol.on_eof = on_eof
        early, protocol.early = protocol.early, []
        for chunk in early:
            on_data(chunk)
        if protocol.stdout_closed:
            on_eof()

    def lend_reader(self) -> int | None:
        """Stop reading stdout on the loop and return its (non-blocking) file descriptor.

        For the reader lease: another thread reads the pipe until :meth:`return_reader`.
        ``None`` if stdout is closed or at its end. Call on the loop.
        """
        if self._closed or self._protocol.stdout_closed:
            return None
        pipe = self._transport.get_pipe_transport(1)
        fileobj = None if pipe is None else pipe.get_extra_info("pipe")
        if pipe is None or fileobj is None or pipe.is_closing():
            return None
        pipe.pause_reading()  # type: ignore[attr-defined]
        fd: int = fileobj.fileno()
        return fd

    def return_reader(self) -> None:
        """Read stdout on the loop again (the end of a lease). Call on the loop."""
        pipe = self._transport.get_pipe_transport(1)
        if pipe is not None and not pipe.is_closing():
            pipe.resume_reading()  # type: ignore[attr-defined]

    async def send(self, data: bytes) -> None:
        """Write to the child's stdin; raises :class:`TransportClosedError` if it is gone."""
        stdin = self._stdin
        if self._closed or stdin is None or stdin.is_closing():
            raise await self.closed_error()
        stdin.write(data)
        while self._protocol.paused and not stdin.is_closing():
            await self._protocol.wait_writable()
        if stdin.is_closing():  # the pipe broke: the server is gone
            raise await self.closed_error()

    async def closed_error(self) -> TransportClosedError:
        """Describe the end of the connection, with the exit code and stderr tail."""
        protocol = self._protocol
        for waiter in (protocol.exited, protocol.stderr_done):
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(waiter), 0.5)
        if self._closed:
            message = "the connection to the Codex app-server was closed"
        else:
            message = "the Codex app-server exited"
        return TransportClosedError(
            message, exit_code=self._transport.get_returncode(), stderr_tail=self.stderr_tail
        )

    async def close(self) -> None:
        """Close stdin, wait briefly, then terminate and finally kill the child."""
        if self._closed:
            return
        self._closed = True
        transport = self._transport
        exited = self._protocol.exited
        if self._stdin is not None:
            with contextlib.suppress(Exception):
                self._stdin.close()
        if transport.get_returncode() is None:
            try:
                await asyncio.wait_for(asyncio.shield(exited), self._shutdown_timeout)
            except asyncio.TimeoutError:
                self._signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(asyncio.shield(exited), self._shutdown_timeout)
                except asyncio.TimeoutError:
                    self._signal(signal.SIGKILL)
                    await exited
        # The server may have left helpers in its process group holding our pipes open.
        self._signal(signal.SIGKILL, group_only=True)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._protocol.stderr_done), 1.0)
        transport.close()

    def _signal(self, sig: int, *, group_only: bool = False) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(self.pid, sig)
        if not group_only:
            with contextlib.suppress(ProcessLookupError):
                self._transport.send_signal(sig)
