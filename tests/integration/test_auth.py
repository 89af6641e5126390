"""Authentication through the public API, against the real app-server and a MockIssuer.

Every scenario runs on the sync ``Codex`` and on ``AsyncCodex``. Tests that use the browser
flow hold ``browser_login_lock()`` for the whole life of their app-server: the callback port
1455 is machine-wide and any browser login anywhere cancels a pending one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from conftest import run

from openai_codex import (
    AsyncChatgptLoginHandle,
    AsyncCodex,
    AsyncDeviceCodeLoginHandle,
    ChatgptLoginHandle,
    Codex,
    CodexTimeoutError,
    DeviceCodeLoginHandle,
    LoginError,
    LoginRejectedError,
    Notification,
    TransportClosedError,
)
from openai_codex.testing import CodexHarness, MockIssuer, browser_login_lock
from openai_codex.types import (
    AccountLoginCompletedNotification,
    ApiKeyAccount,
    CancelLoginAccountResponse,
    CancelLoginAccountStatus,
    ChatgptAccount,
    GetAccountResponse,
)

WAIT = 15.0
LOCK_WAIT = 120.0
API_KEY = "sk-test-SECRET-4f1c9a7e2b6d"

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def issuer() -> Iterator[MockIssuer]:
    with MockIssuer(email="auth@example.com", plan="pro") as mock:
        yield mock


@pytest.fixture
def auth_harness(issuer: MockIssuer) -> Iterator[CodexHarness]:
    with CodexHarness(requires_openai_auth=True, issuer=issuer) as harness:
        yield harness


def _assert_chatgpt_account(account: GetAccountResponse, issuer: MockIssuer) -> None:
    assert isinstance(account.account.root, ChatgptAccount)  # Account is a RootModel union
    assert account.account.email == issuer.email
    assert account.account.plan_type.value == issuer.plan


def _assert_failed(done: AccountLoginCompletedNotification, login_id: str) -> None:
    assert done.login_id == login_id
    assert done.success is False
    assert done.error


def _poll_count(issuer: MockIssuer) -> int:
    return sum(1 for r in issuer.requests if r.path == "/api/accounts/deviceauth/token")


# --------------------------------------------------------------------------- API key


def test_api_key_login_account_logout(auth_harness: CodexHarness) -> None:
    with Codex(auth_harness.config()) as codex:
        seen: list[Notification] = []
        got_null = threading.Event()

        def listener(note: Notification) -> None:
            seen.append(note)
            if note.method == "account/login/completed":
                got_null.set()

        codex.on_notification(listener)
        assert codex.account().account is None

        codex.login_api_key(API_KEY)
        account = codex.account()
        assert isinstance(account.account.root, ApiKeyAccount)  # Account is a RootModel union
        assert account.requires_openai_auth is True

        # The completion without a login id reaches the global listeners.
        assert got_null.wait(WAIT)
        nulls = [n for n in seen if n.method == "account/login/completed"]
        assert nulls[0].params["loginId"] is None and nulls[0].params["success"] is True

        codex.logout()
        assert codex.account().account is None


def test_api_key_login_account_logout_async(auth_harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(auth_harness.config()) as codex:
            assert (await codex.account()).account is None
            await codex.login_api_key(API_KEY)
            account = await codex.account()
            assert isinstance(account.account.root, ApiKeyAccount)  # Account is a RootModel union
            await codex.logout()
            assert (await codex.account()).account is None

    run(main())


def test_null_login_id_completion_does_not_complete_a_pending_handle(
    issuer: MockIssuer, auth_harness: CodexHarness
) -> None:
    issuer.device_mode = "pending"
    with Codex(auth_harness.config()) as codex:
        handle = codex.login_chatgpt_device_code()
        # An API-key login replaces the pending login: the handle gets its own failure
        # (under its own id), never the loginId=null success that follows.
        codex.login_api_key(API_KEY)
        _assert_failed(handle.wait(timeout=WAIT), handle.login_id)


# --------------------------------------------------------------------------- browser


def test_browser_login_succeeds(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    with browser_login_lock(LOCK_WAIT), Codex(auth_harness.config()) as codex:
        handle = codex.login_chatgpt()
        assert isinstance(handle, ChatgptLoginHandle)
        assert handle.auth_url.startswith(f"{issuer.url}/oauth/authorize?")
        issuer.complete_browser_login(handle.auth_url, timeout=WAIT)
        done = handle.wait(timeout=WAIT)
        assert isinstance(done, AccountLoginCompletedNotification)
        assert (done.login_id, done.success, done.error) == (handle.login_id, True, None)
        assert handle.wait(timeout=0) is done  # the result is kept
        assert handle.done
        _assert_chatgpt_account(codex.account(), issuer)
        assert handle.cancel().status is CancelLoginAccountStatus.not_found


def test_browser_login_succeeds_async(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(auth_harness.config()) as codex:
            handle = await codex.login_chatgpt()
            assert isinstance(handle, AsyncChatgptLoginHandle)
            await asyncio.to_thread(issuer.complete_browser_login, handle.auth_url, timeout=WAIT)
            done = await handle.wait(timeout=WAIT)
            assert (done.login_id, done.success) == (handle.login_id, True)
            _assert_chatgpt_account(await codex.account(), issuer)
            refreshed = await codex.account(refresh_token=True)
            _assert_chatgpt_account(refreshed, issuer)

    with browser_login_lock(LOCK_WAIT):
        run(main())


def test_browser_cancel(auth_harness: CodexHarness) -> None:
    with browser_login_lock(LOCK_WAIT), Codex(auth_harness.config()) as codex:
        handle = codex.login_chatgpt()
        canceled = handle.cancel()
        assert isinstance(canceled, CancelLoginAccountResponse)
        assert canceled.status is CancelLoginAccountStatus.canceled
        _assert_failed(handle.wait(timeout=WAIT), handle.login_id)
        assert handle.cancel().status is CancelLoginAccountStatus.not_found
        assert codex.account().account is None


def test_browser_cancel_async(auth_harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(auth_harness.config()) as codex:
            handle = await codex.login_chatgpt()
            assert (await handle.cancel()).status is CancelLoginAccountStatus.canceled
            _assert_failed(await handle.wait(timeout=WAIT), handle.login_id)
            assert (await handle.cancel()).status is CancelLoginAccountStatus.not_found

    with browser_login_lock(LOCK_WAIT):
        run(main())


def test_early_completion_is_replayed(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    with browser_login_lock(LOCK_WAIT), Codex(auth_harness.config()) as codex:
        arrived = threading.Event()
        codex.on_notification(
            lambda n: arrived.set() if n.method == "account/login/completed" else None
        )
        handle = codex.login_chatgpt()
        issuer.complete_browser_login(handle.auth_url, timeout=WAIT)
        assert arrived.wait(WAIT), "the completion never arrived"
        assert handle.done  # completed before anyone waited
        done = handle.wait(timeout=WAIT)
        assert (done.login_id, done.success) == (handle.login_id, True)


def test_early_completion_is_replayed_async(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(auth_harness.config()) as codex:
            arrived = asyncio.Event()
            codex.on_notification(
                lambda n: arrived.set() if n.method == "account/login/completed" else None
            )
            handle = await codex.login_chatgpt()
            await asyncio.to_thread(issuer.complete_browser_login, handle.auth_url, timeout=WAIT)
            await asyncio.wait_for(arrived.wait(), WAIT)
            assert handle.done
            done = await handle.wait(timeout=WAIT)
            assert (done.login_id, done.success) == (handle.login_id, True)

    with browser_login_lock(LOCK_WAIT):
        run(main())


def test_replaced_attempt_completes_its_own_handle(
    issuer: MockIssuer, auth_harness: CodexHarness
) -> None:
    with browser_login_lock(LOCK_WAIT), Codex(auth_harness.config()) as codex:
        first = codex.login_chatgpt()
        second = codex.login_chatgpt()
        assert first.login_id != second.login_id
        _assert_failed(first.wait(timeout=WAIT), first.login_id)
        assert not second.done
        issuer.complete_browser_login(second.auth_url, timeout=WAIT)
        done = second.wait(timeout=WAIT)
        assert (done.login_id, done.success) == (second.login_id, True)
        assert first.wait().success is False  # unchanged


def test_replaced_attempt_completes_its_own_handle_async(
    issuer: MockIssuer, auth_harness: CodexHarness
) -> None:
    async def main() -> None:
        async with AsyncCodex(auth_harness.config()) as codex:
            first = await codex.login_chatgpt()
            second = await codex.login_chatgpt()
            _assert_failed(await first.wait(timeout=WAIT), first.login_id)
            assert not second.done
            await asyncio.to_thread(issuer.complete_browser_login, second.auth_url, timeout=WAIT)
            done = await second.wait(timeout=WAIT)
            assert (done.login_id, done.success) == (second.login_id, True)

    with browser_login_lock(LOCK_WAIT):
        run(main())


# --------------------------------------------------------------------------- device code


def test_device_code_succeeds(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    with Codex(auth_harness.config()) as codex:
        handle = codex.login_chatgpt_device_code()
        assert isinstance(handle, DeviceCodeLoginHandle)
        assert handle.verification_url == f"{issuer.url}/codex/device"
        assert handle.user_code
        done = handle.wait(timeout=WAIT)
        assert (done.login_id, done.success) == (handle.login_id, True)
        _assert_chatgpt_account(codex.account(), issuer)
        codex.logout()
        assert codex.account().account is None


def test_device_code_succeeds_async(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(auth_harness.config()) as codex:
            handle = await codex.login_chatgpt_device_code()
            assert isinstance(handle, AsyncDeviceCodeLoginHandle)
            done = await handle.wait(timeout=WAIT)
            assert (done.login_id, done.success) == (handle.login_id, True)
            _assert_chatgpt_account(await codex.account(), issuer)

    run(main())


def test_device_code_denied(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    issuer.device_mode = "deny"
    with Codex(auth_harness.config()) as codex:
        handle = codex.login_chatgpt_device_code()
        done = handle.wait(timeout=WAIT)
        _assert_failed(done, handle.login_id)
        assert "device auth failed with status 400" in str(done.error)
        assert codex.account().account is None


def test_device_code_denied_async(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    issuer.device_mode = "expire"

    async def main() -> None:
        async with AsyncCodex(auth_harness.config()) as codex:
            handle = await codex.login_chatgpt_device_code()
            done = await handle.wait(timeout=WAIT)
            _assert_failed(done, handle.login_id)
            assert "device auth failed with status 410" in str(done.error)

    run(main())


def test_device_code_disabled_raises_login_error(
    issuer: MockIssuer, auth_harness: CodexHarness
) -> None:
    issuer.device_code_enabled = False
    with Codex(auth_harness.config()) as codex, pytest.raises(LoginError) as info:
        codex.login_chatgpt_device_code()
    error = info.value
    assert isinstance(error, LoginRejectedError)
    assert error.code == -32600
    assert error.login_type == "chatgptDeviceCode"
    assert "device code login is not enabled" in error.message
    assert "device code login is not enabled" in str(error)
    assert getattr(error.__cause__, "code", None) == -32600


def test_device_code_disabled_raises_login_error_async(
    issuer: MockIssuer, auth_harness: CodexHarness
) -> None:
    issuer.device_code_enabled = False

    async def main() -> LoginRejectedError:
        async with AsyncCodex(auth_harness.config()) as codex:
            try:
                await codex.login_chatgpt_device_code()
            except LoginRejectedError as exc:
                return exc
            raise AssertionError("the login started")

    error = run(main())
    assert error.code == -32600
    assert "device code login is not enabled" in error.message


def test_two_handles_waited_concurrently(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    issuer.device_mode = "pending"
    with Codex(auth_harness.config()) as codex:
        first = codex.login_chatgpt_device_code()
        second = codex.login_chatgpt_device_code()  # replaces the first
        results: dict[str, AccountLoginCompletedNotification] = {}
        errors: list[BaseException] = []

        def wait(handle: DeviceCodeLoginHandle) -> None:
            try:
                results[handle.login_id] = handle.wait(timeout=WAIT)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=wait, args=(h,)) for h in (first, second, second)]
        for thread in threads:
            thread.start()
        issuer.device_mode = "approve"
        for thread in threads:
            thread.join(WAIT + 5)
        assert not errors
        _assert_failed(results[first.login_id], first.login_id)
        assert results[second.login_id].success is True
        _assert_chatgpt_account(codex.account(), issuer)


def test_two_handles_waited_concurrently_async(
    issuer: MockIssuer, auth_harness: CodexHarness
) -> None:
    issuer.device_mode = "pending"

    async def main() -> None:
        async with AsyncCodex(auth_harness.config()) as codex:
            first = await codex.login_chatgpt_device_code()
            second = await codex.login_chatgpt_device_code()
            waits = asyncio.gather(
                first.wait(timeout=WAIT), second.wait(timeout=WAIT), second.wait(timeout=WAIT)
            )
            issuer.device_mode = "approve"
            a, b, b_again = await waits
            _assert_failed(a, first.login_id)
            assert (b.login_id, b.success) == (second.login_id, True)
            assert b_again == b

    run(main())


def test_wait_timeout_names_the_login(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    issuer.device_mode = "pending"
    with Codex(auth_harness.config()) as codex:
        handle = codex.login_chatgpt_device_code()
        started = time.monotonic()
        with pytest.raises(CodexTimeoutError, match=handle.login_id):
            handle.wait(timeout=0.5)
        assert 0.4 < time.monotonic() - started < 3
        assert not handle.done
        assert handle.cancel().status is CancelLoginAccountStatus.canceled
        _assert_failed(handle.wait(timeout=WAIT), handle.login_id)


def test_wait_timeout_names_the_login_async(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    issuer.device_mode = "pending"

    async def main() -> None:
        async with AsyncCodex(auth_harness.config()) as codex:
            handle = await codex.login_chatgpt_device_code()
            with pytest.raises(CodexTimeoutError, match=handle.login_id):
                await handle.wait(timeout=0.5)
            assert (await handle.cancel()).status is CancelLoginAccountStatus.canceled
            _assert_failed(await handle.wait(timeout=WAIT), handle.login_id)

    run(main())


def test_server_exit_during_wait(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    issuer.device_mode = "pending"
    with Codex(auth_harness.config()) as codex:
        handle = codex.login_chatgpt_device_code()
        pid = codex.pid
        assert pid is not None
        killer = threading.Timer(0.3, os.kill, (pid, signal.SIGKILL))
        killer.start()
        started = time.monotonic()
        try:
            with pytest.raises(TransportClosedError):
                handle.wait(timeout=WAIT)
        finally:
            killer.join()
        assert time.monotonic() - started < 5
        assert handle.done
        with pytest.raises(TransportClosedError):
            handle.wait(timeout=WAIT)  # stays failed, at once


def test_server_exit_during_wait_async(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    issuer.device_mode = "pending"

    async def main() -> float:
        async with AsyncCodex(auth_harness.config()) as codex:
            handle = await codex.login_chatgpt_device_code()
            pid = codex.pid
            assert pid is not None
            asyncio.get_running_loop().call_later(0.3, os.kill, pid, signal.SIGKILL)
            started = time.monotonic()
            with pytest.raises(TransportClosedError):
                await handle.wait(timeout=WAIT)
            return time.monotonic() - started

    assert run(main()) < 5


def test_close_ends_a_waiting_thread(issuer: MockIssuer, auth_harness: CodexHarness) -> None:
    issuer.device_mode = "pending"
    codex = Codex(auth_harness.config())
    handle = codex.login_chatgpt_device_code()
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            handle.wait()
        except BaseException as exc:
            errors.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.2)
    codex.close()
    waiter.join(5)
    assert not waiter.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], TransportClosedError)


# --------------------------------------------------------------------------- secrets


def _secret_texts(issuer: MockIssuer) -> set[str]:
    return {API_KEY, *issuer.issued_tokens}


def test_secrets_never_appear_in_logs_reprs_or_errors(
    issuer: MockIssuer, auth_harness: CodexHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_codex")
    texts: list[str] = []
    with browser_login_lock(LOCK_WAIT), Codex(auth_harness.config()) as codex:
        codex.on_notification(lambda n: texts.append(repr(n)))
        codex.login_api_key(API_KEY)
        texts.append(repr(codex.account()))

        browser = codex.login_chatgpt()
        texts.append(repr(browser))
        issuer.complete_browser_login(browser.auth_url, timeout=WAIT)
        texts += [repr(browser.wait(timeout=WAIT)), repr(browser)]
        texts.append(repr(codex.account(refresh_token=True)))

        issuer.device_mode = "pending"
        device = codex.login_chatgpt_device_code()
        texts.append(repr(device))
        assert device.user_code not in repr(device)
        try:
            device.wait(timeout=0.2)
        except CodexTimeoutError as exc:
            texts += [str(exc), repr(exc)]
        texts.append(repr(device.cancel()))
        texts.append(repr(device.wait(timeout=WAIT)))

        issuer.device_code_enabled = False
        try:
            codex.login_chatgpt_device_code()
        except LoginRejectedError as exc:
            texts += [str(exc), repr(exc), repr(exc.__cause__)]
        codex.logout()
        texts.append(repr(codex.account()))
    secrets = _secret_texts(issuer)
    assert len(secrets) >= 4  # the API key plus tokens really were issued
    assert any(t.startswith("sk-mock-") for t in secrets)
    haystack = "\n".join([*texts, caplog.text])
    leaked = [s for s in secrets if s in haystack]
    assert not leaked


def test_secrets_never_appear_async(
    issuer: MockIssuer, auth_harness: CodexHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_codex")

    async def main() -> list[str]:
        texts: list[str] = []
        async with AsyncCodex(auth_harness.config()) as codex:
            await codex.login_api_key(API_KEY)
            handle = await codex.login_chatgpt_device_code()
            texts += [repr(handle), repr(await handle.wait(timeout=WAIT)), repr(handle)]
            texts.append(repr(await codex.account(refresh_token=True)))
            await codex.logout()
        return texts

    texts = run(main())
    secrets = _secret_texts(issuer)
    haystack = "\n".join([*texts, caplog.text])
    assert not [s for s in secrets if s in haystack]
