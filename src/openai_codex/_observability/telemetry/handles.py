"""The spans the client layers hold while a request, a login or a start is under way.

:class:`~.facade.Telemetry` hands one out (or ``None`` while tracing is off); the caller
ends it with the outcome. Ending a span with an error goes through :meth:`.spans.Spans.fail`,
which scrubs the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .names import (
    APPROVAL_DECISION,
    DECIDED_BY,
    LOGIN_ID,
    LOGIN_OUTCOME,
    RUNTIME_VERSION,
    USER_INPUT_ANSWERED,
)

if TYPE_CHECKING:
    from opentelemetry.trace import Span

    from .spans import Spans

__all__ = ["LoginSpan", "RequestSpan", "StartSpan"]

_VERSION = re.compile(r"\d+(\.\d+)+[\w.+-]*")


class _Handle:
    """One open span and the table that records its failure."""

    __slots__ = ("_spans", "span")

    def __init__(self, spans: Spans, span: Span) -> None:
        self._spans = spans
        self.span = span

    def _fail(self, error: BaseException) -> None:
        self._spans.fail(self.span, type(error).__name__, str(error))


class RequestSpan(_Handle):
    """The span of one approval or user-input request; :meth:`finish` it exactly once."""

    __slots__ = ()

    @contextmanager
    def current(self) -> Iterator[None]:
        """Make this span the current one (the user's handler runs inside it)."""
        from opentelemetry import context, trace

        token = context.attach(trace.set_span_in_context(self.span))
        try:
            yield
        finally:
            context.detach(token)

    def finish(
        self,
        *,
        decision: str | None = None,
        decided_by: str,
        answered: int | None = None,
        error: BaseException | None = None,
    ) -> None:
        """Record the outcome and end the span."""
        span = self.span
        if decision is not None:
            span.set_attribute(APPROVAL_DECISION, decision)
        span.set_attribute(DECIDED_BY, decided_by)
        if answered is not None:
            span.set_attribute(USER_INPUT_ANSWERED, answered)
        if error is not None:
            self._fail(error)
        span.end()


class LoginSpan(_Handle):
    """The span of one login attempt; ended by its outcome."""

    __slots__ = ()

    def rejected(self, error: BaseException) -> None:
        """The server refused to start the login."""
        self.span.set_attribute(LOGIN_OUTCOME, "rejected")
        self._fail(error)
        self.span.end()

    def succeeded(self) -> None:
        """Done at once (an API key)."""
        self.span.set_attribute(LOGIN_OUTCOME, "succeeded")
        self.span.end()

    def pending(self, login_id: str) -> None:
        """Started: ``account/login/completed`` for ``login_id`` ends the span."""
        self.span.set_attribute(LOGIN_ID, login_id)
        self._spans.await_login(login_id, self.span)


class StartSpan(_Handle):
    """The span of one client start (launch and ``initialize``)."""

    __slots__ = ()

    def succeeded(self, runtime_version: str | None) -> None:
        """The handshake completed; ``runtime_version`` as the server reported it."""
        version = _VERSION.match(runtime_version or "")
        if version is not None:
            self.span.set_attribute(RUNTIME_VERSION, version.group(0))
        self.span.end()

    def failed(self, error: BaseException) -> None:
        """The server could not be started or reached."""
        self._fail(error)
        self.span.end()
