"""The WebSocket frame scanner: any split of a server's byte stream gives the same messages.

Server frames are built here by hand (RFC 6455 section 5.2: unmasked, FIN and opcode in the
first byte, a 7-bit length or 126/127 and a 16/64-bit length). What the scanner does not
handle itself (masked frames, extension bits, unknown opcodes, frames over the limit,
continuations out of place) is handed back whole, from that frame's first byte, for
``websockets`` to judge.
"""

from __future__ import annotations

import random

import pytest

from openai_codex._core.transport._ws_frames import FrameScanner


def frame(payload: bytes, opcode: int = 1, *, fin: bool = True, first_extra: int = 0) -> bytes:
    first = (0x80 if fin else 0) | opcode | first_extra
    n = len(payload)
    if n < 126:
        head = bytes([first, n])
    elif n < 1 << 16:
        head = bytes([first, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([first, 127]) + n.to_bytes(8, "big")
    return head + payload


PING = frame(b"hi", 9)
STREAM = b"".join(
    [
        frame(b'{"method":"a"}'),
        PING,
        frame(b"x" * 300),  # a 16-bit length
        frame(b'{"part":', fin=False),
        frame(b'"one",', 0, fin=False),
        frame(b'"two"}', 0),
        frame(b"y" * 70_000, 2),  # a 64-bit length, binary
        frame(b"", 10),  # an empty pong
        frame(b'{"method":"z"}'),
    ]
)
MESSAGES = [
    b'{"method":"a"}',
    b"x" * 300,
    b'{"part":"one","two"}',
    b"y" * 70_000,
    b'{"method":"z"}',
]


def scan(chunks: list[bytes], limit: int | None = None) -> tuple[list[bytes], list[bytes]]:
    scanner = FrameScanner(limit)
    messages: list[bytes] = []
    controls: list[bytes] = []
    for chunk in chunks:
        got, ctl, rest = scanner.feed(chunk)
        assert rest is None
        messages += got
        controls += ctl
    return messages, controls


def test_one_chunk_gives_every_message_and_the_control_frames_whole() -> None:
    assert scan([STREAM]) == (MESSAGES, [PING, frame(b"", 10)])


def test_every_split_into_two_chunks_gives_the_same() -> None:
    for cut in range(len(STREAM) + 1):
        assert scan([STREAM[:cut], STREAM[cut:]])[0] == MESSAGES, cut


def test_random_splits_and_single_bytes_give_the_same() -> None:
    rng = random.Random(21)
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(STREAM)), 12))
        chunks = [STREAM[a:b] for a, b in zip([0, *cuts], [*cuts, len(STREAM)], strict=True)]
        assert scan(chunks)[0] == MESSAGES
    head = STREAM[:400]
    assert scan([head[i : i + 1] for i in range(len(head))])[0] == MESSAGES[:3]


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (b"\x81\x85abcd" + b"hello", "masked"),
        (frame(b"x", first_extra=0x40), "extension bit"),
        (frame(b"x", 3), "unknown opcode"),
        (frame(b"z", 0), "continuation without a start"),
        (frame(b"x" * 200), "over the limit"),
    ],
)
def test_a_frame_it_does_not_handle_is_handed_back_from_its_first_byte(
    bad: bytes, why: str
) -> None:
    scanner = FrameScanner(100)
    before = frame(b'{"ok":1}')
    messages, controls, rest = scanner.feed(before + PING + bad + before)
    assert messages == [b'{"ok":1}'] and controls == [PING], why
    assert rest == bad + before and scanner.done


def test_a_new_message_inside_a_fragmented_one_is_handed_back() -> None:
    scanner = FrameScanner(None)
    start = frame(b"a", fin=False)
    messages, _, rest = scanner.feed(start + frame(b"b"))
    assert messages == [] and rest == frame(b"b")
