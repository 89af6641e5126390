"""Machine-wide locks for tests that share fixed resources.

The Codex app-server's browser login listens on the fixed port 1455 (falling back to 1457),
and a new browser login in *any* process cancels a pending one. Tests that run the browser
flow must therefore be serialized across the whole machine, not just within one process:
:func:`browser_login_lock` does that with an advisory lock on a file in the temp directory.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["BROWSER_LOGIN_LOCK_PATH", "browser_login_lock"]

BROWSER_LOGIN_LOCK_PATH = os.path.join(tempfile.gettempdir(), "openai-codex-testing-1455.lock")
"""The lock file shared by every process that runs a browser login test."""

_POLL_INTERVAL = 0.05


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on ``fd`` without blocking; return whether it was taken."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def browser_login_lock(
    timeout: float | None = 300.0, *, path: str = BROWSER_LOGIN_LOCK_PATH
) -> Iterator[None]:
    """Hold the machine-wide lock for the browser-login callback port (1455).

    Wrap the whole life of an app-server that starts a browser login (start, login, stop)
    in this context manager, so that no other process's browser login cancels it.

    Args:
        timeout: Seconds to wait for the lock, or ``None`` to wait forever.
        path: The lock file; every cooperating process must use the same one.

    Raises:
        TimeoutError: The lock was not free within ``timeout`` seconds.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not _try_lock(fd):
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(
                    f"browser login lock {path} still held by another process after {timeout:g} s"
                )
            time.sleep(_POLL_INTERVAL)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
