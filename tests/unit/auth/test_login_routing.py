"""Login completion routing and replay, without any process: the router and the handles."""

from __future__ import annotations

import asyncio
import pickle
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from openai_codex import (
    AsyncChatgptLoginHandle,
    ChatgptLoginHandle,
    CodexConfig,
    CodexTimeoutError,
    DeviceCodeLoginHandle,
    InvalidRequestError,
    LoginError,
    LoginRejectedError,
    Notification,
    TransportClosedError,
)
from openai_codex._auth.login import LOGIN_COMPLETED, AsyncAccountMixin, login_id_of
from openai_codex._auth.login_sync import SyncAccountMixin
from openai_codex._core.portal import LoopThread
from openai_codex._core.router import DEFAULT_RETAIN, Router
from openai_codex._core.sinks import END, AsyncSink, ThreadSink
from openai_codex.errors import error_from_rpc

SECRET = "sk-unit-SECRET-0123456789"


def completed(
    login_id: str | None, success: bool = True, error: str | None = None
) -> dict[str, Any]:
    return {"loginId": login_id, "success": success, "error": error}


def drain(sink: ThreadSink[Notification]) -> list[Any]:
    items: list[Any] = []
    while True:
        item = sink.get(timeout=0)
        items.append(item)
        if item is END:
            return items


# --------------------------------------------------------------------------- the router


def test_keyed_waiter_gets_only_its_key_and_listeners_still_get_everything() -> None:
    router = Router()
    mine: ThreadSink[Notification] = ThreadSink()
    listener: ThreadSink[Notification] = ThreadSink()
    router.add_listener(listener)
    router.add_keyed(LOGIN_COMPLETED, login_id_of, "a", mine)
    router.dispatch(LOGIN_COMPLETED, completed("b"))
    router.dispatch(LOGIN_COMPLETED, completed(None))
    router.dispatch(LOGIN_COMPLETED, completed("a"))
    router.dispatch("account/updated", {"authMode": "chatgpt"})
    got = mine.get(timeout=0)
    assert isinstance(got, Notification) and got.params["loginId"] == "a"
    with pytest.raises(CodexTimeoutError):
        mine.get(timeout=0)
    seen = [listener.get(timeout=0) for _ in range(4)]
    assert [n.method for n in seen if isinstance(n, Notification)] == [LOGIN_COMPLETED] * 3 + [
        "account/updated"
    ]


def test_unclaimed_completion_is_retained_and_replayed_once() -> None:
    router = Router()
    router.retain_keyed(LOGIN_COMPLETED, login_id_of)
    router.dispatch(LOGIN_COMPLETED, completed("a", success=False, error="x"))
    first: ThreadSink[Notification] = ThreadSink()
    router.add_keyed(LOGIN_COMPLETED, login_id_of, "a", first, once=True)
    items = drain(first)
    assert len(items) == 2 and items[1] is END
    assert items[0].params["error"] == "x"
    # Claimed: a second waiter for the same id does not get it again.
    second: ThreadSink[Notification] = ThreadSink()
    router.add_keyed(LOGIN_COMPLETED, login_id_of, "a", second, once=True)
    with pytest.raises(CodexTimeoutError):
        second.get(timeout=0)


def test_without_retention_nothing_is_kept() -> None:
    router = Router()
    router.dispatch(LOGIN_COMPLETED, completed("a"))
    sink: ThreadSink[Notification] = ThreadSink()
    router.add_keyed(LOGIN_COMPLETED, login_id_of, "a", sink)
    with pytest.raises(CodexTimeoutError):
        sink.get(timeout=0)


def test_null_key_is_never_retained() -> None:
    router = Router()
    router.retain_keyed(LOGIN_COMPLETED, login_id_of)
    router.dispatch(LOGIN_COMPLETED, completed(None))
    sink: ThreadSink[Notification] = ThreadSink()
    router.add_keyed(LOGIN_COMPLETED, login_id_of, None, sink)
    with pytest.raises(CodexTimeoutError):
        sink.get(timeout=0)


def test_retention_is_bounded_and_drops_the_oldest() -> None:
    router = Router()
    router.retain_keyed(LOGIN_COMPLETED, login_id_of)
    for i in range(DEFAULT_RETAIN + 5):
        router.dispatch(LOGIN_COMPLETED, completed(f"id-{i}"))
    for i in range(5):
        sink: ThreadSink[Notification] = ThreadSink()
        router.add_keyed(LOGIN_COMPLETED, login_id_of, f"id-{i}", sink, once=True)
        with pytest.raises(CodexTimeoutError):
            sink.get(timeout=0)
    for i in (5, DEFAULT_RETAIN + 4):
        sink = ThreadSink()
        router.add_keyed(LOGIN_COMPLETED, login_id_of, f"id-{i}", sink, once=True)
        assert len(drain(sink)) == 2


def test_once_waiter_is_closed_and_dropped_after_its_item() -> None:
    router = Router()
    sink: ThreadSink[Notification] = ThreadSink()
    keep: ThreadSink[Notification] = ThreadSink()
    router.add_keyed(LOGIN_COMPLETED, login_id_of, "a", sink, once=True)
    router.add_keyed(LOGIN_COMPLETED, login_id_of, "a", keep)
    router.dispatch(LOGIN_COMPLETED, completed("a"))
    router.dispatch(LOGIN_COMPLETED, completed("a", success=False))
    assert len(drain(sink)) == 2
    assert [keep.get(timeout=0).params["success"] for _ in range(2)] == [True, False]  # type: ignore[union-attr]


def test_remove_keyed_stops_delivery() -> None:
    router = Router()
    sink: ThreadSink[Notification] = ThreadSink()
    router.add_keyed(LOGIN_COMPLETED, login_id_of, "a", sink)
    router.remove_keyed(LOGIN_COMPLETED, "a", sink)
    router.remove_keyed(LOGIN_COMPLETED, "a", sink)  # idempotent
    router.remove_keyed("unknown/method", "a", sink)
    router.dispatch(LOGIN_COMPLETED, completed("a"))
    with pytest.raises(CodexTimeoutError):
        sink.get(timeout=0)


def test_close_ends_keyed_waiters_and_forgets_retained() -> None:
    router = Router()
    router.retain_keyed(LOGIN_COMPLETED, login_id_of)
    router.dispatch(LOGIN_COMPLETED, completed("old"))
    sink: ThreadSink[Notification] = ThreadSink()
    router.add_keyed(LOGIN_COMPLETED, login_id_of, "a", sink, once=True)
    error = TransportClosedError("server exited")
    router.close(error)
    with pytest.raises(TransportClosedError):
        sink.get(timeout=0)
    late: ThreadSink[Notification] = ThreadSink()
    router.add_keyed(LOGIN_COMPLETED, login_id_of, "old", late)
    with pytest.raises(TransportClosedError):
        late.get(timeout=0)


def test_async_sink_receives_a_replayed_completion() -> None:
    async def main() -> Any:
        router = Router()
        router.retain_keyed(LOGIN_COMPLETED, login_id_of)
        router.dispatch(LOGIN_COMPLETED, completed("a"))
        sink: AsyncSink[Notification] = AsyncSink()
        router.add_keyed(LOGIN_COMPLETED, login_id_of, "a", sink, once=True)
        return [await sink.get(timeout=1), await sink.get(timeout=1)]

    first, end = asyncio.run(main())
    assert first.params["loginId"] == "a" and end is END


# --------------------------------------------------------------------------- handles


class FakeConnection:
    """Answers login requests from a script; ``on_start`` may dispatch notifications first."""

    def __init__(self) -> None:
        self.router = Router()
        self.calls: list[tuple[str, Any]] = []
        self.next_id = 0
        self.on_start: Callable[[str], None] | None = None
        self.start_error: BaseException | None = None

    async def request(
        self, method: str, params: Any = None, *, timeout: float | None = None
    ) -> Any:
        self.calls.append((method, params))
        await asyncio.sleep(0)
        if method == "account/login/start":
            if self.start_error is not None:
                raise self.start_error
            if params["type"] == "apiKey":
                return {"type": "apiKey"}
            self.next_id += 1
            login_id = f"login-{self.next_id}"
            if self.on_start is not None:
                # The server's completion is dispatched before the answer is processed.
                self.on_start(login_id)
            if params["type"] == "chatgpt":
                return {"type": "chatgpt", "loginId": login_id, "authUrl": "http://x/auth?state=s"}
            return {
                "type": "chatgptDeviceCode",
                "loginId": login_id,
                "verificationUrl": "http://x/codex/device",
                "userCode": "ABCD-12345",
            }
        if method == "account/login/cancel":
            return {"status": "canceled"}
        if method == "account/read":
            return {"account": None, "requiresOpenaiAuth": True}
        if method == "account/logout":
            return {}
        raise AssertionError(method)

    def complete(
        self, login_id: str | None, success: bool = True, error: str | None = None
    ) -> None:
        self.router.dispatch(LOGIN_COMPLETED, completed(login_id, success, error))


class FakeAsyncClient(AsyncAccountMixin):
    def __init__(self, connection: FakeConnection) -> None:
        self.config = CodexConfig()
        self.connection = connection

    async def _conn(self) -> Any:
        return self.connection


class FakeSyncClient(SyncAccountMixin):
    def __init__(self, connection: FakeConnection) -> None:
        self._portal = LoopThread()
        self._async = FakeAsyncClient(connection)  # type: ignore[assignment]
        self.connection = connection

    def on_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._portal.call(fn, *args)


@pytest.fixture
def sync_client() -> Iterator[FakeSyncClient]:
    client = FakeSyncClient(FakeConnection())
    try:
        yield client
    finally:
        client._portal.stop()


def test_completion_dispatched_before_the_start_answer_is_replayed(
    sync_client: FakeSyncClient,
) -> None:
    conn = sync_client.connection
    conn.on_start = lambda login_id: conn.complete(login_id, success=True)
    handle = sync_client.login_chatgpt()
    assert isinstance(handle, ChatgptLoginHandle)
    assert handle.done
    done = handle.wait(timeout=0)
    assert (done.login_id, done.success) == ("login-1", True)
    assert "state=s" not in repr(handle) and "succeeded" in repr(handle)


def test_replaced_login_completes_its_own_handle_only(sync_client: FakeSyncClient) -> None:
    conn = sync_client.connection
    first = sync_client.login_chatgpt()
    second = sync_client.login_chatgpt_device_code()
    assert isinstance(second, DeviceCodeLoginHandle)
    sync_client.on_loop(conn.complete, first.login_id, False, "Login cancelled")
    sync_client.on_loop(conn.complete, None, True)  # an API-key login's completion
    assert first.wait(timeout=1).success is False
    assert not second.done
    with pytest.raises(CodexTimeoutError, match=second.login_id):
        second.wait(timeout=0.05)
    sync_client.on_loop(conn.complete, second.login_id, True)
    assert second.wait(timeout=1).success is True
    assert "ABCD-12345" not in repr(second)


def test_waiters_on_many_threads_all_get_the_result(sync_client: FakeSyncClient) -> None:
    handle = sync_client.login_chatgpt_device_code()
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(handle.wait(5))) for _ in range(4)]
    for thread in threads:
        thread.start()
    sync_client.on_loop(sync_client.connection.complete, handle.login_id, True)
    for thread in threads:
        thread.join(5)
    assert len(results) == 4 and all(r.success for r in results)


def test_router_close_fails_pending_waits(sync_client: FakeSyncClient) -> None:
    handle = sync_client.login_chatgpt_device_code()
    error = TransportClosedError("the app-server exited", exit_code=-9)
    sync_client.on_loop(sync_client.connection.router.close, error)
    with pytest.raises(TransportClosedError) as info:
        handle.wait()
    assert info.value is error
    assert "closed" in repr(handle)


def test_cancel_sends_the_login_id(sync_client: FakeSyncClient) -> None:
    handle = sync_client.login_chatgpt()
    assert handle.cancel().status.value == "canceled"
    assert sync_client.connection.calls[-1] == ("account/login/cancel", {"loginId": "login-1"})


def test_rejected_start_is_a_login_error_without_the_api_key(
    sync_client: FakeSyncClient,
) -> None:
    conn = sync_client.connection
    conn.start_error = error_from_rpc(
        -32600, f"invalid api key {SECRET}", None, "account/login/start"
    )
    with pytest.raises(LoginError) as info:
        sync_client.login_api_key(SECRET)
    error = info.value
    assert isinstance(error, LoginRejectedError)
    assert error.code == -32600 and error.login_type == "apiKey"
    assert isinstance(error.__cause__, InvalidRequestError)
    for text in (str(error), repr(error), str(error.__cause__), repr(error.__cause__)):
        assert SECRET not in text
    assert "[REDACTED]" in error.message
    assert pickle.loads(pickle.dumps(error)).code == -32600


def test_api_key_login_sends_the_key_and_returns_none(sync_client: FakeSyncClient) -> None:
    sync_client.login_api_key(SECRET)
    assert sync_client.connection.calls[-1] == (
        "account/login/start",
        {"type": "apiKey", "apiKey": SECRET},
    )
    with pytest.raises(TypeError):
        sync_client.login_api_key("")


def test_account_and_logout(sync_client: FakeSyncClient) -> None:
    assert sync_client.account(refresh_token=True).account is None
    assert sync_client.connection.calls[-1] == ("account/read", {"refreshToken": True})
    sync_client.logout()


def test_async_handle_replay_timeout_and_concurrent_waits() -> None:
    async def main() -> None:
        conn = FakeConnection()
        client = FakeAsyncClient(conn)
        conn.on_start = lambda login_id: conn.complete(login_id, False, "early")
        early = await client.login_chatgpt()
        assert isinstance(early, AsyncChatgptLoginHandle)
        assert (await early.wait(timeout=0)).error == "early"

        conn.on_start = None
        handle = await client.login_chatgpt_device_code()
        with pytest.raises(CodexTimeoutError, match=handle.login_id):
            await handle.wait(timeout=0.01)
        waits = asyncio.gather(*(handle.wait(timeout=1) for _ in range(3)))
        await asyncio.sleep(0)
        conn.complete(handle.login_id, True)
        assert [r.success for r in await waits] == [True] * 3
        assert (await handle.cancel()).status.value == "canceled"

        pending = await client.login_chatgpt_device_code()
        conn.router.close(TransportClosedError("gone"))
        with pytest.raises(TransportClosedError):
            await pending.wait(timeout=1)

    asyncio.run(main())
