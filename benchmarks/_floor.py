"""The floor: a bare JSON-RPC pipe client for ``codex app-server`` with no SDK at all.

Standard library only (it must never import ``openai_codex``, so its process RSS and
import cost stay those of a bare client). Two flavours, same framing:

* :class:`BareClient` - ``subprocess.Popen``; the consuming thread itself calls
  ``os.read`` on the child's stdout, splits lines and ``json.loads`` each one. A daemon
  thread drains stderr. No queue, no thread hop: this is the cheapest honest client.
* :class:`AsyncBareClient` - ``asyncio.create_subprocess_exec``; the consuming coroutine
  awaits ``StreamReader.read`` directly (same I/O path the SDK uses). It separates the
  cost of asyncio's subprocess streams from the SDK's own work.

Both answer server-to-client requests with JSON-RPC error -32601 so the server never waits.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import subprocess
import threading
from collections.abc import Mapping
from typing import Any

__all__ = ["AsyncBareClient", "BareClient", "child_argv", "child_env"]

_CHUNK = 1 << 18
_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.loads


def child_argv(codex_bin: str) -> list[str]:
    return [codex_bin, "app-server"]


def child_env(overrides: Mapping[str, str | None], path_dir: str | None) -> dict[str, str]:
    """``os.environ`` with ``overrides`` merged (None removes) and PATH prefixed."""
    env = dict(os.environ)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    if path_dir and os.path.isdir(path_dir):
        current = env.get("PATH", "")
        env["PATH"] = path_dir + (os.pathsep + current if current else "")
    return env


INIT_PARAMS = {
    "clientInfo": {"name": "bench_floor", "title": "bench floor", "version": "0"},
    "capabilities": {"experimentalApi": True},
}


class _Lines:
    """Newline framing shared by both clients."""

    __slots__ = ("buf", "lines")

    def __init__(self) -> None:
        self.buf = b""
        self.lines: collections.deque[bytes] = collections.deque()

    def feed(self, data: bytes) -> None:
        parts = (self.buf + data).split(b"\n")
        self.buf = parts.pop()
        self.lines.extend(p for p in parts if p)


class BareClient:
    """Blocking bare client; read in the consumer's own thread."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None) -> None:
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            bufsize=0,
            start_new_session=True,
        )
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        self._in = self.proc.stdin.fileno()
        self._out = self.proc.stdout.fileno()
        self._framing = _Lines()
        self._next_id = 0
        self.tap: list[bytes] | None = None  # when a list, every chunk read is appended
        self._stderr = threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True)
        self._stderr.start()

    @staticmethod
    def _drain(stream: Any) -> None:
        while stream.read(65536):
            pass

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self._in, view)
            view = view[n:]

    def send_request(self, method: str, params: Any) -> int:
        self._next_id += 1
        self.write(
            (_dumps({"id": self._next_id, "method": method, "params": params}) + "\n").encode()
        )
        return self._next_id

    def notify(self, method: str) -> None:
        self.write((_dumps({"method": method}) + "\n").encode())

    def recv(self) -> dict[str, Any]:
        """The next message (any kind); answers server requests on the way."""
        framing = self._framing
        while True:
            while not framing.lines:
                data = os.read(self._out, _CHUNK)
                if not data:
                    raise EOFError("app-server closed stdout")
                if self.tap is not None:
                    self.tap.append(data)
                framing.feed(data)
            msg: dict[str, Any] = _loads(framing.lines.popleft())
            if "id" in msg and "method" in msg:
                error = {"code": -32601, "message": "not handled"}
                self.write((_dumps({"id": msg["id"], "error": error}) + "\n").encode())
                continue
            return msg

    def request(self, method: str, params: Any) -> Any:
        """Send a request and wait for its answer; notifications meanwhile are dropped."""
        rid = self.send_request(method, params)
        while True:
            msg = self.recv()
            if msg.get("id") == rid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def initialize(self) -> Any:
        result = self.request("initialize", INIT_PARAMS)
        self.notify("initialized")
        return result

    def close(self) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._stderr.join(2)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


class AsyncBareClient:
    """asyncio bare client; the consuming coroutine awaits the pipe directly."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        assert proc.stdin and proc.stdout and proc.stderr
        self._stdin = proc.stdin
        self._stdout = proc.stdout
        self._framing = _Lines()
        self._next_id = 0
        self._stderr = asyncio.ensure_future(self._drain(proc.stderr))

    @classmethod
    async def spawn(cls, argv: list[str], env: dict[str, str], cwd: str | None) -> AsyncBareClient:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        return cls(proc)

    @staticmethod
    async def _drain(stream: asyncio.StreamReader) -> None:
        while await stream.read(65536):
            pass

    def send_request(self, method: str, params: Any) -> int:
        self._next_id += 1
        line = _dumps({"id": self._next_id, "method": method, "params": params}) + "\n"
        self._stdin.write(line.encode())
        return self._next_id

    def notify(self, method: str) -> None:
        self._stdin.write((_dumps({"method": method}) + "\n").encode())

    async def recv(self) -> dict[str, Any]:
        framing = self._framing
        while True:
            while not framing.lines:
                data = await self._stdout.read(_CHUNK)
                if not data:
                    raise EOFError("app-server closed stdout")
                framing.feed(data)
            msg: dict[str, Any] = _loads(framing.lines.popleft())
            if "id" in msg and "method" in msg:
                error = {"code": -32601, "message": "not handled"}
                self._stdin.write((_dumps({"id": msg["id"], "error": error}) + "\n").encode())
                continue
            return msg

    async def request(self, method: str, params: Any) -> Any:
        rid = self.send_request(method, params)
        while True:
            msg = await self.recv()
            if msg.get("id") == rid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    async def initialize(self) -> Any:
        result = await self.request("initialize", INIT_PARAMS)
        self.notify("initialized")
        return result

    async def close(self) -> None:
        self._stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        await asyncio.wait_for(self._stderr, 2)
