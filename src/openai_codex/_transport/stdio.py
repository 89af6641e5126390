"""The stdio transport: spawn ``codex app-server``, move lines, drain stderr."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import re
import signal
from collections.abc import Sequence

from ..errors import TransportClosedError

__all__ = ["StdioTransport"]

logger = logging.getLogger("openai_codex")

_READ_CHUNK = 1 << 18
_STDERR_TAIL_LINES = 40
_STDERR_MAX_LINE = 64 * 1024
_WRITE_HIGH_WATER = 1 << 20
# The server colours its log lines; error messages and logs get them plain.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class StdioTransport:
    """A child process speaking JSON-RPC on stdin/stdout.

    stderr is read continuously (a server that floods stderr never blocks) into the
    ``openai_codex`` logger at DEBUG level; the last lines are kept for error messages.
    """

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        *,
        shutdown_timeout: float = 2.0,
    ) -> None:
        self._process = process
        self._shutdown_timeout = shutdown_timeout
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
        self._stderr_task = asyncio.ensure_future(self._drain_stderr())
        self._write_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def spawn(
        cls,
        argv: Sequence[str],
        *,
        env: dict[str, str],
        cwd: str | None,
        shutdown_timeout: float = 2.0,
    ) -> StdioTransport:
        """Start the process; raises ``OSError`` if it cannot be executed."""
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=cwd,
            limit=_STDERR_MAX_LINE,
            start_new_session=True,
        )
        return cls(process, shutdown_timeout=shutdown_timeout)

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._process.pid

    @property
    def stderr_tail(self) -> list[str]:
        """The last lines the server wrote on stderr."""
        return list(self._stderr_tail)

    async def send(self, data: bytes) -> None:
        """Write to the child's stdin; raises :class:`TransportClosedError` if it is gone."""
        stdin = self._process.stdin
        if stdin is None or self._closed or stdin.is_closing():
            raise await self.closed_error()
        try:
            stdin.write(data)
            if stdin.transport.get_write_buffer_size() > _WRITE_HIGH_WATER:
                async with self._write_lock:
                    await stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise await self.closed_error() from exc

    async def receive(self) -> bytes:
        """The next chunk of stdout; ``b""`` once the child closed it."""
        stdout = self._process.stdout
        if stdout is None:
            return b""
        try:
            return await stdout.read(_READ_CHUNK)
        except (ConnectionResetError, BrokenPipeError):
            return b""

    async def closed_error(self) -> TransportClosedError:
        """Describe the end of the connection, with the exit code and stderr tail."""
        exit_code = self._process.returncode
        if exit_code is None:
            with contextlib.suppress(asyncio.TimeoutError):
                exit_code = await asyncio.wait_for(asyncio.shield(self._process.wait()), 0.5)
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._stderr_task), 0.5)
        if self._closed:
            message = "the connection to the Codex app-server was closed"
        else:
            message = "the Codex app-server exited"
        return TransportClosedError(message, exit_code=exit_code, stderr_tail=self.stderr_tail)

    async def close(self) -> None:
        """Close stdin, wait briefly, then terminate and finally kill the child."""
        if self._closed:
            return
        self._closed = True
        process = self._process
        if process.stdin is not None:
            with contextlib.suppress(Exception):
                process.stdin.close()
        if process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), self._shutdown_timeout)
            except asyncio.TimeoutError:
                self._signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), self._shutdown_timeout)
                except asyncio.TimeoutError:
                    self._signal(signal.SIGKILL)
                    await process.wait()
        # The server may have left helpers in its process group holding our pipes open.
        self._signal(signal.SIGKILL, group_only=True)
        try:
            await asyncio.wait_for(self._stderr_task, 1.0)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            self._stderr_task.cancel()
            with contextlib.suppress(BaseException):
                await self._stderr_task
        transport = getattr(process, "_transport", None)
        if transport is not None:
            transport.close()

    def _signal(self, sig: int, *, group_only: bool = False) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(self._process.pid, sig)
        if not group_only:
            with contextlib.suppress(ProcessLookupError):
                self._process.send_signal(sig)

    async def _drain_stderr(self) -> None:
        stderr = self._process.stderr
        if stderr is None:
            return
        tail = self._stderr_tail
        debug = logger.isEnabledFor(logging.DEBUG)
        while True:
            try:
                raw = await stderr.readline()
            except ValueError:
                # A line longer than the limit: the reader dropped it; note that it did.
                raw = b"<a stderr line longer than 64 KiB was skipped>"
            except (ConnectionResetError, BrokenPipeError):
                return
            if not raw:
                return
            line = _ANSI_ESCAPE.sub("", raw.decode("utf-8", "replace")).rstrip()
            if not line:
                continue
            if len(line) > 2000:
                line = line[:2000] + "..."
            tail.append(line)
            if debug or logger.isEnabledFor(logging.DEBUG):
                logger.debug("codex app-server: %s", line)
