"""A wrong option fails at the call, sync and async: nothing reaches the server or the
model, and the thread keeps working. Secrets given to a thread stay out of what a debugger
or a failing test shows of it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from conftest import run

from openai_codex import AsyncCodex, Codex, Notification
from openai_codex.testing import CodexHarness

GOOD_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}

# Turn options with a value outside their set (or not a schema), and the error's start.
BAD_TURN_OPTIONS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"effort": "extreme"}, ValueError, "effort must be one of none, minimal, low"),
    ({"summary": "loud"}, ValueError, "summary must be one of auto, concise, detailed, none"),
    ({"personality": "grumpy"}, ValueError, "personality must be one of none, friendly"),
    ({"approval_mode": "sometimes"}, ValueError, "approval_mode must be one of deny_all"),
    ({"sandbox": "everything"}, ValueError, "sandbox must be one of read-only"),
    ({"approval_policy": "sometimes"}, ValueError, "approval_policy must be one of untrusted"),
    ({"approvals_reviewer": "boss"}, ValueError, "approvals_reviewer must be one of user"),
    ({"output_schema": "not a schema"}, TypeError, "output_schema must be a JSON Schema"),
    ({"output_schema": {"type": "strnig"}}, ValueError, "output_schema is not a valid JSON"),
]

# Calls on the client, ``(method, options, error start)``; ``THREAD`` stands for the id.
THREAD = object()
BAD_CLIENT_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any], str]] = [
    ("thread_start", (), {"personality": "grumpy"}, "personality must be one of"),
    ("thread_start", (), {"thread_source": "cron"}, "thread_source must be one of user"),
    ("thread_start", (), {"session_start_source": "boot"}, "session_start_source must be"),
    ("thread_start", (), {"sandbox": "read_only"}, "sandbox must be one of read-only"),
    ("thread_start", (), {"approval_mode": "ask"}, "approval_mode must be one of"),
    ("thread_resume", (THREAD,), {"personality": "loud"}, "personality must be one of"),
    ("thread_fork", (THREAD,), {"thread_source": "copy"}, "thread_source must be one of"),
    ("thread_list", (), {"sort_key": "name"}, "sort_key must be one of created_at"),
    ("thread_list", (), {"source_kinds": ["shell"]}, "source_kinds must be one of cli"),
]


def call_args(args: tuple[Any, ...], thread_id: str) -> list[Any]:
    return [thread_id if a is THREAD else a for a in args]


def thread_starts(codex: Codex | AsyncCodex, ignore: str) -> list[Notification]:
    """``thread/started`` notifications from now on, except the one of thread ``ignore``
    (it may arrive after its ``thread_start`` returned)."""
    started: list[Notification] = []

    def note(n: Notification) -> None:
        if n.method == "thread/started" and n.params["thread"]["id"] != ignore:
            started.append(n)

    codex.on_notification(note)
    return started


def wait_for(started: list[Notification], count: int) -> None:
    deadline = time.monotonic() + 10
    while len(started) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def assert_reached_the_model(harness: CodexHarness, count: int) -> dict[str, Any]:
    """The good turn after the refused ones was the model's only request (a turn started
    by a refused call would have run before it, and asked the model too); its body."""
    assert len(harness.model.requests) == count
    body = harness.model.requests[-1]
    assert body["reasoning"]["effort"] == "high"
    assert body["text"]["format"]["schema"] == GOOD_SCHEMA
    return body


def test_bad_options_are_refused_before_anything_is_sent(
    codex: Codex, harness: CodexHarness
) -> None:
    thread = codex.thread_start()
    started = thread_starts(codex, ignore=thread.id)
    for options, error, message in BAD_TURN_OPTIONS:
        with pytest.raises(error) as caught:
            thread.run("never sent", **options)
        assert str(caught.value).startswith(message)
        with pytest.raises(error):
            thread.turn("never sent", **options)
    for name, args, options, message in BAD_CLIENT_CALLS:
        with pytest.raises(ValueError, match=f"^{message}"):
            getattr(codex, name)(*call_args(args, thread.id), **options)
    with pytest.raises(ValueError, match=r"^delivery must be one of inline, detached"):
        thread.review(delivery="later")
    with pytest.raises(ValueError, match=r"^effort must be one of"):
        codex.rpc.turn_start(thread_id=thread.id, input=[], effort="extreme")

    assert harness.model.requests == []
    codex.thread_start()  # a real start: every notification of anything sent came before
    wait_for(started, 1)
    assert len(started) == 1

    result = thread.run("still fine", effort="high", output_schema=GOOD_SCHEMA)
    assert result.status == "completed"
    assert_reached_the_model(harness, 1)


def test_async_bad_options_are_refused_before_anything_is_sent(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            started = thread_starts(codex, ignore=thread.id)
            for options, error, message in BAD_TURN_OPTIONS:
                with pytest.raises(error) as caught:
                    await thread.run("never sent", **options)
                assert str(caught.value).startswith(message)
                with pytest.raises(error):
                    await thread.turn("never sent", **options)
            for name, args, options, message in BAD_CLIENT_CALLS:
                with pytest.raises(ValueError, match=f"^{message}"):
                    await getattr(codex, name)(*call_args(args, thread.id), **options)
            with pytest.raises(ValueError, match=r"^delivery must be one of inline, detached"):
                await thread.review(delivery="later")
            with pytest.raises(ValueError, match=r"^summary must be one of"):
                await codex.rpc.turn_start(thread_id=thread.id, input=[], summary="loud")

            assert harness.model.requests == []
            await codex.thread_start()
            deadline = time.monotonic() + 10
            while not started and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert len(started) == 1

            result = await thread.run("still fine", effort="high", output_schema=GOOD_SCHEMA)
            assert result.status == "completed"
            assert_reached_the_model(harness, 1)

    run(main())


def test_a_thread_remembers_its_config_but_shows_no_secret(
    codex: Codex, harness: CodexHarness
) -> None:
    key = "sk-test-0123456789abcdef"
    config = {"model_providers": {"corp": {"name": "Corp", "api_key": key}}}
    thread = codex.thread_start(config=config, developer_instructions="Be brief.")
    # What a debugger or ``pytest --showlocals`` shows of the thread and what it holds.
    seen = [repr(thread), str(vars(thread))]
    seen += [repr(value) for value in vars(thread).values()]
    seen += [str(vars(value)) for value in vars(thread).values() if hasattr(value, "__dict__")]
    assert all(key not in text for text in seen)
    assert any("'api_key': '***'" in text for text in seen)
    assert thread.run("hi").final_response == "echo: hi"
