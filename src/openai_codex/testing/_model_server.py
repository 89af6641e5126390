"""The mock model's HTTP side: a threading server on ``127.0.0.1`` and its request handler.

``GET /v1/models`` answers the catalog and ``GET /files/<name>`` a served file;
``POST /v1/responses`` reads the (possibly chunked and compressed) body, takes the next
reply from the owning :class:`~._mock_model.MockModel` and writes it. Every connection
thread is tracked, so :meth:`ModelServer.close_connections` can end and join them all when
the model stops.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import socket
import socketserver
import threading
import zlib
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from ._http import QuietHTTPServer
from ._wire import dumps, models_payload

if TYPE_CHECKING:
    from ._mock_model import MockModel

__all__ = ["ModelServer"]

# Upper bound on a request body we accept (the app-server sends the whole history each time).
_MAX_BODY = 64 * 1024 * 1024


class ModelServer(QuietHTTPServer):
    """The mock model's server: one thread a connection, each one tracked."""

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
    server: ModelServer

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr logging
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        self.server.owner._log_call("GET", self.path)
        served = self.server.owner._file(path[7:]) if path.startswith("/files/") else None
        if served is not None:
            self._send(200, served[0], served[1])
        elif path.endswith("/models"):
            self._send(200, dumps(models_payload()).encode(), "application/json")
        else:
            self._send(404, b'{"error":{"message":"not found"}}', "application/json")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        self.server.owner._log_call("POST", self.path)
        try:
            raw = self._read_body()
        except ValueError as exc:
            self._send(400, dumps({"error": {"message": str(exc)}}).encode(), "application/json")
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
