"""The connection core through the public API: lifecycle, errors, concurrency, failures."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from conftest import fake_server_config, run

from openai_codex import (
    AsyncCodex,
    Codex,
    CodexConfig,
    CodexRuntimeNotFoundError,
    CodexTimeoutError,
    InvalidRequestError,
    MethodNotFoundError,
    ProtocolError,
    TransportClosedError,
)
from openai_codex.testing import CodexHarness


def process_gone(pid: int) -> bool:
    """True once the process has exited and been reaped (no zombie left)."""
    return not Path(f"/proc/{pid}").exists()


def test_initialize_reports_server_metadata(harness: CodexHarness) -> None:
    with Codex(harness.config(client_name="my_app", client_version="9.9")) as codex:
        meta = codex.metadata
        assert meta.user_agent.startswith("my_app/")
        assert "0.163.0" in meta.user_agent
        assert meta.platform_family == "unix"
        assert meta.platform_os == "linux"
        assert meta.codex_home == str(harness.codex_home)
        # The official SDK's shape: an InitializeResponse with serverInfo from the user agent.
        assert meta.userAgent == meta.user_agent
        assert meta.serverInfo is not None and meta.serverInfo.name == "my_app"
        assert meta.serverInfo.version == meta.user_agent.split("/", 1)[1]
        assert (meta.platformFamily, meta.platformOs) == ("unix", "linux")
        assert meta.raw["codexHome"] == str(harness.codex_home)


def test_async_client_initializes_with_the_same_metadata(harness: CodexHarness) -> None:
    async def main() -> str:
        async with AsyncCodex(config=harness.config()) as codex:
            return codex.metadata.user_agent

    assert run(main()).startswith("codex_python_sdk/")


def test_env_cwd_and_config_overrides_reach_the_child(
    harness: CodexHarness, tmp_path: Path
) -> None:
    config = harness.config(
        cwd=tmp_path,
        env={"OPENAI_CODEX_TEST_MARKER": "hello-child"},
        config_overrides={"model": "override-model", "model_reasoning_effort": "low"},
    )
    with Codex(config) as codex:
        assert codex.pid is not None
        environ = Path(f"/proc/{codex.pid}/environ").read_bytes().split(b"\0")
        assert b"OPENAI_CODEX_TEST_MARKER=hello-child" in environ
        assert b"OPENAI_API_KEY" not in b"\n".join(e.split(b"=")[0] for e in environ)
        assert os.readlink(f"/proc/{codex.pid}/cwd") == str(tmp_path)
        result = codex.request("config/read", {})
        assert result["config"]["model"] == "override-model"
        assert result["config"]["model_reasoning_effort"] == "low"


def test_a_missing_binary_raises_runtime_not_found() -> None:
    with pytest.raises(CodexRuntimeNotFoundError, match="does not exist"):
        Codex(CodexConfig(codex_bin="/nonexistent/codex"))


def test_an_unknown_method_raises_method_not_found(codex: Codex) -> None:
    with pytest.raises(MethodNotFoundError) as info:
        codex.request("no/such/method", {})
    assert info.value.method == "no/such/method"
    assert str(info.value).startswith("unknown method `no/such/method`")
    assert isinstance(info.value, InvalidRequestError)  # as the official SDK classifies it
    assert "thread/start" in info.value.data["serverMessage"]
    assert len(str(info.value)) < 200


def test_eight_threads_share_one_client(codex: Codex) -> None:
    results: list[object] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                results.append(codex.request("config/read", {})["config"]["model"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert results == ["mock-model"] * 80


def test_a_killed_server_fails_every_pending_waiter_within_a_second() -> None:
    # auto_restart=False: the last call must see the dead server (a restart would launch
    # another silent fake server, which never answers).
    codex = Codex(fake_server_config("silent", auto_restart=False))
    errors: list[BaseException] = []
    finished: list[float] = []

    def waiter() -> None:
        try:
            codex.request("thread/list", {})
        except BaseException as exc:
            errors.append(exc)
        finished.append(time.monotonic())

    threads = [threading.Thread(target=waiter) for _ in range(5)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    assert codex.pid is not None
    os.kill(codex.pid, 9)
    killed_at = time.monotonic()
    for t in threads:
        t.join(5)
    try:
        assert len(errors) == 5
        assert all(isinstance(e, TransportClosedError) for e in errors)
        assert max(finished) - killed_at < 1.0
        assert errors[0].exit_code == -9  # type: ignore[attr-defined]
        with pytest.raises(TransportClosedError):
            codex.request("thread/list", {})
    finally:
        codex.close()


def test_close_leaves_no_child_process_and_no_thread(harness: CodexHarness) -> None:
    before = set(threading.enumerate())
    codex = Codex(harness.config())
    pid = codex.pid
    assert pid is not None
    codex.close()
    codex.close()  # idempotent
    assert process_gone(pid)
    assert set(threading.enumerate()) <= before


def test_async_close_leaves_no_child_process_and_no_task(harness: CodexHarness) -> None:
    async def main() -> int:
        before = asyncio.all_tasks()
        codex = AsyncCodex(config=harness.config())
        await codex.start()
        pid = codex.pid
        assert pid is not None
        await codex.close()
        await codex.close()
        assert asyncio.all_tasks() <= before
        return pid

    pid = run(main())
    assert process_gone(pid)


def test_a_malformed_line_fails_the_connection_with_a_clear_error() -> None:
    with (
        Codex(fake_server_config("malformed")) as codex,
        pytest.raises(ProtocolError, match="invalid JSON: this is not json"),
    ):
        for _ in range(100):
            codex.request("thread/list", {})
            time.sleep(0.02)


def test_a_server_exiting_before_initialize_reports_its_stderr() -> None:
    with pytest.raises(TransportClosedError) as info:
        Codex(fake_server_config("die-at-init"))
    assert info.value.exit_code == 3
    assert "fake server refuses to start" in str(info.value)


def _processes_with(token: str) -> list[int]:
    """Pids of live processes whose command line holds ``token`` (Linux /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if token.encode() in fh.read():
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
@pytest.mark.parametrize("client", ["sync", "async"])
def test_a_client_that_fails_to_start_leaves_no_server_behind(client: str) -> None:
    # Codex() launches the server (and writes ``initialize``) before it loads the async
    # client: when the handshake then fails (here: a server that never answers, not even
    # ``initialize``), that process must not outlive the failed call.
    token = f"openai-codex-test-{uuid.uuid4().hex}"
    config = CodexConfig(
        launch_args_override=[sys.executable, "-c", "import time; time.sleep(60)", token],
        request_timeout=0.5,
        auto_restart=False,
    )
    with pytest.raises(CodexTimeoutError):
        if client == "sync":
            Codex(config)
        else:
            run(AsyncCodex(config).start())
    assert _processes_with(token) == []


def test_an_unsupported_config_makes_the_real_server_exit_with_its_message(
    harness: CodexHarness,
) -> None:
    config = harness.config(config_overrides={"approval_policy": "untrusted"})
    with pytest.raises(TransportClosedError, match="no longer supported"):
        Codex(config)


def test_a_stderr_flood_does_not_block_the_connection() -> None:
    with Codex(fake_server_config("stderr")) as codex:
        assert codex.request("ping", {"n": 1}) == {"echo": {"n": 1}}


def test_the_harness_server_never_reaches_outside_hosts(harness: CodexHarness) -> None:
    import logging

    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("openai_codex")
    handler = Collect(level=logging.DEBUG)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        with Codex(harness.config(env={"RUST_LOG": "info"})) as codex:
            codex.thread_start().run("hi")
            time.sleep(0.5)  # start-up syncs run in the background
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    text = "\n".join(records)
    assert "codex app-server" in text  # stderr really was captured
    for host in ("chatgpt.com", "github.com", "api.openai.com"):
        assert host not in text
