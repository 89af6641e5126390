"""A scripted, local stand-in for the Responses API that the Codex app-server talks to.

``MockModel`` serves ``POST /v1/responses`` (Server-Sent Events) and ``GET /v1/models`` on
``127.0.0.1``. Tests queue :class:`Reply` objects; each model request takes the next one
(FIFO). When the queue is empty a responder set with :meth:`MockModel.respond_with` picks
the reply from the request, and without one the model answers ``"echo: <last user text>"``.

Every SSE answer is built as one bytes blob and written with a single ``sendall`` (unless a
reply asks for a delay between deltas), so a 20,000-delta turn costs the mock a few
milliseconds.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import socket
import socketserver
import sys
import threading
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from json.encoder import encode_basestring_ascii
from typing import Any

__all__ = ["MockModel", "Reply"]

MOCK_MODEL_SLUG = "mock-model"
"""The model name the harness configures; ``GET /v1/models`` lists it."""

_DEFAULT_USAGE: dict[str, Any] = {
    "input_tokens": 10,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 5,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 15,
}

# Upper bound on a request body we accept (the app-server sends the whole history each time).
_MAX_BODY = 64 * 1024 * 1024


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _event(kind: str, payload: Mapping[str, object]) -> str:
    data: dict[str, object] = {"type": kind, **payload}
    return f"event: {kind}\ndata: {_dumps(data)}\n\n"


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class _Message:
    chunks: tuple[str, ...]


@dataclass(frozen=True)
class _FunctionCall:
    name: str
    arguments: str
    call_id: str | None


@dataclass(frozen=True)
class _RawItem:
    item: Mapping[str, Any]


_Item = _Message | _FunctionCall | _RawItem


@dataclass(frozen=True)
class _Gate:
    """Shared state of a held reply: released by the test, or by the model stopping."""

    release: threading.Event = field(default_factory=threading.Event)
    reached: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Reply:
    """One scripted answer of the mock model. Build it with the class methods.

    ``Reply.text`` / ``Reply.function_call`` / ``Reply.items`` / ``Reply.sequence`` stream a
    successful response; ``Reply.failure`` streams ``response.failed``; ``Reply.http_error``
    answers with a plain HTTP error status. ``reply.held()`` returns a copy that waits for
    ``release()`` before answering.
    """

    _items: tuple[_Item, ...] = ()
    _usage: Mapping[str, Any] | None = None
    _failure: Mapping[str, Any] | None = None
    _http_status: int | None = None
    _http_body: bytes = b""
    _http_headers: tuple[tuple[str, str], ...] = ()
    _delay: float = 0.0
    _gate: _Gate | None = None

    # -- constructors --------------------------------------------------------------

    @classmethod
    def text(
        cls,
        text: str | Sequence[str],
        *,
        deltas: int = 1,
        usage: Mapping[str, Any] | None = None,
        delay: float = 0.0,
    ) -> Reply:
        """An assistant message streamed as ``deltas`` ``response.output_text.delta`` events.

        ``text`` may also be a sequence of strings: each one is then one delta (``deltas``
        is ignored). ``usage`` overrides fields of the reported token usage
        (``total_tokens`` follows input + output unless given). ``delay`` is a pause in
        seconds between deltas (the default 0 writes the whole stream at once).
        """
        if isinstance(text, str):
            chunks = _split(text, deltas)
        else:
            chunks = tuple(text)
            if not chunks:
                raise ValueError("a text reply needs at least one delta")
        return cls(_items=(_Message(chunks),), _usage=usage, _delay=delay)

    @classmethod
    def function_call(
        cls,
        name: str,
        arguments: Mapping[str, Any] | str,
        *,
        call_id: str | None = None,
        usage: Mapping[str, Any] | None = None,
    ) -> Reply:
        """A ``function_call`` output item; ``arguments`` is a dict or a JSON string.

        ``call_id`` defaults to a fresh ``call_<hex>`` per request served. A shell command
        is ``Reply.function_call("exec_command", {"cmd": "echo hi", ...})``.
        """
        args = arguments if isinstance(arguments, str) else _dumps(dict(arguments))
        return cls(_items=(_FunctionCall(name, args, call_id),), _usage=usage)

    @classmethod
    def items(
        cls, items: Iterable[Mapping[str, Any]], *, usage: Mapping[str, Any] | None = None
    ) -> Reply:
        """Raw Responses API output items, each sent as ``output_item.added`` + ``.done``.

        Message items get no text deltas; an ``id`` is added when missing.
        """
        raw = tuple(_RawItem(dict(item)) for item in items)
        return cls(_items=raw, _usage=usage)

    @classmethod
    def sequence(cls, *replies: Reply, usage: Mapping[str, Any] | None = None) -> Reply:
        """One response with the output items of several replies, in order.

        For example a message and then a function call:
        ``Reply.sequence(Reply.text("Looking"), Reply.function_call("lookup", {}))``.
        """
        items: list[_Item] = []
        for reply in replies:
            if reply._failure is not None or reply._http_status is not None:
                raise ValueError("Reply.sequence only combines successful replies")
            items.extend(reply._items)
        if usage is None:
            usage = next((r._usage for r in replies if r._usage is not None), None)
        delay = max((r._delay for r in replies), default=0.0)
        return cls(_items=tuple(items), _usage=usage, _delay=delay)

    @classmethod
    def failure(
        cls, message: str, *, code: str = "server_error", error_type: str | None = None
    ) -> Reply:
        """``response.created`` then ``response.failed`` with ``{"code", "message"}``.

        Observed with app-server 0.163.0: the turn fails with the message
        ``"stream disconnected before completion: <message>"`` (``codexErrorInfo: "other"``);
        some codes map to specific errors, e.g. ``server_is_overloaded`` gives
        ``codexErrorInfo: "serverOverloaded"``.
        """
        error: dict[str, Any] = {"code": code, "message": message}
        if error_type is not None:
            error["type"] = error_type
        return cls(_failure=error)

    @classmethod
    def http_error(
        cls,
        status: int,
        message: str = "",
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: str | bytes | None = None,
    ) -> Reply:
        """A plain HTTP error answer, by default with an OpenAI-style JSON error body
        ``{"error": {"message", "type", "code"}}``; ``body`` replaces it verbatim.

        Observed with app-server 0.163.0 (no retries configured): a 500 fails the turn with
        ``codexErrorInfo: "internalServerError"`` and a generic message, a 429 with
        ``responseTooManyFailedAttempts``, and a 400 with the raw body as the message.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"http_error needs a 4xx/5xx status, got {status}")
        if body is None:
            raw = _dumps({"error": {"message": message, "type": "error", "code": code}}).encode()
        else:
            raw = body.encode() if isinstance(body, str) else body
        return cls(
            _http_status=status,
            _http_body=raw,
            _http_headers=tuple((headers or {}).items()),
        )

    # -- holding -------------------------------------------------------------------

    def held(self) -> Reply:
        """A copy of this reply that waits until :meth:`release` (or the model stops)."""
        return replace(self, _gate=_Gate())

    def release(self) -> None:
        """Let a held reply answer (no-op for a reply that is not held)."""
        if self._gate is not None:
            self._gate.release.set()

    def wait_reached(self, timeout: float | None = 5.0) -> bool:
        """Wait until a request has taken this held reply; False on timeout."""
        if self._gate is None:
            raise ValueError("wait_reached() is only for held replies")
        return self._gate.reached.wait(timeout)

    # -- rendering -----------------------------------------------------------------

    def _render(self, response_id: str, counter: Iterable[int]) -> list[bytes]:
        """The SSE body as one or more chunks (several only when a delay is set)."""
        ids = iter(counter)
        created = _event(
            "response.created",
            {"response": {"id": response_id, "status": "in_progress", "output": []}},
        )
        if self._failure is not None:
            failed = _event(
                "response.failed",
                {"response": {"id": response_id, "status": "failed", "error": self._failure}},
            )
            return [(created + failed).encode()]
        parts: list[str] = [created]
        out: list[bytes] = []
        done_items: list[dict[str, Any]] = []
        for index, spec in enumerate(self._items):
            if isinstance(spec, _Message):
                item_id = f"msg_{next(ids)}"
                text = "".join(spec.chunks)
                added = {"type": "message", "role": "assistant", "id": item_id, "content": []}
                parts.append(
                    _event("response.output_item.added", {"output_index": index, "item": added})
                )
                prefix = (
                    'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",'
                    f'"item_id":"{item_id}","output_index":{index},"content_index":0,"delta":'
                )
                if self._delay > 0:
                    out.append("".join(parts).encode())
                    parts = []
                    out.extend(
                        (prefix + encode_basestring_ascii(c) + "}\n\n").encode()
                        for c in spec.chunks
                    )
                else:
                    parts.extend(prefix + encode_basestring_ascii(c) + "}\n\n" for c in spec.chunks)
                done: dict[str, Any] = {
                    "type": "message",
                    "role": "assistant",
                    "id": item_id,
                    "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            elif isinstance(spec, _FunctionCall):
                done = {
                    "type": "function_call",
                    "id": f"fc_{next(ids)}",
                    "call_id": spec.call_id or f"call_{uuid.uuid4().hex[:24]}",
                    "name": spec.name,
                    "arguments": spec.arguments,
                    "status": "completed",
                }
                parts.append(
                    _event("response.output_item.added", {"output_index": index, "item": done})
                )
            else:
                done = dict(spec.item)
                done.setdefault("id", f"item_{next(ids)}")
                parts.append(
                    _event("response.output_item.added", {"output_index": index, "item": done})
                )
            parts.append(_event("response.output_item.done", {"output_index": index, "item": done}))
            done_items.append(done)
        usage = dict(_DEFAULT_USAGE)
        if self._usage is not None:
            usage.update(self._usage)
            if "total_tokens" not in self._usage:
                usage["total_tokens"] = int(usage["input_tokens"]) + int(usage["output_tokens"])
        completed = {
            "id": response_id,
            "status": "completed",
            "model": MOCK_MODEL_SLUG,
            "output": done_items,
            "usage": usage,
        }
        parts.append(_event("response.completed", {"response": completed}))
        out.append("".join(parts).encode())
        return out


def _split(text: str, deltas: int) -> tuple[str, ...]:
    if deltas < 1:
        raise ValueError("deltas must be at least 1")
    if deltas == 1:
        return (text,)
    if deltas > len(text):
        raise ValueError(f"cannot split {len(text)} characters into {deltas} non-empty deltas")
    size, extra = divmod(len(text), deltas)
    chunks: list[str] = []
    start = 0
    for i in range(deltas):
        end = start + size + (1 if i < extra else 0)
        chunks.append(text[start:end])
        start = end
    return tuple(chunks)


def _echo(body: Mapping[str, Any]) -> Reply:
    texts = MockModel.user_texts(body)
    return Reply.text(f"echo: {texts[-1] if texts else ''}")


# --------------------------------------------------------------------------- the server


def mock_model_info() -> dict[str, Any]:
    """The catalog entry (Codex ``ModelInfo``) describing ``mock-model``."""
    return {
        "slug": MOCK_MODEL_SLUG,
        "display_name": "Mock model",
        "description": "Scripted replies from openai_codex.testing.MockModel",
        "supported_reasoning_levels": [],
        "shell_type": "unified_exec",
        "visibility": "list",
        "supported_in_api": True,
        "priority": 0,
        "support_verbosity": False,
        "truncation_policy": {"mode": "bytes", "limit": 10000},
        "experimental_supported_tools": [],
        "base_instructions": "You are a mock model used in tests.",
    }


def _models_payload() -> dict[str, Any]:
    """The ``GET /v1/models`` answer: a catalog with the single entry ``mock-model``."""
    return {"models": [mock_model_info()]}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, owner: MockModel) -> None:
        self.owner = owner
        self.conn_lock = threading.Lock()
        self.conns: dict[socket.socket, threading.Thread] = {}
        # Every connection thread still alive; a thread removes its socket from ``conns``
        # just before it ends, so stop() joins this list, not ``conns``.
        self.threads: list[threading.Thread] = []
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer is normal (a login canceled, a turn
        interrupted): say nothing; anything else goes to stderr as usual."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall offline.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        if self.stopping.is_set():
            self.shutdown_request(request)
            return
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="MockModel-connection",
            daemon=True,
        )
        with self.conn_lock:
            self.conns[request] = thread
            self.threads = [t for t in self.threads if t.is_alive()]
            self.threads.append(thread)
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self.conn_lock:
            self.conns.pop(request, None)
        super().shutdown_request(request)

    def close_connections(self, timeout: float) -> None:
        with self.conn_lock:
            sockets = list(self.conns)
            threads = list(self.threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr logging
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        self.server.owner._log_call("GET", self.path)
        if path.endswith("/models"):
            self._send(200, _dumps(_models_payload()).encode(), "application/json")
        else:
            self._send(404, b'{"error":{"message":"not found"}}', "application/json")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        self.server.owner._log_call("POST", self.path)
        try:
            raw = self._read_body()
        except ValueError as exc:
            self._send(400, _dumps({"error": {"message": str(exc)}}).encode(), "application/json")
            return
        if not path.endswith("/responses"):
            self._send(404, b'{"error":{"message":"not found"}}', "application/json")
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(400, b'{"error":{"message":"invalid JSON"}}', "application/json")
            return
        owner = self.server.owner
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply, number = owner._take(body if isinstance(body, dict) else {}, headers)
        if reply._gate is not None:
            reply._gate.reached.set()
            reply._gate.release.wait()
            if self.server.stopping.is_set():
                self.close_connection = True
                return
        if reply._http_status is not None:
            self._send(
                reply._http_status, reply._http_body, "application/json", reply._http_headers
            )
            return
        chunks = reply._render(f"resp_{number}", itertools.count(number * 1000 + 1))
        if len(chunks) == 1:
            self._send(200, chunks[0], "text/event-stream")
            return
        total = sum(len(c) for c in chunks)
        self._send(200, chunks[0], "text/event-stream", content_length=total)
        for chunk in chunks[1:]:
            if self.server.stopping.wait(reply._delay):
                self.close_connection = True
                return
            self.wfile.write(chunk)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            pieces: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024).strip():
                        pass
                    break
                size += n
                if size > _MAX_BODY:
                    raise ValueError("request body too large")
                pieces.append(self.rfile.read(n))
                self.rfile.readline(16)
            raw = b"".join(pieces)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            if length > _MAX_BODY:
                raise ValueError("request body too large")
            raw = self.rfile.read(length)
        encoding = self.headers.get("Content-Encoding", "").lower()
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        elif encoding not in ("", "identity"):
            raise ValueError(f"unsupported Content-Encoding {encoding!r}")
        return raw

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Iterable[tuple[str, str]] = (),
        *,
        content_length: int | None = None,
    ) -> None:
        reason = self.responses.get(status, ("",))[0]
        head = [
            f"HTTP/1.1 {status} {reason}",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body) if content_length is None else content_length}",
            "Cache-Control: no-cache",
        ]
        head.extend(f"{k}: {v}" for k, v in headers)
        if self.close_connection:
            head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


# --------------------------------------------------------------------------- public class


class MockModel:
    """A local Responses API server with a FIFO queue of scripted replies.

    Use it as a context manager (or call :meth:`start` / :meth:`stop`)::

        with MockModel() as model:
            model.enqueue(Reply.text("Hello world", deltas=3))
            ...  # point a Codex config at model.url
            body = model.requests[0]

    Thread-safe: replies can be queued and requests read from any thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._queue: deque[Reply] = deque()
        self._requests: list[dict[str, Any]] = []
        self._headers: list[dict[str, str]] = []
        self._calls: list[tuple[str, str]] = []
        self._held: list[Reply] = []
        self._responder: Callable[[dict[str, Any]], Reply | None] | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> MockModel:
        """Start serving on ``127.0.0.1`` at a free port (idempotent)."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("a stopped MockModel cannot be restarted")
            if self._server is not None:
                return self
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="MockModel-server",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, release held replies, and join every thread (idempotent)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            server, thread = self._server, self._thread
            held = list(self._held)
            self._cond.notify_all()
        if server is None or thread is None:
            return
        server.stopping.set()
        for reply in held:
            reply.release()
        server.shutdown()
        thread.join(timeout)
        server.close_connections(timeout)
        server.server_close()

    def __enter__(self) -> MockModel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The provider base URL, ``http://127.0.0.1:PORT/v1``."""
        if self._server is None:
            raise RuntimeError("MockModel is not started")
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("MockModel is not started")
        return self._server.server_port

    # -- scripting -----------------------------------------------------------------

    def enqueue(self, reply: Reply) -> Reply:
        """Queue a reply for the next unanswered model request; returns it (for held ones)."""
        with self._lock:
            self._queue.append(reply)
            if reply._gate is not None:
                self._held.append(reply)
                if self._stopped:
                    reply.release()
        return reply

    def respond_with(self, responder: Callable[[dict[str, Any]], Reply | None] | None) -> None:
        """Answer requests the queue does not cover by calling ``responder(body)``.

        For concurrent scenarios where a FIFO queue cannot tell who asks: the responder
        sees each request body (use :meth:`user_texts` and :meth:`function_call_outputs`)
        and returns a :class:`Reply`, or ``None`` for the default echo. Queued replies
        still come first. ``None`` removes the responder. It runs on the server's threads:
        keep it quick and thread-safe.
        """
        with self._lock:
            self._responder = responder

    def clear_requests(self) -> None:
        """Forget the requests recorded so far (``requests``, ``request_headers``, ``calls``).

        The mock keeps every request body, and each one carries the whole conversation:
        long-running users (soak tests) clear the log now and then.
        """
        with self._lock:
            self._requests.clear()
            self._headers.clear()
            self._calls.clear()

    @property
    def pending(self) -> int:
        """How many queued replies have not been used yet."""
        with self._lock:
            return len(self._queue)

    def clear(self) -> None:
        """Drop queued replies that were not used."""
        with self._lock:
            self._queue.clear()

    # -- observing -----------------------------------------------------------------

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every ``/v1/responses`` request body received so far, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        """HTTP headers (lower-case names) of each ``/v1/responses`` request (a copy)."""
        with self._lock:
            return [dict(h) for h in self._headers]

    @property
    def calls(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every HTTP request received, in order (a copy)."""
        with self._lock:
            return list(self._calls)

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least ``n`` requests were recorded; raises TimeoutError."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._requests) >= n, timeout):
                raise TimeoutError(f"MockModel got {len(self._requests)} request(s), expected {n}")
            return list(self._requests)

    @staticmethod
    def user_texts(body: Mapping[str, Any]) -> list[str]:
        """Texts of the user messages in a request body's ``input``, in order.

        Context the app-server injects as user messages (``<environment_context>``,
        ``<user_instructions>``, ``# AGENTS.md ...``) is left out.
        """
        texts: list[str] = []
        for item in body.get("input") or ():
            if not isinstance(item, dict) or item.get("role") != "user":
                continue
            if item.get("type", "message") != "message":
                continue
            content = item.get("content")
            if isinstance(content, str):
                parts = [content]
            else:
                parts = [
                    str(c.get("text", ""))
                    for c in content or ()
                    if isinstance(c, dict) and c.get("type") == "input_text"
                ]
            for text in parts:
                if not _is_injected_context(text):
                    texts.append(text)
        return texts

    @staticmethod
    def function_call_outputs(body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The ``function_call_output`` items of a request body's ``input``, in order."""
        return [
            dict(item)
            for item in body.get("input") or ()
            if isinstance(item, dict)
            and item.get("type") in ("function_call_output", "custom_tool_call_output")
        ]

    # -- internals -----------------------------------------------------------------

    def _log_call(self, method: str, path: str) -> None:
        with self._lock:
            self._calls.append((method, path))

    def _take(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[Reply, int]:
        with self._cond:
            self._requests.append(body)
            self._headers.append(headers)
            number = len(self._requests)
            reply = self._queue.popleft() if self._queue else None
            responder = self._responder
            self._cond.notify_all()
        if reply is None and responder is not None:
            reply = responder(body)
        return (reply if reply is not None else _echo(body)), number


_INJECTED_PREFIXES = (
    "<environment_context>",
    "<user_instructions>",
    "<permissions instructions>",
    "# AGENTS.md instructions",
)


def _is_injected_context(text: str) -> bool:
    return text.lstrip().startswith(_INJECTED_PREFIXES)
