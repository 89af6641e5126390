"""The connection's reader against a scripted transport: what a broken stream does to the
waiters, and that nothing after the failure is read."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from openai_codex._core.connection import Connection
from openai_codex._core.notifications import Notification
from openai_codex.errors import CodexTimeoutError, ProtocolError, TransportClosedError

pytestmark = pytest.mark.timeout(30)


class ScriptedTransport:
    """A transport whose incoming bytes the test pushes with :meth:`feed`."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False
        self._on_data: Callable[[bytes], None] | None = None
        self._on_eof: Callable[[], None] | None = None

    def start(self, on_data: Callable[[bytes], None], on_eof: Callable[[], None]) -> None:
        self._on_data, self._on_eof = on_data, on_eof

    def feed(self, data: bytes) -> None:
        assert self._on_data is not None
        self._on_data(data)

    def eof(self) -> None:
        assert self._on_eof is not None
        self._on_eof()

    async def send(self, data: bytes) -> None:
        self.sent.append(data)

    async def close(self) -> None:
        self.closed = True

    async def closed_error(self) -> TransportClosedError:
        return TransportClosedError(
            "the Codex app-server exited", exit_code=1, stderr_tail=["panic: oops"]
        )


class Collect:
    """A notification sink that keeps what it gets."""

    def __init__(self) -> None:
        self.items: list[Notification] = []

    def put(self, item: Notification) -> None:
        self.items.append(item)

    def close(self, error: BaseException | None = None) -> None:
        pass


def line(obj: object) -> bytes:
    return (json.dumps(obj) + "\n").encode()


async def started() -> tuple[Connection, ScriptedTransport, Collect]:
    transport = ScriptedTransport()
    connection = Connection(transport)
    sink = Collect()
    connection.router.add_listener(sink)  # type: ignore[arg-type]
    connection.start()
    return connection, transport, sink


def test_an_answer_before_garbage_is_delivered_and_nothing_after_it_is_read() -> None:
    async def main() -> None:
        connection, transport, sink = await started()
        first = asyncio.ensure_future(connection.request("a"))
        second = asyncio.ensure_future(connection.request("b"))
        await asyncio.sleep(0)
        transport.feed(
            line({"id": 1, "result": "one"})
            + line({"method": "note", "params": {}})
            + b"garbage\n"
            + line({"id": 2, "result": "two"})
        )
        assert await first == "one"  # answered before the bad line
        with pytest.raises(ProtocolError, match=r"invalid JSON: garbage \(line 3"):
            await second
        assert [n.method for n in sink.items] == ["note"]
        transport.feed(line({"method": "later", "params": {}}))  # wakes nothing
        assert [n.method for n in sink.items] == ["note"]
        with pytest.raises(ProtocolError, match="garbage"):
            await connection.request("c")
        await connection.close()
        assert transport.closed

    asyncio.run(main())


def test_output_ending_inside_a_line_is_reported_with_the_transport_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        connection, transport, _ = await started()
        waiter = asyncio.ensure_future(connection.request("a"))
        await asyncio.sleep(0)
        transport.feed(b'{"id": 1, "res')
        transport.eof()
        with pytest.raises(TransportClosedError) as info:
            await waiter
        assert str(info.value) == (
            "the Codex app-server exited (exit code 1); the server's output ended in the "
            "middle of a message: 14 bytes after the last newline were never completed "
            '(line 1 of its output: {"id": 1, "res)\nlast stderr lines:\n  panic: oops'
        )
        assert info.value.exit_code == 1 and info.value.stderr_tail == ("panic: oops",)
        await connection.close()

    asyncio.run(main())
    assert "ended in the middle of a message" in caplog.text


def test_a_clean_end_of_the_output_gives_the_transport_error_unchanged() -> None:
    async def main() -> None:
        connection, transport, _ = await started()
        waiter = asyncio.ensure_future(connection.request("a"))
        await asyncio.sleep(0)
        transport.feed(line({"method": "note", "params": {}}))
        transport.eof()
        with pytest.raises(TransportClosedError) as info:
            await waiter
        assert str(info.value).startswith("the Codex app-server exited (exit code 1)\n")
        await connection.close()

    asyncio.run(main())


def test_stray_answers_are_warned_about_late_ones_are_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_codex")

    async def main() -> None:
        connection, transport, _ = await started()
        with pytest.raises(CodexTimeoutError, match="no answer"):
            await connection.request("slow", timeout=0.01)
        answered = asyncio.ensure_future(connection.request("b"))
        await asyncio.sleep(0)
        transport.feed(
            line({"id": 1, "result": "late"})  # its caller timed out: expected
            + line({"id": 2, "result": "b"})
            + line({"id": 2, "result": "b again"})  # a duplicate
            + line({"id": [1], "result": "odd"})  # an unhashable id must not break routing
            + line({"id": 7, "error": {"code": -1, "message": "what?"}})
        )
        assert await answered == "b"
        await connection.close()

    asyncio.run(main())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "ignored a duplicate answer to request 2 (already answered) from the app-server",
        "ignored an answer to unknown request id [1] from the app-server",
        "ignored an answer to unknown request id 7 from the app-server (error -1: what?)",
    ]
    assert "ignored a late answer to request 1 (slow), abandoned earlier" in caplog.text


def test_a_line_over_the_limit_fails_the_waiters_and_names_the_setting() -> None:
    async def main() -> Any:
        transport = ScriptedTransport()
        connection = Connection(transport, max_line_bytes=1000)
        connection.start()
        waiter = asyncio.ensure_future(connection.request("a"))
        await asyncio.sleep(0)
        for _ in range(3):
            transport.feed(b"x" * 400)
        with pytest.raises(ProtocolError, match=r"CodexConfig\(max_line_bytes=\.\.\.\)"):
            await waiter
        await connection.close()

    asyncio.run(main())


def test_a_request_already_sent_is_not_written_again_and_must_match() -> None:
    # The blocking client writes ``initialize`` right after launching the server (before
    # the connection exists); the connection then only waits for its answer.
    from openai_codex._core.protocol import RpcProtocol

    async def main() -> None:
        transport = ScriptedTransport()
        connection = Connection(transport)  # not started: the request starts it
        _, greeting = RpcProtocol[None]().send_request("initialize", {"x": 1}, None)
        other = Connection(ScriptedTransport())
        with pytest.raises(RuntimeError, match="not this request's"):
            await other.request("initialize", {"x": 2}, sent=greeting)
        answer = asyncio.ensure_future(connection.request("initialize", {"x": 1}, sent=greeting))
        await asyncio.sleep(0)
        assert transport.sent == []  # nothing written twice
        transport.feed(line({"id": 1, "result": {"ok": True}}))
        assert await answer == {"ok": True}
        following = asyncio.ensure_future(connection.request("next"))
        await asyncio.sleep(0)
        transport.feed(line({"id": 2, "result": "two"}))
        assert await following == "two"
        assert transport.sent == [line({"id": 2, "method": "next"}).replace(b" ", b"")]
        with pytest.raises(RuntimeError, match="must start the connection"):
            await connection.request("initialize", {"x": 1}, sent=greeting)
        assert other.closed_error is None and connection.closed_error is None
        await connection.close()

    asyncio.run(main())


class EarlyTransport(ScriptedTransport):
    """A transport with output that arrived before :meth:`start`, replayed inside it (as
    the stdio transport does with what the server wrote while the client was importing)."""

    def __init__(self, early: bytes) -> None:
        super().__init__()
        self.early = early

    def start(self, on_data: Callable[[bytes], None], on_eof: Callable[[], None]) -> None:
        super().start(on_data, on_eof)
        on_data(self.early)


def test_an_answer_that_arrived_before_the_connection_started_reaches_its_request() -> None:
    from openai_codex._core.protocol import RpcProtocol

    _, greeting = RpcProtocol[None]().send_request("initialize", {"x": 1}, None)
    early = (
        line({"method": "configWarning", "params": {"summary": "early"}})
        + line({"id": 1, "result": {"userAgent": "ua"}})
        + line({"id": 0, "method": "item/tool/call", "params": {}})
    )
    served: list[str] = []

    async def handler(method: str, params: Any) -> Any:
        served.append(method)
        return {"ok": True}

    async def main() -> None:
        transport = EarlyTransport(early)
        connection = Connection(transport)
        connection.request_handler = handler
        sink = Collect()
        connection.router.add_listener(sink)  # type: ignore[arg-type]
        # Not started: the request registers its waiter, then starts the connection.
        result = await connection.request("initialize", {"x": 1}, timeout=5, sent=greeting)
        assert result == {"userAgent": "ua"}
        assert [n.method for n in sink.items] == ["configWarning"]
        await asyncio.sleep(0.01)  # the server request's handler task
        assert served == ["item/tool/call"]
        assert [json.loads(sent) for sent in transport.sent] == [{"id": 0, "result": {"ok": True}}]
        await connection.close()

    asyncio.run(main())


def test_a_request_on_a_connection_not_started_starts_it() -> None:
    async def main() -> None:
        transport = ScriptedTransport()
        connection = Connection(transport)
        waiter = asyncio.ensure_future(connection.request("ping", {}, timeout=5))
        await asyncio.sleep(0)
        transport.feed(line({"id": 1, "result": "pong"}))
        assert await waiter == "pong"
        await connection.close()

    asyncio.run(main())
