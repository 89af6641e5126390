"""The WebSocket transport against an in-process ``websockets`` server (no app-server).

Framing (one message per text frame, both ways), the bearer token on the upgrade request,
HTTP refusals as typed errors, close codes in ``closed_error()``, a connection's waiters
failing when the server goes away, clean closing, and the token kept out of logs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any, TypeVar

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from openai_codex import CodexAuthError, CodexConfig, TransportClosedError
from openai_codex._client.launch import open_transport
from openai_codex._core.connection import Connection
from openai_codex._core.transport.websocket import WebSocketTransport, safe_url

T = TypeVar("T")
TOKEN = "tok-3f9a1c77e0b24d6e"
Handler = Callable[[ServerConnection], Awaitable[None]]


def run(coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
    async def guarded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(guarded())


class FakeServer:
    """An in-process WebSocket server that checks the bearer token like the app-server."""

    def __init__(self, handler: Handler, *, status: int | None = None) -> None:
        self.handler = handler
        self.status = status  # answer every upgrade with this HTTP status instead
        self.authorization: list[str | None] = []
        self.frames: list[str | bytes] = []
        self.server: Server | None = None

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        header = request.headers.get("Authorization")
        self.authorization.append(header)
        if self.status is not None:
            return connection.respond(HTTPStatus(self.status), "go away\n")
        if header is None:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "missing websocket bearer token")
        if header != f"Bearer {TOKEN}":
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid websocket bearer token")
        return None

    @property
    def url(self) -> str:
        assert self.server is not None
        port = next(iter(self.server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}"


@asynccontextmanager
async def fake_server(handler: Handler, *, status: int | None = None) -> AsyncIterator[FakeServer]:
    fake = FakeServer(handler, status=status)
    async with serve(handler, "127.0.0.1", 0, process_request=fake.process_request) as server:
        fake.server = server
        yield fake


async def record_frames(fake: FakeServer, connection: ServerConnection) -> None:
    async for frame in connection:
        fake.frames.append(frame)


def rpc_server(fake_ref: list[FakeServer]) -> Handler:
    """Answers ``echo`` requests; on ``hang`` closes the connection with 4000 "bye"."""

    async def handler(connection: ServerConnection) -> None:
        async for frame in connection:
            fake_ref[0].frames.append(frame)
            message = json.loads(frame)
            if message.get("method") == "echo":
                await connection.send(json.dumps({"id": message["id"], "result": message}))
            elif message.get("method") == "hang":
                await asyncio.sleep(0.05)
                await connection.close(4000, "bye")

    return handler


class Collector:
    """The transport's callbacks: what arrived, and whether the end was reported."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.eof = asyncio.Event()

    def on_data(self, chunk: bytes) -> None:
        self.chunks.append(chunk)

    def on_eof(self) -> None:
        self.eof.set()


# ------------------------------------------------------------------------ configuration


def test_import_openai_codex_does_not_import_websockets() -> None:
    code = """
        import sys
        import openai_codex
        from openai_codex import CodexConfig
        import openai_codex._core.transport.websocket  # the module defers the import too
        CodexConfig(url="ws://127.0.0.1:1", auth_token="t")
        assert "websockets" not in sys.modules, sorted(m for m in sys.modules if "websockets" in m)
    """
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr


def test_the_config_repr_hides_the_token() -> None:
    config = CodexConfig(url="ws://127.0.0.1:9", auth_token=TOKEN)
    assert TOKEN not in repr(config) and TOKEN not in str(config)
    assert "url='ws://127.0.0.1:9'" in repr(config)


def test_malformed_settings_are_refused_before_connecting() -> None:
    with pytest.raises(ValueError, match="set url as well"):
        run(open_transport(CodexConfig(auth_token=TOKEN)))
    with pytest.raises(ValueError, match="ws://"):
        run(open_transport(CodexConfig(url="http://127.0.0.1:9")))
    with pytest.raises(ValueError, match="line breaks") as caught:
        run(open_transport(CodexConfig(url="ws://127.0.0.1:9", auth_token="a\nb" + TOKEN)))
    assert TOKEN not in str(caught.value)


def test_safe_url_drops_credentials_and_query() -> None:
    assert safe_url("ws://user:pw@127.0.0.1:8080/x?token=abc#f") == "ws://127.0.0.1:8080/x"
    assert safe_url("wss://[::1]:9/") == "wss://[::1]:9/"


# ------------------------------------------------------------------------------ framing


def test_each_message_is_one_text_frame_and_each_frame_one_line() -> None:
    async def main() -> None:
        fake_ref: list[FakeServer] = []

        async def handler(connection: ServerConnection) -> None:
            await connection.send('{"method":"a","params":{}}')
            await connection.send('{"method":"b","params":{"text":"x\\ny"}}')
            await record_frames(fake_ref[0], connection)

        async with fake_server(handler) as fake:
            fake_ref.append(fake)
            transport = await WebSocketTransport.connect(fake.url, auth_token=f"  {TOKEN}\n")
            collector = Collector()
            transport.start(collector.on_data, collector.on_eof)
            await transport.send(b'{"id":1,"method":"one"}\n')
            await transport.send(b'{"id":2,"method":"two"}\n{"id":3,"method":"three"}\n')
            await transport.send(b'{"id":4,"method":"four"}')
            while len(fake.frames) < 4 or b"".join(collector.chunks).count(b"\n") < 2:
                await asyncio.sleep(0.01)
            await transport.close()

        assert fake.authorization == [f"Bearer {TOKEN}"]  # surrounding whitespace dropped
        assert fake.frames == [
            '{"id":1,"method":"one"}',
            '{"id":2,"method":"two"}',
            '{"id":3,"method":"three"}',
            '{"id":4,"method":"four"}',
        ]
        assert all(isinstance(frame, str) for frame in fake.frames)  # text, not binary
        # One line per frame; the frames of one socket read come in one chunk.
        assert b"".join(collector.chunks) == (
            b'{"method":"a","params":{}}\n{"method":"b","params":{"text":"x\\ny"}}\n'
        )

    run(main())


def test_fragmented_messages_bursts_and_early_frames_arrive_whole_and_in_order() -> None:
    async def main() -> bytes:
        async def handler(connection: ServerConnection) -> None:
            await connection.send('{"method":"early","params":{}}')  # before start()
            await asyncio.sleep(0.2)
            await connection.send(['{"method":"frag', 'mented","params":{"n":', "1}}"])
            for n in range(300):
                await connection.send(f'{{"method":"burst","params":{{"n":{n}}}}}')
            await connection.wait_closed()

        async with fake_server(handler) as fake:
            transport = await WebSocketTransport.connect(fake.url, auth_token=TOKEN)
            await asyncio.sleep(0.1)
            collector = Collector()
            transport.start(collector.on_data, collector.on_eof)
            while b"".join(collector.chunks).count(b"\n") < 302:
                await asyncio.sleep(0.01)
            await transport.close()
            assert collector.eof.is_set()
        return b"".join(collector.chunks)

    lines = [json.loads(line) for line in run(main()).splitlines()]
    assert [m["method"] for m in lines[:2]] == ["early", "fragmented"]
    assert [m["params"]["n"] for m in lines[2:]] == list(range(300))


def test_keepalive_pings_are_answered_and_acknowledged_while_frames_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import openai_codex._core.transport.websocket as ws_module

    monkeypatch.setattr(ws_module, "_PING_INTERVAL", 0.05)  # the client pings every 50 ms
    monkeypatch.setattr(ws_module, "_PING_TIMEOUT", 0.5)  # and gives up after 0.5 s

    async def main() -> tuple[bytes, bool]:
        async def handler(connection: ServerConnection) -> None:
            for n in range(400):
                await connection.send(f'{{"method":"tick","params":{{"n":{n}}}}}')
                if n % 50 == 0:
                    await connection.ping()  # the client answers through websockets
                    await asyncio.sleep(0.1)  # two of the client's pings come and go
            await connection.wait_closed()

        async with fake_server(handler) as fake:
            transport = await WebSocketTransport.connect(fake.url, auth_token=TOKEN)
            collector = Collector()
            transport.start(collector.on_data, collector.on_eof)
            while b"".join(collector.chunks).count(b"\n") < 400:
                await asyncio.sleep(0.01)
            ended = collector.eof.is_set()  # a lost pong would have closed it (1011)
            await transport.close()
        return b"".join(collector.chunks), ended

    data, ended = run(main())
    assert not ended
    assert [json.loads(line)["params"]["n"] for line in data.splitlines()] == list(range(400))


def test_a_connection_answers_requests_and_fails_waiters_when_the_server_closes() -> None:
    async def main() -> None:
        fake_ref: list[FakeServer] = []
        async with fake_server(rpc_server(fake_ref)) as fake:
            fake_ref.append(fake)
            transport = await WebSocketTransport.connect(fake.url, auth_token=TOKEN)
            connection = Connection(transport)
            connection.start()
            result = await connection.request("echo", {"n": 1})
            assert result["params"] == {"n": 1}
            with pytest.raises(TransportClosedError) as caught:
                await connection.request("hang", {})
            await connection.close()
        text = str(caught.value)
        assert "code 4000" in text and "bye" in text
        assert "closed the WebSocket connection" in text

    run(main())


def test_a_dropped_connection_reports_code_1006() -> None:
    async def main() -> TransportClosedError:
        async def handler(connection: ServerConnection) -> None:
            await connection.recv()
            connection.transport.abort()  # no close frame: like a server that died

        async with fake_server(handler) as fake:
            transport = await WebSocketTransport.connect(fake.url, auth_token=TOKEN)
            collector = Collector()
            transport.start(collector.on_data, collector.on_eof)
            await transport.send(b'{"method":"x"}\n')
            await asyncio.wait_for(collector.eof.wait(), 5.0)
            error = await transport.closed_error()
            with pytest.raises(TransportClosedError):
                await transport.send(b'{"method":"y"}\n')
            await transport.close()
            return error

    error = run(main())
    assert "code 1006" in str(error) and "lost" in str(error)


# ---------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("token", "reason"),
    [(None, "missing websocket bearer token"), ("wrong" + TOKEN, "invalid websocket bearer token")],
)
def test_a_missing_or_wrong_token_raises_codex_auth_error(token: str | None, reason: str) -> None:
    async def main() -> CodexAuthError:
        async with fake_server(record_frames_noop) as fake:
            with pytest.raises(CodexAuthError) as caught:
                await WebSocketTransport.connect(fake.url, auth_token=token)
            return caught.value

    error = run(main())
    assert error.status_code == 401 and error.reason == reason
    assert "HTTP 401 Unauthorized" in str(error) and reason in str(error)
    assert TOKEN not in str(error) and TOKEN not in repr(error.args)
    assert isinstance(error, TransportClosedError)


async def record_frames_noop(connection: ServerConnection) -> None:
    await connection.wait_closed()


@pytest.mark.parametrize(("status", "auth"), [(403, True), (500, False), (404, False)])
def test_other_refusals_name_the_status(status: int, auth: bool) -> None:
    async def main() -> TransportClosedError:
        async with fake_server(record_frames_noop, status=status) as fake:
            with pytest.raises(TransportClosedError) as caught:
                await WebSocketTransport.connect(fake.url, auth_token=TOKEN)
            return caught.value

    error = run(main())
    assert isinstance(error, CodexAuthError) is auth
    assert f"HTTP {status}" in str(error) and "go away" in str(error)


def test_nothing_listening_fails_fast_with_transport_closed() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransportClosedError, match=f"127.0.0.1:{port}") as caught:
        run(WebSocketTransport.connect(f"ws://127.0.0.1:{port}", auth_token=TOKEN), 5.0)
    assert not isinstance(caught.value, CodexAuthError)


def test_a_server_that_never_answers_the_upgrade_times_out() -> None:
    async def main() -> None:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(1 << 16)
            await asyncio.sleep(5)
            writer.close()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(TransportClosedError, match=r"no answer within 0\.3 s"):
                await WebSocketTransport.connect(
                    f"ws://127.0.0.1:{port}", auth_token=TOKEN, open_timeout=0.3
                )
        finally:
            server.close()
            await server.wait_closed()

    run(main())


# ---------------------------------------------------------------- closing and logging


def test_close_is_idempotent_and_leaves_no_task() -> None:
    async def main() -> None:
        async with fake_server(record_frames_noop) as fake:
            before = asyncio.all_tasks()
            transport = await WebSocketTransport.connect(fake.url, auth_token=TOKEN)
            collector = Collector()
            transport.start(collector.on_data, collector.on_eof)
            await transport.close()
            await transport.close()
            assert collector.eof.is_set()
            await asyncio.sleep(0)
            left = {t for t in asyncio.all_tasks() - before if not t.done()}
            assert not left, left
            with pytest.raises(TransportClosedError, match="was closed"):
                await transport.send(b"{}\n")
            assert "was closed" in str(await transport.closed_error())

    run(main())


def test_debug_logs_show_the_upgrade_headers_with_the_token_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        async with fake_server(record_frames_noop) as fake:
            transport = await WebSocketTransport.connect(fake.url, auth_token=TOKEN)
            transport.start(lambda chunk: None, lambda: None)
            await transport.close()

    with caplog.at_level(logging.DEBUG):
        run(main())
    ours = [r for r in caplog.records if r.name.startswith("openai_codex")]
    messages = "\n".join(r.getMessage() for r in ours)
    assert "> Authorization: Bearer ***" in messages
    assert TOKEN not in messages  # (the fake server's own log shows it; ours never)


def test_codex_auth_error_pickles_with_its_status() -> None:
    import pickle

    import openai_codex

    error = CodexAuthError("refused: HTTP 401 Unauthorized", status_code=401, reason="why")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is CodexAuthError and str(copy) == str(error)
    assert (copy.status_code, copy.reason) == (401, "why")
    assert openai_codex.CodexAuthError is CodexAuthError
    assert "CodexAuthError" in openai_codex.__all__
