"""StdioTransport.adopt: a ``subprocess.Popen`` started before the event loop, taken over.

Covers the real app-server (an ``initialize`` handshake over the adopted pipes, the reader
lease's fd), children that wrote or exited before adoption, the stop ladder of ``close()``
(stdin EOF, SIGTERM, SIGKILL) and that nothing is left behind: no fd, no thread, no
ResourceWarning. Every scenario runs with the pidfd exit watcher (Linux) and with the
fallback thread (no ``os.pidfd_open``, or one that fails).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run

from openai_codex._client.launch import initialize_params
from openai_codex._client.runtime import build_argv, build_env
from openai_codex._core.transport._popen import launch
from openai_codex._core.transport.stdio import StdioTransport
from openai_codex.errors import TransportClosedError
from openai_codex.testing import CodexHarness

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes and signals")

WAITER_PREFIX = "codex-app-server-wait-"
FD_DIR = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"

# A child that ignores both the end of stdin and SIGTERM: only SIGKILL ends it.
STUBBORN = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
    "time.sleep(120)\n"
)
# A child that says something on both pipes and exits with 3 at once.
EARLY_EXIT = (
    "import sys\n"
    "sys.stdout.write('early\\n'); sys.stdout.flush()\n"
    "sys.stderr.write('boom\\n')\n"
    "sys.exit(3)\n"
)


def pidfd_works() -> bool:
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return False
    try:
        os.close(pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


@pytest.fixture(params=["pidfd", "no-pidfd", "pidfd-fails"])
def watcher(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How the transport learns that the child exited."""
    mode: str = request.param
    if mode == "pidfd":
        if not pidfd_works():
            pytest.skip("no working os.pidfd_open on this platform")
    elif mode == "no-pidfd":
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    else:

        def fail(pid: int, flags: int = 0) -> int:
            raise OSError(errno.ENOSYS, "pidfd_open is not implemented")

        monkeypatch.setattr(os, "pidfd_open", fail, raising=False)
    return mode


def waiter_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(WAITER_PREFIX)]


@contextlib.contextmanager
def nothing_left_behind() -> Iterator[None]:
    """Fail if the block leaves a file descriptor, a thread or a ResourceWarning behind."""
    gc.collect()
    fds_before = open_fds()
    threads_before = set(threading.enumerate())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    resource_warnings = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not resource_warnings, [str(w.message) for w in resource_warnings]
    gc.collect()
    leaked_fds = open_fds() - fds_before
    assert not leaked_fds, {fd: _describe_fd(fd) for fd in leaked_fds}
    leaked_threads = set(threading.enumerate()) - threads_before
    assert not leaked_threads, leaked_threads


def open_fds() -> set[str]:
    """This process's open file descriptors (not the one ``listdir`` used meanwhile)."""
    fds = set()
    for fd in os.listdir(FD_DIR):
        with contextlib.suppress(OSError):
            os.fstat(int(fd))
            fds.add(fd)
    return fds


def _describe_fd(fd: str) -> str:
    try:
        return os.readlink(os.path.join(FD_DIR, fd))
    except OSError:
        return "?"


def python_child(code: str) -> subprocess.Popen[bytes]:
    return launch([sys.executable, "-c", code], env=dict(os.environ), cwd=None)


def wait_zombie(process: subprocess.Popen[bytes]) -> None:
    """Wait until ``process`` has exited without reaping it (it stays a zombie)."""
    waitid = getattr(os, "waitid", None)
    if waitid is None or not hasattr(os, "WNOWAIT"):
        pytest.skip("os.waitid(WNOWAIT) is not available")
    waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    assert process.returncode is None


class Lines:
    """Collects the transport's stdout as lines (the connection's role, in miniature)."""

    def __init__(self) -> None:
        self.buffer = b""
        self.lines: asyncio.Queue[bytes] = asyncio.Queue()
        self.eof = asyncio.get_running_loop().create_future()

    def on_data(self, data: bytes) -> None:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            self.lines.put_nowait(line)

    def on_eof(self) -> None:
        assert not self.eof.done(), "on_eof called twice"
        self.eof.set_result(None)

    async def message(self, request_id: int) -> dict[str, Any]:
        """The answer to ``request_id`` (skipping notifications)."""
        while True:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(self.lines.get(), 30))
            if message.get("id") == request_id:
                return message


def send_line(message: dict[str, Any]) -> bytes:
    return (json.dumps(message) + "\n").encode()


# -- the real app-server -------------------------------------------------------------------


def test_adopted_app_server_answers_initialize(harness: CodexHarness, watcher: str) -> None:
    config = harness.config()
    argv, path_dir = build_argv(config)
    with nothing_left_behind():
        # Started before any event loop exists, as the sync client does.
        process = launch(argv, env=build_env(config, path_dir), cwd=str(config.cwd))

        async def main() -> None:
            transport = await StdioTransport.adopt(process, shutdown_timeout=5.0)
            assert transport.pid == process.pid
            assert len(waiter_threads()) == (0 if watcher == "pidfd" else 1)
            lines = Lines()
            transport.start(lines.on_data, lines.on_eof)
            try:
                request = {"id": 1, "method": "initialize", "params": initialize_params(config)}
                await transport.send(send_line(request))
                answer = await lines.message(1)
                assert "result" in answer, answer
                await transport.send(send_line({"method": "initialized"}))

                # The reader lease: the loop stops reading and lends the non-blocking fd.
                queued, partial = lines.lines.qsize(), lines.buffer
                fd = transport.lend_reader()
                assert fd is not None and fd == process.stdout.fileno()  # type: ignore[union-attr]
                assert not os.get_blocking(fd)
                await transport.send(send_line({"id": 2, "method": "initialize", "params": {}}))
                borrowed = b""
                answers: list[dict[str, Any]] = []
                deadline = time.monotonic() + 30
                while not any(a.get("id") == 2 for a in answers):
                    assert time.monotonic() < deadline, borrowed
                    select.select([fd], [], [], 0.5)
                    with contextlib.suppress(BlockingIOError):
                        borrowed += os.read(fd, 65536)
                    *complete, _ = borrowed.split(b"\n")
                    answers = [json.loads(line) for line in complete if line.strip()]
                # The loop did not read meanwhile.
                assert (lines.lines.qsize(), lines.buffer) == (queued, partial)
                transport.return_reader()
            finally:
                await transport.close()
            assert process.returncode is not None
            assert transport.lend_reader() is None
            assert lines.eof.done()
            assert process.stdout is not None and process.stdout.closed
            assert process.stdin is not None and process.stdin.closed
            assert not waiter_threads()

        run(main())


def test_spawn_still_launches_and_reports_a_missing_program(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-codex")

    async def main() -> None:
        with pytest.raises(OSError):
            await StdioTransport.spawn([missing], env=dict(os.environ), cwd=None)
        transport = await StdioTransport.spawn(
            [sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.readline())"],
            env=dict(os.environ),
            cwd=None,
        )
        lines = Lines()
        transport.start(lines.on_data, lines.on_eof)
        await transport.send(b"echo\n")
        assert await asyncio.wait_for(lines.lines.get(), 30) == b"echo"
        await transport.close()

    with nothing_left_behind():
        run(main())


# -- children that were quick ---------------------------------------------------------------


@pytest.mark.parametrize("state", ["running", "zombie", "reaped"])
def test_output_and_exit_before_adoption_are_seen(watcher: str, state: str) -> None:
    with nothing_left_behind():
        if state == "running":  # wrote, then still alive until stdin ends
            process = python_child(
                "import sys\n"
                "sys.stdout.write('early\\n'); sys.stdout.flush()\n"
                "sys.stderr.write('boom\\n'); sys.stderr.flush()\n"
                "sys.stdin.read(); sys.exit(3)\n"
            )
            assert process.stdout is not None
            select.select([process.stdout], [], [], 30)  # the output is waiting in the pipe
        else:
            process = python_child(EARLY_EXIT)
            if state == "zombie":
                wait_zombie(process)
            else:
                process.wait()

        async def main() -> None:
            transport = await StdioTransport.adopt(process, shutdown_timeout=5.0)
            await asyncio.sleep(0.1)  # everything arrives before start(): it is kept
            lines = Lines()
            transport.start(lines.on_data, lines.on_eof)
            assert await asyncio.wait_for(lines.lines.get(), 30) == b"early"
            if state == "running":
                assert not lines.eof.done()
                await transport.close()
                assert lines.eof.done()
                assert process.returncode == 3
                assert transport.stderr_tail == ["boom"]
                return
            await asyncio.wait_for(lines.eof, 30)
            with pytest.raises(TransportClosedError) as info:
                await transport.send(b"{}\n")
            assert info.value.exit_code == 3
            assert info.value.stderr_tail == ("boom",)
            assert "exited" in str(info.value)
            error = await transport.closed_error()
            assert error.exit_code == 3 and error.stderr_tail == ("boom",)
            await transport.close()
            assert process.returncode == 3
            closed = await transport.closed_error()
            assert closed.exit_code == 3 and "closed" in str(closed)

        run(main())


def test_child_exit_while_adopted_is_reported(watcher: str) -> None:
    with nothing_left_behind():
        process = python_child("import sys; sys.stdin.readline(); " + EARLY_EXIT.replace("\n", ";"))

        async def main() -> None:
            transport = await StdioTransport.adopt(process)
            lines = Lines()
            transport.start(lines.on_data, lines.on_eof)
            await transport.send(b"go\n")
            await asyncio.wait_for(lines.eof, 30)
            error = await transport.closed_error()
            assert error.exit_code == 3 and error.stderr_tail == ("boom",)
            assert process.returncode == 3  # reaped by the watcher, before close()
            await transport.close()

        run(main())


# -- close() ---------------------------------------------------------------------------------


def test_close_kills_a_child_that_ignores_eof_and_sigterm(watcher: str) -> None:
    with nothing_left_behind():
        process = python_child(STUBBORN)

        async def main() -> None:
            fds = open_fds()  # the loop's and the child's pipes
            pipes = {str(f.fileno()) for f in (process.stdin, process.stdout, process.stderr) if f}
            transport = await StdioTransport.adopt(process, shutdown_timeout=0.3)
            lines = Lines()
            transport.start(lines.on_data, lines.on_eof)
            assert await asyncio.wait_for(lines.lines.get(), 30) == b"ready"
            assert len(waiter_threads()) == (0 if watcher == "pidfd" else 1)
            started = time.monotonic()
            await transport.close()
            elapsed = time.monotonic() - started
            assert process.returncode == -signal.SIGKILL
            assert 0.5 <= elapsed < 5.0, elapsed  # stdin EOF, then SIGTERM, then SIGKILL
            assert not waiter_threads()
            assert open_fds() == fds - pipes
            await transport.close()  # idempotent
            with pytest.raises(TransportClosedError) as info:
                await transport.send(b"late\n")
            assert info.value.exit_code == -signal.SIGKILL

        run(main())


def test_close_of_a_polite_child_is_quick(watcher: str) -> None:
    with nothing_left_behind():
        process = python_child("import sys; sys.stdin.read()")

        async def main() -> None:
            transport = await StdioTransport.adopt(process, shutdown_timeout=10.0)
            started = time.monotonic()
            await transport.close()
            assert time.monotonic() - started < 5.0
            assert process.returncode == 0

        run(main())


def test_cancelled_close_still_kills_and_reaps(watcher: str) -> None:
    with nothing_left_behind():
        process = python_child(STUBBORN)

        async def main() -> None:
            fds = open_fds()
            transport = await StdioTransport.adopt(process, shutdown_timeout=30.0)
            lines = Lines()
            transport.start(lines.on_data, lines.on_eof)
            assert await asyncio.wait_for(lines.lines.get(), 30) == b"ready"
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(transport.close(), 0.3)
            assert process.returncode == -signal.SIGKILL
            assert not waiter_threads()
            assert open_fds() <= fds  # no pidfd; the pipes close on the next turns
            await asyncio.sleep(0.05)
            assert lines.eof.done()

        run(main())


def test_close_kills_helpers_left_in_the_process_group(watcher: str) -> None:
    with nothing_left_behind():
        # The child leaves a grandchild holding stdout and stderr, then exits.
        process = python_child(
            "import subprocess, sys\n"
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
            "sys.stdout.write(f'{p.pid}\\n'); sys.stdout.flush()\n"
        )

        async def main() -> int:
            transport = await StdioTransport.adopt(process, shutdown_timeout=0.5)
            lines = Lines()
            transport.start(lines.on_data, lines.on_eof)
            grandchild = int(await asyncio.wait_for(lines.lines.get(), 30))
            await asyncio.wait_for(asyncio.shield(transport._protocol.exited), 30)
            assert not lines.eof.done()  # the grandchild still holds the pipe
            await transport.close()
            assert lines.eof.done()
            return grandchild

        grandchild = run(main())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(grandchild, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)  # killed; its parent (exited) leaves it to init to reap
        else:
            with open(f"/proc/{grandchild}/stat") as stat:  # a zombie waiting for init
                assert stat.read().split(") ")[1].startswith("Z")


# -- stdin flow control ------------------------------------------------------------------


def test_large_writes_wait_for_a_slow_reader(watcher: str) -> None:
    size = 8 * 1024 * 1024
    with nothing_left_behind():
        process = python_child(
            "import sys, time\n"
            "time.sleep(0.3)\n"
            f"data = sys.stdin.buffer.read({size})\n"
            "sys.stdout.write(f'{len(data)}\\n'); sys.stdout.flush()\n"
            "sys.stdin.read()\n"
        )

        async def main() -> None:
            transport = await StdioTransport.adopt(process)
            lines = Lines()
            transport.start(lines.on_data, lines.on_eof)
            for _ in range(8):
                await transport.send(b"x" * (size // 8))
                assert transport._stdin.get_write_buffer_size() <= 64 * 1024
            assert await asyncio.wait_for(lines.lines.get(), 30) == str(size).encode()
            await transport.close()
            assert process.returncode == 0

        run(main())


def test_close_ends_a_send_blocked_on_a_child_that_never_reads(watcher: str) -> None:
    with nothing_left_behind():
        process = python_child(STUBBORN)

        async def main() -> None:
            transport = await StdioTransport.adopt(process, shutdown_timeout=0.2)
            lines = Lines()
            transport.start(lines.on_data, lines.on_eof)
            assert await asyncio.wait_for(lines.lines.get(), 30) == b"ready"
            blocked = asyncio.ensure_future(transport.send(b"x" * (4 * 1024 * 1024)))
            await asyncio.sleep(0.2)
            assert not blocked.done()  # the pipe is full and nobody reads it
            await transport.close()
            assert process.returncode == -signal.SIGKILL
            with pytest.raises(TransportClosedError):
                await asyncio.wait_for(blocked, 10)

        run(main())


# -- no ResourceWarning, in a fresh interpreter -----------------------------------------------


SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, os, sys
    from openai_codex._core.transport.stdio import StdioTransport, launch

    if sys.argv[1] != "pidfd":
        del os.pidfd_open

    def child(code):
        return launch([sys.executable, "-c", code], env=dict(os.environ), cwd=None)

    async def scenario(process, *, wait_line=False, timeout=0.2):
        transport = await StdioTransport.adopt(process, shutdown_timeout=timeout)
        got = asyncio.get_running_loop().create_future()
        transport.start(
            lambda data: got.done() or got.set_result(data), lambda: None
        )
        if wait_line:
            await asyncio.wait_for(got, 30)
        await transport.close()

    async def main():
        await scenario(child("import sys; sys.stdin.read()"))
        await scenario(child(sys.argv[2]), wait_line=True)
        quick = child("import sys; sys.exit(3)")
        quick.wait()
        await scenario(quick)
        transport = await StdioTransport.adopt(child(sys.argv[2]), shutdown_timeout=30)
        try:
            await asyncio.wait_for(transport.close(), 0.2)
        except asyncio.TimeoutError:
            pass

    asyncio.run(main())
    gc.collect()
    print("ok")
    """
)


@pytest.mark.parametrize("mode", ["pidfd", "no-pidfd"])
def test_no_resource_warning_in_dev_mode(tmp_path: Path, mode: str) -> None:
    if mode == "pidfd" and not pidfd_works():
        pytest.skip("no working os.pidfd_open on this platform")
    script = tmp_path / "adopt_script.py"
    script.write_text(SCRIPT)
    result = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", str(script), mode, STUBBORN],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    for bad in ("ResourceWarning", "Exception ignored", "Traceback", "unclosed", "never"):
        assert bad not in result.stderr, result.stderr
