"""The WebSocket transport: talk to a running ``codex app-server --listen ws://IP:PORT``.

The server sends one JSON message per text frame and accepts one per text frame (verified
with 0.163.0: two newline-separated messages in one frame are rejected as invalid JSON,
binary frames are dropped). This transport turns frames into the newline-framed byte
stream the connection's sans-IO core parses, and back: every received text frame is
delivered as its UTF-8 bytes plus ``b"\\n"`` (the frames of one socket read in one call,
cut by :mod:`._ws_frames` without a task or a queue per message); every message written is
sent as one text frame without its newline.

The capability token (``--ws-auth capability-token``) goes in ``Authorization: Bearer``
on the upgrade request; the server answers HTTP 401 to a missing or wrong one, which
becomes :class:`~openai_codex.CodexAuthError`. The token never reaches a log line or an
error message: the ``websockets`` library logs request headers at DEBUG level, so it is
given a logger that masks the token.

``websockets`` is imported when a connection is opened, never by ``import openai_codex``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..._version import __version__
from ...errors import CodexAuthError, CodexError, TransportClosedError

if TYPE_CHECKING:
    from ._ws_frames import FrameBatchingConnection

__all__ = ["OPEN_TIMEOUT", "WebSocketTransport", "safe_url"]

logger = logging.getLogger("openai_codex")

OPEN_TIMEOUT = 10.0
"""Seconds to wait for the TCP connection and the upgrade answer (a refused port fails at
once; this bounds a host that accepts but never answers)."""

# Keepalive: the client pings every 20 s and gives up 20 s after an unanswered ping (the
# server answers pings at once; it sends none of its own). A server process that exits
# closes the socket, which is noticed at once; the ping only catches a silent network.
_PING_INTERVAL = 20.0
_PING_TIMEOUT = 20.0
# Messages waiting in websockets' own queue before the socket stops reading (flow control);
# after the handshake none are queued there (they go straight to the connection).
_MAX_QUEUE = 64
_AUTH_STATUSES = (401, 403)
_MASK = "***"
# Close codes without a reason worth reading (RFC 6455 section 7.4.1).
_CLOSE_CODES = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1006: "connection lost without a close frame",
    1007: "invalid data",
    1008: "policy violation",
    1009: "message too big",
    1011: "server error",
    1012: "service restart",
}


def safe_url(url: str) -> str:
    """``url`` without user info, query or fragment: fit for messages and logs."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:  # IPv6
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "<invalid url>"
    return f"{parts.scheme}://{host}{port}{parts.path}"


class _Redactor:
    """Replaces a secret in text (the token, and the whole ``Bearer`` credential)."""

    def __init__(self, secret: str | None) -> None:
        self._secret = secret or None

    def __call__(self, text: str) -> str:
        if self._secret is not None and self._secret in text:
            return text.replace(self._secret, _MASK)
        return text

    def value(self, value: object) -> object:
        """A log argument with the secret masked (only strings can carry it)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, (bytes, bytearray)) and self._secret is not None:
            secret = self._secret.encode()
            if secret in value:
                return bytes(value).replace(secret, _MASK.encode())
        return value


if TYPE_CHECKING:
    _LoggerAdapter = logging.LoggerAdapter[logging.Logger]
else:
    _LoggerAdapter = logging.LoggerAdapter


class _RedactingLogger(_LoggerAdapter):
    """The logger handed to ``websockets``: masks the token in every record it emits."""

    def __init__(self, target: logging.Logger, redact: _Redactor) -> None:
        super().__init__(target, {})
        self._redact = redact

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        """Log like the wrapped logger, with the token masked in the message and args."""
        if self.isEnabledFor(level):
            text = self._redact(msg) if isinstance(msg, str) else msg
            masked = tuple(self._redact.value(arg) for arg in args)
            kwargs.setdefault("stacklevel", 2)  # report the websockets line, not this one
            self.logger.log(level, text, *masked, **kwargs)


class WebSocketTransport:
    """One WebSocket connection to an app-server; its frames are delivered by the chunk.

    Create it with :meth:`connect`. Delivery starts with :meth:`start` and ends when the
    connection does; :meth:`close` closes the socket (no task of ours outlives it).
    """

    pid: None = None
    """No process of ours: the server runs elsewhere (for ``AsyncCodex.pid``)."""

    def __init__(
        self, ws: FrameBatchingConnection, url: str, redact: _Redactor, *, close_timeout: float
    ) -> None:
        self._ws = ws
        self._url = safe_url(url)
        self._redact = redact
        self._close_timeout = close_timeout
        self._started = False
        self._closed = False  # close() was called

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        auth_token: str | None = None,
        open_timeout: float = OPEN_TIMEOUT,
        close_timeout: float = 2.0,
        max_message_bytes: int | None = None,
    ) -> WebSocketTransport:
        """Open the connection (the upgrade request carries the token).

        Raises:
            ValueError: ``url`` is not a ``ws://`` or ``wss://`` URL, or the token has
                characters a header cannot carry.
            CodexAuthError: the server refused the token (HTTP 401 or 403).
            TransportClosedError: nothing listens there, the upgrade failed or timed out.
            CodexError: the ``websockets`` package is not installed.
        """
        token = auth_token.strip() if auth_token is not None else None
        redact = _Redactor(token)
        where = safe_url(url)
        if urlsplit(url).scheme not in ("ws", "wss"):
            raise ValueError(f"url must start with ws:// or wss://, not {where!r}")
        if token is not None and (not token or any(c in token for c in "\r\n\0")):
            raise ValueError("auth_token must be non-empty and hold no line breaks")
        try:
            from websockets.asyncio.client import connect
            from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

            from ._ws_frames import FrameBatchingConnection
        except ImportError as exc:  # pragma: no cover - websockets is a dependency
            raise CodexError(
                "connecting to a WebSocket app-server needs the `websockets` package: "
                "pip install 'websockets>=15'"
            ) from exc
        headers = {"Authorization": f"Bearer {token}"} if token is not None else None
        ws_logger = _RedactingLogger(logging.getLogger("openai_codex.websocket"), redact)
        try:
            ws = await connect(
                url,
                additional_headers=headers,
                user_agent_header=f"openai-codex-python/{__version__}",
                compression=None,  # the app-server does not negotiate permessage-deflate
                proxy=None,  # never hand the token to an HTTP proxy from the environment
                open_timeout=open_timeout,
                close_timeout=close_timeout,
                ping_interval=_PING_INTERVAL,
                ping_timeout=_PING_TIMEOUT,
                max_size=max_message_bytes,
                max_queue=_MAX_QUEUE,
                logger=ws_logger,
                create_connection=FrameBatchingConnection,
            )
        except InvalidStatus as exc:
            response = exc.response
            status = response.status_code
            body = bytes(response.body or b"")[:300].decode("utf-8", "replace").strip()
            reason = redact(body)
            text = f"HTTP {status} {response.reason_phrase}".rstrip()
            if reason:
                text += f": {reason}"
            if status in _AUTH_STATUSES:
                hint = "no auth_token was given" if token is None else "check auth_token"
                raise CodexAuthError(
                    f"the app-server at {where} refused the connection: {text} ({hint})",
                    status_code=status,
                    reason=reason,
                ) from None
            raise TransportClosedError(
                f"the server at {where} refused the WebSocket upgrade: {text}"
            ) from None
        except InvalidURI as exc:
            raise ValueError(f"invalid WebSocket url {where!r}: {redact(str(exc))}") from None
        except (InvalidHandshake, OSError, asyncio.TimeoutError) as exc:
            detail = redact(str(exc)) or type(exc).__name__
            if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
                detail = f"no answer within {open_timeout:g} s"
            raise TransportClosedError(
                f"could not connect to the Codex app-server at {where}: {detail}"
            ) from None
        assert isinstance(ws, FrameBatchingConnection)
        return cls(ws, url, redact, close_timeout=close_timeout)

    @property
    def url(self) -> str:
        """The server's URL (without user info or query)."""
        return self._url

    def start(self, on_data: Callable[[bytes], None], on_eof: Callable[[], None]) -> None:
        """Deliver the frames to ``on_data`` (those of one socket read in one call, one
        line each) and the end of the connection to ``on_eof``. No task: the socket's
        protocol calls them (see :mod:`._ws_frames`)."""
        if not self._started:
            self._started = True
            self._ws.deliver_to(on_data, on_eof)

    async def send(self, data: bytes) -> None:
        """Send each newline-terminated message in ``data`` as one text frame.

        Raises:
            TransportClosedError: the connection is closed.
        """
        from websockets.exceptions import ConnectionClosed

        if self._closed:
            raise await self.closed_error()
        cut = data.find(b"\n")
        try:
            if cut < 0 or cut == len(data) - 1:  # one message: the usual case
                await self._ws.send(data[:cut] if cut >= 0 else data, text=True)
                return
            for part in data.split(b"\n"):
                if part.strip():
                    await self._ws.send(part, text=True)
        except ConnectionClosed:
            raise await self.closed_error() from None

    async def closed_error(self) -> TransportClosedError:
        """Describe the end of the connection: who closed it, its close code and reason."""
        ws = self._ws
        if self._closed:
            return TransportClosedError(
                f"the connection to the Codex app-server at {self._url} was closed"
            )
        code = ws.close_code
        if code is None:  # still open: the reader stopped for another reason
            return TransportClosedError(f"the WebSocket connection to {self._url} ended")
        reason = self._redact(ws.close_reason or "") or _CLOSE_CODES.get(code, "")
        described = f"code {code}" + (f", {reason}" if reason else "")
        if code == 1006:
            return TransportClosedError(
                f"lost the WebSocket connection to the Codex app-server at {self._url} "
                f"({described}: the server exited or the network failed)"
            )
        return TransportClosedError(
            f"the Codex app-server at {self._url} closed the WebSocket connection ({described})"
        )

    async def close(self) -> None:
        """Close the socket and end the delivery; idempotent.

        Sends a close frame and waits at most ``close_timeout`` seconds for the server's
        answer before dropping the TCP connection. The server keeps running.
        """
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._ws.close(), self._close_timeout + 1.0)
        from websockets.protocol import State

        if self._ws.state is not State.CLOSED:  # the close handshake hung: drop the socket
            self._ws.transport.abort()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.wait_closed(), 1.0)
