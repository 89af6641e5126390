"""MockIssuer against the real app-server binary, over a raw JSON-RPC pipe client."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from _raw_issuer_client import RawAppServer, RpcError

from openai_codex.testing._issuer import MockIssuer, RecordedRequest
from openai_codex.testing._locks import browser_login_lock

WAIT = 15.0

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def issuer() -> Iterator[MockIssuer]:
    with MockIssuer(email="dev@example.com", plan="plus") as mock:
        yield mock


@pytest.fixture
def server(issuer: MockIssuer) -> Iterator[RawAppServer]:
    with RawAppServer(issuer) as app:
        app.initialize()
        yield app


def _calls(issuer: MockIssuer, method: str, path: str) -> list[RecordedRequest]:
    return [r for r in issuer.requests if r.method == method and r.path == path]


def _device_login(server: RawAppServer) -> dict[str, object]:
    started = server.request("account/login/start", {"type": "chatgptDeviceCode"}, WAIT)
    assert started["type"] == "chatgptDeviceCode"
    return dict(server.wait_login_completed(started["loginId"], WAIT))


def test_browser_login_succeeds_and_account_read_shows_email_and_plan(
    issuer: MockIssuer,
) -> None:
    issuer.email, issuer.plan = "browser@example.com", "pro"
    with browser_login_lock(timeout=120), RawAppServer(issuer) as server:
        server.initialize()
        started = server.request("account/login/start", {"type": "chatgpt"}, WAIT)
        assert started["authUrl"].startswith(f"{issuer.url}/oauth/authorize?")

        issuer.complete_browser_login(started["authUrl"], timeout=WAIT)
        completed = server.wait_login_completed(started["loginId"], WAIT)
        assert completed["success"] is True, completed
        account = server.request("account/read", {}, WAIT)

    assert account["account"] == {
        "type": "chatgpt",
        "email": "browser@example.com",
        "planType": "pro",
    }
    assert account["workspaceRouting"]["chatgptAccountId"] == issuer.account_id
    grants = [r.data()["grant_type"] for r in _calls(issuer, "POST", "/oauth/token")]
    assert grants[0] == "authorization_code"
    assert _calls(issuer, "GET", "/backend-api/wham/accounts/check")


def test_device_code_login_approved_succeeds(issuer: MockIssuer, server: RawAppServer) -> None:
    issuer.device_mode = "approve"
    completed = _device_login(server)
    assert completed["success"] is True, completed
    account = server.request("account/read", {}, WAIT)
    assert account["account"] == {"type": "chatgpt", "email": "dev@example.com", "planType": "plus"}
    exchange = _calls(issuer, "POST", "/oauth/token")[0].data()
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["redirect_uri"] == f"{issuer.url}/deviceauth/callback"


def test_device_code_login_denied_fails_with_status_400(
    issuer: MockIssuer, server: RawAppServer
) -> None:
    issuer.device_mode = "deny"
    completed = _device_login(server)
    assert completed["success"] is False
    assert "device auth failed with status 400" in str(completed["error"])
    assert server.request("account/read", {}, WAIT)["account"] is None
    assert not _calls(issuer, "POST", "/oauth/token")


def test_device_code_disabled_makes_login_start_fail_with_invalid_request(
    issuer: MockIssuer, server: RawAppServer
) -> None:
    issuer.device_code_enabled = False
    with pytest.raises(RpcError) as info:
        server.request("account/login/start", {"type": "chatgptDeviceCode"}, WAIT)
    assert info.value.code == -32600
    assert "device code login is not enabled" in info.value.message


def test_logout_revokes_the_issued_refresh_token(issuer: MockIssuer, server: RawAppServer) -> None:
    assert _device_login(server)["success"] is True
    assert server.request("account/logout", {}, WAIT) == {}

    revokes = _calls(issuer, "POST", "/oauth/revoke")
    assert len(revokes) == 1
    body = revokes[0].data()
    assert body["token_type_hint"] == "refresh_token"
    assert body["token"] in issuer.issued_tokens
    assert server.request("account/read", {}, WAIT)["account"] is None


def test_account_read_with_refresh_token_uses_the_refresh_grant(
    issuer: MockIssuer, server: RawAppServer
) -> None:
    assert _device_login(server)["success"] is True
    before = len(_calls(issuer, "POST", "/oauth/token"))

    account = server.request("account/read", {"refreshToken": True}, WAIT)

    assert account["account"]["email"] == "dev@example.com"
    refreshes = [r.data() for r in _calls(issuer, "POST", "/oauth/token")[before:]]
    assert [r["grant_type"] for r in refreshes] == ["refresh_token"]
    assert refreshes[0]["refresh_token"] in issuer.issued_tokens


def test_pending_device_code_keeps_polling_until_approved(
    issuer: MockIssuer, server: RawAppServer
) -> None:
    issuer.device_mode = "pending"
    started = server.request("account/login/start", {"type": "chatgptDeviceCode"}, WAIT)

    deadline = time.monotonic() + WAIT
    while len(_calls(issuer, "POST", "/api/accounts/deviceauth/token")) < 2:
        assert time.monotonic() < deadline, "the server did not poll twice"
        time.sleep(0.05)
    issuer.device_mode = "approve"

    completed = server.wait_login_completed(started["loginId"], WAIT)
    assert completed["success"] is True, completed
