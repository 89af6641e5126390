"""Sans-IO JSON-RPC core: framing, request ids, the pending table, message classification.

Nothing here touches a pipe, a socket or an event loop. The connection feeds received bytes
to :meth:`RpcProtocol.receive_data` and gets classified messages back; it asks for the bytes
of outgoing messages and writes them itself. That keeps the wire logic testable with plain
data and reusable by any transport (stdio lines today, WebSocket frames later).

The app-server speaks "JSON-RPC lite": one JSON object per line, no ``"jsonrpc"`` member,
ids that may be integers or strings.
"""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, NoReturn, TypeVar

from .errors import ProtocolError

__all__ = [
    "MAX_LINE_BYTES",
    "Incoming",
    "IncomingError",
    "IncomingNotification",
    "IncomingRequest",
    "IncomingResponse",
    "RequestId",
    "RpcProtocol",
]

# One message may legitimately be large (a thread read with every turn, a long command
# output), but a server that never ends a line must not grow our buffer without bound.
MAX_LINE_BYTES = 64 * 1024 * 1024

RequestId = int | str
W = TypeVar("W")

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_loads = json.loads
# The C scanner when available: (text, index) -> (value, end index).
_scan: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder()  # type: ignore[arg-type]
)


class IncomingResponse(NamedTuple):
    """A successful answer to one of our requests."""

    id: RequestId
    result: Any


class IncomingError(NamedTuple):
    """An error answer to one of our requests."""

    id: RequestId
    code: int
    message: str
    data: Any


class IncomingNotification(NamedTuple):
    """A notification from the server (no answer expected)."""

    method: str
    params: dict[str, Any]


class IncomingRequest(NamedTuple):
    """A request from the server that the client must answer exactly once."""

    id: RequestId
    method: str
    params: Any


Incoming = IncomingResponse | IncomingError | IncomingNotification | IncomingRequest


@dataclass(slots=True)
class _Pending(Generic[W]):
    method: str
    waiter: W


class RpcProtocol(Generic[W]):
    """Framing and bookkeeping for one JSON-RPC connection.

    ``W`` is whatever the caller uses to wait for an answer (a future); the protocol only
    stores it next to the request's method and hands it back when the answer arrives.
    After :meth:`receive_data` raised :class:`ProtocolError` the connection is unusable:
    every later call to it raises the same error again.
    """

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._max_line = max_line_bytes
        self._buffer = bytearray()
        self._next_id = 0
        self._pending: dict[RequestId, _Pending[W]] = {}
        self._failed: ProtocolError | None = None

    # -- outgoing -------------------------------------------------------------------------

    def send_request(self, method: str, params: Any, waiter: W) -> tuple[RequestId, bytes]:
        """Register a request and return its id and encoded line.

        ``waiter`` is returned by :meth:`pop_pending` once the answer arrives, or by
        :meth:`fail_all` if the connection ends first.
        """
        self._next_id += 1
        request_id = self._next_id
        self._pending[request_id] = _Pending(method, waiter)
        message: dict[str, Any] = {"id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        return request_id, encode(message)

    def forget(self, request_id: RequestId) -> None:
        """Drop a pending request whose caller stopped waiting (timeout, cancellation)."""
        self._pending.pop(request_id, None)

    @staticmethod
    def encode_notification(method: str, params: Any = None) -> bytes:
        """Encode a client notification."""
        message: dict[str, Any] = {"method": method}
        if params is not None:
            message["params"] = params
        return encode(message)

    @staticmethod
    def encode_result(request_id: RequestId, result: Any) -> bytes:
        """Encode the answer to a server request."""
        return encode({"id": request_id, "result": result})

    @staticmethod
    def encode_error(request_id: RequestId, code: int, message: str, data: Any = None) -> bytes:
        """Encode an error answer to a server request."""
        error: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            error["data"] = data
        return encode({"id": request_id, "error": error})

    # -- incoming -------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> list[Incoming]:
        """Feed bytes read from the server; return every complete message they finish.

        Raises:
            ProtocolError: a line is not a JSON object of a known shape, is not UTF-8, or
                grew past the size limit. The protocol is then failed for good.
        """
        if self._failed is not None:
            raise self._failed
        cut = data.rfind(b"\n")
        if cut < 0:
            self._buffer += data
            if len(self._buffer) > self._max_line:
                self._fail(f"a line from the server exceeded {self._max_line} bytes")
            return []
        complete = bytes(self._buffer) + data[:cut] if self._buffer else data[:cut]
        self._buffer = bytearray(data[cut + 1 :])
        if len(self._buffer) > self._max_line:
            self._fail(f"a line from the server exceeded {self._max_line} bytes")
        try:
            text = complete.decode()
        except UnicodeDecodeError as exc:
            self._fail("server sent bytes that are not UTF-8", exc)
        parse = self.parse_message
        return [parse(line) for line in text.split("\n") if line and not line.isspace()]

    def parse_message(self, line: bytes | bytearray | str) -> Incoming:
        """Decode and classify one message; raises :class:`ProtocolError` if malformed."""
        obj: Any
        try:
            if isinstance(line, str):
                # The C scanner skips json.loads' encoding sniffing and regex checks.
                try:
                    obj, end = _scan(line, 0)
                except StopIteration:  # no value at index 0: let json.loads judge it
                    obj, end = _loads(line), len(line)
                if end != len(line) and not line[end:].isspace():
                    raise ValueError("extra data after the JSON value")
            else:
                obj = _loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            self._fail(f"server sent invalid JSON: {_preview(line)!s}", exc)
        if not isinstance(obj, dict):
            self._fail(f"server sent a non-object message: {_preview(line)!s}")
        method = obj.get("method")
        if method is not None:
            if not isinstance(method, str):
                self._fail(f"server sent a message with a non-string method: {_preview(line)}")
            params = obj.get("params")
            if "id" in obj:
                return IncomingRequest(obj["id"], method, params)
            return IncomingNotification(method, params if isinstance(params, dict) else {})
        if "id" in obj:
            if "error" in obj:
                err = obj["error"]
                if not isinstance(err, dict):
                    self._fail(f"server sent a malformed error: {_preview(line)}")
                return IncomingError(
                    obj["id"],
                    int(err.get("code", 0)),
                    str(err.get("message", "")),
                    err.get("data"),
                )
            if "result" in obj:
                return IncomingResponse(obj["id"], obj["result"])
        self._fail(f"server sent a message of unknown shape: {_preview(line)}")

    def pop_pending(self, request_id: RequestId) -> tuple[str, W] | None:
        """Take the waiter of an answered request; ``None`` if nobody waits for it."""
        pending = self._pending.pop(request_id, None)
        if pending is None:
            return None
        return pending.method, pending.waiter

    def fail_all(self) -> list[tuple[str, W]]:
        """Take every pending waiter (the connection ended); the table is left empty."""
        pending = [(p.method, p.waiter) for p in self._pending.values()]
        self._pending.clear()
        return pending

    @property
    def pending_count(self) -> int:
        """How many requests wait for an answer."""
        return len(self._pending)

    def _fail(self, message: str, cause: BaseException | None = None) -> NoReturn:
        error = ProtocolError(message)
        if cause is not None:
            error.__cause__ = cause
        self._failed = error
        raise error


def encode(message: dict[str, Any]) -> bytes:
    """Encode one message as a JSON line."""
    return (_dumps(message) + "\n").encode()


def _preview(line: bytes | bytearray | str, limit: int = 200) -> str:
    text = line if isinstance(line, str) else bytes(line).decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "..."
