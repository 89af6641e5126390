"""The public :class:`MockModel`: a scripted, local stand-in for the Responses API that the
Codex app-server talks to.

``MockModel`` serves ``POST /v1/responses`` (Server-Sent Events) and ``GET /v1/models`` on
``127.0.0.1``, and the files given to :meth:`MockModel.serve_file`. Tests queue
:class:`~._replies.Reply` objects; each model request takes the next one (FIFO). When the
queue is empty a responder set with :meth:`MockModel.respond_with` picks the reply from
the request, and without one the model answers ``"echo: <last user text>"``. It keeps the
queue and the log of requests; :mod:`._model_server` speaks HTTP, :mod:`._replies` scripts
answers and :mod:`._wire` encodes them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from ._model_server import ModelServer
from ._replies import Reply

__all__ = ["MockModel"]


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
        self._files: dict[str, tuple[bytes, str]] = {}
        self._server: ModelServer | None = None
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
            self._server = ModelServer(self)
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

    def serve_file(self, name: str, data: bytes, *, content_type: str | None = None) -> str:
        """Serve ``data`` at ``GET /files/<name>`` and return its URL.

        For inputs that point at a web resource, such as ``ImageInput(url)`` (which the
        SDK downloads): ``http://127.0.0.1:PORT/files/<name>``, offline. The content type
        is guessed from the name unless given (``application/octet-stream`` if unknown).
        Serving a name again replaces its content.
        """
        if not name or "/" in name or "?" in name or "#" in name:
            raise ValueError(f"a file name without '/', '?' or '#' is needed, not {name!r}")
        if content_type is None:
            import mimetypes

            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        with self._lock:
            self._files[name] = (bytes(data), content_type)
        return f"http://127.0.0.1:{self.port}/files/{name}"

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

    def _file(self, name: str) -> tuple[bytes, str] | None:
        with self._lock:
            return self._files.get(name)

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


def _echo(body: Mapping[str, Any]) -> Reply:
    texts = MockModel.user_texts(body)
    return Reply.text(f"echo: {texts[-1] if texts else ''}")


_INJECTED_PREFIXES = (
    "<environment_context>",
    "<user_instructions>",
    "<permissions instructions>",
    "# AGENTS.md instructions",
)


def _is_injected_context(text: str) -> bool:
    return text.lstrip().startswith(_INJECTED_PREFIXES)
