"""Run the same scenario over stdio and over WebSocket, against one CodexHarness.

``WsAppServer(harness)`` starts the real ``codex app-server --listen ws://127.0.0.1:0`` with
the runtime's capability-token flags, in the harness's environment (its CODEX_HOME, so the
server talks to the harness's MockModel), and reads the port from the ``listening on``
line of its stderr. ``ClientConfigs`` hands out ``CodexConfig`` objects for either
transport; the ``transport`` fixture of a test module yields one per parameter.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

from openai_codex import CodexConfig
from openai_codex._client.runtime import build_argv, build_env
from openai_codex.testing import CodexHarness

TRANSPORTS = ("stdio", "websocket")
_START_TIMEOUT = 60.0  # way out only: the server prints its URL within a second or two


class WsAppServer:
    """A WebSocket app-server for ``harness``, guarded by a fresh capability token."""

    def __init__(self, harness: CodexHarness, *, token: str | None = None, port: int = 0) -> None:
        self.harness = harness
        self.port = port
        self.token = token if token is not None else os.urandom(24).hex()
        self.token_file: Path = harness.root / "ws-token"
        self.url = ""
        self.tail: collections.deque[str] = collections.deque(maxlen=200)
        self._listening = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._drain: threading.Thread | None = None

    def start(self) -> WsAppServer:
        """Launch the server and wait for its URL (fails the test with its stderr)."""
        fd = os.open(self.token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.token + "\n")
        config = self.harness.config()
        argv, path_dir = build_argv(config)
        argv += [
            "--listen",
            f"ws://127.0.0.1:{self.port}",
            "--ws-auth",
            "capability-token",
            "--ws-token-file",
            str(self.token_file),
        ]
        self._proc = subprocess.Popen(
            argv,
            env=build_env(config, path_dir),
            cwd=str(self.harness.workspace),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._drain = threading.Thread(target=self._read_stderr, name="ws-server-stderr")
        self._drain.start()
        if not self._listening.wait(_START_TIMEOUT):
            self.stop()
            raise AssertionError("the ws app-server printed no URL:\n" + "\n".join(self.tail))
        return self

    def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for raw in self._proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            self.tail.append(line)
            if "listening on:" in line and not self.url:
                self.url = line.split("listening on:", 1)[1].strip()
                self._listening.set()
        self._listening.set()  # the server ended: let start() report it

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def config(self, **overrides: Any) -> CodexConfig:
        """A client config for this server (the harness's config plus url and token)."""
        overrides.setdefault("auth_token", self.token)
        return self.harness.config(url=self.url, **overrides)

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the server process."""
        assert self._proc is not None
        self._proc.send_signal(sig)

    def stop(self) -> None:
        """End the server (SIGTERM, then SIGKILL) and join the stderr reader."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)  # in case a test froze it
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        if self._drain is not None:
            self._drain.join(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()

    def __enter__(self) -> WsAppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ClientConfigs:
    """``CodexConfig`` objects for one harness over one transport."""

    def __init__(self, kind: str, harness: CodexHarness, server: WsAppServer | None) -> None:
        self.kind = kind
        self.harness = harness
        self.server = server

    def config(self, **overrides: Any) -> CodexConfig:
        """A config reaching the harness's server over this transport."""
        if self.server is None:
            return self.harness.config(**overrides)
        return self.server.config(**overrides)


def client_configs(kind: str, harness: CodexHarness) -> tuple[ClientConfigs, WsAppServer | None]:
    """The configs for ``kind`` (starting a WebSocket server for ``"websocket"``)."""
    if kind == "stdio":
        return ClientConfigs(kind, harness, None), None
    server = WsAppServer(harness).start()
    return ClientConfigs(kind, harness, server), server
