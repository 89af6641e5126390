"""Starting a client whatever the timing: the ``initialize`` answer is never lost.

``Codex()`` and ``AsyncCodex()`` write ``initialize`` as soon as the server is launched and
import the rest of the SDK while it boots. When the client is slower than the server (a
cold bytecode cache, a loaded machine, a first test under pytest), the answer is already
waiting when the connection starts reading; it must still reach the handshake. These tests
force that timing on purpose instead of hoping for it.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import fake_server_config, run

import openai_codex._client.async_client
import openai_codex._client.launch
from openai_codex import AsyncCodex, Codex, CodexConfig, CodexTimeoutError
from openai_codex._client.runtime import build_argv
from openai_codex.api import AsyncCodexClient
from openai_codex.testing import CodexHarness, Reply

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = Path(__file__).parent / "fake_servers" / "instant_init.py"


@pytest.fixture
def slow_client(monkeypatch: pytest.MonkeyPatch) -> Callable[[float | None], None]:
    """Make the client slow between the launch and the start of its connection.

    ``slow(delay)``: after launching the server (and writing ``initialize``), the client
    first waits until the server's answer is in the pipe, then sleeps ``delay`` seconds more,
    before it goes on; so the answer is always there before anyone reads. ``None``: no wait.
    """

    def slow(delay: float | None) -> None:
        real = openai_codex._client.launch.launch_greeted

        def launch_then_dawdle(config: CodexConfig) -> Any:
            launched = real(config)
            if launched is not None and delay is not None:
                ready, _, _ = select.select([launched[0].stdout], [], [], 30)
                assert ready, "the server did not answer initialize within 30 s"
                time.sleep(delay)
            return launched

        # ``Codex()`` looks it up in _launch at call time; AsyncCodex imported the name.
        monkeypatch.setattr(openai_codex._client.launch, "launch_greeted", launch_then_dawdle)
        monkeypatch.setattr(openai_codex._client.async_client, "launch_greeted", launch_then_dawdle)

    return slow


DELAYS = [None, 0.0, 0.05, 0.5, 2.0]


@pytest.mark.parametrize("delay", DELAYS)
def test_a_slow_blocking_client_still_gets_the_initialize_answer(
    harness: CodexHarness, slow_client: Callable[[float | None], None], delay: float | None
) -> None:
    slow_client(delay)
    harness.model.enqueue(Reply.text("on time", deltas=2))
    started = time.monotonic()
    with Codex(harness.config(initialize_timeout=20)) as codex:
        assert time.monotonic() - started < 15
        assert codex.metadata.user_agent.startswith("codex_python_sdk/")
        assert codex.thread_start().run("hello").final_response == "on time"


@pytest.mark.parametrize("delay", DELAYS)
def test_a_slow_async_client_still_gets_the_initialize_answer(
    harness: CodexHarness, slow_client: Callable[[float | None], None], delay: float | None
) -> None:
    slow_client(delay)
    harness.model.enqueue(Reply.text("on time", deltas=2))

    async def main() -> str:
        async with AsyncCodex(harness.config(initialize_timeout=20)) as codex:
            thread = await codex.thread_start()
            return (await thread.run("hello")).final_response or ""

    assert run(main()) == "on time"


# -- a server that answers at once, and sends things before anyone asked ---------------


def stand_in_config(harness: CodexHarness, report: Path, **kwargs: Any) -> CodexConfig:
    config = harness.config(**kwargs)
    real_argv, _ = build_argv(config)
    return harness.config(
        launch_args_override=[sys.executable, str(STAND_IN), str(report), *real_argv], **kwargs
    )


def early_answer(report: Path) -> dict[str, Any]:
    """The client's answer to the stand-in's unasked request (waits for the relay)."""
    deadline = time.monotonic() + 10
    while not report.exists() or not report.read_text():
        assert time.monotonic() < deadline, "the early server request was never answered"
        time.sleep(0.02)
    answer: dict[str, Any] = json.loads(report.read_text())
    return answer


def test_a_server_that_answers_instantly_starts_a_blocking_client(
    harness: CodexHarness, tmp_path: Path
) -> None:
    report = tmp_path / "early.json"
    harness.model.enqueue(Reply.text("instant", deltas=3))
    with Codex(stand_in_config(harness, report)) as codex:
        assert codex.metadata.user_agent == "codex_python_sdk/0.163.0 (stand-in)"
        assert codex.thread_start().run("hello").final_response == "instant"
    # A server request sent before initialize was answered (with an error), not dropped.
    answer = early_answer(report)
    assert answer["id"] == "early-1"
    assert answer["error"]["code"] == -32601
    assert "standIn/early" in answer["error"]["message"]


def test_a_server_that_answers_instantly_starts_an_async_client(
    harness: CodexHarness, tmp_path: Path
) -> None:
    report = tmp_path / "early.json"
    harness.model.enqueue(Reply.text("instant", deltas=3))

    async def main() -> str:
        async with AsyncCodex(stand_in_config(harness, report)) as codex:
            thread = await codex.thread_start()
            return (await thread.run("hello")).final_response or ""

    assert run(main()) == "instant"
    assert early_answer(report)["error"]["code"] == -32601


def test_the_low_level_client_keeps_a_notification_sent_before_initialize(
    harness: CodexHarness, tmp_path: Path
) -> None:
    report = tmp_path / "early.json"

    async def main() -> str:
        async with AsyncCodexClient(stand_in_config(harness, report)) as client:
            await asyncio.sleep(0.3)  # everything the stand-in sent unasked has arrived
            await client.initialize()
            note = await client.next_notification(timeout=10)
            return note.method

    assert run(main()) == "configWarning"
    # The official low-level client answers requests it does not know with ``{}``.
    assert early_answer(report) == {"id": "early-1", "result": {}}


# -- a silent server: a short, explained failure instead of the request timeout ----------


@pytest.mark.parametrize("client", ["sync", "async"])
def test_a_server_that_never_answers_initialize_fails_after_initialize_timeout(
    client: str,
) -> None:
    code = (
        "import sys, time; sys.stderr.write('booting forever\\n'); sys.stderr.flush(); "
        "time.sleep(60)"
    )
    config = CodexConfig(
        launch_args_override=[sys.executable, "-c", code],
        initialize_timeout=1.0,
        auto_restart=False,
    )
    started = time.monotonic()
    with pytest.raises(CodexTimeoutError) as caught:
        if client == "sync":
            Codex(config)
        else:
            run(AsyncCodex(config).start())
    assert time.monotonic() - started < 20
    message = str(caught.value)
    assert "initialize" in message and "within 1 s" in message
    assert "initialize_timeout" in message
    assert "booting forever" in message  # the stderr tail explains what the server did


def test_initialize_waits_no_longer_than_the_request_timeout() -> None:
    config = fake_server_config("silent", request_timeout=0.5)
    assert openai_codex._client.launch.initialize_timeout(config) == 0.5
    assert openai_codex._client.launch.initialize_timeout(CodexConfig()) == 60.0
    unbounded = CodexConfig(request_timeout=None, initialize_timeout=None)
    assert openai_codex._client.launch.initialize_timeout(unbounded) is None


# -- a cold interpreter, as a new user's first run -----------------------------------------


COLD_SCRIPT = """
import sys, time
started = time.monotonic()
import pickle
from openai_codex import AsyncCodex, Codex

with open(sys.argv[2], "rb") as fh:
    config = pickle.load(fh)
if sys.argv[1] == "sync":
    with Codex(config) as codex:
        ready = time.monotonic() - started
        answer = codex.thread_start().run("hi").final_response
else:
    import asyncio

    async def main():
        async with AsyncCodex(config) as codex:
            ready = time.monotonic() - started
            thread = await codex.thread_start()
            return ready, (await thread.run("hi")).final_response

    ready, answer = asyncio.run(main())
print(f"{ready:.3f} {answer}")
"""


def cold_env(cache: Path) -> dict[str, str]:
    """The environment of a first run: an empty bytecode cache that nothing was compiled to."""
    env = dict(os.environ)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@pytest.mark.parametrize("client", ["sync", "async"])
def test_a_client_starts_in_seconds_with_a_cold_bytecode_cache(
    harness: CodexHarness, client: str, tmp_path: Path
) -> None:
    # The script imports only what a user's script would: the harness runs here.
    config_file = tmp_path / "config.pickle"
    config_file.write_bytes(pickle.dumps(harness.config()))
    for _ in range(2):  # the first compiles everything; the second reads the cache
        harness.model.enqueue(Reply.text("cold", deltas=2))
        proc = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT, client, str(config_file)],
            env=cold_env(tmp_path / "pycache"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        ready, answer = proc.stdout.split()
        assert answer == "cold"
        assert float(ready) < 30, f"start took {ready} s"
        assert "unknown request id" not in proc.stderr


def readme_pytest_example() -> str:
    """The pytest example of the README, exactly as a user would copy it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    matching = [block for block in blocks if "def test_my_agent(codex_harness)" in block]
    assert len(matching) == 1, "the README's pytest example moved"
    return matching[0]


@pytest.fixture
def readme_test_dir(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "test_readme_example.py").write_text(readme_pytest_example(), encoding="utf-8")
    yield tmp_path


@pytest.mark.parametrize("cache", ["cold", "warm", "warm-again"])
def test_the_readme_pytest_example_passes_in_a_fresh_process(
    readme_test_dir: Path, cache: str
) -> None:
    env = cold_env(readme_test_dir / "pycache") if cache == "cold" else dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_readme_example.py"],
        cwd=readme_test_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


def test_the_stand_in_really_answers_before_the_client_reads(tmp_path: Path) -> None:
    """The stand-in's answer is in the pipe before the SDK's connection exists."""
    report = tmp_path / "early.json"
    proc = subprocess.Popen(
        [sys.executable, str(STAND_IN), str(report), sys.executable, "-c", "input()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(b'{"id": 1, "method": "initialize", "params": {}}\n')
        proc.stdin.flush()
        lines = [json.loads(proc.stdout.readline()) for _ in range(3)]
        assert [line.get("method") for line in lines] == ["configWarning", "standIn/early", None]
        assert lines[2]["id"] == 1
    finally:
        proc.kill()
        proc.wait()
