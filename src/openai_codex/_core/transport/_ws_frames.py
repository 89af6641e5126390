"""The WebSocket connection's frames, delivered in batches straight from the socket.

``websockets``' asyncio connection puts every received message in a queue (its
``Assembler``) and wakes whoever awaits ``recv()``: one task wake-up, a queue round trip and
a parse of one line per message. The app-server sends one message per frame, thousands a
second while a turn streams, so that was most of what a WebSocket stream cost beyond the
stdio pipe (measured: 1.5x the client CPU). This subclass keeps everything else of
``websockets`` (the handshake and its logging, keepalive pings and their timeout, the close
handshake and close codes, flow control of writes) and changes one thing: once the
handshake is done, the data frames of each chunk the socket delivers are joined with
newlines and handed to the transport's callback at once, in one call, from the protocol's
``data_received``. The byte stream the connection's parser sees is the same as before.

Imported only when a WebSocket connection is opened (it imports ``websockets``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode

__all__ = ["FrameBatchingConnection"]

_DATA = (Opcode.TEXT, Opcode.BINARY)


class FrameBatchingConnection(ClientConnection):
    """A ``websockets`` client connection that delivers data frames by the chunk.

    Until :meth:`deliver_to` is called, complete messages are kept (in order); then they
    and every later one go to ``on_data`` as newline-terminated lines, and the end of the
    connection to ``on_eof`` (once).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Frame payloads: bytes, or a bytearray / memoryview that join() copies at once.
        self._batch: list[Any] = []
        self._fragments: list[Any] | None = None  # a message split over frames
        self._early: list[bytes] = []
        self._on_data: Callable[[bytes], None] | None = None
        self._on_eof: Callable[[], None] | None = None
        self._lost = False

    def deliver_to(self, on_data: Callable[[bytes], None], on_eof: Callable[[], None]) -> None:
        """Start delivering: what arrived so far first, then each chunk as it comes."""
        early, self._early = self._early, []
        self._on_data = on_data
        for data in early:
            on_data(data)
        if self._lost:
            self._end()
        else:
            self._on_eof = on_eof

    def process_event(self, event: Any) -> None:
        """Keep data frames for this chunk's batch; anything else as ``websockets`` does."""
        if self.response is None or type(event) is not Frame:  # the handshake's answer
            super().process_event(event)
            return
        opcode = event.opcode
        if opcode in _DATA:
            if event.fin:
                self._batch.append(event.data)
            else:
                self._fragments = [event.data]
        elif opcode is Opcode.CONT and self._fragments is not None:
            self._fragments.append(event.data)
            if event.fin:
                self._batch.append(b"".join(self._fragments))
                self._fragments = None
        else:  # ping, pong (the keepalive's answers), close
            super().process_event(event)

    def data_received(self, data: bytes) -> None:
        """Parse the chunk (``websockets``), then deliver its messages in one call."""
        super().data_received(data)
        batch = self._batch
        if batch:
            batch.append(b"")
            lines = b"\n".join(batch)
            batch.clear()
            on_data = self._on_data
            if on_data is None:
                self._early.append(lines)
            else:
                on_data(lines)

    def connection_lost(self, exc: Exception | None) -> None:
        """The socket closed: end the stream after what was delivered."""
        super().connection_lost(exc)
        self._lost = True
        self._end()

    def _end(self) -> None:
        on_eof, self._on_eof = self._on_eof, None
        if on_eof is not None:
            on_eof()
