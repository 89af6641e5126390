"""MockIssuer tokens and endpoints, exercised over HTTP without the app-server."""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from openai_codex.testing._issuer import (
    AUTH_CLAIM,
    MockIssuer,
    MockIssuerError,
    RecordedRequest,
    decode_jwt_claims,
    make_unsigned_jwt,
    pkce_challenge,
)
from openai_codex.testing._locks import browser_login_lock

pytestmark = pytest.mark.timeout(30)

_NO_REDIRECT = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),
    type(
        "NoRedirect",
        (urllib.request.HTTPRedirectHandler,),
        {"redirect_request": lambda *args, **kwargs: None},
    ),
)


def _call(
    method: str, url: str, body: bytes | None = None, content_type: str = "application/json"
) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    try:
        with _NO_REDIRECT.open(request, timeout=5) as resp:
            return resp.status, dict(resp.headers.items()), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), json.loads(err.read() or b"null")


def _form(**fields: str) -> bytes:
    return urlencode(fields).encode()


@pytest.fixture
def issuer() -> Iterator[MockIssuer]:
    with MockIssuer(email="unit@example.com", plan="team", account_id="acct-1") as mock:
        yield mock


def _authorize(issuer: MockIssuer, verifier: str, redirect: str) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": "app_test",
            "redirect_uri": redirect,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
            "state": "st-123",
        }
    )
    status, headers, _ = _call("GET", f"{issuer.url}/oauth/authorize?{query}")
    assert status == 302
    location = urlsplit(headers["Location"])
    params = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect
    assert params["state"] == ["st-123"]
    return params["code"][0]


def _exchange(issuer: MockIssuer, code: str, verifier: str, redirect: str) -> tuple[int, Any]:
    status, _, body = _call(
        "POST",
        f"{issuer.url}/oauth/token",
        _form(
            grant_type="authorization_code",
            client_id="app_test",
            code=code,
            redirect_uri=redirect,
            code_verifier=verifier,
        ),
        "application/x-www-form-urlencoded",
    )
    return status, body


# ----------------------------------------------------------------- JWT builder


def test_jwt_round_trips_its_claims() -> None:
    claims = {"email": "a@b.c", "exp": 123, AUTH_CLAIM: {"chatgpt_plan_type": "pro"}}
    token = make_unsigned_jwt(claims)
    assert token.count(".") == 2
    assert all(token.split("."))
    assert "=" not in token
    assert decode_jwt_claims(token) == claims


def test_jwt_header_is_base64url_json_and_tokens_are_unique() -> None:
    first, second = make_unsigned_jwt({"a": 1}), make_unsigned_jwt({"a": 1})
    assert first != second
    header = decode_jwt_claims(f"x.{first.split('.')[0]}.x")
    assert header == {"alg": "none", "typ": "JWT"}


@pytest.mark.parametrize("bad", ["", "a.b", "a..c", "a.b.c.d", f"x.{'W10'}.y"])
def test_decoding_a_malformed_jwt_raises_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        decode_jwt_claims(bad)


def test_pkce_challenge_matches_the_rfc_7636_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


# ----------------------------------------------------------------- endpoints


def test_authorization_code_grant_returns_tokens_with_the_configured_claims(
    issuer: MockIssuer,
) -> None:
    verifier = secrets.token_urlsafe(32)
    redirect = "http://127.0.0.1:1455/auth/callback"
    code = _authorize(issuer, verifier, redirect)

    status, tokens = _exchange(issuer, code, verifier, redirect)

    assert status == 200
    assert set(tokens) == {"id_token", "access_token", "refresh_token"}
    assert set(tokens.values()) <= issuer.issued_tokens
    now = time.time()
    id_claims = decode_jwt_claims(tokens["id_token"])
    assert id_claims["email"] == "unit@example.com"
    assert id_claims["exp"] > now + 60
    assert id_claims[AUTH_CLAIM]["chatgpt_plan_type"] == "team"
    assert id_claims[AUTH_CLAIM]["chatgpt_account_id"] == "acct-1"
    assert id_claims[AUTH_CLAIM]["chatgpt_user_id"] == issuer.user_id
    access_claims = decode_jwt_claims(tokens["access_token"])
    assert access_claims["exp"] > now + 60
    assert access_claims[AUTH_CLAIM]["chatgpt_account_id"] == "acct-1"


def test_authorization_code_is_single_use_and_checks_pkce(issuer: MockIssuer) -> None:
    verifier = secrets.token_urlsafe(32)
    redirect = "http://127.0.0.1:1455/auth/callback"

    code = _authorize(issuer, verifier, redirect)
    status, body = _exchange(issuer, code, "wrong-verifier", redirect)
    assert (status, body["error"]) == (400, "invalid_grant")
    assert "PKCE" in body["error_description"]

    code = _authorize(issuer, verifier, redirect)
    assert _exchange(issuer, code, verifier, "http://127.0.0.1:9/elsewhere")[0] == 400

    code = _authorize(issuer, verifier, redirect)
    assert _exchange(issuer, code, verifier, redirect)[0] == 200
    assert _exchange(issuer, code, verifier, redirect)[0] == 400
    assert _exchange(issuer, "never-issued", verifier, redirect)[0] == 400


def test_token_exchange_and_refresh_grants_issue_fresh_tokens(issuer: MockIssuer) -> None:
    verifier = secrets.token_urlsafe(32)
    redirect = "http://127.0.0.1:1455/auth/callback"
    _, tokens = _exchange(issuer, _authorize(issuer, verifier, redirect), verifier, redirect)

    status, _, exchanged = _call(
        "POST",
        f"{issuer.url}/oauth/token",
        _form(
            grant_type="urn:ietf:params:oauth:grant-type:token-exchange",
            client_id="app_test",
            requested_token="openai-api-key",
            subject_token=tokens["id_token"],
            subject_token_type="urn:ietf:params:oauth:token-type:id_token",
        ),
        "application/x-www-form-urlencoded",
    )
    assert status == 200
    assert list(exchanged) == ["access_token"]
    assert exchanged["access_token"] in issuer.issued_tokens

    body = {"client_id": "app_test", "grant_type": "refresh_token"}
    status, _, refreshed = _call(
        "POST",
        f"{issuer.url}/oauth/token",
        json.dumps({**body, "refresh_token": tokens["refresh_token"]}).encode(),
    )
    assert status == 200
    assert set(refreshed) == {"id_token", "access_token", "refresh_token"}
    assert not set(refreshed.values()) & set(tokens.values())
    unknown = json.dumps({**body, "refresh_token": "rt_unknown"}).encode()
    assert _call("POST", f"{issuer.url}/oauth/token", unknown)[0] == 401


@pytest.mark.parametrize(
    ("mode", "status"), [("pending", 403), ("deny", 400), ("expire", 410), ("approve", 200)]
)
def test_device_token_poll_answers_per_device_mode(
    issuer: MockIssuer, mode: str, status: int
) -> None:
    _, _, user = _call(
        "POST", f"{issuer.url}/api/accounts/deviceauth/usercode", b'{"client_id":"app_test"}'
    )
    assert user["interval"] == "1"
    issuer.device_mode = mode  # type: ignore[assignment]
    poll = json.dumps({"device_auth_id": user["device_auth_id"], "user_code": user["user_code"]})

    got, _, body = _call("POST", f"{issuer.url}/api/accounts/deviceauth/token", poll.encode())

    assert got == status
    if mode == "approve":
        assert pkce_challenge(body["code_verifier"]) == body["code_challenge"]
        redirect = f"{issuer.url}/deviceauth/callback"
        code, verifier = body["authorization_code"], body["code_verifier"]
        assert _exchange(issuer, code, verifier, redirect)[0] == 200


def test_device_mode_rejects_unknown_values(issuer: MockIssuer) -> None:
    with pytest.raises(ValueError):
        issuer.device_mode = "maybe"  # type: ignore[assignment]


def test_disabled_device_code_answers_404(issuer: MockIssuer) -> None:
    issuer.device_code_enabled = False
    assert _call("POST", f"{issuer.url}/api/accounts/deviceauth/usercode", b"{}")[0] == 404


def test_backend_endpoints_report_the_account_and_unknown_paths_get_404(
    issuer: MockIssuer,
) -> None:
    status, _, accounts = _call("GET", f"{issuer.url}/backend-api/wham/accounts/check")
    assert status == 200
    assert accounts["default_account_id"] == "acct-1"
    assert accounts["account_ordering"] == ["acct-1"]
    assert accounts["accounts"][0]["id"] == "acct-1"
    assert accounts["accounts"][0]["workspace_backend_origin"].startswith("https://")
    status, _, bundle = _call("GET", f"{issuer.url}/backend-api/wham/config/bundle")
    assert (status, bundle) == (200, {})
    assert _call("POST", f"{issuer.url}/oauth/revoke", b'{"token":"x"}')[2] == {}
    assert _call("GET", f"{issuer.url}/nope?x=1")[0] == 404
    assert issuer.requests[-1] == RecordedRequest("GET", "/nope", "")


def test_harness_settings_point_at_the_mock(issuer: MockIssuer) -> None:
    assert issuer.url == f"http://127.0.0.1:{issuer.port}"
    assert issuer.harness_env() == {
        "CODEX_APP_SERVER_LOGIN_ISSUER": issuer.url,
        "CODEX_REFRESH_TOKEN_URL_OVERRIDE": f"{issuer.url}/oauth/token",
        "CODEX_REVOKE_TOKEN_URL_OVERRIDE": f"{issuer.url}/oauth/revoke",
    }
    assert issuer.harness_config_overrides() == {"chatgpt_base_url": f"{issuer.url}/backend-api/"}


def test_stop_is_idempotent_and_leaves_no_thread_behind() -> None:
    before = set(threading.enumerate())
    mock = MockIssuer().start()
    assert _call("GET", f"{mock.url}/backend-api/wham/config/bundle")[0] == 200
    mock.stop()
    mock.stop()
    assert set(threading.enumerate()) <= before
    with pytest.raises(MockIssuerError):
        _ = mock.url


def test_browser_login_rejects_a_foreign_auth_url(issuer: MockIssuer) -> None:
    with pytest.raises(MockIssuerError, match="does not point at this MockIssuer"):
        issuer.complete_browser_login("http://127.0.0.1:9/oauth/authorize?x=1")


def test_browser_login_lock_excludes_a_second_holder() -> None:
    with (
        browser_login_lock(timeout=30),
        pytest.raises(TimeoutError),
        browser_login_lock(timeout=0.1),
    ):
        pass
