"""What the test kit's local HTTP servers (the mock model, the mock issuer) share."""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any

__all__ = ["QuietHTTPServer"]


class QuietHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that says nothing when a client hangs up mid-answer."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer is normal (a login canceled, a turn
        interrupted): say nothing; anything else goes to stderr as usual."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
