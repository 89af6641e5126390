"""The Responses API as the mock model writes it: the SSE stream of one response, compact
JSON bodies and the model catalog.

Every SSE answer is built as one bytes blob (written with a single ``sendall``) unless a
reply asks for a delay between deltas, so a 20,000-delta turn costs the mock a few
milliseconds.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any

__all__ = [
    "MOCK_MODEL_SLUG",
    "FunctionCallSpec",
    "MessageSpec",
    "OutputItemSpec",
    "RawItemSpec",
    "dumps",
    "mock_model_info",
    "models_payload",
    "render_response",
]

MOCK_MODEL_SLUG = "mock-model"
"""The model name the harness configures; ``GET /v1/models`` lists it."""

_DEFAULT_USAGE: dict[str, Any] = {
    "input_tokens": 10,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 5,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 15,
}


def dumps(value: object) -> str:
    """``value`` as compact JSON (no spaces)."""
    return json.dumps(value, separators=(",", ":"))


def _event(kind: str, payload: Mapping[str, object]) -> str:
    data: dict[str, object] = {"type": kind, **payload}
    return f"event: {kind}\ndata: {dumps(data)}\n\n"


@dataclass(frozen=True)
class MessageSpec:
    """An assistant message, streamed as one text delta per chunk."""

    chunks: tuple[str, ...]


@dataclass(frozen=True)
class FunctionCallSpec:
    """A ``function_call`` output item (``call_id`` ``None``: a fresh one per request)."""

    name: str
    arguments: str
    call_id: str | None


@dataclass(frozen=True)
class RawItemSpec:
    """An output item sent as given (an ``id`` is added when missing)."""

    item: Mapping[str, Any]


OutputItemSpec = MessageSpec | FunctionCallSpec | RawItemSpec


def render_response(
    response_id: str,
    counter: Iterable[int],
    *,
    items: Iterable[OutputItemSpec],
    usage: Mapping[str, Any] | None,
    failure: Mapping[str, Any] | None,
    split_deltas: bool,
) -> list[bytes]:
    """The SSE body of one response as one or more chunks.

    ``counter`` numbers the item ids; ``failure`` makes it ``response.failed``; with
    ``split_deltas`` each text delta is a chunk of its own (a reply with a delay).
    """
    ids = iter(counter)
    created = _event(
        "response.created",
        {"response": {"id": response_id, "status": "in_progress", "output": []}},
    )
    if failure is not None:
        failed = _event(
            "response.failed",
            {"response": {"id": response_id, "status": "failed", "error": failure}},
        )
        return [(created + failed).encode()]
    parts: list[str] = [created]
    out: list[bytes] = []
    done_items: list[dict[str, Any]] = []
    for index, spec in enumerate(items):
        if isinstance(spec, MessageSpec):
            item_id = f"msg_{next(ids)}"
            text = "".join(spec.chunks)
            added = {"type": "message", "role": "assistant", "id": item_id, "content": []}
            parts.append(
                _event("response.output_item.added", {"output_index": index, "item": added})
            )
            prefix = (
                'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",'
                f'"item_id":"{item_id}","output_index":{index},"content_index":0,"delta":'
            )
            if split_deltas:
                out.append("".join(parts).encode())
                parts = []
                out.extend(
                    (prefix + encode_basestring_ascii(c) + "}\n\n").encode() for c in spec.chunks
                )
            else:
                parts.extend(prefix + encode_basestring_ascii(c) + "}\n\n" for c in spec.chunks)
            done: dict[str, Any] = {
                "type": "message",
                "role": "assistant",
                "id": item_id,
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        elif isinstance(spec, FunctionCallSpec):
            done = {
                "type": "function_call",
                "id": f"fc_{next(ids)}",
                "call_id": spec.call_id or f"call_{uuid.uuid4().hex[:24]}",
                "name": spec.name,
                "arguments": spec.arguments,
                "status": "completed",
            }
            parts.append(
                _event("response.output_item.added", {"output_index": index, "item": done})
            )
        else:
            done = dict(spec.item)
            done.setdefault("id", f"item_{next(ids)}")
            parts.append(
                _event("response.output_item.added", {"output_index": index, "item": done})
            )
        parts.append(_event("response.output_item.done", {"output_index": index, "item": done}))
        done_items.append(done)
    totals = dict(_DEFAULT_USAGE)
    if usage is not None:
        totals.update(usage)
        if "total_tokens" not in usage:
            totals["total_tokens"] = int(totals["input_tokens"]) + int(totals["output_tokens"])
    completed = {
        "id": response_id,
        "status": "completed",
        "model": MOCK_MODEL_SLUG,
        "output": done_items,
        "usage": totals,
    }
    parts.append(_event("response.completed", {"response": completed}))
    out.append("".join(parts).encode())
    return out


def mock_model_info() -> dict[str, Any]:
    """The catalog entry (Codex ``ModelInfo``) describing ``mock-model``."""
    return {
        "slug": MOCK_MODEL_SLUG,
        "display_name": "Mock model",
        "description": "Scripted replies from openai_codex.testing.MockModel",
        "supported_reasoning_levels": [],
        "shell_type": "unified_exec",
        "visibility": "list",
        "supported_in_api": True,
        "priority": 0,
        "support_verbosity": False,
        "truncation_policy": {"mode": "bytes", "limit": 10000},
        "experimental_supported_tools": [],
        "base_instructions": "You are a mock model used in tests.",
    }


def models_payload() -> dict[str, Any]:
    """The ``GET /v1/models`` answer: a catalog with the single entry ``mock-model``."""
    return {"models": [mock_model_info()]}
