"""Properties of the sans-IO core (hypothesis): chunking never changes what is parsed,
garbage fails at the right line and for good, the line limit is exact, memory is bounded."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_codex._core.protocol import (
    Incoming,
    IncomingError,
    IncomingNotification,
    IncomingRequest,
    IncomingResponse,
    RpcProtocol,
)
from openai_codex.errors import ProtocolError

# Runs in a few seconds on a loaded machine; no deadline and no speed health checks, which
# flake when the machine is busy.
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- strategies ---------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    # Any unicode (no lone surrogates: they cannot be written as UTF-8), including
    # quotes, backslashes, control characters and "\u2028"; dumped raw or \u-escaped.
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
ids = st.integers(min_value=-(2**53), max_value=2**53) | st.text(max_size=12)
methods = st.text(min_size=1, max_size=30)
params_dicts = st.dictionaries(st.text(max_size=10), json_values, max_size=4)


@st.composite
def messages(draw: st.DrawFn) -> tuple[dict[str, Any], Incoming]:
    """A message the server may send, and what it must parse to."""
    kind = draw(st.sampled_from(["response", "error", "notification", "request"]))
    obj: dict[str, Any]
    expected: Incoming
    if kind == "response":
        request_id, result = draw(ids), draw(json_values)
        obj, expected = {"id": request_id, "result": result}, IncomingResponse(request_id, result)
    elif kind == "error":
        request_id, code, text = draw(ids), draw(st.integers(-40000, 40000)), draw(st.text())
        error: dict[str, Any] = {"code": code, "message": text}
        data = draw(st.none() | json_values)
        if data is not None:
            error["data"] = data
        obj, expected = (
            {"id": request_id, "error": error},
            IncomingError(request_id, code, text, data),
        )
    elif kind == "notification":
        method = draw(methods)
        params = draw(params_dicts | st.none() | st.lists(scalars, max_size=2))
        obj = {"method": method} if params is None else {"method": method, "params": params}
        obj["emittedAtMs"] = draw(st.integers(0, 2**41))
        expected = IncomingNotification(method, params if isinstance(params, dict) else {})
    else:
        request_id, method, params = draw(ids), draw(methods), draw(json_values)
        obj = {"id": request_id, "method": method, "params": params}
        expected = IncomingRequest(request_id, method, params)
    return obj, expected


@st.composite
def lines_of(draw: st.DrawFn, message: dict[str, Any]) -> bytes:
    """One message as the server could write it: escaped or raw UTF-8, LF or CRLF."""
    text = json.dumps(message, ensure_ascii=draw(st.booleans()))
    return text.encode() + draw(st.sampled_from([b"\n", b"\r\n"]))


blank_lines = st.sampled_from([b"\n", b"  \n", b"\r\n", b"\t \r\n"])


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[bytes], list[Incoming | None]]:
    """Lines (with blank lines among them) and, for each, its message (None: blank)."""
    raw: list[bytes] = []
    expected: list[Incoming | None] = []
    for obj, message in draw(st.lists(messages(), max_size=12)):
        if draw(st.integers(0, 5)) == 0:
            raw.append(draw(blank_lines))
            expected.append(None)
        raw.append(draw(lines_of(obj)))
        expected.append(message)
    return raw, expected


@st.composite
def splits(draw: st.DrawFn, stream: bytes) -> list[bytes]:
    """``stream`` cut into chunks, often inside a UTF-8 character or between \\r and \\n."""
    if draw(st.integers(0, 9)) == 0:  # byte by byte
        return [stream[i : i + 1] for i in range(len(stream))]
    tricky = [i for i, byte in enumerate(stream) if byte == 0x0D or 0x80 <= byte < 0xC0]
    anywhere = st.integers(0, len(stream))
    points = st.sampled_from(tricky) | anywhere if tricky else anywhere
    cuts = sorted(set(draw(st.lists(points, max_size=25))))
    bounds = [0, *cuts, len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


def typed(messages: list[Incoming | None]) -> list[tuple[type, Incoming]]:
    """Messages with their classes (NamedTuples of equal fields compare equal otherwise)."""
    return [(type(m), m) for m in messages if m is not None]


def feed(
    proto: RpcProtocol[Any], chunks: list[bytes], limit: int | None = None
) -> tuple[list[Incoming], ProtocolError | None]:
    """Feed every chunk; the messages delivered and the error that stopped it, if any."""
    out: list[Incoming] = []
    for chunk in chunks:
        try:
            out += proto.receive_data(chunk)
        except ProtocolError as exc:
            return out + proto.messages_before_error(), exc
        if limit is not None:
            assert proto.buffered <= limit
    return out, None


# -- properties ---------------------------------------------------------------------------


@FAST
@given(st.data(), streams())
def test_any_split_of_a_stream_parses_to_the_same_messages(
    data: st.DataObject, stream: tuple[list[bytes], list[Incoming | None]]
) -> None:
    raw, expected = stream
    whole = b"".join(raw)
    one: RpcProtocol[Any] = RpcProtocol()
    assert typed(one.receive_data(whole)) == typed(expected)
    one.receive_eof()

    chunks = data.draw(splits(whole))
    assert b"".join(chunks) == whole
    proto: RpcProtocol[Any] = RpcProtocol()
    got, error = feed(proto, chunks)
    assert error is None
    assert typed(got) == typed(expected)
    proto.receive_eof()  # every line was complete


garbage_lines = st.one_of(
    st.binary(max_size=20).map(lambda b: b"\xff" + b.replace(b"\n", b"")),  # never UTF-8
    st.text(max_size=20).map(lambda t: ("not json " + t).replace("\n", "").encode()),
    st.sampled_from([b"[1, 2]", b"3", b'"text"', b"null", b"{}", b'{"x": 1}', b'{"id": 1}']),
    st.sampled_from([b'{"method": 5}', b'{"id": 1, "error": "boom"}', b'{"a": 1} {"b": 2}']),
    st.sampled_from([b'{"id": 1, "error": {"code": "E1"}}', b"[" * 50_000]),
)


@st.composite
def truncated_messages(draw: st.DrawFn) -> bytes:
    """A real message cut short (a proper prefix of a JSON object is never valid)."""
    obj, _ = draw(messages())
    text = json.dumps(obj, ensure_ascii=draw(st.booleans())).encode()
    return text[: draw(st.integers(1, len(text) - 1))]


@FAST
@given(st.data(), streams(), garbage_lines | truncated_messages())
def test_garbage_anywhere_fails_at_its_line_for_good(
    data: st.DataObject, stream: tuple[list[bytes], list[Incoming | None]], garbage: bytes
) -> None:
    raw, expected = stream
    at = data.draw(st.integers(0, len(raw)))
    whole = b"".join(raw[:at]) + garbage + data.draw(st.sampled_from([b"\n", b"\r\n"]))
    whole += b"".join(raw[at:])
    chunks = data.draw(splits(whole))
    proto: RpcProtocol[Any] = RpcProtocol()
    got, error = feed(proto, chunks)
    assert error is not None
    assert f"(line {at + 1} of its output" in str(error)
    assert len(str(error)) < 600  # a preview, never the whole line
    assert typed(got) == typed(expected[:at])  # what came before, nothing after
    for later in (b"", b'{"id": 1, "result": 1}\n', garbage + b"\n"):
        with pytest.raises(ProtocolError) as again:
            proto.receive_data(later)
        assert again.value is error
    with pytest.raises(ProtocolError) as at_eof:
        proto.receive_eof()
    assert at_eof.value is error


@st.composite
def sized_line(draw: st.DrawFn, size: int) -> bytes:
    """A valid notification line of exactly ``size`` bytes before its ``\\n`` (multi-byte
    characters included, so bytes and characters differ)."""
    crlf = draw(st.booleans())
    base = len(b'{"method":"m","params":{"s":""}}') + crlf
    room = size - base
    wide = draw(st.integers(0, max(0, room) // 2))  # "é" is 2 bytes
    text = "é" * wide + "x" * (room - 2 * wide)
    line = json.dumps(
        {"method": "m", "params": {"s": text}}, ensure_ascii=False, separators=(",", ":")
    )
    encoded = line.encode() + (b"\r" if crlf else b"")
    assert len(encoded) == size
    return encoded + b"\n"


@FAST
@given(st.data(), st.integers(40, 120))
def test_lines_up_to_the_limit_pass_and_the_first_longer_one_fails(
    data: st.DataObject, limit: int
) -> None:
    sizes = data.draw(st.lists(st.integers(33, limit + 8), min_size=1, max_size=8))
    raw = [data.draw(sized_line(size)) for size in sizes]
    chunks = data.draw(splits(b"".join(raw)))
    proto: RpcProtocol[Any] = RpcProtocol(max_line_bytes=limit)
    got, error = feed(proto, chunks, limit)
    too_long = [i for i, size in enumerate(sizes) if size > limit]
    if not too_long:
        assert error is None
        assert len(got) == len(sizes)
        return
    first = too_long[0]
    assert error is not None
    assert f"longer than the limit of {limit} bytes (line {first + 1} of its output" in str(error)
    assert "CodexConfig(max_line_bytes=...)" in str(error)
    assert len(got) == first
    assert proto.buffered == 0


@FAST
@given(st.integers(1, 64), st.lists(st.integers(1, 300), min_size=1, max_size=40))
def test_an_endless_line_never_holds_more_than_the_limit(limit: int, sizes: list[int]) -> None:
    proto: RpcProtocol[Any] = RpcProtocol(max_line_bytes=limit)
    fed = 0
    for size in sizes:
        try:
            assert proto.receive_data(b"x" * size) == []
        except ProtocolError as exc:
            assert fed + size > limit  # it failed exactly when the line passed the limit
            assert "without a newline so far" in str(exc)
            assert proto.buffered == 0
            return
        fed += size
        assert proto.buffered == fed <= limit


# -- memory and time on big inputs ---------------------------------------------------------


def test_100_mb_without_a_newline_in_1_mb_chunks_stays_within_the_limit() -> None:
    limit = 4 * 1024 * 1024
    chunk = b"x" * (1024 * 1024)
    proto: RpcProtocol[Any] = RpcProtocol(max_line_bytes=limit)
    failed_at = None
    for i in range(100):
        try:
            proto.receive_data(chunk)
        except ProtocolError as exc:
            failed_at = failed_at if failed_at is not None else i
            assert "longer than the limit of 4194304 bytes" in str(exc)
        assert proto.buffered <= limit
    assert failed_at == 4  # the fifth MiB would pass the limit: refused, not buffered
    assert proto.buffered == 0


@pytest.mark.timeout(60)
def test_a_long_line_in_small_chunks_is_assembled_in_linear_time() -> None:
    # 8 MiB in 32-byte pieces: copying the buffer for every piece would move ~1 TiB and
    # run for hours; appending in place takes about a second.
    body = b"x" * (8 * 1024 * 1024)
    line = b'{"method":"m","params":{"s":"' + body + b'"}}\n'
    proto: RpcProtocol[Any] = RpcProtocol(max_line_bytes=len(line))
    view = memoryview(line)
    out: list[Incoming] = []
    for i in range(0, len(line), 32):
        out += proto.receive_data(view[i : i + 32].tobytes())
    assert proto.buffered == 0
    assert len(out) == 1 and len(out[0][1]["s"]) == len(body)  # type: ignore[index]
