"""Hostile or broken servers, through the public clients (Codex and AsyncCodex).

Each case of ``docs/reliability.md`` against a fake app-server
(``fake_servers/fake_app_server.py MODE``): the outcome is a clear error for the waiters,
or a warning while the client keeps working; it comes within a bounded time (the
timeout mark), and close() leaves no process, thread or task behind.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from conftest import fake_server_config

from openai_codex import (
    AsyncCodex,
    Codex,
    CodexConfig,
    CodexTimeoutError,
    Notification,
    ProtocolError,
    TransportClosedError,
)
from openai_codex._core import notifications as _notifications
from openai_codex.types import UnknownNotification

# A hang would otherwise wait for the 300 s default request timeout.
pytestmark = pytest.mark.timeout(60)


def process_gone(pid: int) -> bool:
    """True once the process has exited and been reaped (no zombie left)."""
    return not Path(f"/proc/{pid}").exists()


class SyncDriver:
    """A :class:`Codex` under test; :meth:`close` checks that nothing is left behind."""

    def __init__(self, config: CodexConfig) -> None:
        self._threads = set(threading.enumerate())
        self.codex = Codex(config)
        self.pid = self.codex.pid

    def request(self, method: str, params: Any = None, timeout: float | None = None) -> Any:
        return self.codex.request(method, params, timeout=timeout)

    def on_notification(self, callback: Callable[[Notification], None]) -> None:
        self.codex.on_notification(callback)

    def close(self) -> None:
        self.codex.close()
        assert self.pid is not None and process_gone(self.pid)
        assert set(threading.enumerate()) <= self._threads


class AsyncDriver:
    """An :class:`AsyncCodex` on a loop of its own (a thread of the test), driven from the
    test; :meth:`close` checks that no task or process is left."""

    def __init__(self, config: CodexConfig) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._tasks_before = self._run(self._tasks())
        self.codex: AsyncCodex = self._run(self._start(config))
        self.pid = self.codex.pid

    def _run(self, coro: Any, timeout: float = 30.0) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    @staticmethod
    async def _start(config: CodexConfig) -> AsyncCodex:
        codex = AsyncCodex(config=config)
        await codex.start()
        return codex

    @staticmethod
    async def _tasks() -> set[asyncio.Task[Any]]:
        return asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]

    def request(self, method: str, params: Any = None, timeout: float | None = None) -> Any:
        return self._run(self.codex.request(method, params, timeout=timeout))

    def on_notification(self, callback: Callable[[Notification], None]) -> None:
        async def subscribe() -> None:
            self.codex.on_notification(callback)

        self._run(subscribe())

    def close(self) -> None:
        try:
            self._run(self.codex.close())
            assert self.pid is not None and process_gone(self.pid)
            assert self._run(self._tasks()) <= self._tasks_before
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()


Driver = SyncDriver | AsyncDriver


@pytest.fixture(params=["sync", "async"])
def connect(request: pytest.FixtureRequest) -> Iterator[Callable[..., Driver]]:
    """``connect(mode, **config)``: a client of the fake server in ``mode``; closed (and
    checked for leftovers) at the end of the test."""
    drivers: list[Driver] = []

    def make(mode: str, **config: Any) -> Driver:
        cls = SyncDriver if request.param == "sync" else AsyncDriver
        driver = cls(fake_server_config(mode, **config))
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.close()


@pytest.fixture
def warnings(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The WARNING (and worse) messages of the ``openai_codex`` logger so far."""
    caplog.set_level(logging.DEBUG, logger="openai_codex")

    def get() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == "openai_codex" and r.levelno >= logging.WARNING
        ]

    return get


# -- the connection ends with a clear error --------------------------------------------------


def test_garbage_while_a_request_waits_fails_it_with_a_protocol_error(
    connect: Callable[..., Driver],
) -> None:
    client = connect("garbage", auto_restart=False)
    with pytest.raises(ProtocolError) as info:
        client.request("ping", {})
    message = str(info.value)
    assert message.startswith(r"server sent invalid JSON: \x00\x01\x02 {{{ garbage \x1b[31m}}}")
    assert "(line 2 of its output" in message  # line 1 answered initialize
    # The connection is over for good: the same error, at once, for the next call.
    with pytest.raises(ProtocolError) as again:
        client.request("ping", {})
    assert again.value is info.value


def test_bytes_that_are_not_utf8_fail_the_waiter_naming_them(
    connect: Callable[..., Driver],
) -> None:
    client = connect("invalid-utf8", auto_restart=False)
    with pytest.raises(ProtocolError) as info:
        client.request("ping", {})
    message = str(info.value)
    assert message.startswith(r'server sent bytes that are not UTF-8: {"id": 2, "result": "caf\xe9')
    assert "line 2 of its output; invalid continuation byte" in message


def test_a_truncated_line_at_the_end_of_the_output_is_reported(
    connect: Callable[..., Driver], warnings: Callable[[], list[str]]
) -> None:
    client = connect("truncated", auto_restart=False)
    with pytest.raises(TransportClosedError) as info:
        client.request("ping", {})
    partial = b'{"id": 2, "result": {"echo": "never finish'
    message = str(info.value)
    assert info.value.exit_code == 0
    assert message.startswith("the Codex app-server exited (exit code 0); the server's output")
    assert f"ended in the middle of a message: {len(partial)} bytes after the last newline" in (
        message
    )
    assert any("ended in the middle of a message" in w for w in warnings())


def rss_peak_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def reset_rss_peak() -> None:
    """Make VmHWM (peak RSS) start again from the current RSS (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # pragma: no cover - a kernel without it
        pytest.skip("cannot reset the peak RSS (/proc/self/clear_refs)")


def test_a_100_mb_line_fails_past_the_limit_with_bounded_memory(
    connect: Callable[..., Driver],
) -> None:
    limit = 8 * 1024 * 1024
    client = connect("huge-line", auto_restart=False, max_line_bytes=limit)
    reset_rss_peak()
    before = rss_peak_kib()
    with pytest.raises(ProtocolError) as info:
        client.request("ping", {})
    grown_mib = (rss_peak_kib() - before) / 1024
    message = str(info.value)
    assert f"longer than the limit of {limit} bytes (line 2 of its output" in message
    assert "raise the limit with CodexConfig(max_line_bytes=...)" in message
    start = message.split("The line starts: ")[1]
    assert start == ('{"id": 2, "result": "' + "x" * 200)[:120] + "..."  # a short preview
    # The buffer never holds more than the limit (plus a chunk): far below the 100 MB.
    print(f"peak RSS grew by {grown_mib:.1f} MiB")
    assert grown_mib < 40, f"the client's peak RSS grew by {grown_mib:.0f} MiB"


# -- the client keeps working ---------------------------------------------------------------


def test_answers_to_unknown_ids_and_duplicates_are_logged_and_ignored(
    connect: Callable[..., Driver], warnings: Callable[[], list[str]]
) -> None:
    client = connect("stray-answers", auto_restart=False)
    assert client.request("ping", {"n": 1}) == {"echo": {"n": 1}}
    assert client.request("ping", {"n": 2}) == {"echo": {"n": 2}}
    logged = warnings()
    assert "ignored an answer to unknown request id 1002 from the app-server" in logged
    assert (
        'ignored an answer to unknown request id "nobody" from the app-server '
        "(error -32603: nobody asked)"
    ) in logged
    assert (
        "ignored an answer without a request id (null) from the app-server "
        "(error -32700: Parse error)"
    ) in logged
    assert "ignored a duplicate answer to request 2 (already answered) from the app-server" in (
        logged
    )


def test_a_flood_of_stray_answers_logs_ten_warnings_a_minute(
    connect: Callable[..., Driver], warnings: Callable[[], list[str]]
) -> None:
    client = connect("stray-answers", auto_restart=False)
    for n in range(6):  # 4 stray answers each, 24 in all
        assert client.request("ping", {"n": n}) == {"echo": {"n": n}}
    logged = [w for w in warnings() if w.startswith("ignored")]
    assert len(logged) == 10
    assert logged[-1].endswith("(more like it within 60 s are not logged)")


def test_notifications_of_unknown_methods_or_bad_params_arrive_as_unknown(
    connect: Callable[..., Driver],
    warnings: Callable[[], list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_notifications, "_warned", set())  # warnings are once per process
    client = connect("bad-notes", auto_restart=False)
    seen: list[tuple[str, Any]] = []
    both = threading.Event()

    def collect(note: Notification) -> None:
        seen.append((note.method, note.payload))
        if len(seen) == 2:
            both.set()

    client.on_notification(collect)
    assert client.request("ping", {"n": 1}) == {"echo": {"n": 1}}
    assert both.wait(30)
    assert [method for method, _ in seen] == ["hostile/unknownMethod", "warning"]
    assert all(isinstance(payload, UnknownNotification) for _, payload in seen)
    assert seen[0][1].params == {"x": 1} and seen[1][1].params == {"message": 12345}
    logged = warnings()
    assert any("'hostile/unknownMethod' is not in the protocol schema" in w for w in logged)
    assert any(w.startswith("warning did not match the protocol schema") for w in logged)
    # The reader went on: later requests are answered.
    assert client.request("ping", {"n": 2}) == {"echo": {"n": 2}}


def test_a_request_never_answered_times_out_and_the_connection_stays_usable(
    connect: Callable[..., Driver], warnings: Callable[[], list[str]]
) -> None:
    client = connect("late", auto_restart=False)
    # (A per-call timeout: request_timeout=0.5 in the config would also bound initialize,
    # which a fake server on a loaded machine may not answer that fast.)
    with pytest.raises(CodexTimeoutError, match="hostile/slow: no answer from the app-server"):
        client.request("hostile/slow", {}, timeout=0.5)
    # The next request is answered; the slow one's late answer follows it and is expected
    # (its caller gave up), so it is not reported as a stray answer.
    assert client.request("ping", {"n": 1}) == {"echo": {"n": 1}}
    assert client.request("ping", {"n": 2}) == {"echo": {"n": 2}}
    assert not [w for w in warnings() if w.startswith("ignored")]
