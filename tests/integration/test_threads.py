"""Threads through the public API, sync and async: lifecycle, handles by id, options on the
wire, models, and notifications outside turns."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from conftest import run

from openai_codex import (
    ApprovalMode,
    AsyncCodex,
    AsyncThread,
    Codex,
    Notification,
    Sandbox,
    Thread,
    TurnFailedError,
)
from openai_codex.testing import CodexHarness, MockModel, Reply


def permissions_text(body: dict[str, Any]) -> str:
    """The latest ``<permissions instructions>`` the app-server put in a model request
    (a change of settings mid-thread appends a new one)."""
    found = [
        str(part["text"])
        for item in body.get("input") or ()
        for part in item.get("content") or ()
        if isinstance(part, dict)
        and str(part.get("text", "")).startswith("<permissions instructions>")
    ]
    assert found, "no permissions instructions in the model request"
    return found[-1]


def thread_ids(page: Any) -> list[str]:
    return [t.id for t in page.data]


# --------------------------------------------------------------------------- lifecycle


def test_lifecycle_round_trip_list_read_name_fork_resume_archive_unarchive_run(
    codex: Codex, harness: CodexHarness
) -> None:
    thread = codex.thread_start()
    assert isinstance(thread, Thread)
    assert thread.info is not None and thread.info.id == thread.id
    assert thread.run("first question").final_response == "echo: first question"

    assert thread.id in thread_ids(codex.thread_list())
    assert thread_ids(codex.thread_list(limit=1)) == [thread.id]

    thread.set_name("Release notes")
    read = thread.read(include_turns=True)
    assert read.thread.id == thread.id
    assert read.thread.name == "Release notes"
    assert len(read.thread.turns) == 1
    assert [i.type for i in read.thread.turns[0].items] == ["userMessage", "agentMessage"]
    assert thread.read().thread.turns == []  # without include_turns

    fork = codex.thread_fork(thread.id)
    assert fork.id != thread.id
    assert fork.info is not None and fork.info.forked_from_id == thread.id
    assert fork.run("in the fork").final_response == "echo: in the fork"
    fork_body = harness.model.requests[-1]
    assert MockModel.user_texts(fork_body) == ["first question", "in the fork"]

    resumed = codex.thread_resume(thread.id)
    assert resumed.id == thread.id
    assert resumed.info is not None and resumed.info.status.type == "idle"

    codex.thread_archive(thread.id)
    assert thread.id not in thread_ids(codex.thread_list())
    assert thread.id in thread_ids(codex.thread_list(archived=True))

    unarchived = codex.thread_unarchive(thread.id)
    assert unarchived.id == thread.id
    assert unarchived.info is not None and unarchived.info.status.type == "notLoaded"
    assert thread.id in thread_ids(codex.thread_list())
    # The server does not load an unarchived thread; the SDK resumes it on first use.
    result = unarchived.run("after unarchive")
    assert result.final_response == "echo: after unarchive"
    assert MockModel.user_texts(harness.model.requests[-1]) == [
        "first question",
        "after unarchive",
    ]
    assert len(unarchived.read(include_turns=True).thread.turns) == 2


def test_async_lifecycle_round_trip(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            assert isinstance(thread, AsyncThread)
            await thread.run("hello")
            assert thread.id in thread_ids(await codex.thread_list())
            await thread.set_name("async name")
            read = await thread.read(include_turns=True)
            assert read.thread.name == "async name"
            assert len(read.thread.turns) == 1
            fork = await codex.thread_fork(thread.id)
            assert fork.info is not None and fork.info.forked_from_id == thread.id
            resumed = await codex.thread_resume(thread.id)
            assert resumed.id == thread.id
            await codex.thread_archive(thread.id)
            assert thread.id in thread_ids(await codex.thread_list(archived=True))
            unarchived = await codex.thread_unarchive(thread.id)
            result = await unarchived.run("back again")
            assert result.final_response == "echo: back again"
            assert len((await unarchived.read(include_turns=True)).thread.turns) == 2

    run(main())


def test_a_handle_by_id_runs_a_thread_created_by_another_client_process(
    harness: CodexHarness,
) -> None:
    with Codex(harness.config()) as first:
        thread_id = first.thread_start().id
        assert first.thread(thread_id).run("from A").final_response == "echo: from A"
        first_pid = first.pid

    with Codex(harness.config()) as second:
        assert second.pid != first_pid
        handle = second.thread(thread_id)
        assert handle.id == thread_id and handle.info is None
        result = handle.run("from B")
        assert result.final_response == "echo: from B"
        assert MockModel.user_texts(harness.model.requests[-1]) == ["from A", "from B"]
        turns = second.thread(thread_id).read(include_turns=True).thread.turns
        assert len(turns) == 2


def test_an_async_handle_by_id_streams_a_thread_created_by_another_process(
    harness: CodexHarness,
) -> None:
    with Codex(harness.config()) as first:
        thread_id = first.thread_start().id
        first.thread(thread_id).run("from sync A")

    async def main() -> list[Notification]:
        async with AsyncCodex(harness.config()) as second:
            handle = await second.thread(thread_id).turn("from async B")
            return [e async for e in handle.stream()]

    events = run(main())
    assert events[-1].method == "turn/completed"
    assert all(e.thread_id == thread_id for e in events)
    assert MockModel.user_texts(harness.model.requests[-1]) == ["from sync A", "from async B"]


def test_compact_waits_for_the_compaction_so_the_next_turn_can_start(
    codex: Codex, harness: CodexHarness
) -> None:
    thread = codex.thread_start()
    thread.run("before compaction")
    thread.compact()
    # Without waiting, turn/start would fail with "ActiveTurnNotSteerable { Compact }".
    assert thread.run("after compaction").final_response == "echo: after compaction"
    turns = thread.read(include_turns=True).thread.turns
    assert [[i.type for i in t.items] for t in turns] == [
        ["userMessage", "agentMessage"],
        ["contextCompaction"],
        ["userMessage", "agentMessage"],
    ]
    assert "CONTEXT CHECKPOINT COMPACTION" in MockModel.user_texts(harness.model.requests[1])[-1]


def test_a_failed_compaction_raises_turn_failed(harness: CodexHarness) -> None:
    async def main() -> TurnFailedError:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            await thread.run("hello")
            harness.model.enqueue(Reply.failure("compaction boom"))
            with pytest.raises(TurnFailedError) as info:
                await thread.compact()
            await thread.compact()  # a retry succeeds (the mock echoes again)
            result = await thread.run("still usable")
            assert result.final_response == "echo: still usable"
            return info.value

    assert "compaction boom" in run(main()).message


# --------------------------------------------------------------------------- options


def test_sandbox_and_approval_mode_reach_the_server_for_threads_and_turns() -> None:
    with (
        CodexHarness(approval_policy="on-request", sandbox_mode="read-only") as harness,
        Codex(harness.config()) as codex,
    ):
        plain = codex.thread_start()
        plain.run("defaults")
        text = permissions_text(harness.model.requests[-1])
        assert "`sandbox_mode` is `read-only`" in text
        assert "Approval policy is currently never" not in text

        thread = codex.thread_start(
            sandbox=Sandbox.workspace_write, approval_mode=ApprovalMode.never
        )
        thread.run("thread options")
        text = permissions_text(harness.model.requests[-1])
        assert "`sandbox_mode` is `workspace-write`" in text
        assert "Approval policy is currently never" in text
        # The loaded thread reports the same settings.
        settings = codex.request("thread/resume", {"threadId": thread.id})
        assert settings["sandbox"]["type"] == "workspaceWrite"
        assert settings["approvalPolicy"] == "never"

        plain.run(
            "turn options",
            sandbox=Sandbox.danger_full_access,
            approval_mode=ApprovalMode.never,
        )
        text = permissions_text(harness.model.requests[-1])
        assert "`sandbox_mode` is `danger-full-access`" in text
        assert "Approval policy is currently never" in text


def test_an_unknown_thread_option_raises_type_error_before_sending(codex: Codex) -> None:
    started: list[Notification] = []
    codex.on_notification(lambda n: started.append(n) if n.method == "thread/started" else None)
    with pytest.raises(TypeError, match="no_such_option"):
        codex.thread_start(no_such_option=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="baseInstructions"):
        codex.thread_start(baseInstructions="camelCase is not an option")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="bogus"):
        codex.thread_list(bogus=1)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="sandbox must be one of"):
        codex.thread_start(sandbox="everything")
    codex.thread_start()  # a real start, to flush the notifications of anything sent before
    deadline = time.monotonic() + 5
    while not started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(started) == 1


def test_thread_start_options_reach_the_model_request(codex: Codex, harness: CodexHarness) -> None:
    thread = codex.thread_start(
        developer_instructions="Always answer in French.", base_instructions="Base text."
    )
    thread.run("bonjour")
    body = harness.model.requests[-1]
    texts = [
        part.get("text", "")
        for item in body["input"]
        if item.get("role") == "developer"
        for part in item.get("content") or ()
    ]
    assert any("Always answer in French." in t for t in texts)
    assert body.get("instructions") == "Base text." or any("Base text." in t for t in texts)


# --------------------------------------------------------------------------- models


def test_models_lists_the_mock_model(codex: Codex) -> None:
    models = codex.models()
    assert [m.id for m in models.data] == ["mock-model"]
    assert models.data[0].is_default
    assert models.next_cursor is None


def test_async_models_lists_the_mock_model(harness: CodexHarness) -> None:
    async def main() -> list[str]:
        async with AsyncCodex(harness.config()) as codex:
            return [m.id for m in (await codex.models(include_hidden=True)).data]

    assert run(main()) == ["mock-model"]


# --------------------------------------------------------------------------- notifications


def test_on_notification_receives_thread_level_notifications_until_unsubscribed(
    codex: Codex,
) -> None:
    seen: list[Notification] = []
    arrived = threading.Event()

    def listener(note: Notification) -> None:
        seen.append(note)
        if note.method == "thread/started":
            arrived.set()

    unsubscribe = codex.on_notification(listener)
    first = codex.thread_start()
    assert arrived.wait(5)
    started = [n for n in seen if n.method == "thread/started"]
    assert [n.payload.thread.id for n in started] == [first.id]
    # Turn events never reach the global listener.
    first.run("hi")
    assert not any(n.turn_id is not None for n in seen)

    unsubscribe()
    count = len(seen)
    second = codex.thread_start()
    second.run("after unsubscribe")
    time.sleep(0.2)
    assert len(seen) == count
    unsubscribe()  # idempotent


def test_a_blocked_notification_listener_does_not_block_turn_streams(codex: Codex) -> None:
    gate = threading.Event()
    calls: list[str] = []

    def slow(note: Notification) -> None:
        calls.append(note.method)
        gate.wait(10)

    codex.on_notification(slow)
    thread = codex.thread_start()
    started = time.monotonic()
    assert thread.run("not blocked").final_response == "echo: not blocked"
    assert time.monotonic() - started < 5
    gate.set()


def test_async_on_notification_receives_notifications_until_unsubscribed(
    harness: CodexHarness,
) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            seen: list[Notification] = []
            arrived = asyncio.Event()

            async def listener(note: Notification) -> None:
                seen.append(note)
                if note.method == "thread/started":
                    arrived.set()

            unsubscribe = codex.on_notification(listener)
            thread = await codex.thread_start()
            await asyncio.wait_for(arrived.wait(), 5)
            assert [n.payload.thread.id for n in seen if n.method == "thread/started"] == [
                thread.id
            ]
            unsubscribe()
            count = len(seen)
            await (await codex.thread_start()).run("quiet")
            await asyncio.sleep(0.2)
            assert len(seen) == count

    run(main())
