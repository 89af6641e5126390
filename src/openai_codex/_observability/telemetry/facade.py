"""The per-client :class:`Telemetry`: token usage always, spans while a tracer is found.

One :class:`Telemetry` per client lives across restarts of the app-server; it looks up the
tracer before each launch, makes a :class:`~.observer.ConnectionObserver` for each
connection, knows the secrets to scrub, and is what the client layers call around turns,
tool calls, server requests, logins and starts (each call a no-op while tracing is off).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..redact import scrub_text
from ..usage import UsageLedger
from .names import (
    APPROVAL_KIND,
    GEN_AI_INPUT_MESSAGES,
    GEN_AI_PROVIDER_NAME,
    GEN_AI_REQUEST_MODEL,
    GEN_AI_SYSTEM,
    REQUEST_METHOD,
    USER_INPUT_QUESTIONS,
)
from .observer import ConnectionObserver
from .spans import PendingTurn, Spans
from .tracer import resolve_tracer

if TYPE_CHECKING:
    from ..._client.config import CodexConfig
    from .handles import LoginSpan, RequestSpan, StartSpan

__all__ = ["Telemetry"]

_SECRET_ENV = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)


class Telemetry:
    """Token usage (always) and spans (when a tracer provider is configured) of one client."""

    def __init__(self, config: CodexConfig) -> None:
        self._config = config
        self.usage = UsageLedger()
        """The client's token usage, in total and per thread."""
        self.trace_content = bool(config.trace_content)
        self._secrets: list[str] = []
        self._spans: Spans | None = None
        self._generation = 0
        if config.auth_token:
            self.add_secret(config.auth_token.strip())
        for key, value in (config.env or {}).items():
            if value and _SECRET_ENV.search(key):
                self.add_secret(value)

    # -- switches -------------------------------------------------------------------------

    @property
    def tracing(self) -> bool:
        """Whether spans are being recorded (decided at each launch)."""
        return self._spans is not None

    def refresh(self) -> None:
        """Look up the tracer (before each launch): the provider may have been set since."""
        tracer = resolve_tracer(self._config.tracer_provider)
        if tracer is None:
            self._spans = None
        elif self._spans is None or self._spans._tracer is not tracer:
            self._spans = Spans(tracer, self)

    def add_secret(self, secret: str) -> None:
        """Never show ``secret`` in a span or a forwarded server log line."""
        if len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)

    def scrub(self, text: str) -> str:
        """``text`` without known secrets, token-shaped words or URL query strings."""
        return scrub_text(text, self._secrets)

    def observer(self) -> ConnectionObserver:
        """A fresh observer for a new connection."""
        self._generation += 1
        return ConnectionObserver(self, self._spans, self._generation)

    @property
    def generation(self) -> int:
        """The number of the latest connection."""
        return self._generation

    # -- what the client layers call (each a no-op while tracing is off) -------------------

    def begin_turn(
        self, thread_id: str, params: Mapping[str, Any], info: Any = None
    ) -> PendingTurn | None:
        """A ``turn/start`` is about to be sent on behalf of the current context."""
        spans = self._spans
        if spans is None:
            return None
        model = params.get("model") or getattr(info, "model", None)
        provider = getattr(info, "model_provider", None)
        attributes: dict[str, Any] = {
            GEN_AI_REQUEST_MODEL: model if isinstance(model, str) else None,
            GEN_AI_PROVIDER_NAME: provider if isinstance(provider, str) else None,
            GEN_AI_SYSTEM: provider if isinstance(provider, str) else None,
        }
        if self.trace_content:
            parts = [
                {"type": "text", "content": item["text"]}
                for item in params.get("input") or ()
                if isinstance(item, Mapping) and isinstance(item.get("text"), str)
            ]
            if parts:
                messages = [{"role": "user", "parts": parts}]
                attributes[GEN_AI_INPUT_MESSAGES] = spans.text(messages)
        return spans.begin_turn(thread_id, attributes)

    def turn_answered(self, pending: PendingTurn | None, turn_id: str) -> None:
        """``turn/start`` answered with ``turn_id``."""
        spans = self._spans
        if pending is not None and spans is not None:
            spans.turn_answered(pending, turn_id, self._generation)

    def turn_start_failed(self, pending: PendingTurn | None, error: BaseException) -> None:
        """``turn/start`` failed (or its caller was cancelled before it answered)."""
        spans = self._spans
        if pending is not None and spans is not None:
            spans.turn_start_failed(pending, error)

    def expect_turns(self, thread_id: str) -> None:
        """Turns the server starts on ``thread_id`` (goal, review, compaction) belong under
        the current context."""
        spans = self._spans
        if spans is not None:
            spans.expect_turns(thread_id)

    def turn_timed_out(self, turn_id: str, message: str) -> None:
        """A turn ran out of time: its span ends as ``TurnTimeoutError``."""
        spans = self._spans
        if spans is not None:
            spans.turn_error(turn_id, "TurnTimeoutError", message)

    @contextmanager
    def tool_scope(self, thread_id: object, call_id: object) -> Iterator[None]:
        """Run a Python tool with its tool-call span as the current span."""
        spans = self._spans
        context = None
        if spans is not None and isinstance(thread_id, str) and isinstance(call_id, str):
            context = spans.item_context(thread_id, call_id)
        if context is None:
            yield
            return
        from opentelemetry import context as otel_context

        token = otel_context.attach(context)
        try:
            yield
        finally:
            otel_context.detach(token)

    def approval_span(
        self,
        kind: str,
        method: str,
        thread_id: str | None,
        turn_id: str | None,
        item_id: str | None,
    ) -> RequestSpan | None:
        """The span of an approval request (``None`` while tracing is off)."""
        spans = self._spans
        if spans is None:
            return None
        return spans.request_span(
            f"codex.approval {kind}",
            thread_id,
            turn_id,
            item_id,
            {APPROVAL_KIND: kind, REQUEST_METHOD: method},
        )

    def user_input_span(
        self, thread_id: str | None, turn_id: str | None, item_id: str | None, questions: int
    ) -> RequestSpan | None:
        """The span of a user-input request (``None`` while tracing is off)."""
        spans = self._spans
        if spans is None:
            return None
        return spans.request_span(
            "codex.user_input",
            thread_id,
            turn_id,
            item_id,
            {USER_INPUT_QUESTIONS: questions, REQUEST_METHOD: "item/tool/requestUserInput"},
        )

    def login_span(self, method: str) -> LoginSpan | None:
        """The span of a login attempt (``None`` while tracing is off)."""
        spans = self._spans
        return None if spans is None else spans.login_span(method)

    def start_span(self, *, restart: bool) -> StartSpan | None:
        """The span of a client start (``None`` while tracing is off)."""
        spans = self._spans
        if spans is None:
            return None
        url = self._config.url
        address = None
        if url:
            address = self.scrub(url.split("?", 1)[0])
        return spans.start_span(
            restart=restart, transport="websocket" if url else "stdio", address=address
        )
