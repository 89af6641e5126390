"""A Codex app-server on a WebSocket port, shared by several clients (blocking client).

``codex app-server --listen ws://127.0.0.1:PORT --ws-auth capability-token
--ws-token-file FILE`` serves the protocol the SDK usually speaks over a child's stdio, to
any number of clients, each of which must send the token as ``Authorization: Bearer``.
``CodexConfig(url=..., auth_token=...)`` connects to it instead of launching a server.

This script starts such a server (a fresh random token in a 0600 file), connects, runs a
turn, continues the thread from a second client, shows that a wrong token is refused, and
stops the server. Run it against your own Codex::

    python examples/21_websocket/sync.py

offline, on a throw-away CODEX_HOME and the scripted mock model::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/21_websocket/sync.py

or against a server you already run (``codex-sdk serve`` prints the URL and token file)::

    CODEX_WS_URL=ws://127.0.0.1:8765 CODEX_WS_TOKEN_FILE=/path/to/token \\
        python examples/21_websocket/sync.py
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import is_offline

from openai_codex import Codex, CodexAuthError, CodexConfig

LISTENING = re.compile(r"listening on:\s*(ws://\S+)")


@contextlib.contextmanager
def app_server() -> Iterator[tuple[str, str]]:
    """Start ``codex app-server`` on a free localhost port; yield ``(url, token)``."""
    import codex_cli_bin  # the runtime package the SDK depends on

    with contextlib.ExitStack() as stack:
        env, cwd = dict(os.environ), None
        if is_offline():  # the test kit: its CODEX_HOME points the server at the mock
            from openai_codex.testing import CodexHarness, Reply

            harness = stack.enter_context(CodexHarness())
            harness.model.enqueue(Reply.text("Hello over WebSocket!"))
            for key, value in harness.env().items():  # None means: unset it
                if value is None:
                    env.pop(key, None)
                else:
                    env[key] = value
            cwd = harness.workspace
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        token = secrets.token_urlsafe(32)
        token_file = workdir / "token"
        token_file.touch(mode=0o600)  # private before the token is written
        token_file.write_text(token + "\n")
        log_path = workdir / "server.log"
        log = stack.enter_context(log_path.open("wb"))
        argv = [
            codex_cli_bin.bundled_codex_path(),
            "app-server",
            "--listen",
            "ws://127.0.0.1:0",  # port 0: the server picks a free port and prints it
            "--ws-auth",
            "capability-token",
            "--ws-token-file",
            str(token_file),
        ]
        server = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while not (match := LISTENING.search(log_path.read_text(errors="replace"))):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app-server did not start:\n" + log_path.read_text())
                time.sleep(0.05)
            yield match.group(1), token
        finally:
            server.terminate()  # a running turn gets a moment to finish
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextlib.contextmanager
def target() -> Iterator[tuple[str, str]]:
    """The server named by CODEX_WS_URL / CODEX_WS_TOKEN_FILE, else one started here."""
    url = os.environ.get("CODEX_WS_URL")
    if url:
        token_file = Path(os.environ["CODEX_WS_TOKEN_FILE"]).expanduser()
        yield url, token_file.read_text().strip()
        return
    with app_server() as found:
        yield found


def main() -> None:
    with target() as (url, token):
        print(f"app-server: {url}")  # never print the token itself
        config = CodexConfig(url=url, auth_token=token)
        with Codex(config) as codex:
            # No pid: the server is not a child of this client, close() only disconnects.
            print(f"connected: {codex.metadata.user_agent.split(' ')[0]}, pid={codex.pid}")
            thread = codex.thread_start()
            result = thread.run("Say hello, you are reached over WebSocket.")
            print(f"first client: {result.final_response}")

        # A second client of the same server continues the thread.
        with Codex(config) as other:
            again = other.thread_resume(thread.id).run("Repeat after me: still here.")
            print(f"second client: {again.final_response}")

        try:
            with Codex(CodexConfig(url=url, auth_token="not-the-token")):
                pass
        except CodexAuthError as exc:
            print(f"wrong token: refused with HTTP {exc.status_code} ({exc.reason})")


if __name__ == "__main__":
    main()
