"""Transports move bytes between the SDK and an app-server; they know nothing of JSON-RPC."""

from __future__ import annotations

from typing import Protocol

from ..errors import TransportClosedError

__all__ = ["Transport"]


class Transport(Protocol):
    """What the connection needs from a transport.

    ``receive`` returns the next chunk of the server's byte stream (newline-framed JSON);
    an empty ``bytes`` means the stream ended. ``closed_error`` describes why it ended.
    """

    async def send(self, data: bytes) -> None:
        """Write one or more encoded messages."""

    async def receive(self) -> bytes:
        """Read the next chunk; ``b""`` at end of stream."""

    async def close(self) -> None:
        """Release every resource (processes, sockets, tasks); idempotent."""

    async def closed_error(self) -> TransportClosedError:
        """An error describing why the stream ended (exit code, last stderr lines)."""
