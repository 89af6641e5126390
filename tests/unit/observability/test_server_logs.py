"""The app-server's stderr as log records (``_observability/logs.py``), and structured extras."""

from __future__ import annotations

import logging

import pytest

from openai_codex._observability.logs import ServerLogForwarder, log_extra, server_log_level

# Lines as app-server 0.163.0 prints them with RUST_LOG=debug (colours already stripped).
WARN = (
    "2026-12-02T00:50:51.796319Z  WARN codex_core::config: "
    "Model metadata for `mock-model` not found"
)
INFO_SPAN = (
    "2026-12-02T00:50:51.785740Z  INFO session_loop{thread_id=01a2}:"
    'submission_dispatch{otel.name="op"}: codex_core::codex: turn started'
)
DEBUG = "2026-12-02T00:50:51.919611Z DEBUG codex_http_client::custom_ca: loaded certificates"
TRACE = "2026-12-02T00:50:51.919611Z TRACE codex_core::x: details"
ERROR = "2026-12-02T00:50:51.919611Z ERROR codex_app_server: request failed"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server_logger() -> logging.Logger:
    logger = logging.getLogger("openai_codex.server.test")
    logger.setLevel(logging.DEBUG)
    return logger


@pytest.mark.parametrize(
    ("line", "level", "target"),
    [
        (WARN, logging.WARNING, "codex_core::config"),
        (INFO_SPAN, logging.INFO, "session_loop"),
        (DEBUG, logging.DEBUG, "codex_http_client::custom_ca"),
        (TRACE, logging.DEBUG, "codex_core::x"),
        (ERROR, logging.ERROR, "codex_app_server"),
    ],
)
def test_levels_and_targets_are_parsed(line: str, level: int, target: str) -> None:
    parsed, message, extra = server_log_level(line)
    assert parsed == level
    assert extra["codex_server_target"] == target
    assert extra["codex_server_time"].startswith("2026-12-02T00:50:51")
    assert not message.startswith("2026") and message.startswith(target)


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ('Error: approval_policy = "untrusted" is no longer supported', logging.ERROR),
        ("thread 'main' panicked at src/main.rs:1:1", logging.ERROR),
        ("WARNING: proceeding, even though we could not update PATH", logging.WARNING),
    ],
)
def test_lines_without_a_prefix_are_warnings_or_errors(line: str, level: int) -> None:
    parsed, message, extra = server_log_level(line)
    assert (parsed, message, extra) == (level, line, {})


def test_records_go_to_the_logger_with_their_level(
    server_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    forwarder = ServerLogForwarder(logger=server_logger)
    with caplog.at_level(logging.DEBUG, logger=server_logger.name):
        for line in (WARN, DEBUG, ERROR):
            forwarder.forward(line)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "codex_core::config: Model metadata for `mock-model` not found"),
        (logging.DEBUG, "codex_http_client::custom_ca: loaded certificates"),
        (logging.ERROR, "codex_app_server: request failed"),
    ]
    assert caplog.records[0].codex_server_level == "WARN"  # type: ignore[attr-defined]


def test_a_flood_is_cut_to_the_rate_and_the_drop_count_is_logged(
    server_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    forwarder = ServerLogForwarder(rate=10, burst=5, clock=clock, logger=server_logger)
    with caplog.at_level(logging.DEBUG, logger=server_logger.name):
        for _ in range(1000):
            forwarder.forward(WARN)
        assert len(caplog.records) == 5 and forwarder.dropped == 995
        clock.now += 0.15  # budget for one more line and a half
        forwarder.forward(ERROR)
        forwarder.forward(ERROR)
        forwarder.flush()
    messages = [r.getMessage() for r in caplog.records[5:]]
    assert messages == [
        "dropped 995 app-server log lines (more than 10 a second)",
        "codex_app_server: request failed",
        "dropped 1 app-server log line (more than 10 a second)",
    ]
    assert caplog.records[5].codex_server_dropped == 995  # type: ignore[attr-defined]
    assert forwarder.dropped_total == 996 and forwarder.dropped == 0


def test_lines_below_the_loggers_level_cost_no_budget(
    server_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    server_logger.setLevel(logging.WARNING)
    forwarder = ServerLogForwarder(rate=1, burst=1, clock=Clock(), logger=server_logger)
    with caplog.at_level(logging.WARNING, logger=server_logger.name):
        for _ in range(100):
            forwarder.forward(DEBUG)
        forwarder.forward(WARN)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert forwarder.dropped_total == 0


def test_messages_are_scrubbed(
    server_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    forwarder = ServerLogForwarder(logger=server_logger, scrub=lambda t: t.replace("k3y", "***"))
    with caplog.at_level(logging.DEBUG, logger=server_logger.name):
        forwarder.forward(ERROR + " with k3y")
    assert caplog.records[0].getMessage().endswith("with ***")


def test_log_extra_names_thread_turn_and_method() -> None:
    assert log_extra("A", "T", "turn/start") == {
        "codex_thread_id": "A",
        "codex_turn_id": "T",
        "codex_method": "turn/start",
    }
    assert log_extra(method="m") == {"codex_method": "m"}
