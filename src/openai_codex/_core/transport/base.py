"""The interface every transport implements (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ...errors import TransportClosedError

__all__ = ["LendsReader", "Transport"]


class Transport(Protocol):
    """What the connection needs from a transport.

    ``on_data(chunk)`` receives the server's byte stream (newline-framed JSON) in order;
    ``on_eof()`` is called once when the stream ends. ``closed_error`` describes why.
    """

    def start(self, on_data: Callable[[bytes], None], on_eof: Callable[[], None]) -> None:
        """Begin delivering received data to ``on_data``; ``on_eof`` at the end."""

    async def send(self, data: bytes) -> None:
        """Write one or more encoded messages (waits only when the peer is slow)."""

    async def close(self) -> None:
        """Release every resource (processes, sockets); idempotent."""

    async def closed_error(self) -> TransportClosedError:
        """An error describing why the stream ended (exit code, last stderr lines)."""


@runtime_checkable
class LendsReader(Protocol):
    """A transport whose input is a file descriptor another thread may read for a while.

    See :mod:`openai_codex._core.reader_lease`. Both methods are called on the event loop.
    """

    def lend_reader(self) -> int | None:
        """Stop delivering data and return the descriptor; ``None`` if it cannot."""

    def return_reader(self) -> None:
        """Deliver data again."""
