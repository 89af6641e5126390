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

The frames themselves are cut by :class:`FrameScanner` once the handshake is done: the
server's frames are unmasked and carry no extension bits, so a data frame is two to ten
bytes of header and its payload, which a few byte operations find (``websockets`` parses
each frame in a chain of generators, 1.4-2x the CPU of the stdio pipe for a streamed turn).
Control frames (ping, pong, close) are handed to ``websockets`` whole, so its keepalive and
close handshake run as before; anything unusual (a masked frame, extension bits, an unknown
opcode, a frame over the size limit, a continuation out of place) hands that frame and
everything after it to ``websockets``, which judges it as it always did, from a frame
boundary.

Imported only when a WebSocket connection is opened (it imports ``websockets``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import State

__all__ = ["FrameBatchingConnection", "FrameScanner"]

_DATA = (Opcode.TEXT, Opcode.BINARY)
_HEAD_LIMIT = 64 * 1024  # the handshake's answer is far smaller; past this websockets judges
_DEFAULT_LIMIT = 64 * 1024 * 1024


class FrameScanner:
    """Cuts a server's byte stream into messages (sans-IO, from a frame boundary on).

    :meth:`feed` returns the complete messages (payloads of data frames, fragments joined),
    the complete control frames (raw bytes, header included) and, once it met a frame it
    does not handle, every byte from that frame's start (``rest``): from then on it is
    ``done`` and the caller hands everything to ``websockets``.
    """

    __slots__ = ("_buffer", "_fragments", "_limit", "done")

    def __init__(self, limit: int | None) -> None:
        self._limit = _DEFAULT_LIMIT if limit is None else limit
        self._buffer = b""
        self._fragments: list[bytes] | None = None
        self.done = False

    def feed(self, data: bytes) -> tuple[list[bytes], list[bytes], bytes | None]:
        """The messages and control frames ``data`` completes, and the rest if it stops."""
        buf = self._buffer + data if self._buffer else data
        messages: list[bytes] = []
        controls: list[bytes] = []
        size = len(buf)
        pos = 0
        limit = self._limit
        while size - pos >= 2:
            first = buf[pos]
            length = buf[pos + 1]
            head = 2
            if length & 0x80 or first & 0x70:  # masked, or extension bits: not ours
                return self._stop(buf, pos, messages, controls)
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if length > limit:
                return self._stop(buf, pos, messages, controls)
            end = pos + head + length
            if end > size:
                break
            opcode = first & 0x0F
            fragments = self._fragments
            if opcode == 1 or opcode == 2:
                if fragments is not None:  # a new message inside a fragmented one
                    return self._stop(buf, pos, messages, controls)
                if first & 0x80:
                    messages.append(buf[pos + head : end])
                else:
                    self._fragments = [buf[pos + head : end]]
            elif opcode == 0:
                if fragments is None:
                    return self._stop(buf, pos, messages, controls)
                fragments.append(buf[pos + head : end])
                if first & 0x80:
                    messages.append(b"".join(fragments))
                    self._fragments = None
            elif opcode >= 8 and opcode <= 10:
                controls.append(buf[pos:end])
            else:
                return self._stop(buf, pos, messages, controls)
            pos = end
        self._buffer = buf[pos:] if pos else buf
        return messages, controls, None

    def _stop(
        self, buf: bytes, pos: int, messages: list[bytes], controls: list[bytes]
    ) -> tuple[list[bytes], list[bytes], bytes | None]:
        self.done = True
        self._buffer = b""
        return messages, controls, buf[pos:]


class FrameBatchingConnection(ClientConnection):
    """A ``websockets`` client connection that delivers data frames by the chunk.

    Until :meth:`deliver_to` is called, complete messages are kept (in order); then they
    and every later one go to ``on_data`` as newline-terminated lines, and the end of the
    connection to ``on_eof`` (once).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head = b""  # the handshake's answer so far
        self._scanner: FrameScanner | None = None  # set once the handshake succeeded
        self._websockets_reads = False  # after the scanner stopped: websockets reads all
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
        """Cut the chunk's frames (the handshake and the unusual ones: ``websockets``), then
        deliver its messages in one call."""
        scanner = self._scanner
        if scanner is not None:
            messages, controls, rest = scanner.feed(data)
            self._batch += messages
            for frame in controls:  # whole frames: websockets answers pings, closes...
                super().data_received(frame)
            if rest is not None:
                self._scanner = None
                self._websockets_reads = True
                super().data_received(rest)
        elif self.response is None and not self._websockets_reads:
            self._handshake(data)
        else:
            super().data_received(data)
        self._flush()

    def _handshake(self, data: bytes) -> None:
        """Give ``websockets`` the HTTP answer, then read the frames after it ourselves."""
        head = self._head + data
        end = head.find(b"\r\n\r\n")
        if end < 0:
            self._head = head
            if len(head) > _HEAD_LIMIT:
                self._websockets_reads = True
            super().data_received(data)
            return
        self._head = b""
        cut = end + 4 - (len(head) - len(data))  # where the answer ends in this chunk
        super().data_received(data[:cut])
        rest = data[cut:]
        protocol = self.protocol
        if self.response is not None and protocol.state is State.OPEN:
            limit = getattr(protocol, "max_message_size", getattr(protocol, "max_size", None))
            self._scanner = FrameScanner(limit if isinstance(limit, int) else None)
            if rest:
                self.data_received(rest)
        else:  # refused or broken: websockets reads (and reports) the rest
            self._websockets_reads = True
            if rest:
                super().data_received(rest)

    def _flush(self) -> None:
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
