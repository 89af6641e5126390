"""``codex._client``: the official low-level clients on a high-level client's connection.

The official ``Codex`` and ``AsyncCodex`` are built on a ``CodexClient`` /
``AsyncCodexClient`` they keep in ``_client``. Ours are not, but they offer the same
attribute (:mod:`openai_codex._client.low_level` declares it; the package fills it with
:func:`share_async` and :func:`share_sync`): a low-level client bound to the high-level
client's own app-server and connection. No second process, no second reader:

- Requests go out on the same connection, interleaved with the high-level client's (the
  connection multiplexes them by id).
- Notifications reach both sides. The low-level client's pull queues (:mod:`.routing`)
  are fed through a *tap* on the connection's router (``Router.add_tap``), which hands
  them every notification before it is routed; the high-level streams get theirs as
  before. Neither side takes anything from the other: a turn started through
  ``_client`` streams through ``_client`` (``stream_text``, ``next_turn_notification``),
  a turn of a ``Thread`` through its handle, and each may read the other's too.
- Server requests (approvals, tools...) are answered by the high-level client, per thread
  (``docs/tools-and-approvals.md``), for threads started through either side.
- Automatic restarts: when the app-server exits, every wait on the low-level queues ends
  with the connection's ``TransportClosedError`` (turns, logins and goal operations of the
  lost server are gone), like the high-level streams. The next request through either
  side starts a new server, as ``Thread`` objects do, and the low-level client's queues
  start afresh on the new connection.
- ``start()`` starts the high-level client if needed; ``initialize()`` sends nothing (the
  handshake is done) and returns its ``metadata``; ``close()`` closes the high-level
  client, as closing the official ``_client`` ends the official client's server.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

from .._core.sinks import off_loop
from ..errors import TransportClosedError
from . import async_client, sync_client
from .errors import ClientStateError, not_running_error
from .routing import _PullRouter

if TYPE_CHECKING:
    from .._client.async_client import AsyncCodex
    from .._client.metadata import InitializeResponse
    from .._client.sync_client import Codex
    from .._core.connection import Connection
    from .._core.portal import LoopThread
    from .._core.router import Router

__all__ = ["AsyncCodexClient", "CodexClient", "share_async", "share_sync"]


class _LoopTap:
    """Feeds a pull router from the connection's reader, always on the client's loop.

    The reader is the loop, except for a sync stream that borrowed it; a tap stops new
    loans, and anything dispatched from such a thread meanwhile is handed to the loop, in
    order (the loop reads again only after what the borrower scheduled).
    """

    __slots__ = ("_loop", "_router")

    def __init__(self, router: _PullRouter, loop: asyncio.AbstractEventLoop) -> None:
        self._router = router
        self._loop = loop

    def dispatch(self, method: str, params: dict[str, Any]) -> None:
        if off_loop(self._loop):
            self._loop.call_soon_threadsafe(self._router.dispatch, method, params)
        else:
            self._router.dispatch(method, params)

    def close(self, error: BaseException) -> None:
        if off_loop(self._loop):
            self._loop.call_soon_threadsafe(self._router.close, error)
        else:
            self._router.close(error)


# The classes keep the official names: ``type(codex._client).__name__`` is "CodexClient"
# there too, and instances are instances of the official classes.


class AsyncCodexClient(async_client.AsyncCodexClient):
    """The official ``AsyncCodexClient``, on an :class:`~openai_codex.AsyncCodex`'s
    connection (``AsyncCodex._client``).

    See the module notes; use it from the client's event loop.
    """

    def __init__(self, owner: AsyncCodex) -> None:
        super().__init__(owner.config)
        self._owner = owner
        self._bound = False
        owner._on_router(self._bind)

    def _bind(self, router: Router) -> None:
        """Attach the pull queues to a connection's router (the first, or a new one)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise ClientStateError(
                "reach AsyncCodex._client from the event loop that runs the client"
            ) from None
        if self._bound:  # the previous connection's queues ended with it
            self._router = _PullRouter()
        self._bound = True
        router.add_tap(_LoopTap(self._router, loop))

    def _require_connection(self) -> Connection:
        connection = self._owner.current_connection
        if connection is None or self._owner._closed:
            raise not_running_error(self._owner._closed)
        return connection

    async def _live_connection(self) -> Connection:
        if self._owner._closed:
            raise not_running_error(True)
        return await self._owner.connection()  # starts, or restarts, the server if needed

    def _check_open(self) -> None:
        if self._owner._closed:
            raise TransportClosedError("the client is closed")

    async def start(self) -> None:
        """Start the high-level client if it is not (idempotent)."""
        await self._owner.start()

    async def initialize(self) -> InitializeResponse:
        """The handshake is the high-level client's: nothing is sent; returns its metadata."""
        await self._owner.start()
        return self._owner.metadata

    async def close(self) -> None:
        """Close the high-level client (and so this one). Idempotent."""
        await self._owner.close()

    def __repr__(self) -> str:
        return f"<AsyncCodexClient on {self._owner!r}>"


class CodexClient(sync_client.CodexClient):
    """The official ``CodexClient``, on a :class:`~openai_codex.Codex`'s connection and loop
    thread (``Codex._client``).

    See the module notes. Thread-safe, as ``Codex`` is.
    """

    def __init__(self, owner: Codex) -> None:
        # Not CodexClient.__init__: no loop thread or async client of its own.
        portal: LoopThread = owner._portal
        self._owner = owner
        self._portal = portal
        self._async = portal.call(getattr, owner._async, "_client")
        self._lock = threading.Lock()
        self._closed = False
        self._accounts = None

    def _live_portal(self) -> LoopThread:
        owner = self._owner
        if owner._closed:
            raise not_running_error(True)
        return owner._portal

    def start(self) -> None:
        """Nothing to do: ``Codex()`` started the server (raises once it is closed)."""
        self._live_portal()

    def close(self) -> None:
        """Close the high-level client (and so this one). Idempotent."""
        self._owner.close()

    def __repr__(self) -> str:
        return f"<CodexClient on {self._owner!r}>"


def share_async(owner: AsyncCodex) -> AsyncCodexClient:
    """``AsyncCodex._client``."""
    return AsyncCodexClient(owner)


def share_sync(owner: Codex) -> CodexClient:
    """``Codex._client``."""
    return CodexClient(owner)
