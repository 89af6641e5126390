"""Turns through the public API, sync and async: run, stream, steer, interrupt, inputs,
structured output, failures, concurrency, and a server that dies mid-turn."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import run

from openai_codex import (
    AsyncCodex,
    Codex,
    ImageFetchError,
    ImageInput,
    LocalImageInput,
    Notification,
    TextInput,
    TransportClosedError,
    TurnFailedError,
    TurnResult,
)
from openai_codex.testing import CodexHarness, MockModel, Reply

DELTA = "item/agentMessage/delta"


# --------------------------------------------------------------------------- helpers


def delta_text(events: Iterable[Notification]) -> str:
    return "".join(e.payload.delta for e in events if e.method == DELTA)


def assert_only_own(events: list[Notification], thread_id: str, turn_id: str) -> None:
    """Every event names this thread, and this turn or no turn at all."""
    assert events, "the stream yielded nothing"
    for event in events:
        assert event.thread_id == thread_id, event
        assert event.turn_id in (None, turn_id), event
    assert events[-1].method == "turn/completed"
    assert events[-1].turn_id == turn_id


def image_urls(body: dict[str, Any]) -> list[str]:
    """The ``input_image`` URLs of a model request body, in order."""
    urls: list[str] = []
    for item in body.get("input") or ():
        for part in item.get("content") or ():
            if isinstance(part, dict) and part.get("type") == "input_image":
                urls.append(part["image_url"])
    return urls


def write_png(path: Path) -> bytes:
    """Write a valid 2x2 RGB PNG and return its bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(png)
    return png


# An inline image (app-server 0.163.0 takes data: URLs only; the SDK downloads others).
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
IMAGE_URL = "data:image/png;base64," + base64.b64encode(TINY_PNG).decode()


# --------------------------------------------------------------------------- run / stream


def test_run_returns_a_turn_result_with_every_field(codex: Codex, harness: CodexHarness) -> None:
    harness.model.enqueue(Reply.text("Hello world", deltas=3, usage={"input_tokens": 7}))
    thread = codex.thread_start()
    handle = thread.turn("Say hello")
    result = handle.run()

    assert isinstance(result, TurnResult)
    assert result.id == handle.id
    assert result.thread_id == thread.id == handle.thread_id
    assert result.status.value == "completed"
    assert result.error is None
    assert result.started_at is not None and result.completed_at is not None
    assert result.started_at <= result.completed_at
    assert result.duration_ms is not None and result.duration_ms >= 0
    assert result.final_response == "Hello world"
    assert [item.type for item in result.items] == ["userMessage", "agentMessage"]
    assert result.items[0].content[0].text == "Say hello"
    assert result.items[1].text == "Hello world"
    assert result.usage is not None
    assert result.usage.total.total_tokens == 12  # 7 input + 5 output
    assert result.usage.last.input_tokens == 7


def test_stream_yields_typed_events_of_the_turn_and_ends_after_turn_completed(
    codex: Codex, harness: CodexHarness
) -> None:
    harness.model.enqueue(Reply.text(["Hel", "lo ", "world"]))
    thread = codex.thread_start()
    handle = thread.turn([TextInput("Stream please")])
    events = list(handle.stream())

    assert_only_own(events, thread.id, handle.id)
    methods = [e.method for e in events]
    assert methods.index("turn/started") < methods.index(DELTA) < methods.index("turn/completed")
    deltas = [e.payload.delta for e in events if e.method == DELTA]
    assert deltas == ["Hel", "lo ", "world"]
    assert type(events[-1].payload).__name__ == "TurnCompletedNotification"
    # The stream is finished: iterating again yields nothing, run() gives the result.
    assert list(handle.stream()) == []
    assert handle.run().final_response == "Hello world"


def test_final_response_prefers_the_final_answer_phase(codex: Codex, harness: CodexHarness) -> None:
    def message(text: str, phase: str) -> dict[str, Any]:
        content = [{"type": "output_text", "text": text}]
        return {"type": "message", "role": "assistant", "phase": phase, "content": content}

    harness.model.enqueue(
        Reply.items(
            [message("The answer is 4.", "final_answer"), message("(checked)", "commentary")]
        )
    )
    result = codex.thread_start().run("2 + 2?")
    assert [i.text for i in result.items if i.type == "agentMessage"] == [
        "The answer is 4.",
        "(checked)",
    ]
    assert result.final_response == "The answer is 4."


def test_leaving_a_stream_early_and_calling_run_finishes_the_same_turn(
    codex: Codex, harness: CodexHarness
) -> None:
    harness.model.enqueue(Reply.text(["one ", "two ", "three"]))
    handle = codex.thread_start().turn("count")
    for event in handle.stream():
        if event.method == DELTA:
            break
    rest = list(handle.stream())
    assert delta_text(rest) == "two three"
    result = handle.run()
    assert result.final_response == "one two three"
    assert [i.type for i in result.items] == ["userMessage", "agentMessage"]


def test_async_run_and_stream_work_like_the_sync_ones(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            harness.model.enqueue(Reply.text("first reply", deltas=2))
            result = await thread.run("one")
            assert result.final_response == "first reply"
            assert [i.type for i in result.items] == ["userMessage", "agentMessage"]

            harness.model.enqueue(Reply.text(["a", "b", "c"]))
            handle = await thread.turn("two")
            events = [event async for event in handle.stream()]
            assert_only_own(events, thread.id, handle.id)
            assert delta_text(events) == "abc"
            done = await handle.run()
            assert done.status.value == "completed"
            assert done.final_response == "abc"
            assert done.id == handle.id

    run(main())


def test_events_that_arrive_before_iteration_are_kept(codex: Codex, harness: CodexHarness) -> None:
    harness.model.enqueue(Reply.text("one two three four", deltas=4))
    thread = codex.thread_start()
    handle = thread.turn("late reader")
    harness.model.wait_for_requests(1)
    time.sleep(0.5)  # the whole turn is over on the server before we read anything
    started = time.monotonic()
    events = list(handle.stream())
    assert time.monotonic() - started < 1.0
    assert len([e for e in events if e.method == DELTA]) == 4
    assert delta_text(events) == "one two three four"
    assert any(e.method == "turn/started" for e in events)
    assert_only_own(events, thread.id, handle.id)


def test_async_events_that_arrive_before_iteration_are_kept(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            harness.model.enqueue(Reply.text("alpha beta gamma", deltas=3))
            thread = await codex.thread_start()
            handle = await thread.turn("late reader")
            await asyncio.to_thread(harness.model.wait_for_requests, 1)
            await asyncio.sleep(0.5)
            events = [event async for event in handle.stream()]
            assert len([e for e in events if e.method == DELTA]) == 3
            assert delta_text(events) == "alpha beta gamma"
            assert any(e.method == "turn/started" for e in events)
            assert_only_own(events, thread.id, handle.id)

    run(main())


# --------------------------------------------------------------------------- steer / interrupt


def test_steer_adds_input_that_reaches_the_model(codex: Codex, harness: CodexHarness) -> None:
    held = harness.model.enqueue(Reply.text("working on it").held())
    thread = codex.thread_start()
    handle = thread.turn("start the work")
    assert held.wait_reached()
    handle.steer("focus on the tests")
    held.release()
    result = handle.run()

    assert result.status.value == "completed"
    bodies = harness.model.wait_for_requests(2)
    assert MockModel.user_texts(bodies[0]) == ["start the work"]
    assert MockModel.user_texts(bodies[-1])[-1] == "focus on the tests"
    user_texts = [i.content[0].text for i in result.items if i.type == "userMessage"]
    assert user_texts == ["start the work", "focus on the tests"]
    assert result.final_response == "echo: focus on the tests"


def test_async_steer_adds_input_that_reaches_the_model(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            held = harness.model.enqueue(Reply.text("working on it").held())
            thread = await codex.thread_start()
            handle = await thread.turn("start the work")
            assert await asyncio.to_thread(held.wait_reached)
            await handle.steer([TextInput("use the async API")])
            held.release()
            result = await handle.run()
            assert result.status.value == "completed"
            assert result.final_response == "echo: use the async API"

    run(main())
    assert MockModel.user_texts(harness.model.requests[-1])[-1] == "use the async API"


def test_interrupt_completes_the_turn_as_interrupted(codex: Codex, harness: CodexHarness) -> None:
    held = harness.model.enqueue(Reply.text("never sent").held())
    thread = codex.thread_start()
    handle = thread.turn("a long task")
    assert held.wait_reached()
    started = time.monotonic()
    handle.interrupt()
    result = handle.run()
    assert time.monotonic() - started < 2.0
    assert result.status.value == "interrupted"
    assert result.final_response is None
    held.release()
    # The thread is usable again afterwards.
    assert thread.run("next").final_response == "echo: next"


def test_async_interrupt_completes_the_turn_as_interrupted(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            held = harness.model.enqueue(Reply.text("slow", delay=0.2).held())
            thread = await codex.thread_start()
            handle = await thread.turn("a long task")
            assert await asyncio.to_thread(held.wait_reached)
            await handle.interrupt()
            result = await handle.run()
            assert result.status.value == "interrupted"
            held.release()

    run(main())


# --------------------------------------------------------------------------- inputs and schema


def test_output_schema_reaches_the_model_request_as_text_format_schema(
    codex: Codex, harness: CodexHarness
) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    harness.model.enqueue(Reply.text('{"answer": "42"}'))
    thread = codex.thread_start()
    result = thread.run("What is the answer?", output_schema=schema)
    assert result.final_response == '{"answer": "42"}'
    body = harness.model.requests[-1]
    assert body["text"]["format"]["schema"] == schema
    assert body["text"]["format"]["type"] == "json_schema"


def test_an_image_url_reaches_the_model_request(codex: Codex, harness: CodexHarness) -> None:
    thread = codex.thread_start()
    thread.run([TextInput("Describe this"), ImageInput(IMAGE_URL)])
    body = harness.model.requests[-1]
    assert image_urls(body) == [IMAGE_URL]
    assert MockModel.user_texts(body) == ["Describe this"]


def test_a_remote_image_that_cannot_be_downloaded_fails_before_the_turn(
    codex: Codex, harness: CodexHarness
) -> None:
    # The runtime refuses remote image URLs, so the SDK downloads them (see
    # test_remote_images.py); here nothing listens on the port.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    thread = codex.thread_start()
    with pytest.raises(ImageFetchError, match=f"127.0.0.1:{port}/picture.png: .*refused"):
        thread.run(ImageInput(f"http://127.0.0.1:{port}/picture.png"))
    assert harness.model.requests == []


def test_a_local_image_reaches_the_model_request_as_a_data_url(
    codex: Codex, harness: CodexHarness, tmp_path: Path
) -> None:
    png = write_png(tmp_path / "shot.png")
    thread = codex.thread_start()
    result = thread.run([TextInput("What is in the shot?"), LocalImageInput(tmp_path / "shot.png")])
    assert result.status.value == "completed"
    urls = image_urls(harness.model.requests[-1])
    assert len(urls) == 1
    assert urls[0].startswith("data:image/png;base64,")
    assert base64.b64decode(urls[0].split(",", 1)[1]) == png


def test_a_missing_local_image_raises_before_any_request(
    codex: Codex, harness: CodexHarness, tmp_path: Path
) -> None:
    thread = codex.thread_start()
    missing = tmp_path / "nope.png"
    with pytest.raises(FileNotFoundError, match=r"nope\.png"):
        thread.turn(["look", LocalImageInput(missing)])
    with pytest.raises(FileNotFoundError):
        thread.run({"type": "localImage", "path": str(missing)})
    assert harness.model.requests == []
    # Nothing half-started on the server: the next turn is the thread's first.
    assert thread.run("fine").final_response == "echo: fine"
    assert len(thread.read(include_turns=True).thread.turns) == 1


def test_plain_dicts_in_wire_form_are_accepted(codex: Codex, harness: CodexHarness) -> None:
    thread = codex.thread_start()
    result = thread.run(
        [{"type": "text", "text": "from a dict"}, {"type": "image", "url": IMAGE_URL}]
    )
    assert result.final_response == "echo: from a dict"
    assert image_urls(harness.model.requests[-1]) == [IMAGE_URL]
    assert thread.run({"type": "text", "text": "one dict"}).final_response == "echo: one dict"


def test_an_unknown_turn_option_raises_type_error_before_sending(
    codex: Codex, harness: CodexHarness
) -> None:
    thread = codex.thread_start()
    with pytest.raises(TypeError, match="not_an_option"):
        thread.run("hi", not_an_option=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="outputSchema"):
        thread.turn("hi", outputSchema={})  # type: ignore[call-arg]
    assert harness.model.requests == []


# --------------------------------------------------------------------------- failures


def test_a_failed_model_response_raises_turn_failed_with_the_partial_result(
    codex: Codex, harness: CodexHarness
) -> None:
    harness.model.enqueue(Reply.failure("boom"))
    thread = codex.thread_start()
    with pytest.raises(TurnFailedError) as info:
        thread.run("this will fail")
    error = info.value
    assert "boom" in error.message
    assert "boom" in str(error)
    result = error.result
    assert isinstance(result, TurnResult)
    assert result.status.value == "failed"
    assert result.error is not None and "boom" in result.error.message
    assert result.thread_id == thread.id
    assert [i.type for i in result.items] == ["userMessage"]
    # A failed turn leaves the thread usable.
    assert thread.run("again").final_response == "echo: again"


def test_async_failed_turn_raises_turn_failed(harness: CodexHarness) -> None:
    async def main() -> TurnFailedError:
        async with AsyncCodex(harness.config()) as codex:
            harness.model.enqueue(Reply.failure("async boom"))
            thread = await codex.thread_start()
            handle = await thread.turn("fail")
            events = [e async for e in handle.stream()]  # streaming itself does not raise
            assert events[-1].method == "turn/completed"
            with pytest.raises(TurnFailedError) as info:
                await handle.run()
            return info.value

    error = run(main())
    assert "async boom" in error.message
    assert error.result.status.value == "failed"


def test_a_server_killed_mid_turn_ends_the_stream_within_a_second(
    codex: Codex, harness: CodexHarness
) -> None:
    held = harness.model.enqueue(Reply.text("never").held())
    thread = codex.thread_start()
    handle = thread.turn("hang")
    assert held.wait_reached()
    pid = codex.pid
    assert pid is not None
    killed_at: list[float] = []

    def kill() -> None:
        killed_at.append(time.monotonic())
        os.kill(pid, 9)

    timer = threading.Timer(0.2, kill)
    timer.start()
    seen: list[Notification] = []
    with pytest.raises(TransportClosedError):
        for event in handle.stream():
            seen.append(event)
    timer.join()
    assert time.monotonic() - killed_at[0] < 1.0
    assert any(e.method == "turn/started" for e in seen)
    with pytest.raises(TransportClosedError):
        handle.run()
    # auto_restart (the default): the next call starts a new server and resumes the thread
    harness.model.enqueue(Reply.text("back"))
    assert thread.run("after death").final_response == "back"
    assert codex.pid not in (None, pid)


def test_async_server_killed_mid_turn_ends_the_stream_within_a_second(
    harness: CodexHarness,
) -> None:
    async def main() -> float:
        async with AsyncCodex(harness.config()) as codex:
            held = harness.model.enqueue(Reply.text("never").held())
            thread = await codex.thread_start()
            handle = await thread.turn("hang")
            assert await asyncio.to_thread(held.wait_reached)
            pid = codex.pid
            assert pid is not None
            killed_at: list[float] = []

            def kill() -> None:
                killed_at.append(time.monotonic())
                os.kill(pid, 9)

            asyncio.get_running_loop().call_later(0.2, kill)
            with pytest.raises(TransportClosedError):
                async for _ in handle.stream():
                    pass
            return time.monotonic() - killed_at[0]

    assert run(main()) < 1.0


# --------------------------------------------------------------------------- concurrency


def test_ten_python_threads_stream_ten_turns_on_one_client_without_mixing(
    codex: Codex,
) -> None:
    n = 10
    barrier = threading.Barrier(n)
    outcomes: dict[int, tuple[str, str, list[Notification], TurnResult]] = {}
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            thread = codex.thread_start()
            barrier.wait(10)
            handle = thread.turn(f"message from worker {i}")
            events = list(handle.stream())
            outcomes[i] = (thread.id, handle.id, events, handle.run())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert not errors
    assert len(outcomes) == n
    assert len({turn_id for _, turn_id, _, _ in outcomes.values()}) == n
    for i, (thread_id, turn_id, events, result) in outcomes.items():
        assert_only_own(events, thread_id, turn_id)
        assert delta_text(events) == f"echo: message from worker {i}"
        assert result.final_response == f"echo: message from worker {i}"
        assert result.id == turn_id


def test_ten_tasks_stream_ten_turns_on_one_async_client_without_mixing(
    harness: CodexHarness,
) -> None:
    n = 10

    async def one(codex: AsyncCodex, i: int, go: asyncio.Event) -> None:
        thread = await codex.thread_start()
        await go.wait()
        handle = await thread.turn(f"message from task {i}")
        events = [e async for e in handle.stream()]
        result = await handle.run()
        assert_only_own(events, thread.id, handle.id)
        assert delta_text(events) == f"echo: message from task {i}"
        assert result.final_response == f"echo: message from task {i}"

    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            go = asyncio.Event()
            tasks = [asyncio.ensure_future(one(codex, i, go)) for i in range(n)]
            await asyncio.sleep(0)
            go.set()
            await asyncio.gather(*tasks)

    run(main())
    assert len(harness.model.requests) == n


# ----------------------------------------------------- what a stream yields (official rule)


def test_a_stream_yields_its_turns_notifications_and_thread_events_on_request(
    harness: CodexHarness,
) -> None:
    with Codex(harness.config()) as codex:
        heard: list[str] = []
        codex.on_notification(lambda note: heard.append(note.method))
        thread = codex.thread_start()
        handle = thread.turn("hi")
        events = list(handle.stream())
        assert [e for e in events if e.turn_id != handle.id] == []
        assert events[0].method == "turn/started" and events[-1].method == "turn/completed"
        again = thread.turn("again")
        both = list(again.stream(include_thread_events=True))
        thread_level = [e.method for e in both if e.turn_id is None]
        assert "thread/status/changed" in thread_level
        assert_only_own(both, thread.id, again.id)
    assert "thread/status/changed" in heard  # listeners always get them


def test_an_async_stream_follows_the_same_rule(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            handle = await thread.turn("hi")
            events = [e async for e in handle.stream()]
            assert [e for e in events if e.turn_id != handle.id] == []
            again = await thread.turn("again")
            both = [e async for e in again.stream(include_thread_events=True)]
            assert "thread/status/changed" in [e.method for e in both if e.turn_id is None]

    run(main())
