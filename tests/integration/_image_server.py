"""A local web server (127.0.0.1) with the images and the misbehaviours the remote-image
tests need: a small PNG, a page, oversized bodies (declared or not), a server that stalls,
one that drips, redirects, a redirect loop and a 404."""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A 1x1 red PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mO4YGAAAAMEATFKQqbbAAAAAElFTkSuQmCC"
)
BIG = 5000  # bytes of the oversized bodies (the tests set a smaller limit)


class ImageServer(ThreadingHTTPServer):
    """Serves the routes of :class:`_Handler`; ``stalled`` is set while /stall.png waits."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.paths: list[str] = []

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = int(self.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: ImageServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.server.paths.append(path)
        if path == "/red.png":
            self._send(200, "image/png", PNG)
        elif path == "/page.html":
            self._send(200, "text/html; charset=utf-8", b"<html>not an image</html>")
        elif path == "/huge.png":
            self._send(200, "image/png", b"\0" * BIG)
        elif path == "/huge-undeclared.png":  # no Content-Length: read until the limit
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"\0" * BIG)
        elif path == "/stall.png":  # headers, then nothing until released
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.flush()
            self.server.stalled.set()
            if self.server.release.wait(30):
                self.wfile.write(PNG)
        elif path == "/drip.png":  # a byte at a time, never done in time
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", "500")
            self.end_headers()
            for _ in range(500):
                if self.server.release.wait(0.05):
                    return
                self.wfile.write(b"\0")
                self.wfile.flush()
        elif path == "/redirect.png":
            self._redirect("/red.png")
        elif path == "/loop.png":
            self._redirect("/loop.png")
        elif path == "/to-file.png":
            self._redirect("file:///etc/passwd")
        else:
            self._send(404, "text/plain", b"not found")

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def image_server() -> Iterator[ImageServer]:
    server = ImageServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        thread.join(10)
        server.server_close()
