"""A tiny raw JSON-RPC pipe client for the app-server, used to test MockIssuer.

It deliberately does not use the SDK (so the issuer can be verified on its own): it spawns
``codex app-server`` with a throw-away CODEX_HOME, moves JSON lines, drains stderr, and
answers any server-to-client request with a method-not-found error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from codex_cli_bin import bundled_codex_path  # type: ignore[import-untyped]

from openai_codex.testing._issuer import MockIssuer

CONFIG_TOML = """\
model = "mock-model"
approval_policy = "never"
sandbox_mode = "read-only"
model_provider = "mock_provider"

[model_providers.mock_provider]
name = "Mock"
base_url = "http://127.0.0.1:9/v1"
wire_api = "responses"
requires_openai_auth = true
request_max_retries = 0
stream_max_retries = 0
"""

Message = dict[str, Any]


class RpcError(Exception):
    """The server answered a request with an error object."""

    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = error.get("code")
        self.message = str(error.get("message"))


class RawAppServer:
    """One ``codex app-server`` child pointed at a MockIssuer, spoken to over raw pipes."""

    def __init__(self, issuer: MockIssuer) -> None:
        cache = Path.home() / ".cache" / "openai-codex-testing"
        cache.mkdir(parents=True, exist_ok=True)
        self.home = Path(tempfile.mkdtemp(prefix="issuer-", dir=cache))
        (self.home / "config.toml").write_text(CONFIG_TOML)
        env = dict(os.environ)
        for name in ("OPENAI_API_KEY", "CODEX_API_KEY"):
            env.pop(name, None)
        env.update(
            CODEX_HOME=str(self.home),
            CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG="1",
            RUST_LOG="warn",
        )
        env.update(issuer.harness_env())
        argv = [str(bundled_codex_path()), "app-server"]
        for key, value in issuer.harness_config_overrides().items():
            argv += ["-c", f"{key}={json.dumps(value)}"]
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=self.home,
        )
        self._cond = threading.Condition()
        self._responses: dict[int, Message] = {}
        self.notifications: list[Message] = []
        self.stderr_lines: list[str] = []
        self._closed = False
        self._next_id = 1
        self._write_lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    # -- plumbing -----------------------------------------------------------

    def _send(self, message: Message) -> None:
        assert self.proc.stdin is not None
        with self._write_lock:
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            self.proc.stdin.flush()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            message = json.loads(raw)
            if "method" in message and "id" in message:
                self._send(
                    {"id": message["id"], "error": {"code": -32601, "message": "unsupported"}}
                )
                continue
            with self._cond:
                if "method" in message:
                    self.notifications.append(message)
                else:
                    self._responses[message["id"]] = message
                self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.stderr_lines.append(raw.decode("utf-8", "replace"))

    def _wait(self, ready: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = ready()
                if value is not None:
                    return value
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    state = "server exited" if self._closed else f"timed out after {timeout} s"
                    raise TimeoutError(
                        f"{state} waiting for {what}; stderr:\n{''.join(self.stderr_lines)}"
                    )
                self._cond.wait(remaining)

    # -- API ----------------------------------------------------------------

    def request(self, method: str, params: Mapping[str, Any], timeout: float = 15.0) -> Any:
        """Send a request and return its result; raise RpcError for an error answer."""
        with self._cond:
            request_id = self._next_id
            self._next_id += 1
        self._send({"id": request_id, "method": method, "params": dict(params)})
        reply: Message = self._wait(
            lambda: self._responses.pop(request_id, None), timeout, f"the answer to {method}"
        )
        if "error" in reply:
            raise RpcError(reply["error"])
        return reply["result"]

    def initialize(self) -> Any:
        result = self.request(
            "initialize",
            {
                "clientInfo": {"name": "issuer_test", "version": "0"},
                "capabilities": {"experimentalApi": True},
            },
        )
        self._send({"method": "initialized"})
        return result

    def wait_notification(
        self, method: str, match: Callable[[Mapping[str, Any]], bool], timeout: float = 15.0
    ) -> Mapping[str, Any]:
        """Wait for a notification ``method`` whose params satisfy ``match``; return params."""

        def find() -> Mapping[str, Any] | None:
            for note in self.notifications:
                params = note.get("params") or {}
                if note["method"] == method and match(params):
                    return params
            return None

        found: Mapping[str, Any] = self._wait(find, timeout, f"notification {method}")
        return found

    def wait_login_completed(self, login_id: str, timeout: float = 15.0) -> Mapping[str, Any]:
        return self.wait_notification(
            "account/login/completed", lambda p: p.get("loginId") == login_id, timeout
        )

    def close(self, timeout: float = 5.0) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
            for thread in self._threads:
                thread.join(timeout)
        finally:
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> RawAppServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
