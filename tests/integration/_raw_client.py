"""A tiny JSON-RPC pipe client for the app-server, independent of the SDK under test."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import codex_cli_bin

Message = dict[str, Any]
ServerRequestHandler = Callable[[Message], Message]
"""Takes a server request; returns ``{"result": ...}`` or ``{"error": ...}``."""


def refuse(request: Message) -> Message:
    return {"error": {"code": -32601, "message": f"test client refuses {request['method']}"}}


class RpcError(Exception):
    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.error = dict(error)


class RawClient:
    def __init__(
        self,
        *,
        env: Mapping[str, str | None],
        cwd: str | Path,
        on_server_request: ServerRequestHandler = refuse,
        args: tuple[str, ...] = (),
    ) -> None:
        child_env = dict(os.environ)
        for key, value in env.items():
            if value is None:
                child_env.pop(key, None)
            else:
                child_env[key] = value
        child_env["PATH"] = (
            str(codex_cli_bin.bundled_path_dir()) + os.pathsep + child_env.get("PATH", "")
        )
        self.on_server_request = on_server_request
        self.proc = subprocess.Popen(
            [str(codex_cli_bin.bundled_codex_path()), "app-server", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(cwd),
            env=child_env,
        )
        self.messages: queue.Queue[Message | None] = queue.Queue()
        self.server_requests: list[Message] = []
        self.stderr_lines: list[str] = []
        self._write_lock = threading.Lock()
        self._next_id = 0
        self._pending: dict[int, queue.Queue[Message]] = {}
        self._pending_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._stderr = threading.Thread(target=self._drain_stderr, daemon=True)
        self._reader.start()
        self._stderr.start()

    # -- plumbing ------------------------------------------------------------------

    def _send(self, message: Message) -> None:
        assert self.proc.stdin is not None
        data = (json.dumps(message) + "\n").encode()
        with self._write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            message = json.loads(line)
            if "method" in message and "id" in message:
                self.server_requests.append(message)
                answer = self.on_server_request(message)
                self._send({"id": message["id"], **answer})
            elif "id" in message:
                with self._pending_lock:
                    waiter = self._pending.pop(message["id"], None)
                if waiter is not None:
                    waiter.put(message)
            else:
                self.messages.put(message)
        self.messages.put(None)

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line.decode(errors="replace").rstrip())

    # -- API -----------------------------------------------------------------------

    def request(self, method: str, params: Any = None, timeout: float = 10.0) -> Any:
        with self._pending_lock:
            self._next_id += 1
            rid = self._next_id
            waiter: queue.Queue[Message] = queue.Queue()
            self._pending[rid] = waiter
        message: Message = {"id": rid, "method": method}
        if params is not None:
            message["params"] = params
        self._send(message)
        try:
            answer = waiter.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(
                f"{method}: no answer in {timeout}s; stderr: {self.stderr_lines}"
            ) from None
        if "error" in answer:
            raise RpcError(answer["error"])
        return answer.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        message: Message = {"method": method}
        if params is not None:
            message["params"] = params
        self._send(message)

    def initialize(self) -> Any:
        result = self.request(
            "initialize",
            {
                "clientInfo": {"name": "raw_test_client", "version": "0.0.0"},
                "capabilities": {"experimentalApi": True},
            },
        )
        self.notify("initialized")
        return result

    def next_notification(self, timeout: float = 10.0) -> Message:
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(
                f"no notification in {timeout}s; stderr: {self.stderr_lines}"
            ) from None
        if message is None:
            raise EOFError(f"app-server exited; stderr: {self.stderr_lines}")
        return message

    def wait_for(self, method: str, timeout: float = 10.0) -> tuple[Message, list[Message]]:
        """Read notifications until ``method``; returns it and everything read before."""
        deadline = time.monotonic() + timeout
        seen: list[Message] = []
        while True:
            message = self.next_notification(max(0.0, deadline - time.monotonic()))
            if message["method"] == method:
                return message, seen
            seen.append(message)

    def start_thread(self, **params: Any) -> str:
        result = self.request("thread/start", params)
        return str(result["thread"]["id"])

    def start_turn(self, thread_id: str, text: str) -> str:
        result = self.request(
            "turn/start",
            {"threadId": thread_id, "input": [{"type": "text", "text": text}]},
        )
        return str(result["turn"]["id"])

    def run_turn(
        self, thread_id: str, text: str, timeout: float = 20.0
    ) -> tuple[Message, list[Message]]:
        """Start a turn and read until its ``turn/completed``; returns it and the rest."""
        self.start_turn(thread_id, text)
        return self.wait_for("turn/completed", timeout)

    def close(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        self._stderr.join(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
