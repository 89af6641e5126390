"""Starting the app-server process, without asyncio.

Kept apart (it imports only :mod:`subprocess`) so the sync client can launch the server
before it imports :mod:`asyncio`; :meth:`StdioTransport.adopt
<openai_codex._core.transport.stdio.StdioTransport.adopt>` takes the running process over later.
"""

from __future__ import annotations

import contextlib
import subprocess

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (cold start)
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["discard", "launch", "reap"]


def launch(argv: Sequence[str], *, env: dict[str, str], cwd: str | None) -> subprocess.Popen[bytes]:
    """Start ``argv`` with three unbuffered pipes, in a new session (its own process group).

    The result is what :meth:`StdioTransport.adopt` expects. Raises ``OSError`` if the
    program cannot be executed (not found, not executable, bad ``cwd``).
    """
    return subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )


def reap(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL ``process`` unless it is reaped already, and wait for it (quick after SIGKILL)."""
    with contextlib.suppress(OSError):
        process.kill()
    with contextlib.suppress(Exception):
        process.wait()


def discard(process: subprocess.Popen[bytes]) -> None:
    """End a launched process nobody adopted: :func:`reap` it and close its pipes."""
    reap(process)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
