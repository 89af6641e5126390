"""Sans-IO JSON-RPC core: framing, request ids, the pending table, message classification.

Nothing here touches a pipe, a socket or an event loop. The connection feeds received bytes
to :meth:`RpcProtocol.receive_data` and gets classified messages back; it asks for the bytes
of outgoing messages and writes them itself. That keeps the wire logic testable with plain
data and reusable by any transport (stdio lines today, WebSocket frames later).

The app-server speaks "JSON-RPC lite": one JSON object per line, no ``"jsonrpc"`` member,
ids that may be integers or strings.

What a broken or hostile server gets (see ``docs/reliability.md``):

* Framing is by ``\n`` only. The real server never writes ``\r\n``; a ``\r`` before the
  newline is accepted anyway (it is JSON whitespace), as are blank lines. Chunk boundaries
  do not matter: any split of a byte stream, even inside a UTF-8 character or between
  ``\r`` and ``\n``, gives the same messages.
* A line that is not UTF-8, not JSON, not an object or not of a known shape raises
  :class:`ProtocolError` naming what was wrong, the line's number in the server's output
  and a short preview (never the whole line). The messages completed before it are still
  delivered (:meth:`RpcProtocol.messages_before_error`). After that the protocol is failed
  for good: every later call raises the same error. The rule follows h11: after a remote
  protocol error the stream cannot be trusted (was the bad line one message or two? did
  it carry an answer someone waits for?), so the connection ends rather than guess.
* A line longer than ``max_line_bytes`` (``CodexConfig(max_line_bytes=...)``) fails as
  soon as it is known to be too long, before its end arrives: the buffer of an incomplete
  line never holds more than the limit, however the bytes are chunked.
* The end of the stream in the middle of a line is reported by :meth:`RpcProtocol.receive_eof`
  (how many bytes were left), never dropped silently.
* Answers that match no pending request are not errors of the stream:
  :meth:`RpcProtocol.explain_unexpected_answer` says whether it was a late answer to a
  request whose caller stopped waiting (expected), a duplicate, or an unknown id, and the
  connection logs the unexpected ones through a :class:`WarningBudget`.
"""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, NoReturn, TypeVar

from ..errors import ProtocolError

__all__ = [
    "MAX_LINE_BYTES",
    "Incoming",
    "IncomingError",
    "IncomingNotification",
    "IncomingRequest",
    "IncomingResponse",
    "RequestId",
    "RpcProtocol",
    "UnexpectedAnswer",
    "WarningBudget",
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
# How many characters of a bad line an error message shows.
_PREVIEW_CHARS = 120
# Requests whose caller stopped waiting (timeout, cancellation) are remembered, up to this
# many, so that their late answers are recognised as such rather than reported.
_ABANDONED_MEMORY = 1024


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


class UnexpectedAnswer(NamedTuple):
    """Why an answer matched no pending request (see
    :meth:`RpcProtocol.explain_unexpected_answer`)."""

    expected: bool
    """``True`` for a late answer to a request whose caller stopped waiting: not a fault."""
    text: str
    """A description for the log, with the id shortened."""


class _BadLine(Exception):
    """A line that is not a valid message (internal: becomes a :class:`ProtocolError`)."""

    def __init__(self, what: str, detail: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.detail = detail


class RpcProtocol(Generic[W]):
    """Framing and bookkeeping for one JSON-RPC connection.

    ``W`` is whatever the caller uses to wait for an answer (a future); the protocol only
    stores it next to the request's method and hands it back when the answer arrives.
    After :meth:`receive_data` or :meth:`receive_eof` raised :class:`ProtocolError` the
    connection is unusable: every later call to them raises the same error again, without
    looking at the new bytes.

    ``max_line_bytes`` bounds one line (a message without its ``\n``): past it the stream
    fails instead of being buffered, so memory stays below the limit plus one chunk.
    """

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        if max_line_bytes < 1:
            raise ValueError(f"max_line_bytes must be positive, not {max_line_bytes}")
        self._max_line = max_line_bytes
        self._buffer = bytearray()  # the incomplete last line, never longer than _max_line
        self._lines = 0  # newline-terminated lines consumed so far (for error messages)
        self._next_id = 0
        self._pending: dict[RequestId, _Pending[W]] = {}
        self._abandoned: dict[RequestId, str] = {}  # id -> method, oldest first
        self._failed: ProtocolError | None = None
        self._before_error: list[Incoming] = []

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
        """Drop a pending request whose caller stopped waiting (timeout, cancellation).

        Its answer may still come: :meth:`explain_unexpected_answer` then calls it late,
        not unknown (for the last 1024 forgotten requests).
        """
        pending = self._pending.pop(request_id, None)
        if pending is not None:
            abandoned = self._abandoned
            abandoned[request_id] = pending.method
            if len(abandoned) > _ABANDONED_MEMORY:
                del abandoned[next(iter(abandoned))]

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
            ProtocolError: a line is not UTF-8, not a JSON object of a known shape, or
                longer than ``max_line_bytes``. The messages of the lines before it are
                kept for :meth:`messages_before_error`; the protocol is then failed for
                good.
        """
        if self._failed is not None:
            raise self._failed
        cut = data.rfind(b"\n")
        buffer = self._buffer
        if cut < 0:  # no line ends here: buffer the bytes, within the limit
            if len(buffer) + len(data) > self._max_line:
                self._too_long(len(buffer) + len(data), buffer or data, partial=True)
            buffer += data
            return []
        if buffer:
            buffer += data[:cut]
            complete: bytes | bytearray = buffer
            self._buffer = bytearray(data[cut + 1 :])
        else:
            complete = data[:cut]
            if cut + 1 < len(data):
                self._buffer = bytearray(data[cut + 1 :])
        if len(complete) > self._max_line:  # one of these lines may be too long
            messages = self._parse_lines(complete)
        else:
            try:
                lines = complete.decode().split("\n")
                messages = _classify_lines(lines)
            except (UnicodeDecodeError, _BadLine):  # find the line and say what is wrong
                messages = self._parse_lines(complete)
            else:
                self._lines += len(lines)
        rest = self._buffer
        if len(rest) > self._max_line:
            self._too_long(len(rest), rest, partial=True, before=messages)
        return messages

    def receive_eof(self) -> None:
        """The server's output ended.

        Raises:
            ProtocolError: the stream ended in the middle of a line (bytes after the last
                newline); the message says how many. Also raised again if the protocol
                had already failed.
        """
        if self._failed is not None:
            raise self._failed
        buffer = self._buffer
        if buffer and not buffer.isspace():
            self._fail(
                f"the server's output ended in the middle of a message: {len(buffer)} "
                f"bytes after the last newline were never completed (line {self._lines + 1} "
                f"of its output: {_preview(buffer)})"
            )
        self._buffer = bytearray()

    def messages_before_error(self) -> list[Incoming]:
        """The messages completed by the call that failed, before its bad line.

        Deliver them before failing the waiters: an answer that arrived just before a
        broken line still reaches its caller. Returns them once; empty afterwards.
        """
        messages, self._before_error = self._before_error, []
        return messages

    @property
    def buffered(self) -> int:
        """How many bytes of an incomplete line are held (at most ``max_line_bytes``)."""
        return len(self._buffer)

    def parse_message(self, line: bytes | bytearray | str) -> Incoming:
        """Decode and classify one message; raises :class:`ProtocolError` if malformed.

        A standalone check of one line: it fails the protocol like :meth:`receive_data`.
        """
        if self._failed is not None:
            raise self._failed
        if isinstance(line, str):
            text = line
        else:
            try:
                text = bytes(line).decode()
            except UnicodeDecodeError as exc:
                self._not_utf8(line, exc, None)
        try:
            return _classify(text)
        except _BadLine as bad:
            self._bad_line(bad, text, None)

    def pop_pending(self, request_id: Any) -> tuple[str, W] | None:
        """Take the waiter of an answered request; ``None`` if nobody waits for it.

        Only an ``int`` or ``str`` id can match (``true`` or ``1.0`` never match request
        1); see :meth:`explain_unexpected_answer` for the ``None`` case.
        """
        if type(request_id) is not int and type(request_id) is not str:
            return None
        pending = self._pending.pop(request_id, None)
        if pending is None:
            return None
        return pending.method, pending.waiter

    def explain_unexpected_answer(self, request_id: Any) -> UnexpectedAnswer:
        """Why :meth:`pop_pending` found nobody waiting for ``request_id``.

        A late answer to a forgotten request is expected (its caller timed out or was
        cancelled); an answer to a request already answered is a duplicate; any other id
        (never sent, ``null``, not an int or str) is unknown. Call once per such answer.
        """
        kind = type(request_id)
        if kind is int or kind is str:
            method = self._abandoned.pop(request_id, None)
            if method is not None:
                return UnexpectedAnswer(
                    True, f"a late answer to request {request_id} ({method}), abandoned earlier"
                )
            if kind is int and 0 < request_id <= self._next_id:
                return UnexpectedAnswer(
                    False, f"a duplicate answer to request {request_id} (already answered)"
                )
        if request_id is None:
            return UnexpectedAnswer(False, "an answer without a request id (null)")
        shown = _shorten(json.dumps(request_id, default=repr), 60)
        return UnexpectedAnswer(False, f"an answer to unknown request id {shown}")

    def fail_all(self) -> list[tuple[str, W]]:
        """Take every pending waiter (the connection ended); the table is left empty."""
        pending = [(p.method, p.waiter) for p in self._pending.values()]
        self._pending.clear()
        return pending

    @property
    def pending_count(self) -> int:
        """How many requests wait for an answer."""
        return len(self._pending)

    # -- failures -------------------------------------------------------------------------

    def _parse_lines(self, complete: bytes | bytearray) -> list[Incoming]:
        """The careful twin of the fast path: line by line, with the limit and the line
        numbers, for chunks longer than the limit and for chunks with a bad line."""
        messages: list[Incoming] = []
        number = self._lines
        size = len(complete)
        start = 0
        while start <= size:
            end = complete.find(b"\n", start)
            if end < 0:
                end = size
            number += 1
            if end - start > self._max_line:
                self._too_long(
                    end - start, complete[start : start + 4 * _PREVIEW_CHARS], number, messages
                )
            raw = complete[start:end]
            try:
                text = raw.decode()
            except UnicodeDecodeError as exc:
                self._not_utf8(raw, exc, number, messages)
            if text and not text.isspace():
                try:
                    messages.append(_classify(text))
                except _BadLine as bad:
                    self._bad_line(bad, text, number, messages)
            start = end + 1
        self._lines = number
        return messages

    def _too_long(
        self,
        size: int,
        start: bytes | bytearray,
        number: int | None = None,
        before: list[Incoming] | None = None,
        *,
        partial: bool = False,
    ) -> NoReturn:
        number = self._lines + 1 if number is None else number
        so_far = " without a newline so far" if partial else ""
        self._fail(
            f"a line from the server is longer than the limit of {self._max_line} bytes "
            f"(line {number} of its output: {size} bytes{so_far}); raise the limit with "
            f"CodexConfig(max_line_bytes=...). The line starts: {_preview(start)}",
            before=before,
        )

    def _not_utf8(
        self,
        raw: bytes | bytearray,
        exc: UnicodeDecodeError,
        number: int | None,
        before: list[Incoming] | None = None,
    ) -> NoReturn:
        where = "" if number is None else f"line {number} of its output; "
        bad = " ".join(f"0x{byte:02x}" for byte in raw[exc.start : min(exc.end, exc.start + 4)])
        self._fail(
            f"server sent bytes that are not UTF-8: {_preview(raw)} ({where}{exc.reason} "
            f"at byte {exc.start} of the line: {bad})",
            exc,
            before,
        )

    def _bad_line(
        self, bad: _BadLine, text: str, number: int | None, before: list[Incoming] | None = None
    ) -> NoReturn:
        parts = [] if number is None else [f"line {number} of its output"]
        if bad.detail:
            parts.append(bad.detail)
        where = f" ({'; '.join(parts)})" if parts else ""
        self._fail(f"server sent {bad.what}: {_preview(text)}{where}", bad.__cause__, before)

    def _fail(
        self,
        message: str,
        cause: BaseException | None = None,
        before: list[Incoming] | None = None,
    ) -> NoReturn:
        error = ProtocolError(message)
        if cause is not None:
            error.__cause__ = cause
        self._failed = error
        self._before_error = before or []
        self._buffer = bytearray()  # nothing more will be parsed: free it
        raise error


class WarningBudget:
    """A rate limit for one kind of warning: ``burst`` per ``window`` seconds.

    A server can send unexpected answers as fast as it writes; logging each would flood
    the log and cost more than the messages. ``allow(now)`` says whether to log one
    occurrence and returns the note to append (which says when later ones are held back,
    or how many were), or ``None`` to skip it. ``now`` is a ``time.monotonic()`` value.
    """

    __slots__ = ("_burst", "_count", "_start", "_suppressed", "_window")

    def __init__(self, burst: int = 10, window: float = 60.0) -> None:
        self._burst = burst
        self._window = window
        self._start: float | None = None
        self._count = 0
        self._suppressed = 0

    def allow(self, now: float) -> str | None:
        """Account one occurrence; the note to log it with, or ``None`` to skip it."""
        note = ""
        if self._start is None or now - self._start >= self._window:
            if self._suppressed:
                note = f" ({self._suppressed} more like it were not logged)"
            self._start, self._count, self._suppressed = now, 0, 0
        self._count += 1
        if self._count > self._burst:
            self._suppressed += 1
            return None
        if self._count == self._burst:
            note += f" (more like it within {self._window:g} s are not logged)"
        return note


def _classify_lines(lines: list[str]) -> list[Incoming]:
    """The messages of complete lines (blank ones skipped); raises :class:`_BadLine`.

    The hot loop of a stream: a notification (nearly every line) is recognised inline and
    becomes its tuple without a Python-level call; anything else, and every doubt (text
    around the value, a non-string method), goes through :func:`_classify`.
    """
    messages: list[Incoming] = []
    append = messages.append
    scan = _scan
    new = _new_tuple
    notification = IncomingNotification
    for line in lines:
        if not line:
            continue
        try:
            obj, end = scan(line, 0)
        except (StopIteration, ValueError, RecursionError):  # _classify says what it is
            if not line.isspace():
                append(_classify(line))
            continue
        if end == len(line) and type(obj) is dict and "id" not in obj:
            method = obj.get("method")
            if type(method) is str:
                params = obj.get("params")
                append(new(notification, (method, params if type(params) is dict else {})))
                continue
        append(_classify(line))
    return messages


# Builds a NamedTuple without its Python-level __new__ (half the cost per message).
_new_tuple: Callable[..., Any] = tuple.__new__


def _classify(line: str) -> Incoming:
    """One line as a message; raises :class:`_BadLine` if it is not one."""
    obj: Any
    try:
        try:
            # The C scanner skips json.loads' encoding sniffing and regex checks.
            obj, end = _scan(line, 0)
        except StopIteration:  # no value at index 0: let json.loads judge it
            obj, end = _loads(line), len(line)
    except ValueError as exc:  # json.JSONDecodeError
        detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise _BadLine("invalid JSON", detail) from exc
    except RecursionError as exc:
        raise _BadLine("JSON nested too deeply") from exc
    if end != len(line) and not line[end:].isspace():
        raise _BadLine("invalid JSON", f"extra data after the JSON value at column {end + 1}")
    if type(obj) is not dict:
        raise _BadLine("a message that is not a JSON object")
    method = obj.get("method")
    if method is not None:
        if type(method) is not str:
            raise _BadLine("a message with a non-string method")
        params = obj.get("params")
        if "id" in obj:
            return IncomingRequest(obj["id"], method, params)
        return IncomingNotification(method, params if type(params) is dict else {})
    if "id" in obj:
        if "error" in obj:
            err = obj["error"]
            if type(err) is not dict:
                raise _BadLine("a malformed error answer", "its error is not an object")
            code = err.get("code", 0)
            if type(code) is not int:
                try:
                    code = int(code)
                except (TypeError, ValueError, OverflowError):
                    raise _BadLine(
                        "a malformed error answer", "its error code is not an integer"
                    ) from None
            return IncomingError(obj["id"], code, str(err.get("message", "")), err.get("data"))
        if "result" in obj:
            return IncomingResponse(obj["id"], obj["result"])
    raise _BadLine("a message of unknown shape")


def encode(message: dict[str, Any]) -> bytes:
    """Encode one message as a JSON line."""
    return (_dumps(message) + "\n").encode()


# Control characters shown escaped in previews, so a preview stays on one line.
_ESCAPES = {c: f"\\x{c:02x}" for c in [*range(32), 127]}
_ESCAPES.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def _preview(line: bytes | bytearray | str, limit: int = _PREVIEW_CHARS) -> str:
    """The start of a line for an error message: at most ``limit`` characters, with bytes
    that are not UTF-8 and control characters escaped."""
    if isinstance(line, str):
        text = line[: limit + 1]
    else:
        text = bytes(line[: 4 * limit + 4]).decode("utf-8", "backslashreplace")
    return _shorten(text.translate(_ESCAPES), limit)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
