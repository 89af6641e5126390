"""The SDK over a WebSocket app-server (``CodexConfig(url=..., auth_token=...)``).

A real ``codex app-server --listen ws://127.0.0.1:0 --ws-auth capability-token`` runs in a
throw-away CODEX_HOME wired to the offline MockModel. The core scenarios run over both
transports (``kind`` is ``stdio`` or ``websocket``) through the public API, sync and async;
then what only WebSocket has: the capability token (401s, never leaked), a server that
goes away, clean closing, several clients on one server, and ``codex-sdk serve``.

Bounds like "within 5 s" are ways out of a hang (``wait_for``, ``join``), not measurements.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _transports import TRANSPORTS, ClientConfigs, WsAppServer, client_configs
from conftest import run

from openai_codex import (
    ApprovalRequest,
    AsyncCodex,
    Codex,
    CodexAuthError,
    CodexConfig,
    Decision,
    MethodNotFoundError,
    Notification,
    TransportClosedError,
    TurnTimeoutError,
    tool,
)
from openai_codex.testing import CodexHarness, MockModel, Reply
from openai_codex.types import ApiKeyAccount

pytestmark = pytest.mark.timeout(90)

WAY_OUT = 5.0  # the "within 5 s" bounds
DELTA = "item/agentMessage/delta"
ESCALATE = {"cmd": "echo hi", "sandbox_permissions": "require_escalated", "justification": "why"}
API_KEY = "sk-test-ws-4f1c9a7e2b6d"


@contextlib.contextmanager
def reach(kind: str, **harness_options: Any) -> Iterator[ClientConfigs]:
    """A harness and the configs that reach its app-server over ``kind``."""
    with CodexHarness(**harness_options) as harness:
        configs, server = client_configs(kind, harness)
        try:
            yield configs
        finally:
            if server is not None:
                server.stop()


@pytest.fixture
def ws(harness: CodexHarness) -> Iterator[WsAppServer]:
    with WsAppServer(harness) as server:
        yield server


def delta_text(events: list[Notification]) -> str:
    return "".join(e.payload.delta for e in events if e.method == DELTA)


@tool
def lookup_ticket(ticket_id: str) -> str:
    """Return the title and status of a ticket."""
    return f"{ticket_id}: Printer on fire (open)"


# ------------------------------------------------------------- core scenarios, both ways


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_metadata_threads_and_a_run(kind: str) -> None:
    with reach(kind) as over, Codex(over.config()) as codex:
        assert codex.metadata.user_agent.startswith("codex_python_sdk/")
        assert codex.metadata.codex_home == str(over.harness.codex_home)
        assert (codex.pid is None) == (kind == "websocket")
        thread = codex.thread_start()
        result = thread.run("hello")
        assert result.final_response == "echo: hello"
        assert result.status.value == "completed"
        thread.set_name("over " + kind)
        assert thread.read().thread.name == "over " + kind
        assert thread.id in {t.id for t in codex.thread_list().data}
        fork = codex.thread_fork(thread.id)
        assert fork.run("again").final_response == "echo: again"


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_async_metadata_threads_and_a_run(kind: str) -> None:
    async def main(over: ClientConfigs) -> None:
        async with AsyncCodex(over.config()) as codex:
            assert codex.metadata.codex_home == str(over.harness.codex_home)
            thread = await codex.thread_start()
            result = await thread.run("hello")
            assert result.final_response == "echo: hello"
            page = await codex.thread_list()
            assert thread.id in {t.id for t in page.data}

    with reach(kind) as over:
        run(main(over))


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_a_streamed_turn(kind: str) -> None:
    with reach(kind) as over, Codex(over.config()) as codex:
        over.harness.model.enqueue(Reply.text("one two three four", deltas=4))
        thread = codex.thread_start()
        handle = thread.turn("count")
        events = list(handle.stream())
        assert [e.method for e in events].count(DELTA) == 4
        assert delta_text(events) == "one two three four"
        assert events[-1].method == "turn/completed"
        assert handle.run().final_response == "one two three four"


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_an_async_streamed_turn(kind: str) -> None:
    async def main(over: ClientConfigs) -> None:
        async with AsyncCodex(over.config()) as codex:
            over.harness.model.enqueue(Reply.text("alpha beta gamma", deltas=3))
            thread = await codex.thread_start()
            handle = await thread.turn("stream")
            events = [e async for e in handle.stream()]
            assert delta_text(events) == "alpha beta gamma"
            assert events[-1].method == "turn/completed"

    with reach(kind) as over:
        run(main(over))


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_steer_and_interrupt(kind: str) -> None:
    with reach(kind) as over, Codex(over.config()) as codex:
        model = over.harness.model
        thread = codex.thread_start()
        held = model.enqueue(Reply.text("working on it").held())
        handle = thread.turn("start the work")
        assert held.wait_reached()
        handle.steer("focus on the tests")
        held.release()
        assert handle.run().final_response == "echo: focus on the tests"
        assert MockModel.user_texts(model.requests[-1])[-1] == "focus on the tests"

        held = model.enqueue(Reply.text("never sent").held())
        handle = thread.turn("a long task")
        assert held.wait_reached()
        handle.interrupt()
        assert handle.run().status.value == "interrupted"
        held.release()


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_a_turn_deadline_interrupts_and_the_thread_goes_on(kind: str) -> None:
    with reach(kind) as over, Codex(over.config()) as codex:
        model = over.harness.model
        thread = codex.thread_start()
        stalled = model.enqueue(Reply.text("never sent").held())
        with pytest.raises(TurnTimeoutError) as info:
            thread.run("hang", timeout=0.5)
        assert info.value.result.status.value == "interrupted"
        stalled.release()
        model.enqueue(Reply.text("back"))
        assert thread.run("next").final_response == "back"


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_async_steer_and_interrupt(kind: str) -> None:
    async def main(over: ClientConfigs) -> None:
        model = over.harness.model
        async with AsyncCodex(over.config()) as codex:
            thread = await codex.thread_start()
            held = model.enqueue(Reply.text("working").held())
            handle = await thread.turn("start")
            assert await asyncio.to_thread(held.wait_reached)
            await handle.steer("use the async API")
            held.release()
            assert (await handle.run()).final_response == "echo: use the async API"

            held = model.enqueue(Reply.text("never sent").held())
            handle = await thread.turn("a long task")
            assert await asyncio.to_thread(held.wait_reached)
            await handle.interrupt()
            assert (await handle.run()).status.value == "interrupted"
            held.release()

    with reach(kind) as over:
        run(main(over))


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_a_python_tool_call(kind: str) -> None:
    with reach(kind) as over, Codex(over.config()) as codex:
        model = over.harness.model
        model.enqueue(Reply.function_call("lookup_ticket", {"ticket_id": "T-7"}, call_id="c1"))
        model.enqueue(Reply.text("T-7 is on fire"))
        result = codex.thread_start(tools=[lookup_ticket]).run("status of T-7?")
        assert result.final_response == "T-7 is on fire"
        (output,) = MockModel.function_call_outputs(model.requests[-1])
        assert output["output"] == "T-7: Printer on fire (open)"


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_an_async_python_tool_call(kind: str) -> None:
    async def main(over: ClientConfigs) -> None:
        model = over.harness.model
        model.enqueue(Reply.function_call("lookup_ticket", {"ticket_id": "T-8"}))
        model.enqueue(Reply.text("done"))
        async with AsyncCodex(over.config()) as codex:
            thread = await codex.thread_start(tools=[lookup_ticket])
            assert (await thread.run("T-8?")).final_response == "done"
        (output,) = MockModel.function_call_outputs(model.requests[-1])
        assert output["output"] == "T-8: Printer on fire (open)"

    with reach(kind) as over:
        run(main(over))


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_an_approval_answered_by_on_approval(kind: str) -> None:
    seen: list[ApprovalRequest] = []

    def review(request: ApprovalRequest) -> Decision:
        seen.append(request)
        return Decision.accept

    with reach(kind, approval_policy="on-request") as over, Codex(over.config()) as codex:
        model = over.harness.model
        model.enqueue(Reply.function_call("exec_command", ESCALATE))
        model.enqueue(Reply.text("ran it"))
        thread = codex.thread_start(on_approval=review)
        assert thread.run("say hi").final_response == "ran it"
        (request,) = seen
        assert request.kind == "command" and request.command == "echo hi"
        assert request.thread_id == thread.id
        (output,) = MockModel.function_call_outputs(model.requests[-1])
        # Accepted: the command ran (its output may be cut short on a loaded machine).
        assert "Output:" in str(output["output"]) and "rejected" not in str(output["output"])


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_an_async_approval_declined_by_on_approval(kind: str) -> None:
    async def review(request: ApprovalRequest) -> Decision:
        return Decision.decline

    async def main(over: ClientConfigs) -> None:
        model = over.harness.model
        model.enqueue(Reply.function_call("exec_command", ESCALATE))
        model.enqueue(Reply.text("declined"))
        async with AsyncCodex(over.config()) as codex:
            thread = await codex.thread_start(on_approval=review)
            assert (await thread.run("say hi")).final_response == "declined"
        (output,) = MockModel.function_call_outputs(model.requests[-1])
        assert "rejected by user" in str(output["output"])

    with reach(kind, approval_policy="on-request") as over:
        run(main(over))


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_an_api_key_login_and_account(kind: str) -> None:
    with reach(kind, requires_openai_auth=True) as over, Codex(over.config()) as codex:
        assert codex.account().account is None
        codex.login_api_key(API_KEY)
        account = codex.account()
        assert isinstance(account.account.root, ApiKeyAccount)
        assert account.requires_openai_auth is True


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_an_async_api_key_login_and_account(kind: str) -> None:
    async def main(over: ClientConfigs) -> None:
        async with AsyncCodex(over.config()) as codex:
            await codex.login_api_key(API_KEY)
            account = await codex.account()
            assert isinstance(account.account.root, ApiKeyAccount)

    with reach(kind, requires_openai_auth=True) as over:
        run(main(over))


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_request_is_the_raw_escape_hatch(kind: str) -> None:
    with reach(kind) as over, Codex(over.config()) as codex:
        thread = codex.thread_start()
        raw = codex.request("thread/read", {"threadId": thread.id, "includeTurns": False})
        assert raw["thread"]["id"] == thread.id
        with pytest.raises(MethodNotFoundError):
            codex.request("no/such/method", {})


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_async_request_is_the_raw_escape_hatch(kind: str) -> None:
    async def main(over: ClientConfigs) -> None:
        async with AsyncCodex(over.config()) as codex:
            raw = await codex.request("thread/list", {})
            assert raw["data"] == []
            with pytest.raises(MethodNotFoundError):
                await codex.request("no/such/method", {})

    with reach(kind) as over:
        run(main(over))


# ------------------------------------------------------------------- the capability token


def test_a_wrong_or_missing_token_raises_codex_auth_error_naming_401(ws: WsAppServer) -> None:
    for token, reason in ((None, "missing"), ("not-the-token", "invalid")):
        config = ws.config(auth_token=token)
        with pytest.raises(CodexAuthError) as caught, Codex(config):
            pass
        assert caught.value.status_code == 401
        assert "HTTP 401" in str(caught.value)
        assert f"{reason} websocket bearer token" in str(caught.value)
        assert isinstance(caught.value, TransportClosedError)


def test_async_wrong_or_missing_token_raises_codex_auth_error_within_5_s(
    ws: WsAppServer,
) -> None:
    async def attempt(token: str | None) -> CodexAuthError:
        codex = AsyncCodex(ws.config(auth_token=token))
        try:
            await asyncio.wait_for(codex.start(), WAY_OUT)
        except CodexAuthError as exc:
            return exc
        finally:
            await codex.close()
        raise AssertionError("the server accepted the connection")

    missing = run(attempt(None))
    wrong = run(attempt(ws.token + "x"))
    assert missing.status_code == wrong.status_code == 401
    assert "401" in str(missing) and "401" in str(wrong)


def test_the_token_never_appears_in_repr_logs_or_errors(
    ws: WsAppServer, caplog: pytest.LogCaptureFixture
) -> None:
    token = ws.token
    config = ws.config()
    assert token not in repr(config) and "auth_token" not in repr(config)
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG):
        with Codex(config) as codex:
            assert codex.thread_start().run("hi").final_response == "echo: hi"
        # A wrong token that contains the real one: the error must not echo it either.
        for bad in (token + "-extra", "wrong"):
            with pytest.raises(CodexAuthError) as caught, Codex(ws.config(auth_token=bad)):
                pass
            errors.append(caught.value)
    # The websockets library logged the upgrade request's headers, masked.
    assert "Authorization: Bearer ***" in caplog.text
    assert token not in caplog.text
    for record in caplog.records:
        assert token not in record.getMessage()
    for error in errors:
        assert token not in str(error) and token not in repr(error)


# ------------------------------------------------------------ a server that goes away


def test_killing_the_server_fails_pending_waiters_within_5_s(ws: WsAppServer) -> None:
    async def main() -> None:
        model = ws.harness.model
        async with AsyncCodex(ws.config(auto_restart=False)) as codex:
            thread = await codex.thread_start()
            held = model.enqueue(Reply.text("never").held())
            handle = await thread.turn("hang")
            assert await asyncio.to_thread(held.wait_reached)
            seen: list[Notification] = []

            async def consume() -> None:
                async for event in handle.stream():
                    seen.append(event)

            stream = asyncio.ensure_future(consume())
            ws.signal(signal.SIGSTOP)  # frozen: the next request stays unanswered
            request = asyncio.ensure_future(codex.request("thread/list", {}))
            await asyncio.sleep(0.2)
            assert not request.done()
            ws.signal(signal.SIGKILL)
            outcomes = await asyncio.wait_for(
                asyncio.gather(stream, request, return_exceptions=True), WAY_OUT
            )
            assert all(isinstance(o, TransportClosedError) for o in outcomes), outcomes
            assert "1006" in str(outcomes[1])  # the close code: lost without a close frame
            assert any(e.method == "turn/started" for e in seen)
            with pytest.raises(TransportClosedError):
                await asyncio.wait_for(handle.run(), WAY_OUT)
        held.release()

    run(main())


def test_auto_restart_reconnects_to_a_server_back_at_the_same_url(ws: WsAppServer) -> None:
    # Over WebSocket a restart is a reconnect: the client never launches a server itself.
    model = ws.harness.model
    port = int(ws.url.rsplit(":", 1)[1])
    with Codex(ws.config()) as codex:
        thread = codex.thread_start()
        model.enqueue(Reply.text("one"))
        assert thread.run("first").final_response == "one"
        ws.signal(signal.SIGKILL)
        ws.stop()
        with WsAppServer(ws.harness, token=ws.token, port=port) as again:
            assert again.url == ws.url
            model.enqueue(Reply.text("two"))
            try:
                result = thread.run("second")
            except TransportClosedError:  # the one call a lost connection may cost
                result = thread.run("second")
            assert result.final_response == "two"
            assert codex.pid is None  # nothing was launched: it connected again
            assert len(thread.read(include_turns=True).thread.turns) == 2  # resumed


def test_async_auto_restart_reconnects_to_a_server_back_at_the_same_url(
    ws: WsAppServer,
) -> None:
    async def main() -> None:
        model = ws.harness.model
        port = int(ws.url.rsplit(":", 1)[1])
        async with AsyncCodex(ws.config()) as codex:
            thread = await codex.thread_start()
            model.enqueue(Reply.text("one"))
            assert (await thread.run("first")).final_response == "one"
            ws.signal(signal.SIGKILL)
            ws.stop()
            again = WsAppServer(ws.harness, token=ws.token, port=port)
            await asyncio.to_thread(again.start)
            try:
                model.enqueue(Reply.text("two"))
                try:
                    result = await thread.run("second")
                except TransportClosedError:
                    result = await thread.run("second")
                assert result.final_response == "two"
                assert len((await thread.read(include_turns=True)).thread.turns) == 2
            finally:
                await asyncio.to_thread(again.stop)

    run(main())


def test_a_sync_stream_ends_with_transport_closed_when_the_server_dies(ws: WsAppServer) -> None:
    outcome: list[BaseException] = []
    with Codex(ws.config(auto_restart=False)) as codex:
        held = ws.harness.model.enqueue(Reply.text("never").held())
        handle = codex.thread_start().turn("hang")
        assert held.wait_reached()

        def consume() -> None:
            try:
                for _ in handle.stream():
                    pass
            except BaseException as exc:
                outcome.append(exc)

        reader = threading.Thread(target=consume)
        reader.start()
        # SIGKILL: on SIGTERM the server would first let the running turn finish.
        ws.signal(signal.SIGKILL)
        reader.join(WAY_OUT)
        assert not reader.is_alive(), "the stream did not end within 5 s"
        held.release()
    assert len(outcome) == 1 and isinstance(outcome[0], TransportClosedError), outcome


def test_a_server_that_is_not_there_fails_fast() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def main() -> TransportClosedError:
        codex = AsyncCodex(CodexConfig(url=f"ws://127.0.0.1:{port}", auth_token="t"))
        try:
            await asyncio.wait_for(codex.start(), WAY_OUT)
        except TransportClosedError as exc:
            return exc
        finally:
            await codex.close()
        raise AssertionError("connected to nothing")

    error = run(main())
    assert not isinstance(error, CodexAuthError)
    assert f"127.0.0.1:{port}" in str(error)


# ------------------------------------------------------------------------ closing


def test_close_leaves_no_task_behind(ws: WsAppServer) -> None:
    async def main() -> None:
        before = asyncio.all_tasks()
        codex = AsyncCodex(ws.config())
        await codex.start()
        thread = await codex.thread_start()
        handle = await thread.turn("hi")
        assert delta_text([e async for e in handle.stream()]) == "echo: hi"
        await codex.close()
        await asyncio.sleep(0)
        left = {t for t in asyncio.all_tasks() - before if not t.done()}
        assert not left, left

    run(main())


def test_sync_close_leaves_no_thread_behind(ws: WsAppServer) -> None:
    before = set(threading.enumerate())
    with Codex(ws.config()) as codex:
        assert codex.thread_start().run("hi").final_response == "echo: hi"
    left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not left, left


def test_closing_a_client_leaves_the_server_serving_others(ws: WsAppServer) -> None:
    with Codex(ws.config()) as first:
        thread_id = first.thread_start().run("from the first").thread_id
    with Codex(ws.config()) as second, Codex(ws.config()) as third:
        # Each connection has its own initialize; threads live in the shared server.
        resumed = second.thread_resume(thread_id)
        assert resumed.run("from the second").final_response == "echo: from the second"
        assert third.thread_start().run("third").final_response == "echo: third"


# ------------------------------------------------------------------------ codex-sdk serve


def _start_serve(*extra: str) -> tuple[subprocess.Popen[str], str, Path, int]:
    """``codex-sdk --offline serve --port 0``; returns (process, url, token file, pid)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "openai_codex", "--offline", "serve", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:  # ends at EOF if the command dies
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            break
    text = "".join(lines)
    url = re.search(r"listening on (ws://127\.0\.0\.1:\d+) \(pid (\d+)\)", text)
    token_file = re.search(r"token file: (\S+)", text)
    if not (url and token_file):
        proc.kill()
        _, err = proc.communicate(timeout=30)
        raise AssertionError(f"serve printed:\n{text}\nstderr:\n{err}")
    return proc, url.group(1), Path(token_file.group(1)), int(url.group(2))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_serve_prints_the_url_and_a_private_token_file_and_stops_on_sigint() -> None:
    proc, url, token_file, pid = _start_serve()
    try:
        mode = stat.S_IMODE(token_file.stat().st_mode)
        assert mode == 0o600, oct(mode)
        token = token_file.read_text().strip()
        assert token
        with Codex(CodexConfig(url=url, auth_token=token)) as codex:
            assert codex.thread_start().run("Hello!").final_response == "echo: Hello!"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "stopped" in err
    assert token not in out + err
    assert _gone(pid), "the app-server outlived codex-sdk serve"
    assert not token_file.exists(), "the temporary token file was left behind"


def test_serve_keeps_a_given_token_file_private_and_stops_on_sigterm(tmp_path: Path) -> None:
    given = tmp_path / "token.txt"
    given.write_text("old")
    given.chmod(0o644)
    proc, url, token_file, pid = _start_serve("--token-file", str(given))
    try:
        assert token_file == given
        assert stat.S_IMODE(given.stat().st_mode) == 0o600
        token = given.read_text().strip()
        assert token != "old"
        with pytest.raises(CodexAuthError), Codex(CodexConfig(url=url, auth_token="old")):
            pass
        with Codex(CodexConfig(url=url, auth_token=token)) as codex:
            assert codex.metadata.user_agent
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert _gone(pid)
    assert given.read_text().strip() == token  # a file you named is kept


def test_serve_fails_with_the_servers_reason_when_the_port_is_taken() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "openai_codex", "--offline", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
    assert proc.returncode == 1, proc.stderr
    assert "Address in use" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "listening" not in proc.stdout


def test_serve_has_help_and_refuses_a_bad_port_as_a_usage_error() -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "openai_codex", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    helped = cli("serve", "--help")
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: codex-sdk serve")
    for option in ("--port", "--token-file", "--offline", "--codex-bin"):
        assert option in helped.stdout
    assert "    serve " in cli("--help").stdout
    bad = cli("serve", "--port", "70000")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "codex-sdk: error: --port must be between 0 and 65535"
