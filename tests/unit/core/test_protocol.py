"""The sans-IO JSON-RPC core, fed plain bytes."""

from __future__ import annotations

import json

import pytest

from openai_codex._core.protocol import (
    IncomingError,
    IncomingNotification,
    IncomingRequest,
    IncomingResponse,
    RpcProtocol,
    WarningBudget,
)
from openai_codex.errors import ProtocolError


def line(obj: object) -> bytes:
    return (json.dumps(obj) + "\n").encode()


def test_requests_get_increasing_ids_and_no_jsonrpc_member() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    id1, data1 = proto.send_request("a", {"x": 1}, "w1")
    id2, data2 = proto.send_request("b", None, "w2")
    assert (id1, id2) == (1, 2)
    assert json.loads(data1) == {"id": 1, "method": "a", "params": {"x": 1}}
    assert json.loads(data2) == {"id": 2, "method": "b"}
    assert data1.endswith(b"\n")
    assert proto.pending_count == 2


def test_messages_are_classified_by_shape() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    data = (
        line({"id": 1, "result": {"ok": True}})
        + line({"id": 2, "error": {"code": -32600, "message": "bad", "data": [1]}})
        + line({"method": "turn/started", "params": {"threadId": "t"}, "emittedAtMs": 5})
        + line({"id": 0, "method": "item/tool/call", "params": {"tool": "x"}})
    )
    out = proto.receive_data(data)
    assert out == [
        IncomingResponse(1, {"ok": True}),
        IncomingError(2, -32600, "bad", [1]),
        IncomingNotification("turn/started", {"threadId": "t"}),
        IncomingRequest(0, "item/tool/call", {"tool": "x"}),
    ]


def test_split_packed_and_crlf_chunks_are_reassembled() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    data = line({"method": "a", "params": {}}) + b'{"method": "b", "params": {}}\r\n'
    data += line({"method": "c", "params": {"s": "é"}})
    seen = []
    for i in range(0, len(data), 7):
        seen += [m.method for m in proto.receive_data(data[i : i + 7])]  # type: ignore[union-attr]
    assert seen == ["a", "b", "c"]


def test_a_partial_last_line_waits_for_its_end() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    assert proto.receive_data(b'{"method": "a", "par') == []
    assert proto.receive_data(b'ams": {}}\n') == [IncomingNotification("a", {})]


def test_blank_lines_are_ignored() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    assert proto.receive_data(b"\n\n  \n") == []


def test_invalid_json_fails_the_protocol_for_good() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    with pytest.raises(ProtocolError, match="invalid JSON: not json"):
        proto.receive_data(b"not json\n")
    with pytest.raises(ProtocolError):
        proto.receive_data(line({"method": "a", "params": {}}))


@pytest.mark.parametrize(
    "obj",
    [[1, 2], {"id": 1}, {"method": 5, "params": {}}, {"id": 1, "error": "boom"}, {"x": 1}],
)
def test_messages_of_unknown_shape_are_protocol_errors(obj: object) -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    with pytest.raises(ProtocolError):
        proto.receive_data(line(obj))


def test_a_line_over_the_limit_is_refused_instead_of_buffered() -> None:
    proto: RpcProtocol[str] = RpcProtocol(max_line_bytes=100)
    proto.receive_data(b"x" * 60)
    with pytest.raises(ProtocolError) as info:
        proto.receive_data(b"x" * 41)
    message = str(info.value)
    assert "longer than the limit of 100 bytes" in message
    assert "line 1 of its output: 101 bytes without a newline so far" in message
    assert "CodexConfig(max_line_bytes=...)" in message
    assert proto.buffered == 0  # the partial line is not kept


def test_a_line_of_exactly_the_limit_passes_and_one_byte_more_fails_in_any_chunking() -> None:
    body = b'{"id":1,"result":"' + b"y" * 50 + b'"}'
    ok: RpcProtocol[str] = RpcProtocol(max_line_bytes=len(body))
    assert ok.receive_data(body + b"\n") == [IncomingResponse(1, "y" * 50)]
    for split in (0, 1, len(body) // 2, len(body)):
        proto: RpcProtocol[str] = RpcProtocol(max_line_bytes=len(body) - 1)
        data = line({"method": "a", "params": {}}) + body + b"\n"
        first, second = data[: split + 20], data[split + 20 :]
        with pytest.raises(ProtocolError, match=r"longer than the limit .*\(line 2 of its output"):
            proto.receive_data(first)
            proto.receive_data(second)


def test_a_truncated_last_line_is_reported_at_the_end_of_the_stream() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    assert proto.receive_data(line({"method": "a", "params": {}}) + b'{"id": 2, "res') == [
        IncomingNotification("a", {})
    ]
    with pytest.raises(ProtocolError) as info:
        proto.receive_eof()
    assert "ended in the middle of a message: 14 bytes after the last newline" in str(info.value)
    assert "line 2 of its output" in str(info.value)
    assert '{"id": 2, "res' in str(info.value)


@pytest.mark.parametrize("tail", [b"", b"  ", b"\r"])
def test_the_end_of_the_stream_after_a_whole_line_is_clean(tail: bytes) -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    proto.receive_data(line({"method": "a", "params": {}}) + tail)
    proto.receive_eof()


def test_messages_before_a_bad_line_are_still_delivered() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    data = line({"id": 1, "result": 1}) + b"\n" + b"garbage\n" + line({"id": 2, "result": 2})
    with pytest.raises(ProtocolError, match=r"invalid JSON: garbage \(line 3 of its output"):
        proto.receive_data(data)
    assert proto.messages_before_error() == [IncomingResponse(1, 1)]
    assert proto.messages_before_error() == []


def test_bytes_that_are_not_utf8_are_named_with_a_short_preview() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    proto.receive_data(line({"method": "a", "params": {}}))
    with pytest.raises(ProtocolError) as info:
        proto.receive_data(b'{"method": "b\xff\xfe"' + b"z" * 100_000 + b"\n")
    message = str(info.value)
    assert message.startswith('server sent bytes that are not UTF-8: {"method": "b\\xff\\xfe"')
    assert "line 2 of its output; invalid start byte at byte 13 of the line: 0xff" in message
    assert len(message) < 400


def test_control_characters_in_a_preview_are_escaped() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    with pytest.raises(ProtocolError, match=r"invalid JSON: \\x00\\x1b\[31mred\\r"):
        proto.receive_data(b"\x00\x1b[31mred\r\n")


def test_deeply_nested_json_is_a_protocol_error_not_a_crash() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    with pytest.raises(ProtocolError, match="nested too deeply"):
        proto.receive_data(b'{"method": "a", "params": {"x": ' + b"[" * 100_000 + b"\n")


def test_an_error_answer_whose_code_is_not_a_number_is_malformed() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    with pytest.raises(ProtocolError, match="malformed error answer"):
        proto.receive_data(line({"id": 1, "error": {"code": "boom", "message": "x"}}))


def test_a_failed_protocol_raises_the_same_error_without_reading_more() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    with pytest.raises(ProtocolError) as first:
        proto.receive_data(b"[1]\n")
    for later in (line({"id": 1, "result": 1}), b"", b"more garbage"):
        with pytest.raises(ProtocolError) as again:
            proto.receive_data(later)
        assert again.value is first.value
    with pytest.raises(ProtocolError) as at_eof:
        proto.receive_eof()
    assert at_eof.value is first.value
    assert proto.buffered == 0


def test_unexpected_answers_are_told_apart() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    proto.send_request("a", None, "wa")
    late, _ = proto.send_request("slow/method", None, "wb")
    assert proto.pop_pending(1) == ("a", "wa")
    proto.forget(late)
    assert proto.pop_pending(late) is None
    assert proto.explain_unexpected_answer(late) == (
        True,
        "a late answer to request 2 (slow/method), abandoned earlier",
    )
    # a second answer to the abandoned request is a duplicate
    assert proto.explain_unexpected_answer(late) == (
        False,
        "a duplicate answer to request 2 (already answered)",
    )
    assert proto.explain_unexpected_answer(1).text == (
        "a duplicate answer to request 1 (already answered)"
    )
    assert proto.explain_unexpected_answer(99).text == "an answer to unknown request id 99"
    assert proto.explain_unexpected_answer("x" * 1000).text.endswith("xxx...")
    assert proto.explain_unexpected_answer(None).text == "an answer without a request id (null)"


def test_only_int_and_str_ids_match_a_request() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    proto.send_request("a", None, "w")
    for other in (True, 1.0, [1], {"id": 1}, None, "1"):
        assert proto.pop_pending(other) is None
        assert proto.explain_unexpected_answer(other).expected is False
    assert proto.pop_pending(1) == ("a", "w")


def test_the_warning_budget_allows_a_burst_then_counts_what_it_held_back() -> None:
    budget = WarningBudget(burst=3, window=60.0)
    notes = [budget.allow(0.0) for _ in range(5)]
    assert notes[:2] == ["", ""]
    assert notes[2] == " (more like it within 60 s are not logged)"
    assert notes[3:] == [None, None]
    assert budget.allow(59.0) is None
    assert budget.allow(60.0) == " (3 more like it were not logged)"
    assert budget.allow(61.0) == ""


def test_pending_waiters_are_popped_once_and_failed_together() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    proto.send_request("a", None, "wa")
    proto.send_request("b", None, "wb")
    assert proto.pop_pending(1) == ("a", "wa")
    assert proto.pop_pending(1) is None
    assert proto.fail_all() == [("b", "wb")]
    assert proto.pending_count == 0


def test_forgotten_requests_are_no_longer_pending() -> None:
    proto: RpcProtocol[str] = RpcProtocol()
    rid, _ = proto.send_request("a", None, "w")
    proto.forget(rid)
    assert proto.pop_pending(rid) is None


def test_answers_to_server_requests_are_encoded_with_the_server_id() -> None:
    assert json.loads(RpcProtocol.encode_result(0, {"ok": 1})) == {"id": 0, "result": {"ok": 1}}
    assert json.loads(RpcProtocol.encode_error("s1", -32601, "no")) == {
        "id": "s1",
        "error": {"code": -32601, "message": "no"},
    }
    assert json.loads(RpcProtocol.encode_notification("initialized")) == {"method": "initialized"}
