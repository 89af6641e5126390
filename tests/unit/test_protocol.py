"""The sans-IO JSON-RPC core, fed plain bytes."""

from __future__ import annotations

import json

import pytest

from openai_codex._protocol import (
    IncomingError,
    IncomingNotification,
    IncomingRequest,
    IncomingResponse,
    RpcProtocol,
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
    with pytest.raises(ProtocolError, match="exceeded 100 bytes"):
        proto.receive_data(b"x" * 101)


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
