"""Error mapping, retry policy and sinks."""

from __future__ import annotations

import asyncio
import pickle
import threading

import pytest

from openai_codex import (
    InternalRpcError,
    InvalidParamsError,
    InvalidRequestError,
    JsonRpcError,
    MethodNotFoundError,
    ParseError,
    RetryLimitExceededError,
    ServerBusyError,
    TransportClosedError,
    async_retry_on_overload,
    is_retryable_error,
    retry_on_overload,
)
from openai_codex._core.sinks import END, AsyncSink, ThreadSink
from openai_codex.errors import error_from_rpc
from openai_codex.retry import backoff_delays


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (-32700, ParseError),
        (-32600, InvalidRequestError),
        (-32601, MethodNotFoundError),
        (-32602, InvalidParamsError),
        (-32603, InternalRpcError),
        (-32001, ServerBusyError),
        (-1, JsonRpcError),
    ],
)
def test_error_codes_map_to_one_class_each(code: int, cls: type[JsonRpcError]) -> None:
    err = error_from_rpc(code, "msg", {"d": 1}, "thread/start")
    assert type(err) is cls
    assert (err.code, err.message, err.data, err.method) == (code, "msg", {"d": 1}, "thread/start")
    assert "thread/start" in str(err) and "msg" in str(err)


def test_the_servers_unknown_variant_answer_is_method_not_found() -> None:
    err = error_from_rpc(
        -32600, "Invalid request: unknown variant `x/y`, expected one of `a`", None, "x/y"
    )
    assert isinstance(err, MethodNotFoundError)
    # ...and an InvalidRequestError with the server's message, as the official SDK has it.
    assert isinstance(err, InvalidRequestError)
    assert err.code == -32600
    assert err.message.startswith("Invalid request: unknown variant `x/y`")
    assert str(err) == "unknown method `x/y` (code -32600; known methods in .data)"
    assert err.data["serverMessage"].startswith("Invalid request")
    other = error_from_rpc(-32600, "thread not found: abc", None, "turn/start")
    assert type(other) is InvalidRequestError


def test_overload_is_the_only_retryable_error() -> None:
    assert is_retryable_error(error_from_rpc(-32001, "Server overloaded; retry later."))
    assert not is_retryable_error(error_from_rpc(-32603, "boom"))
    assert not is_retryable_error(ValueError())


def test_rpc_errors_survive_pickling() -> None:
    err = error_from_rpc(-32602, "bad params", None, "turn/start")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is InvalidParamsError and again.method == "turn/start"


def test_transport_closed_error_names_exit_code_and_stderr() -> None:
    err = TransportClosedError("gone", exit_code=3, stderr_tail=["line one", "line two"])
    assert "exit code 3" in str(err) and "line two" in str(err)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    # The official SDK's schedule: min(max, initial * 2**n), scaled by 1 +- jitter_ratio.
    delays = backoff_delays(6, 0.1, 0.5, jitter_ratio=0.2)
    assert len(delays) == 5
    for attempt, delay in enumerate(delays):
        base = min(0.5, 0.1 * 2**attempt)
        assert base * 0.8 <= delay <= base * 1.2
    assert backoff_delays(4, 0.25, 2.0, jitter_ratio=0) == [0.25, 0.5, 1.0]


def busy() -> ServerBusyError:
    return ServerBusyError(-32001, "Server overloaded; retry later.")


def test_retry_returns_once_the_server_accepts() -> None:
    calls = []

    def fn() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise busy()
        return "ok"

    assert retry_on_overload(fn, max_attempts=5, initial_delay_s=0.001, max_delay_s=0.002) == "ok"
    assert len(calls) == 3


def test_retry_gives_up_with_the_last_error() -> None:
    with pytest.raises(RetryLimitExceededError) as info:
        retry_on_overload(lambda: (_ for _ in ()).throw(busy()), max_attempts=3, initial_delay_s=0)
    assert info.value.attempts == 3 and isinstance(info.value.last_error, ServerBusyError)


def test_retry_does_not_retry_other_errors() -> None:
    calls = []

    def fn() -> None:
        calls.append(1)
        raise InvalidParamsError(-32602, "bad")

    with pytest.raises(InvalidParamsError):
        retry_on_overload(fn, initial_delay_s=0)
    assert calls == [1]


def test_async_retry_forms_await_each_attempt() -> None:
    calls = []

    async def fn() -> int:
        calls.append(1)
        if len(calls) < 2:
            raise busy()
        return 7

    async def main() -> tuple[int, int]:
        a = await retry_on_overload(fn, initial_delay_s=0.001)
        b = await async_retry_on_overload(fn, initial_delay_s=0.001)
        return a, b

    assert asyncio.run(main()) == (7, 7)

    # A lambda returning a coroutine is detected too.
    calls.clear()
    assert asyncio.run(retry_on_overload(lambda: fn(), initial_delay_s=0.001)) == 7  # type: ignore[arg-type]


def test_async_sink_delivers_items_then_the_end_or_the_error() -> None:
    async def main() -> None:
        sink: AsyncSink[int] = AsyncSink()
        sink.put(1)
        asyncio.get_running_loop().call_later(0.01, sink.put, 2)
        asyncio.get_running_loop().call_later(0.02, sink.close)
        assert [await sink.get(), await sink.get(), await sink.get()] == [1, 2, END]
        failing: AsyncSink[int] = AsyncSink()
        failing.put(5)
        failing.close(TransportClosedError("gone"))
        assert await failing.get() == 5
        with pytest.raises(TransportClosedError):
            await failing.get()

    asyncio.run(main())


def test_thread_sink_wakes_a_blocked_consumer_from_another_thread() -> None:
    sink: ThreadSink[str] = ThreadSink()
    threading.Timer(0.05, sink.put, ("x",)).start()
    assert sink.get(timeout=5) == "x"
    sink.close(TransportClosedError("gone"))
    with pytest.raises(TransportClosedError):
        sink.get(timeout=1)
    with pytest.raises(TransportClosedError):  # the end is sticky
        sink.get(timeout=1)
