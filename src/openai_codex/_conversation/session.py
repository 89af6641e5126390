"""The narrow view of a client that threads and turns work through.

:class:`~openai_codex.AsyncThread` and :class:`~openai_codex.AsyncTurnHandle` need six
things from the client that made them: its configuration, a way to send requests, the
live connection (for its router), the dispatcher that answers server requests, its
telemetry (usage accounting, spans), and the features built on threads (goals, reviews:
see ``features.py``). They get them through :class:`Session`, which
:class:`~openai_codex.AsyncCodex` implements; so the thread layer never imports the client
module, and the client imports the thread layer, never the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .._callbacks.dispatch import ServerRequestDispatcher
    from .._client.config import CodexConfig
    from .._core.connection import Connection
    from .._observability.telemetry import Telemetry
    from .features import ThreadFeatures

__all__ = ["Session"]


class Session(Protocol):
    """What a thread needs from its client."""

    @property
    def config(self) -> CodexConfig:
        """The client's configuration."""

    @property
    def server_requests(self) -> ServerRequestDispatcher:
        """Answers the server's requests (tools, approvals, user input) per thread."""

    @property
    def telemetry(self) -> Telemetry:
        """Token usage accounting and tracing of the client."""

    @property
    def _features(self) -> ThreadFeatures:
        """The features built on threads (goals, reviews) that thread methods delegate to."""

    async def connection(self) -> Connection:
        """The live connection (started on first use)."""

    @property
    def current_connection(self) -> Connection | None:
        """The connection if the client is started, else ``None`` (cheap, any thread)."""

    async def request(
        self, method: str, params: Any = None, *, timeout: float | None = None
    ) -> Any:
        """Send one request and return its raw result."""
