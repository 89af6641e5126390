"""The stdio transport: run ``codex app-server``, move bytes, drain stderr.

The child is a plain :class:`subprocess.Popen` (see :func:`launch`) that the transport
adopts on the event loop: its three pipes are connected with ``connect_read_pipe`` and
``connect_write_pipe``, and its exit is watched without asyncio's child watchers, through a
pidfd on the loop where the platform has one (Linux 5.3+), else by a thread that waits
for it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence

from ..._observability.logs import ServerLogForwarder
from ..._observability.redact import scrub_text
from ...errors import TransportClosedError
from ._popen import discard, launch, reap

__all__ = ["StdioTransport", "launch"]

logger = logging.getLogger("openai_codex")

_STDERR_TAIL_LINES = 40
_STDERR_MAX_LINE = 64 * 1024
# The server colours its log lines; error messages and logs get them plain.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# How long close() waits for the pipes' last callbacks and for the waiter thread (way outs).
_RELEASE_TIMEOUT = 5.0


class _ChildProtocol:
    """What happens on the child's pipes and at its exit, for the transport."""

    def __init__(self, server_logs: ServerLogForwarder | None = None) -> None:
        self.on_data: Callable[[bytes], None] | None = None
        self.on_eof: Callable[[], None] | None = None
        self.early: list[bytes] = []  # stdout data before start()
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


class _PipeProtocol(asyncio.Protocol):
    """One pipe of the child (``fd`` 0, 1 or 2), forwarded to the :class:`_ChildProtocol`."""

    def __init__(self, child: _ChildProtocol, fd: int) -> None:
        self._child = child
        self._fd = fd
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self._child.pipe_data_received(self._fd, data)

    def eof_received(self) -> None:
        return None  # connection_lost follows at once

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            self._child.pipe_connection_lost(self._fd, exc)
        finally:
            if not self.lost.done():
                self.lost.set_result(None)

    def pause_writing(self) -> None:
        self._child.pause_writing()

    def resume_writing(self) -> None:
        self._child.resume_writing()


class _ExitWatcher:
    """Reaps the child when it exits and then calls ``on_exit`` on the loop, once.

    With a pidfd, the loop watches it (readable once the child has exited) and reaps the
    child with ``poll()``: no thread. Otherwise a daemon thread blocks in ``wait()``.
    """

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        loop: asyncio.AbstractEventLoop,
        on_exit: Callable[[], None],
    ) -> None:
        self._process = process
        self._loop = loop
        self._on_exit = on_exit
        self._pidfd: int | None = None
        self._thread: threading.Thread | None = None
        self._done = False

    def start(self) -> None:
        """Begin watching; if the child has already exited, report it soon."""
        if self._process.poll() is not None:
            self._loop.call_soon(self._exited)
            return
        # Not reaped yet (only we reap it), so the pid cannot have been reused.
        pidfd_open: Callable[[int], int] | None = getattr(os, "pidfd_open", None)
        if pidfd_open is not None:
            try:
                pidfd = pidfd_open(self._process.pid)
            except OSError:  # an old kernel (ENOSYS) or a sandbox (EPERM)
                pass
            else:
                try:
                    self._loop.add_reader(pidfd, self._pidfd_ready)
                except (OSError, ValueError, NotImplementedError):
                    os.close(pidfd)
                else:
                    self._pidfd = pidfd
                    return
        self._start_thread()

    def _start_thread(self) -> None:
        thread = threading.Thread(
            target=self._wait,
            name=f"codex-app-server-wait-{self._process.pid}",
            daemon=True,
        )
        self._thread = thread
        thread.start()

    def _pidfd_ready(self) -> None:
        self._release_pidfd()
        if self._process.poll() is None:  # another thread is in wait(): wait in ours too
            self._start_thread()
        else:
            self._exited()

    def _wait(self) -> None:
        try:
            self._process.wait()
        except Exception:  # never seen; the loop-side close() reaps it anyway
            logger.debug("waiting for the app-server process failed", exc_info=True)
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody to tell
            self._loop.call_soon_threadsafe(self._exited)

    def _exited(self) -> None:
        if not self._done:
            self._done = True
            self._on_exit()

    def _release_pidfd(self) -> None:
        pidfd, self._pidfd = self._pidfd, None
        if pidfd is not None:
            with contextlib.suppress(Exception):  # a closed loop has no readers left
                self._loop.remove_reader(pidfd)
            os.close(pidfd)

    def close(self) -> None:
        """Stop watching: unregister and close the pidfd, join the thread (call once the
        child is reaped, else the join waits for it)."""
        self._release_pidfd()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(_RELEASE_TIMEOUT)


class StdioTransport:
    """A child process speaking JSON-RPC on stdin/stdout.

    stdout chunks go straight to the connection's callback; stderr is split into lines
    continuously (a server that floods stderr never blocks) and sent to the
    ``openai_codex`` logger at DEBUG level, or, given ``server_logs``, to that forwarder
    (the ``openai_codex.server`` logger at the server's levels, rate-limited); the last
    lines are kept for error messages.

    Create it with :meth:`spawn`, or start the process with :func:`launch` (no asyncio
    needed) and hand it over with :meth:`adopt`.
    """

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        protocol: _ChildProtocol,
        pipes: tuple[
            tuple[asyncio.WriteTransport, _PipeProtocol],
            tuple[asyncio.ReadTransport, _PipeProtocol],
            tuple[asyncio.ReadTransport, _PipeProtocol],
        ],
        watcher: _ExitWatcher,
        *,
        shutdown_timeout: float = 2.0,
    ) -> None:
        self._process = process
        self._protocol = protocol
        (self._stdin, self._stdin_pipe), (self._stdout, self._stdout_pipe), pipe_err = pipes
        self._stderr, self._stderr_pipe = pipe_err
        self._watcher = watcher
        self._shutdown_timeout = shutdown_timeout
        self._closed = False
        self._released = False

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
        process = launch(argv, env=env, cwd=cwd)
        return await cls.adopt(process, shutdown_timeout=shutdown_timeout, server_logs=server_logs)

    @classmethod
    async def adopt(
        cls,
        process: subprocess.Popen[bytes],
        *,
        shutdown_timeout: float = 2.0,
        server_logs: ServerLogForwarder | None = None,
    ) -> StdioTransport:
        """Take over a running (or already ended) process started by :func:`launch`.

        Call on the event loop. ``process`` must have ``stdin``, ``stdout`` and ``stderr``
        pipes nobody has read from or written to through their file objects (unbuffered,
        as :func:`launch` makes them); the transport owns them from now on and closes them
        in :meth:`close`. Output the process wrote earlier is still delivered and an exit
        that already happened is still reported. If the pipes cannot be connected, the
        process is killed and reaped, its pipes closed, and the error raised.
        """
        loop = asyncio.get_running_loop()
        protocol = _ChildProtocol(server_logs)
        connected: list[asyncio.BaseTransport] = []
        try:
            stdin, stdout, stderr = process.stdin, process.stdout, process.stderr
            if stdin is None or stdout is None or stderr is None:
                raise ValueError("the process needs stdin, stdout and stderr pipes")
            out, out_pipe = await loop.connect_read_pipe(lambda: _PipeProtocol(protocol, 1), stdout)
            connected.append(out)
            err, err_pipe = await loop.connect_read_pipe(lambda: _PipeProtocol(protocol, 2), stderr)
            connected.append(err)
            into, in_pipe = await loop.connect_write_pipe(lambda: _PipeProtocol(protocol, 0), stdin)
            connected.append(into)
            watcher = _ExitWatcher(process, loop, protocol.process_exited)
            watcher.start()
        except BaseException:
            for transport in connected:
                if isinstance(transport, asyncio.WriteTransport):
                    transport.abort()
                else:
                    transport.close()
            discard(process)  # the transports close the files again: a no-op
            raise
        return cls(
            process,
            protocol,
            ((into, in_pipe), (out, out_pipe), (err, err_pipe)),
            watcher,
            shutdown_timeout=shutdown_timeout,
        )

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._process.pid

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
        pipe = self._stdout
        fileobj = pipe.get_extra_info("pipe")
        if fileobj is None or pipe.is_closing():
            return None
        pipe.pause_reading()
        fd: int = fileobj.fileno()
        return fd

    def return_reader(self) -> None:
        """Read stdout on the loop again (the end of a lease). Call on the loop."""
        pipe = self._stdout
        if not pipe.is_closing():
            pipe.resume_reading()

    async def send(self, data: bytes) -> None:
        """Write to the child's stdin; raises :class:`TransportClosedError` if it is gone."""
        stdin = self._stdin
        if self._closed or stdin.is_closing():
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
            message, exit_code=self._process.returncode, stderr_tail=self.stderr_tail
        )

    async def close(self) -> None:
        """Close stdin, wait briefly, then terminate and finally kill the child.

        When it returns, the child is reaped and every pipe, pidfd and thread of the
        transport is gone. Cancelled, it kills the child at once (and still reaps it).
        """
        if self._closed:
            return
        self._closed = True
        try:
            await self._stop_child()
        finally:
            self._release()
        pending = [
            pipe.lost
            for pipe in (self._stdin_pipe, self._stdout_pipe, self._stderr_pipe)
            if not pipe.lost.done()
        ]
        if pending:  # their connection_lost (which closes the file) runs on the next turn
            await asyncio.wait(pending, timeout=_RELEASE_TIMEOUT)

    async def _stop_child(self) -> None:
        exited = self._protocol.exited
        with contextlib.suppress(Exception):
            self._stdin.close()
        if not exited.done():
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

    def _release(self) -> None:
        """Reap the child (killing it if need be), stop watching it, close the pipes."""
        if self._released:
            return
        self._released = True
        if self._process.returncode is None:  # close() was cancelled or failed
            self._signal(signal.SIGKILL, group_only=True)
            reap(self._process)
        self._watcher.close()
        self._stdout.close()
        self._stderr.close()
        stdin = self._stdin
        if stdin.get_write_buffer_size():  # the child never read it: drop it
            stdin.abort()
        else:
            stdin.close()

    def _signal(self, sig: int, *, group_only: bool = False) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(self.pid, sig)
        if not group_only:
            with contextlib.suppress(ProcessLookupError):
                self._process.send_signal(sig)  # nothing once reaped: no pid reuse race
