"""OpenTelemetry traces and token usage of one client (see ``docs/observability.md``).

Import :class:`Telemetry` (and, for the router, :data:`USAGE_METHODS` /
:data:`TRACE_METHODS`) from here. The pieces, one job each:

* :mod:`.facade`: :class:`Telemetry`, one per client, across restarts of the app-server;
* :mod:`.observer`: :class:`ConnectionObserver`, one per connection, fed notifications by
  the router;
* :mod:`.tracer`: :func:`resolve_tracer`, whether anyone collects spans;
* :mod:`.spans`: the open spans of the client and how events open and end them;
* :mod:`.handles`: the spans the client layers hold (a server request, a login, a start);
* :mod:`.names`: attribute and span names, and the notifications observed.

Tracing is on when ``CodexConfig.tracer_provider`` is set, or when the application has
set a global tracer provider (``opentelemetry.trace.set_tracer_provider``), looked up each
time a server is launched. ``opentelemetry`` is imported only then, and only if the
application imported it already (or names a provider in ``OTEL_PYTHON_TRACER_PROVIDER``):
without the ``otel`` extra, or without a provider, nothing here costs more than a
``None`` check per turn, and the router observes no more notifications than without it.

The span tree of a turn (names and attributes in ``docs/observability.md``)::

    invoke_agent codex                 one per turn, child of the caller's current span
      execute_tool <tool>              one per item doing work (command, file change,
        codex.approval <kind>          MCP or Python tool call, web search); approvals
      codex.user_input                 of an item nest under it, others under the turn

A turn span is opened when ``turn/start`` answers or its ``turn/started`` arrives
(whichever comes first), with the start time and the parent captured when the caller asked
for the turn; turns the server starts by itself (goal continuations, reviews, compactions)
take the caller's context of the request that led to them. When the connection ends, every
span still open on it ends with the error.

Secrets never reach a span: no attribute holds a key, a token, or a login URL, and every
string taken from the server or the caller passes :meth:`Telemetry.scrub`, which removes
the secrets this client knows (API keys given to ``login_api_key``, ``auth_token``,
secret-looking values of ``CodexConfig.env``), anything shaped like a key or bearer token,
and the query string of every URL. Exceptions are recorded as an ``exception`` event with
their type and (scrubbed, first-line) message, without a stack trace, whose source lines
could quote a secret.
"""

from __future__ import annotations

from .facade import Telemetry
from .names import TRACE_METHODS, USAGE_METHODS
from .observer import ConnectionObserver
from .tracer import resolve_tracer

__all__ = [
    "TRACE_METHODS",
    "USAGE_METHODS",
    "ConnectionObserver",
    "Telemetry",
    "resolve_tracer",
]
