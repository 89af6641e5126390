"""A local OAuth issuer and ChatGPT backend, so login flows run offline in tests.

:class:`MockIssuer` answers everything the Codex app-server (0.163.0) asks of the ChatGPT
issuer and backend during ``account/login/start`` (browser and device code), token refresh
and logout. Point an app-server at it with :meth:`MockIssuer.harness_env` (environment) and
:meth:`MockIssuer.harness_config_overrides` (``-c`` config), and use a model provider with
``requires_openai_auth = true``.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import secrets
import string
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any, Literal, NamedTuple, get_args
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from ._http import QuietHTTPServer

__all__ = [
    "DeviceMode",
    "MockIssuer",
    "MockIssuerError",
    "RecordedRequest",
    "decode_jwt_claims",
    "make_unsigned_jwt",
    "pkce_challenge",
]

DeviceMode = Literal["approve", "pending", "deny", "expire"]
"""What the device-code poll answers: 200 (approved), 403 (pending), 400 (denied), 410."""

AUTH_CLAIM = "https://api.openai.com/auth"
"""The JWT claim that holds the ChatGPT plan, account id and user id."""

PROFILE_CLAIM = "https://api.openai.com/profile"

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"

# Status of the device-code poll for each mode (the server treats 403/404 as "pending" and
# any other non-200 status as a failed login).
_DEVICE_STATUS: dict[str, int] = {"pending": 403, "deny": 400, "expire": 410}

# The handler answers one request per connection (HTTP/1.0); a client that connects and
# sends nothing is dropped after this many seconds, so stop() never waits longer.
_HANDLER_TIMEOUT = 5.0
_MAX_BODY = 1 << 20
_MAX_REDIRECTS = 10


class MockIssuerError(RuntimeError):
    """The mock issuer was misused, or the simulated browser login failed."""


class RecordedRequest(NamedTuple):
    """One request the mock received: method, path (without query) and body text."""

    method: str
    path: str
    body: str

    def data(self) -> dict[str, Any]:
        """The body decoded as a JSON object or, failing that, as form fields."""
        try:
            value = json.loads(self.body)
        except ValueError:
            return dict(parse_qsl(self.body, keep_blank_values=True))
        return value if isinstance(value, dict) else {}


# --------------------------------------------------------------------------- tokens


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_unsigned_jwt(claims: Mapping[str, object]) -> str:
    """Encode ``claims`` as a JWT-shaped string: ``header.payload.signature`` (base64url).

    The header says ``"alg": "none"`` and the signature is random bytes: nothing checks it,
    but it makes every token unique even for identical claims.
    """
    header = _b64url(json.dumps({"alg": "none", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
    return f"{header}.{payload}.{_b64url(secrets.token_bytes(32))}"


def decode_jwt_claims(token: str) -> dict[str, Any]:
    """Decode the payload of a JWT-shaped string without checking any signature.

    Raises:
        ValueError: ``token`` does not have three dot-separated parts or its payload is
            not a base64url-encoded JSON object.
    """
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise ValueError("not a JWT: expected three non-empty dot-separated parts")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    value = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    if not isinstance(value, dict):
        raise ValueError("JWT payload is not a JSON object")
    return value


def pkce_challenge(verifier: str) -> str:
    """The S256 PKCE code challenge of ``verifier`` (RFC 7636)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _user_code() -> str:
    alphabet = string.ascii_uppercase + string.digits
    left = "".join(secrets.choice(alphabet) for _ in range(4))
    right = "".join(secrets.choice(alphabet) for _ in range(5))
    return f"{left}-{right}"


# --------------------------------------------------------------------------- server


@dataclass
class _Response:
    status: int
    body: object = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _PendingCode:
    challenge: str
    method: str
    redirect_uri: str


class _Server(QuietHTTPServer):
    # Handler threads are joined by server_close(), so no thread outlives stop().
    daemon_threads = False
    block_on_close = True

    def __init__(self, issuer: MockIssuer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.issuer = issuer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = _HANDLER_TIMEOUT
    protocol_version = "HTTP/1.0"
    server_version = "MockIssuer/1"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read ``MockIssuer.requests`` instead of a log."""

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self._send(_Response(413, {"error": "request body too large"}))
            return
        body = self.rfile.read(length).decode("utf-8", "replace") if length > 0 else ""
        response = self.server.issuer._handle(self.command, self.path, body)
        self._send(response)

    def _send(self, response: _Response) -> None:
        payload = json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


class MockIssuer:
    """A local ChatGPT OAuth issuer and backend for offline login tests.

    It serves, on ``127.0.0.1`` and a free port: ``GET /oauth/authorize`` (302 back to the
    ``redirect_uri`` with a code and the same ``state``), ``POST /oauth/token``
    (authorization-code grant with S256 PKCE check, token-exchange grant, refresh grant),
    ``POST /oauth/revoke``, ``POST /api/accounts/deviceauth/usercode`` and ``.../token``
    (answering per :attr:`device_mode`), ``GET /backend-api/wham/accounts/check`` and
    ``GET /backend-api/wham/config/bundle``. Anything else gets 404. Every request is
    recorded in :attr:`requests`; every token handed out is in :attr:`issued_tokens`.

    The browser flow uses the app-server's fixed callback port 1455, and any browser login
    in any process cancels a pending one: hold
    :func:`openai_codex.testing._locks.browser_login_lock` around an app-server that logs in
    through the browser.

    Example::

        with browser_login_lock(), MockIssuer(email="dev@example.com", plan="plus") as issuer:
            # start codex app-server with issuer.harness_env() and
            # issuer.harness_config_overrides(); call account/login/start {"type": "chatgpt"}
            issuer.complete_browser_login(auth_url)

    Attributes:
        email: The ``email`` claim of issued id_tokens.
        plan: The ``chatgpt_plan_type`` claim (free, plus, pro, team, business, ...).
        account_id: The ``chatgpt_account_id`` claim and the account the accounts check
            reports (a random UUID when not given).
        user_id: The ``chatgpt_user_id`` claim (random).
        device_code_enabled: When false, the device usercode endpoint answers 404 and the
            server fails ``account/login/start`` with "device code login is not enabled".
        token_ttl: Seconds until issued tokens expire (their ``exp`` claim).
    """

    def __init__(
        self,
        email: str = "dev@example.com",
        plan: str = "plus",
        account_id: str | None = None,
    ) -> None:
        self.email = email
        self.plan = plan
        self.account_id = account_id if account_id is not None else str(uuid.uuid4())
        self.user_id = f"user-{secrets.token_urlsafe(12)}"
        self.device_code_enabled = True
        self.token_ttl = 3600.0
        self._device_mode: DeviceMode = "approve"
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._issued: set[str] = set()
        self._refresh_tokens: set[str] = set()
        self._id_tokens: set[str] = set()
        self._codes: dict[str, _PendingCode] = {}
        self._devices: dict[str, str] = {}  # device_auth_id -> user_code
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> MockIssuer:
        """Start serving on a free port (no-op when already running); return ``self``."""
        with self._lock:
            if self._server is not None:
                return self
            server = _Server(self)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"MockIssuer:{server.server_address[1]}",
                daemon=True,
            )
            self._server, self._thread = server, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and join the server and handler threads. Safe to call twice."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        thread.join()

    def __enter__(self) -> MockIssuer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ configuration

    @property
    def port(self) -> int:
        """The TCP port the mock listens on.

        Raises:
            MockIssuerError: The mock is not running.
        """
        server = self._server
        if server is None:
            raise MockIssuerError("MockIssuer is not running: call start() or use `with`")
        return int(server.server_address[1])

    @property
    def url(self) -> str:
        """The issuer base URL, ``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def device_mode(self) -> DeviceMode:
        """What ``POST /api/accounts/deviceauth/token`` answers.

        ``"approve"``: 200 with an authorization code (the login succeeds);
        ``"pending"``: 403 (the server keeps polling); ``"deny"``: 400;
        ``"expire"``: 410 (both fail the login).
        """
        return self._device_mode

    @device_mode.setter
    def device_mode(self, mode: DeviceMode) -> None:
        if mode not in get_args(DeviceMode):
            raise ValueError(f"device_mode must be one of {get_args(DeviceMode)}, not {mode!r}")
        self._device_mode = mode

    def harness_env(self) -> dict[str, str]:
        """Environment variables that send the app-server's issuer calls to this mock."""
        return {
            "CODEX_APP_SERVER_LOGIN_ISSUER": self.url,
            "CODEX_REFRESH_TOKEN_URL_OVERRIDE": f"{self.url}/oauth/token",
            "CODEX_REVOKE_TOKEN_URL_OVERRIDE": f"{self.url}/oauth/revoke",
        }

    def harness_config_overrides(self) -> dict[str, object]:
        """Config overrides (``-c``) that send the app-server's backend calls to this mock."""
        return {"chatgpt_base_url": f"{self.url}/backend-api/"}

    # ------------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def issued_tokens(self) -> set[str]:
        """A copy of every id, access, refresh and exchanged API token handed out."""
        with self._lock:
            return set(self._issued)

    # ------------------------------------------------------------------ the browser

    def complete_browser_login(self, auth_url: str, *, timeout: float = 10.0) -> None:
        """Play the user's browser for ``auth_url`` (the ``authUrl`` of a browser login).

        GETs ``auth_url`` on this mock, which redirects to the app-server's callback on
        port 1455 with a code and the state; follows every redirect, including the final
        one to ``/success``: the app-server completes the login only once that page is
        fetched. The outcome arrives as the ``account/login/completed`` notification.

        Raises:
            MockIssuerError: ``auth_url`` is not this mock's authorize URL, a hop failed or
                answered an error status, or the chain did not reach ``/success`` within
                ``timeout`` seconds.
        """
        expected = f"{self.url}/oauth/authorize"
        if not auth_url.startswith(expected + "?"):
            raise MockIssuerError(
                f"auth URL does not point at this MockIssuer ({expected}): {auth_url!r}; "
                "was CODEX_APP_SERVER_LOGIN_ISSUER set from harness_env()?"
            )
        deadline = time.monotonic() + timeout
        url = auth_url
        visited: list[str] = []
        for _ in range(_MAX_REDIRECTS + 1):
            visited.append(url)
            status, location, text = self._browser_get(url, deadline)
            if 300 <= status < 400:
                if not location:
                    raise MockIssuerError(f"redirect {status} without Location from {url}")
                url = urljoin(url, location)
                continue
            if status != 200:
                raise MockIssuerError(
                    f"browser login failed: GET {url} answered {status}: {text[:200]!r} "
                    f"(visited: {visited})"
                )
            if urlsplit(url).path != "/success":
                raise MockIssuerError(
                    f"browser login ended at {url} instead of the /success page "
                    f"(visited: {visited})"
                )
            return
        raise MockIssuerError(f"too many redirects during browser login (visited: {visited})")

    @staticmethod
    def _browser_get(url: str, deadline: float) -> tuple[int, str | None, str]:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise MockIssuerError(f"the test browser only follows local http URLs: {url!r}")
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MockIssuerError(f"browser login timed out fetching {url}")
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=remaining)
            try:
                conn.request("GET", target, headers={"User-Agent": "MockIssuer browser"})
                resp = conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                return resp.status, resp.getheader("Location"), text
            except ConnectionRefusedError:
                # The callback listener may still be binding; retry until the deadline.
                time.sleep(0.05)
            except OSError as exc:
                raise MockIssuerError(f"browser login failed fetching {url}: {exc}") from exc
            finally:
                conn.close()

    # ------------------------------------------------------------------ token minting

    def _auth_claims(self) -> dict[str, object]:
        return {
            "chatgpt_plan_type": self.plan,
            "chatgpt_account_id": self.account_id,
            "chatgpt_user_id": self.user_id,
            "user_id": self.user_id,
        }

    def _mint_tokens(self, client_id: str) -> dict[str, str]:
        now = int(time.time())
        exp = now + int(self.token_ttl)
        common: dict[str, object] = {
            "iss": self.url,
            "sub": self.user_id,
            "iat": now,
            "exp": exp,
            "jti": str(uuid.uuid4()),
            AUTH_CLAIM: self._auth_claims(),
        }
        id_token = make_unsigned_jwt(
            {
                **common,
                "aud": [client_id],
                "email": self.email,
                "email_verified": True,
                "auth_time": now,
            }
        )
        access_token = make_unsigned_jwt(
            {
                **common,
                "aud": ["https://api.openai.com/v1"],
                "scp": ["openid", "profile", "email", "offline_access"],
                PROFILE_CLAIM: {"email": self.email, "email_verified": True},
            }
        )
        refresh_token = f"rt_{secrets.token_urlsafe(32)}"
        with self._lock:
            self._issued.update((id_token, access_token, refresh_token))
            self._id_tokens.add(id_token)
            self._refresh_tokens.add(refresh_token)
        return {"id_token": id_token, "access_token": access_token, "refresh_token": refresh_token}

    def _register_code(self, challenge: str, method: str, redirect_uri: str) -> str:
        code = f"ac_{secrets.token_urlsafe(24)}"
        with self._lock:
            self._codes[code] = _PendingCode(challenge, method, redirect_uri)
        return code

    # ------------------------------------------------------------------ routing

    def _handle(self, method: str, target: str, body: str) -> _Response:
        parts = urlsplit(target)
        path = parts.path
        record = RecordedRequest(method, path, body)
        with self._lock:
            self._requests.append(record)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        params = record.data()
        route = (method, path)
        if route == ("GET", "/oauth/authorize"):
            return self._authorize(query)
        if route == ("POST", "/oauth/token"):
            return self._token(params)
        if route == ("POST", "/oauth/revoke"):
            return _Response(200, {})
        if route == ("POST", "/api/accounts/deviceauth/usercode"):
            return self._device_usercode()
        if route == ("POST", "/api/accounts/deviceauth/token"):
            return self._device_token(params)
        if route == ("GET", "/backend-api/wham/accounts/check"):
            return _Response(200, self._accounts())
        if route == ("GET", "/backend-api/wham/config/bundle"):
            return _Response(200, {})
        return _Response(404, {"error": f"MockIssuer has no route {method} {path}"})

    def _authorize(self, query: Mapping[str, str]) -> _Response:
        missing = [
            name
            for name in ("response_type", "redirect_uri", "state", "code_challenge")
            if not query.get(name)
        ]
        if missing:
            return _Response(400, {"error": "invalid_request", "missing": missing})
        code = self._register_code(
            query["code_challenge"],
            query.get("code_challenge_method", "plain"),
            query["redirect_uri"],
        )
        redirect = query["redirect_uri"]
        sep = "&" if urlsplit(redirect).query else "?"
        location = f"{redirect}{sep}{urlencode({'code': code, 'state': query['state']})}"
        return _Response(302, {}, {"Location": location})

    def _token(self, params: Mapping[str, Any]) -> _Response:
        grant = params.get("grant_type")
        client_id = str(params.get("client_id") or "app_mock")
        if grant == "authorization_code":
            with self._lock:
                pending = self._codes.pop(str(params.get("code")), None)
            if pending is None:
                return _invalid_grant("unknown or already used authorization code")
            if params.get("redirect_uri") != pending.redirect_uri:
                return _invalid_grant("redirect_uri does not match the authorize request")
            verifier = str(params.get("code_verifier") or "")
            got = pkce_challenge(verifier) if pending.method == "S256" else verifier
            if not verifier or got != pending.challenge:
                return _invalid_grant("PKCE code_verifier does not match code_challenge")
            return _Response(200, self._mint_tokens(client_id))
        if grant == TOKEN_EXCHANGE_GRANT:
            with self._lock:
                known = params.get("subject_token") in self._id_tokens
            if not known:
                return _invalid_grant("subject_token is not an id_token issued here")
            api_key = f"sk-mock-{secrets.token_urlsafe(32)}"
            with self._lock:
                self._issued.add(api_key)
            return _Response(200, {"access_token": api_key})
        if grant == "refresh_token":
            with self._lock:
                known = params.get("refresh_token") in self._refresh_tokens
            if not known:
                return _Response(401, {"error": "invalid_grant", "error_description": "unknown"})
            return _Response(200, self._mint_tokens(client_id))
        return _Response(400, {"error": "unsupported_grant_type", "grant_type": grant})

    def _device_usercode(self) -> _Response:
        if not self.device_code_enabled:
            return _Response(404, {"error": "device code login disabled"})
        device_auth_id = f"deviceauth_{secrets.token_urlsafe(16)}"
        user_code = _user_code()
        with self._lock:
            self._devices[device_auth_id] = user_code
        # "interval" must be a JSON string: the server rejects a number.
        return _Response(
            200, {"device_auth_id": device_auth_id, "user_code": user_code, "interval": "1"}
        )

    def _device_token(self, params: Mapping[str, Any]) -> _Response:
        with self._lock:
            user_code = self._devices.get(str(params.get("device_auth_id")))
        if user_code is None or user_code != params.get("user_code"):
            return _Response(400, {"error": "unknown device_auth_id or user_code"})
        mode = self._device_mode
        if mode != "approve":
            return _Response(_DEVICE_STATUS[mode], {"error": f"deviceauth_{mode}"})
        with self._lock:
            self._devices.pop(str(params.get("device_auth_id")), None)
        verifier = secrets.token_urlsafe(48)
        challenge = pkce_challenge(verifier)
        code = self._register_code(challenge, "S256", f"{self.url}/deviceauth/callback")
        return _Response(
            200,
            {"authorization_code": code, "code_challenge": challenge, "code_verifier": verifier},
        )

    def _accounts(self) -> dict[str, object]:
        return {
            "accounts": [
                {
                    "id": self.account_id,
                    "name": "Mock workspace",
                    "structure": "personal",
                    "workspace_backend_origin": "https://chatgpt.com",
                    "account_routing_override": "NO_CONSTRAINT",
                }
            ],
            "account_ordering": [self.account_id],
            "default_account_id": self.account_id,
        }


def _invalid_grant(description: str) -> _Response:
    return _Response(400, {"error": "invalid_grant", "error_description": description})
