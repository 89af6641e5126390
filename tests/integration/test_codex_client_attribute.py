"""``Codex._client`` and ``AsyncCodex._client``: the official low-level client on the
high-level client's own app-server and connection, used as code written for the official
SDK uses it (its tests first), interleaved with ``Thread`` and ``TurnHandle`` consumers,
across an automatic restart and after ``close()``."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Iterator

import pytest
from _image_server import PNG
from conftest import run
from test_api_lowlevel import WAIT
from test_api_lowlevel import drain_turn as drain

from openai_codex import (
    ApprovalMode,
    AsyncCodex,
    Codex,
    ImageInput,
    TransportClosedError,
)
from openai_codex.api import AsyncCodexClient, CodexClient, Notification, ThreadResumeParams
from openai_codex.generated.v2_all import ThreadGoalGetResponse, ThreadGoalStatus, TurnStatus
from openai_codex.testing import CodexHarness, Reply

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def codex(harness: CodexHarness) -> Iterator[Codex]:
    with Codex(harness.config()) as client:
        yield client


# ------------------------------------------------------------------------- the official style


def test_codex_client_is_the_low_level_client_of_the_same_server(codex: Codex) -> None:
    client = codex._client
    assert isinstance(client, CodexClient) and codex._client is client
    pid = codex.pid
    # An ephemeral thread lives only in this server's memory: the low-level client sees it.
    ephemeral = codex.thread_start(ephemeral=True)
    assert client.thread_read(ephemeral.id).thread.id == ephemeral.id
    thread = codex.thread_start(approval_mode=ApprovalMode.deny_all)
    thread.run("warm up: persisted once it has a turn")
    resumed = client.thread_resume(thread.id, ThreadResumeParams(thread_id=thread.id))
    assert resumed.thread.id == thread.id
    assert resumed.approval_policy.root.value == "never"
    goal = client.request(
        "thread/goal/get", {"threadId": thread.id}, response_model=ThreadGoalGetResponse
    )
    assert goal.goal is None
    set_ = client.thread_goal_set(thread.id, objective="from the low level", status="paused")
    assert set_.goal.status == ThreadGoalStatus.paused
    assert thread.goal().objective == "from the low level"  # the high level sees it
    assert client.model_list().data[0].id == codex.models().data[0].id
    deltas = list(client.stream_text(thread.id, "streamed through _client"))
    assert "".join(d.delta for d in deltas) == "echo: streamed through _client"
    assert codex.thread(thread.id).read(include_turns=True).thread.turns[-1].status == (
        TurnStatus.completed
    )
    assert client.initialize().serverInfo is not None  # nothing sent: the handshake is done
    assert codex.pid == pid  # no second app-server


def test_turns_of_either_side_stream_to_both_and_nobody_steals(
    codex: Codex, harness: CodexHarness
) -> None:
    client = codex._client
    high = codex.thread_start()
    low = client.thread_start().thread.id
    held = harness.model.enqueue(Reply.text(["held ", "answer"]).held())
    handle = high.turn("the high-level turn")
    assert held.wait_reached(WAIT)
    # While that turn waits, the low-level client runs a whole turn of its own.
    deltas = list(client.stream_text(low, "the low-level turn"))
    assert "".join(d.delta for d in deltas) == "echo: the low-level turn"
    held.release()
    events = list(handle.stream())
    seen = drain(client, handle.id)  # the low level saw the high-level turn too
    assert [e.method for e in seen] == [e.method for e in events]
    assert handle.run().final_response == "held answer"
    # And a turn started through _client: its queue has everything, from turn/started on.
    started = client.turn_start(low, "once more")
    notes = drain(client, started.turn.id)
    assert notes[0].method == "turn/started" and notes[-1].payload.turn.status.value == (
        "completed"
    )
    # Requests interleave from many threads on the one connection.
    errors: list[BaseException] = []

    def reads(n: int) -> None:
        try:
            for _ in range(n):
                assert client.thread_read(high.id).thread.id == high.id
                assert codex.thread(low).read().thread.id == low
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=reads, args=(10,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(WAIT * 3)
    assert errors == []


def test_notifications_outside_turns_reach_listeners_and_the_global_queue(codex: Codex) -> None:
    client = codex._client
    heard = threading.Event()

    def listener(note: Notification) -> None:
        if note.method == "thread/started":
            heard.set()

    unsubscribe = codex.on_notification(listener)
    thread = codex.thread_start()
    while True:
        note = client.next_notification(timeout=WAIT)
        if note.method == "thread/started" and note.payload.thread.id == thread.id:
            break
    assert heard.wait(WAIT)  # the listener got it too (on its own thread)
    unsubscribe()


def test_remote_images_and_objective_checks_apply_to_the_low_level_client(
    codex: Codex, harness: CodexHarness
) -> None:
    client = codex._client
    thread = codex.thread_start()
    thread.run("warm up")
    url = harness.model.serve_file("dot.png", PNG)
    started = client.turn_start(thread.id, [ImageInput(url), {"type": "text", "text": "see"}])
    drain(client, started.turn.id)
    message = [i for i in harness.model.requests[-1]["input"] if i.get("role") == "user"][-1]
    images = [part["image_url"] for part in message["content"] if part["type"] == "input_image"]
    assert len(images) == 1 and images[0].startswith("data:image/png;base64,")
    client.thread_goal_set(thread.id, objective="the old goal", status="paused")
    with pytest.raises(ValueError, match="at most 4000 characters"):
        client.start_goal_operation(thread.id, "x" * 4001)
    assert thread.goal().objective == "the old goal"


# ------------------------------------------------------------------- restarts and closing


def test_the_low_level_client_follows_an_automatic_restart(harness: CodexHarness) -> None:
    with Codex(harness.config()) as codex:
        client = codex._client
        thread = codex.thread_start()
        thread.run("warm up")
        first = codex.pid
        assert first is not None
        waiting: list[BaseException] = []

        def wait_for_a_notification() -> None:
            try:
                while True:
                    client.next_notification(timeout=WAIT)
            except BaseException as exc:
                waiting.append(exc)

        reader = threading.Thread(target=wait_for_a_notification)
        reader.start()
        os.kill(first, signal.SIGKILL)
        reader.join(WAIT)
        assert len(waiting) == 1 and isinstance(waiting[0], TransportClosedError)
        # The next request starts a new server; the queues start afresh on it.
        assert client.model_list().data
        assert codex.pid not in (None, first)
        resumed = client.thread_resume(thread.id)
        assert resumed.thread.id == thread.id
        deltas = list(client.stream_text(thread.id, "after the restart"))
        assert "".join(d.delta for d in deltas) == "echo: after the restart"
        assert thread.run("the thread too").final_response == "echo: the thread too"


def test_closing_either_closes_both(harness: CodexHarness) -> None:
    codex = Codex(harness.config())
    client = codex._client
    codex.close()
    with pytest.raises(TransportClosedError, match="closed"):
        client.model_list()
    with pytest.raises(TransportClosedError, match="closed"):
        client.next_notification(timeout=1)
    other = Codex(harness.config())
    other._client.close()
    with pytest.raises(Exception, match="closed"):
        other.models()


# --------------------------------------------------------------------------------- async


def test_async_codex_client_in_the_official_style(harness: CodexHarness) -> None:
    async def main() -> None:
        codex = AsyncCodex(harness.config())
        client = codex._client  # reachable before the start, as in the official SDK
        assert isinstance(client, AsyncCodexClient) and codex._client is client
        async with codex:
            thread = await codex.thread_start(approval_mode=ApprovalMode.deny_all)
            await thread.run("warm up")
            resumed = await client.thread_resume(thread.id, ThreadResumeParams(thread_id=thread.id))
            assert resumed.approval_policy.root.value == "never"
            goal = await client.request(
                "thread/goal/get", {"threadId": thread.id}, response_model=ThreadGoalGetResponse
            )
            assert goal.goal is None
            await client.thread_goal_set(thread.id, objective="async goal", status="paused")
            assert (await thread.goal()).objective == "async goal"
            assert (await client.model_list()).data
            # A Thread turn and a low-level turn at once, each complete.
            other = (await client.thread_start()).thread.id

            async def low_level_text() -> str:
                return "".join([d.delta async for d in client.stream_text(other, "low")])

            text, result = await asyncio.gather(low_level_text(), thread.run("high"))
            assert text == "echo: low" and result.final_response == "echo: high"
            handle = await thread.turn("seen by both")
            notes = []
            while not notes or notes[-1].method != "turn/completed":
                notes.append(await client.next_turn_notification(handle.id, timeout=WAIT))
            assert (await handle.run()).final_response == "echo: seen by both"
        with pytest.raises(TransportClosedError, match="closed"):
            await client.model_list()

    run(main())
