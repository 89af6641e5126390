"""A Codex app-server on a WebSocket port, shared by several clients (async client).

The same flow as ``sync.py`` with ``AsyncCodex``; the server is started with
``asyncio.create_subprocess_exec`` and two clients run turns on it at the same time.
``CodexConfig(url=..., auth_token=...)`` connects to a running server instead of launching
one; the token goes in the upgrade request's ``Authorization: Bearer`` header. Run it
against your own Codex::

    python examples/21_websocket/async.py

offline, on a throw-away CODEX_HOME and the scripted mock model::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/21_websocket/async.py

or against a server you already run (``codex-sdk serve`` prints the URL and token file)::

    CODEX_WS_URL=ws://127.0.0.1:8765 CODEX_WS_TOKEN_FILE=/path/to/token \\
        python examples/21_websocket/async.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import is_offline

from openai_codex import AsyncCodex, CodexAuthError, CodexConfig

LISTENING = re.compile(r"listening on:\s*(ws://\S+)")


@contextlib.asynccontextmanager
async def app_server() -> AsyncIterator[tuple[str, str]]:
    """Start ``codex app-server`` on a free localhost port; yield ``(url, token)``."""
    import codex_cli_bin  # the runtime package the SDK depends on

    with contextlib.ExitStack() as stack:
        env, cwd = dict(os.environ), None
        if is_offline():  # the test kit: its CODEX_HOME points the server at the mock
            from openai_codex.testing import CodexHarness

            harness = stack.enter_context(CodexHarness())
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
        server = await asyncio.create_subprocess_exec(
            codex_cli_bin.bundled_codex_path(),
            "app-server",
            "--listen",
            "ws://127.0.0.1:0",  # port 0: the server picks a free port and prints it
            "--ws-auth",
            "capability-token",
            "--ws-token-file",
            str(token_file),
            env=env,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 60
            while not (match := LISTENING.search(log_path.read_text(errors="replace"))):
                if server.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app-server did not start:\n" + log_path.read_text())
                await asyncio.sleep(0.05)
            yield match.group(1), token
        finally:
            if server.returncode is None:
                server.terminate()  # a running turn gets a moment to finish
                try:
                    await asyncio.wait_for(server.wait(), 10)
                except asyncio.TimeoutError:
                    server.kill()
                    await server.wait()


@contextlib.asynccontextmanager
async def target() -> AsyncIterator[tuple[str, str]]:
    """The server named by CODEX_WS_URL / CODEX_WS_TOKEN_FILE, else one started here."""
    url = os.environ.get("CODEX_WS_URL")
    if url:
        token_file = Path(os.environ["CODEX_WS_TOKEN_FILE"]).expanduser()
        yield url, token_file.read_text().strip()
        return
    async with app_server() as found:
        yield found


async def ask(config: CodexConfig, prompt: str) -> str:
    """One client: connect, run one turn on a new thread, disconnect."""
    async with AsyncCodex(config) as codex:
        thread = await codex.thread_start()
        result = await thread.run(prompt)
        return result.final_response or ""


async def main() -> None:
    async with target() as (url, token):
        print(f"app-server: {url}")  # never print the token itself
        config = CodexConfig(url=url, auth_token=token)
        async with AsyncCodex(config) as codex:
            # No pid: the server is not a child of this client, close() only disconnects.
            print(f"connected: {codex.metadata.user_agent.split(' ')[0]}, pid={codex.pid}")

        # Two clients of the same server, each with its own connection, at the same time.
        answers = await asyncio.gather(
            ask(config, "Name a colour, in one word."), ask(config, "Name a fruit, in one word.")
        )
        for answer in answers:
            print(f"client: {answer}")

        try:
            async with AsyncCodex(CodexConfig(url=url, auth_token="not-the-token")):
                pass
        except CodexAuthError as exc:
            print(f"wrong token: refused with HTTP {exc.status_code} ({exc.reason})")


if __name__ == "__main__":
    asyncio.run(main())
