"""The scripted answers of the mock model: :class:`Reply` and how a test holds one back.

A :class:`Reply` describes a response (output items, usage, a failure or an HTTP error, a
delay between deltas); :mod:`._wire` turns it into bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ._wire import (
    FunctionCallSpec,
    MessageSpec,
    OutputItemSpec,
    RawItemSpec,
    dumps,
    render_response,
)

__all__ = ["Reply"]


@dataclass(frozen=True)
class _Gate:
    """Shared state of a held reply: released by the test, or by the model stopping."""

    release: threading.Event = field(default_factory=threading.Event)
    reached: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Reply:
    """One scripted answer of the mock model. Build it with the class methods.

    ``Reply.text`` / ``Reply.function_call`` / ``Reply.items`` / ``Reply.sequence`` stream a
    successful response; ``Reply.failure`` streams ``response.failed``; ``Reply.http_error``
    answers with a plain HTTP error status. ``reply.held()`` returns a copy that waits for
    ``release()`` before answering.
    """

    _items: tuple[OutputItemSpec, ...] = ()
    _usage: Mapping[str, Any] | None = None
    _failure: Mapping[str, Any] | None = None
    _http_status: int | None = None
    _http_body: bytes = b""
    _http_headers: tuple[tuple[str, str], ...] = ()
    _delay: float = 0.0
    _gate: _Gate | None = None

    # -- constructors --------------------------------------------------------------

    @classmethod
    def text(
        cls,
        text: str | Sequence[str],
        *,
        deltas: int = 1,
        usage: Mapping[str, Any] | None = None,
        delay: float = 0.0,
    ) -> Reply:
        """An assistant message streamed as ``deltas`` ``response.output_text.delta`` events.

        ``text`` may also be a sequence of strings: each one is then one delta (``deltas``
        is ignored). ``usage`` overrides fields of the reported token usage
        (``total_tokens`` follows input + output unless given). ``delay`` is a pause in
        seconds between deltas (the default 0 writes the whole stream at once).
        """
        if isinstance(text, str):
            chunks = _split(text, deltas)
        else:
            chunks = tuple(text)
            if not chunks:
                raise ValueError("a text reply needs at least one delta")
        return cls(_items=(MessageSpec(chunks),), _usage=usage, _delay=delay)

    @classmethod
    def function_call(
        cls,
        name: str,
        arguments: Mapping[str, Any] | str,
        *,
        call_id: str | None = None,
        usage: Mapping[str, Any] | None = None,
    ) -> Reply:
        """A ``function_call`` output item; ``arguments`` is a dict or a JSON string.

        ``call_id`` defaults to a fresh ``call_<hex>`` per request served. A shell command
        is ``Reply.function_call("exec_command", {"cmd": "echo hi", ...})``.
        """
        args = arguments if isinstance(arguments, str) else dumps(dict(arguments))
        return cls(_items=(FunctionCallSpec(name, args, call_id),), _usage=usage)

    @classmethod
    def items(
        cls, items: Iterable[Mapping[str, Any]], *, usage: Mapping[str, Any] | None = None
    ) -> Reply:
        """Raw Responses API output items, each sent as ``output_item.added`` + ``.done``.

        Message items get no text deltas; an ``id`` is added when missing.
        """
        raw = tuple(RawItemSpec(dict(item)) for item in items)
        return cls(_items=raw, _usage=usage)

    @classmethod
    def sequence(cls, *replies: Reply, usage: Mapping[str, Any] | None = None) -> Reply:
        """One response with the output items of several replies, in order.

        For example a message and then a function call:
        ``Reply.sequence(Reply.text("Looking"), Reply.function_call("lookup", {}))``.
        """
        items: list[OutputItemSpec] = []
        for reply in replies:
            if reply._failure is not None or reply._http_status is not None:
                raise ValueError("Reply.sequence only combines successful replies")
            items.extend(reply._items)
        if usage is None:
            usage = next((r._usage for r in replies if r._usage is not None), None)
        delay = max((r._delay for r in replies), default=0.0)
        return cls(_items=tuple(items), _usage=usage, _delay=delay)

    @classmethod
    def failure(
        cls, message: str, *, code: str = "server_error", error_type: str | None = None
    ) -> Reply:
        """``response.created`` then ``response.failed`` with ``{"code", "message"}``.

        Observed with app-server 0.163.0: the turn fails with the message
        ``"stream disconnected before completion: <message>"`` (``codexErrorInfo: "other"``);
        some codes map to specific errors, e.g. ``server_is_overloaded`` gives
        ``codexErrorInfo: "serverOverloaded"``.
        """
        error: dict[str, Any] = {"code": code, "message": message}
        if error_type is not None:
            error["type"] = error_type
        return cls(_failure=error)

    @classmethod
    def http_error(
        cls,
        status: int,
        message: str = "",
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: str | bytes | None = None,
    ) -> Reply:
        """A plain HTTP error answer, by default with an OpenAI-style JSON error body
        ``{"error": {"message", "type", "code"}}``; ``body`` replaces it verbatim.

        Observed with app-server 0.163.0 (no retries configured): a 500 fails the turn with
        ``codexErrorInfo: "internalServerError"`` and a generic message, a 429 with
        ``responseTooManyFailedAttempts``, and a 400 with the raw body as the message.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"http_error needs a 4xx/5xx status, got {status}")
        if body is None:
            raw = dumps({"error": {"message": message, "type": "error", "code": code}}).encode()
        else:
            raw = body.encode() if isinstance(body, str) else body
        return cls(
            _http_status=status,
            _http_body=raw,
            _http_headers=tuple((headers or {}).items()),
        )

    # -- holding -------------------------------------------------------------------

    def held(self) -> Reply:
        """A copy of this reply that waits until :meth:`release` (or the model stops)."""
        return replace(self, _gate=_Gate())

    def release(self) -> None:
        """Let a held reply answer (no-op for a reply that is not held)."""
        if self._gate is not None:
            self._gate.release.set()

    def wait_reached(self, timeout: float | None = 5.0) -> bool:
        """Wait until a request has taken this held reply; False on timeout."""
        if self._gate is None:
            raise ValueError("wait_reached() is only for held replies")
        return self._gate.reached.wait(timeout)

    # -- rendering -----------------------------------------------------------------

    def _render(self, response_id: str, counter: Iterable[int]) -> list[bytes]:
        """The SSE body as one or more chunks (several only when a delay is set)."""
        return render_response(
            response_id,
            counter,
            items=self._items,
            usage=self._usage,
            failure=self._failure,
            split_deltas=self._delay > 0,
        )


def _split(text: str, deltas: int) -> tuple[str, ...]:
    if deltas < 1:
        raise ValueError("deltas must be at least 1")
    if deltas == 1:
        return (text,)
    if deltas > len(text):
        raise ValueError(f"cannot split {len(text)} characters into {deltas} non-empty deltas")
    size, extra = divmod(len(text), deltas)
    chunks: list[str] = []
    start = 0
    for i in range(deltas):
        end = start + size + (1 if i < extra else 0)
        chunks.append(text[start:end])
        start = end
    return tuple(chunks)
