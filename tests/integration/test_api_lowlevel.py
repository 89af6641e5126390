"""The official low-level clients of ``openai_codex.api`` against the real app-server and
the mock model, written as code for the official SDK would be: ``CodexClient`` and
``AsyncCodexClient``, their notification queues, goal operations, approvals and logins."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import run

from openai_codex import (
    AsyncCodex,
    Codex,
    InvalidRequestError,
    MethodNotFoundError,
    TransportClosedError,
)
from openai_codex.api import (
    AsyncCodexClient,
    AsyncDeviceCodeLoginHandle,
    ClientStateError,
    CodexClient,
    DeviceCodeLoginHandle,
    InitializeResponse,
    Notification,
    StreamEndedError,
    ThreadListParams,
    ThreadStartParams,
    TurnCompletedNotification,
    TurnStartParams,
    async_start_device_code_login,
    start_device_code_login,
    validate_initialize_metadata,
)
from openai_codex.generated.v2_all import (
    ThreadGoalGetResponse,
    ThreadGoalStatus,
    ThreadReadResponse,
    TurnStatus,
)
from openai_codex.testing import CodexHarness, MockIssuer, Reply

WAIT = 20.0  # a way out for every wait, never an expectation of speed

pytestmark = pytest.mark.timeout(90)


def started_client(harness: CodexHarness, **kwargs: Any) -> CodexClient:
    client = CodexClient(harness.config(), **kwargs)
    client.start()
    client.initialize()
    return client


@pytest.fixture
def client(harness: CodexHarness) -> Iterator[CodexClient]:
    c = started_client(harness)
    try:
        yield c
    finally:
        c.close()


def drain_turn(client: CodexClient, turn_id: str) -> list[Notification]:
    notes = []
    while True:
        note = client.next_turn_notification(turn_id, timeout=WAIT)
        notes.append(note)
        if note.method == "turn/completed":
            return notes


def drain_goal(client: CodexClient, state: Any) -> list[Notification]:
    """Every notification of a goal operation, up to the end of its queue."""
    notes = []
    with pytest.raises(StreamEndedError, match="has finished"):
        while True:
            notes.append(client.next_goal_notification(state, timeout=WAIT))
    return notes


def goal_status(client: CodexClient, thread_id: str) -> str:
    got = client.request(
        "thread/goal/get", {"threadId": thread_id}, response_model=ThreadGoalGetResponse
    )
    assert got.goal is not None
    return str(got.goal.status.value)


# --------------------------------------------------------------------------- lifecycle


def test_lifecycle_sync(harness: CodexHarness) -> None:
    client = CodexClient(harness.config())
    with pytest.raises(TransportClosedError, match="not running"):
        client.thread_start({})
    client.start()
    client.start()  # idempotent
    try:
        with pytest.raises(InvalidRequestError, match="Not initialized"):
            client.thread_start({})
        info = client.initialize()
        assert isinstance(info, InitializeResponse)
        assert info.userAgent and info.userAgent.startswith("codex_python_sdk/")
        assert info.serverInfo is None  # as sent by the server
        validated = validate_initialize_metadata(info)
        assert validated.serverInfo is not None
        assert validated.serverInfo.name == "codex_python_sdk"
        assert validated.serverInfo.version and validated.serverInfo.version.startswith("0.163.0")
        with pytest.raises(InvalidRequestError, match="Already initialized"):
            client.initialize()
        assert client.thread_start({}).thread.id
    finally:
        client.close()
    client.close()  # idempotent
    with pytest.raises(TransportClosedError):
        client.thread_list()
    with pytest.raises(TransportClosedError):
        client.next_notification(timeout=1)


def test_lifecycle_async(harness: CodexHarness) -> None:
    async def main() -> None:
        client = AsyncCodexClient(harness.config())
        with pytest.raises(TransportClosedError, match="not running"):
            await client.thread_start()
        async with client:
            with pytest.raises(InvalidRequestError, match="Not initialized"):
                await client.model_list()
            info = await client.initialize()
            assert info.platformOs and info.serverInfo is None
            models = await client.model_list()
            assert [m.id for m in models.data] == ["mock-model"]
        with pytest.raises(TransportClosedError):
            await client.model_list()
        with pytest.raises(TransportClosedError):
            await client.next_notification()

    run(main())


def test_validate_initialize_metadata_rules() -> None:
    filled = validate_initialize_metadata(InitializeResponse(userAgent=" abc / 1.2 (x) "))
    assert (filled.serverInfo.name, filled.serverInfo.version) == ("abc", "1.2 (x)")
    kept = validate_initialize_metadata(
        InitializeResponse(userAgent="abc/1", serverInfo={"name": "srv", "version": " "})
    )
    assert (kept.serverInfo.name, kept.serverInfo.version) == ("srv", "1")
    for agent in ("", "abc", "abc/", "/1.0", None):
        with pytest.raises(RuntimeError, match="missing required metadata") as caught:
            validate_initialize_metadata(InitializeResponse(userAgent=agent))
        assert isinstance(caught.value, Exception) and "user_agent=" in str(caught.value)


# --------------------------------------------------------------------------- threads, turns


def test_thread_helpers(client: CodexClient) -> None:
    started = client.thread_start(ThreadStartParams(model="mock-model"))
    thread_id = started.thread.id
    assert started.model == "mock-model"
    client.thread_set_name(thread_id, "low-level")
    turn = client.turn_start(thread_id, "hello", TurnStartParams(thread_id="", input=[]))
    assert client.wait_for_turn_completed(turn.turn.id, timeout=WAIT).turn.status is (
        TurnStatus.completed
    )
    read = client.thread_read(thread_id)
    assert isinstance(read, ThreadReadResponse)
    assert read.thread.name == "low-level" and read.thread.turns == []
    assert len(client.thread_read(thread_id, include_turns=True).thread.turns) == 1
    listed = client.thread_list(ThreadListParams(limit=10))
    assert thread_id in [t.id for t in listed.data]
    assert thread_id in [t.id for t in client.thread_list({"limit": 10}).data]
    fork = client.thread_fork(thread_id)
    assert fork.thread.id != thread_id
    assert client.thread_resume(thread_id, {"model": "mock-model"}).thread.id == thread_id
    client.thread_archive(fork.thread.id)
    assert client.thread_unarchive(fork.thread.id).thread.id == fork.thread.id
    assert client.account_read().account is None
    with pytest.raises(InvalidRequestError, match="no active turn"):
        client.turn_steer(thread_id, turn.turn.id, "more")
    with pytest.raises(MethodNotFoundError, match="unknown method"):
        client.request("nope/method", {}, response_model=ThreadReadResponse)
    retried = client.request_with_retry_on_overload(
        "thread/read", {"threadId": thread_id}, response_model=ThreadReadResponse
    )
    assert retried.thread.id == thread_id


def test_turn_notifications_are_kept_for_a_late_reader(
    client: CodexClient, harness: CodexHarness
) -> None:
    harness.model.enqueue(Reply.text("first answer", deltas=3))
    thread_id = client.thread_start({}).thread.id
    turn_id = client.turn_start(thread_id, [{"type": "text", "text": "go"}]).turn.id
    # Wait for the turn to end without reading it: the thread goes active, then idle.
    seen: list[Notification] = []
    statuses: list[str] = []
    while statuses[-2:] != ["active", "idle"]:
        seen.append(client.next_notification(timeout=WAIT))
        if seen[-1].method == "thread/status/changed" and seen[-1].thread_id == thread_id:
            statuses.append(seen[-1].params["status"]["type"])
    client.register_turn_notifications(turn_id)
    notes = drain_turn(client, turn_id)
    assert notes[0].method == "turn/started"
    assert all(n.turn_id == turn_id for n in notes)
    deltas = [n.payload.delta for n in notes if n.method == "item/agentMessage/delta"]
    assert "".join(deltas) == "first answer" and len(deltas) == 3
    with pytest.raises(StreamEndedError, match="no longer streaming"):
        client.next_turn_notification(turn_id, timeout=WAIT)
    client.unregister_turn_notifications(turn_id)
    client.unregister_turn_notifications(turn_id)  # idempotent
    with pytest.raises(ClientStateError, match="not registered"):
        client.next_turn_notification(turn_id, timeout=WAIT)
    # The global queue has what names no turn: thread and account events.
    with pytest.raises(TimeoutError):
        while True:
            seen.append(client.next_notification(timeout=0.5))
    assert "thread/started" in [n.method for n in seen]
    assert all(n.turn_id is None for n in seen)


def test_wait_and_stream(client: CodexClient, harness: CodexHarness) -> None:
    harness.model.enqueue(Reply.text("done"))
    harness.model.enqueue(Reply.text("streamed text", deltas=4))
    thread_id = client.thread_start({}).thread.id
    turn_id = client.turn_start(thread_id, "one").turn.id
    completed = client.wait_for_turn_completed(turn_id, timeout=WAIT)
    assert isinstance(completed, TurnCompletedNotification)
    assert completed.turn.id == turn_id
    with pytest.raises(ClientStateError):  # waiting unregistered the turn
        client.next_turn_notification(turn_id, timeout=WAIT)
    deltas = list(client.stream_text(thread_id, "two"))
    assert "".join(d.delta for d in deltas) == "streamed text" and len(deltas) == 4


def test_turns_async(harness: CodexHarness) -> None:
    harness.model.enqueue(Reply.text("async one", deltas=2))
    harness.model.enqueue(Reply.text("async two"))

    async def main() -> None:
        async with AsyncCodexClient(harness.config()) as client:
            await client.initialize()
            thread_id = (await client.thread_start({"model": "mock-model"})).thread.id
            turn = await client.turn_start(thread_id, "hi")
            client.register_turn_notifications(turn.turn.id)
            methods = []
            while not methods or methods[-1] != "turn/completed":
                note = await client.next_turn_notification(turn.turn.id, timeout=WAIT)
                methods.append(note.method)
            assert methods[0] == "turn/started"
            assert methods.count("item/agentMessage/delta") == 2
            client.unregister_turn_notifications(turn.turn.id)
            texts = [d.delta async for d in client.stream_text(thread_id, "again")]
            assert texts == ["async two"]
            first = await client.next_notification(timeout=WAIT)
            assert first.turn_id is None

    run(main())


def test_close_wakes_every_reader(client: CodexClient) -> None:
    thread_id = client.thread_start({}).thread.id
    errors: list[BaseException] = []

    def reader(fn: Any) -> None:
        try:
            while True:
                fn()
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    readers = [
        threading.Thread(target=reader, args=(client.next_notification,)),
        threading.Thread(target=reader, args=(lambda: client.next_turn_notification("t-x"),)),
        threading.Thread(target=reader, args=(lambda: client.next_login_notification("l-x"),)),
    ]
    for thread in readers:
        thread.start()
    assert client.thread_read(thread_id).thread.id == thread_id
    client.close()
    for thread in readers:
        thread.join(WAIT)
        assert not thread.is_alive()
    assert len(errors) == 3
    assert all(isinstance(e, TransportClosedError) for e in errors), errors


# --------------------------------------------------------------------------- goals


def test_goal_operation_runs_until_complete(client: CodexClient, harness: CodexHarness) -> None:
    model = harness.model
    thread_id = client.thread_start({}).thread.id
    client.wait_for_turn_completed(client.turn_start(thread_id, "warm up").turn.id, timeout=WAIT)
    # One reply per model request: a turn each for the first two, then a turn that
    # completes the goal and answers once more.
    model.enqueue(Reply.text("step one"))
    model.enqueue(Reply.text("step two"))
    model.enqueue(Reply.function_call("update_goal", {"status": "complete"}))
    model.enqueue(Reply.text("all done"))

    state, logical_turn_id = client.start_goal_operation(thread_id, "finish the work")
    assert state.thread_id == thread_id and state.logical_turn_id == logical_turn_id
    assert state.status is ThreadGoalStatus.active
    with pytest.raises(ClientStateError, match="already has an active goal operation"):
        client.register_goal_operation(thread_id)
    with pytest.raises(InvalidRequestError, match="active goal operation"):
        client.turn_start(thread_id, "not now")

    notes = drain_goal(client, state)
    methods = [n.method for n in notes]
    assert methods[0] == "thread/goal/updated" and methods[-1] == "turn/completed"
    starts = [n.payload.turn.id for n in notes if n.method == "turn/started"]
    assert starts[0] == logical_turn_id and len(starts) == methods.count("turn/completed") == 3
    texts = [n.payload.delta for n in notes if n.method == "item/agentMessage/delta"]
    assert texts == ["step one", "step two", "all done"]
    statuses = [n.payload.goal.status for n in notes if n.method == "thread/goal/updated"]
    assert statuses[-1] is ThreadGoalStatus.complete
    assert state.finished and state.status is ThreadGoalStatus.complete
    assert state.current_turn_id is None and state.completed_turn.id == starts[-1]
    assert state.started_turn.id == logical_turn_id and not state.interrupted
    assert goal_status(client, thread_id) == "complete"

    client.unregister_goal_operation(state)
    client.unregister_goal_operation(state)  # idempotent
    with pytest.raises(ClientStateError, match="not registered"):
        client.next_goal_notification(state, timeout=WAIT)
    assert client.thread_goal_set(thread_id, objective="another").goal.objective == "another"
    assert client.pause_goal(thread_id).goal.status is ThreadGoalStatus.paused
    assert client.thread_goal_clear(thread_id).cleared is True
    turn = client.turn_start(thread_id, "free again")
    assert client.wait_for_turn_completed(turn.turn.id, timeout=WAIT).turn.status is (
        TurnStatus.completed
    )


def test_cancel_goal_operation(client: CodexClient, harness: CodexHarness) -> None:
    held = harness.model.enqueue(Reply.text("never finishes").held())
    thread_id = client.thread_start({}).thread.id
    try:
        state, logical_turn_id = client.start_goal_operation(thread_id, "loop forever")
        assert held.wait_reached(WAIT)  # the first turn waits for the model
        assert state.current_turn_id == logical_turn_id
        client.cancel_goal_operation(state)
        assert state.interrupt_requested
        notes = drain_goal(client, state)
    finally:
        held.release()
    completed = [n for n in notes if n.method == "turn/completed"]
    assert [n.payload.turn.status for n in completed] == [TurnStatus.interrupted]
    assert state.finished and state.interrupted
    assert state.status is ThreadGoalStatus.paused
    assert goal_status(client, thread_id) == "paused"
    client.unregister_goal_operation(state)


def test_goal_checks_and_reservations(client: CodexClient) -> None:
    ephemeral = client.thread_start({"ephemeral": True}).thread.id
    with pytest.raises(InvalidRequestError, match="must be persisted"):
        client.start_goal_operation(ephemeral, "x")
    reserved = client.reserve_goal_operation(ephemeral)  # the failure released the thread
    with pytest.raises(InvalidRequestError, match="active goal operation"):
        client.turn_start(ephemeral, "x")
    with pytest.raises(ClientStateError, match="only reserved"):
        client.next_goal_notification(reserved, timeout=1)
    client.unregister_goal_operation(reserved)
    with pytest.raises(InvalidRequestError, match="thread not loaded"):
        client.start_goal_operation("00000000-0000-7000-8000-000000000000", "x")


def test_goal_operation_async(harness: CodexHarness) -> None:
    model = harness.model
    model.enqueue(Reply.text("working"))
    model.enqueue(Reply.function_call("update_goal", {"status": "complete"}))
    model.enqueue(Reply.text("finished"))

    async def main() -> None:
        async with AsyncCodexClient(harness.config()) as client:
            await client.initialize()
            thread_id = (await client.thread_start()).thread.id
            state, logical = await client.start_goal_operation(thread_id, "async goal")
            methods = []
            with pytest.raises(StreamEndedError):
                while True:
                    note = await client.next_goal_notification(state, timeout=WAIT)
                    methods.append(note.method)
            assert methods.count("turn/completed") >= 2
            assert state.finished and state.status is ThreadGoalStatus.complete
            assert state.logical_turn_id == logical
            client.unregister_goal_operation(state)
            assert (await client.thread_goal_clear(thread_id)).cleared

    run(main())


# --------------------------------------------------------------------------- approvals


def approval_harness() -> CodexHarness:
    harness = CodexHarness(approval_policy="on-request").start()
    call = {"cmd": "echo hi", "sandbox_permissions": "require_escalated", "justification": "why"}
    harness.model.enqueue(Reply.function_call("exec_command", call))
    harness.model.enqueue(Reply.text("after the command"))
    return harness


def command_output(harness: CodexHarness) -> str:
    bodies = harness.model.requests
    outputs = harness.model.function_call_outputs(bodies[-1])
    assert len(outputs) == 1
    return str(outputs[0]["output"])


def test_approval_handler_answers_server_requests() -> None:
    calls: list[tuple[str, Any]] = []

    def handler(method: str, params: Any) -> dict[str, Any]:
        calls.append((method, params))
        return {"decision": "decline"}

    harness = approval_harness()
    try:
        client = started_client(harness, approval_handler=handler)
        try:
            thread_id = client.thread_start({}).thread.id
            turn_id = client.turn_start(thread_id, "run it").turn.id
            done = client.wait_for_turn_completed(turn_id, timeout=WAIT)
        finally:
            client.close()
    finally:
        harness.close()
    assert done.turn.status is TurnStatus.completed
    assert [m for m, _ in calls] == ["item/commandExecution/requestApproval"]
    assert calls[0][1]["reason"] == "why" and calls[0][1]["turnId"] == turn_id
    assert "rejected" in command_output(harness)


def test_without_handler_commands_are_accepted_as_officially() -> None:
    harness = approval_harness()

    # The accepted command runs in a login shell: a HOME without profile scripts keeps it
    # quick.
    config = harness.config(env={"HOME": str(harness.workspace)})

    async def main() -> None:
        async with AsyncCodexClient(config) as client:
            await client.initialize()
            thread_id = (await client.thread_start()).thread.id
            turn = await client.turn_start(thread_id, "run it")
            done = await client.wait_for_turn_completed(turn.turn.id, timeout=WAIT)
            assert done.turn.status is TurnStatus.completed

    try:
        run(main())
        output = command_output(harness)
        assert "hi" in output and "rejected" not in output
    finally:
        harness.close()


def test_async_handler_may_be_a_coroutine_function() -> None:
    seen: list[str] = []

    async def handler(method: str, params: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        seen.append(method)
        return {"decision": "decline"}

    harness = approval_harness()

    async def main() -> None:
        async with AsyncCodexClient(harness.config(), approval_handler=handler) as client:
            await client.initialize()
            thread_id = (await client.thread_start()).thread.id
            turn = await client.turn_start(thread_id, "run it")
            await client.wait_for_turn_completed(turn.turn.id, timeout=WAIT)

    try:
        run(main())
        assert seen == ["item/commandExecution/requestApproval"]
        assert "rejected" in command_output(harness)
    finally:
        harness.close()


# --------------------------------------------------------------------------- logins


@pytest.fixture
def issuer() -> Iterator[MockIssuer]:
    with MockIssuer(email="low@example.com", plan="pro") as mock:
        yield mock


@pytest.fixture
def auth_harness(issuer: MockIssuer) -> Iterator[CodexHarness]:
    with CodexHarness(requires_openai_auth=True, issuer=issuer) as harness:
        yield harness


def test_device_code_login(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    client = started_client(auth_harness)
    try:
        handle = start_device_code_login(client)
        assert isinstance(handle, DeviceCodeLoginHandle)
        assert handle.verification_url == f"{issuer.url}/codex/device"
        assert handle.user_code not in repr(handle)
        done = handle.wait(timeout=WAIT)
        assert (done.login_id, done.success) == (handle.login_id, True)
        account = client.account_read().account
        assert account is not None and account.email == issuer.email
        # The raw way: the completion waits in the login's queue until someone reads it.
        started = client.account_login_start({"type": "chatgptDeviceCode"})
        login_id = started.root.login_id
        completed = client.wait_for_login_completed(login_id, timeout=WAIT)
        assert (completed.login_id, completed.success) == (login_id, True)
        with pytest.raises(ClientStateError, match="not registered"):
            client.next_login_notification(login_id, timeout=1)
        client.account_logout()
        assert client.account_read().account is None
        with pytest.raises(InvalidRequestError, match="invalid login id"):
            client.account_login_cancel("nope")
    finally:
        client.close()
    with Codex(auth_harness.config()) as codex:  # the high-level client works too
        assert start_device_code_login(codex).wait(timeout=WAIT).success


def test_device_code_login_async(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodexClient(auth_harness.config()) as client:
            await client.initialize()
            handle = await async_start_device_code_login(client)
            assert isinstance(handle, AsyncDeviceCodeLoginHandle)
            assert (await handle.wait(timeout=WAIT)).success
            started = await client.account_login_start({"type": "chatgptDeviceCode"})
            client.register_login_notifications(started.root.login_id)
            note = await client.next_login_notification(started.root.login_id, timeout=WAIT)
            assert note.method == "account/login/completed" and note.payload.success
            with pytest.raises(StreamEndedError):
                await client.next_login_notification(started.root.login_id, timeout=WAIT)
        async with AsyncCodex(auth_harness.config()) as codex:
            handle = await async_start_device_code_login(codex)
            assert (await handle.wait(timeout=WAIT)).success

    run(main())
