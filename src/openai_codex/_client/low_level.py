"""``codex._client``: the official low-level client on a client's own connection.

The official SDK's ``Codex`` and ``AsyncCodex`` keep their low-level client
(``openai_codex.api.CodexClient`` / ``AsyncCodexClient``) in ``_client``, and code written
for it reaches there. Ours are built the other way round (the low-level clients live in
the ``_official`` layer, above this one), so this layer cannot import them. It declares a
slot instead, and the package (``openai_codex/__init__.py``, which sees every layer) fills
it at import time with two factories from ``_official``: the *composition root* pattern,
with no import going up.

The mixins give ``AsyncCodex`` and ``Codex`` their ``_client`` property: created on first
access (one per client, never a second app-server or reader) and kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (cold start)
if TYPE_CHECKING:
    from typing import Any

    from .._official.async_client import AsyncCodexClient
    from .._official.sync_client import CodexClient

__all__ = ["AsyncLowLevel", "SyncLowLevel", "provide"]

_factories: dict[str, Callable[[Any], Any]] = {}
# One lock a kind: building a Codex's client builds its AsyncCodex's on the loop thread.
_locks = {"async": threading.Lock(), "sync": threading.Lock()}
_ATTRIBUTE = "_low_level_client"


def provide(async_factory: Callable[[Any], Any], sync_factory: Callable[[Any], Any]) -> None:
    """Fill the slot: how to build the low-level client of an ``AsyncCodex`` / a ``Codex``."""
    _factories["async"] = async_factory
    _factories["sync"] = sync_factory


def _low_level(owner: object, kind: str) -> Any:
    client = owner.__dict__.get(_ATTRIBUTE)
    if client is None:
        with _locks[kind]:
            client = owner.__dict__.get(_ATTRIBUTE)
            if client is None:
                factory = _factories.get(kind)
                if factory is None:  # only if the package's __init__ was bypassed
                    raise RuntimeError("the official low-level client is not available")
                client = factory(owner)
                owner.__dict__[_ATTRIBUTE] = client
    return client


class AsyncLowLevel:
    """Gives ``AsyncCodex`` its ``_client``."""

    @property
    def _client(self) -> AsyncCodexClient:
        """The official ``AsyncCodexClient`` on this client's connection (see
        ``docs/coming-from-the-official-sdk.md``): its requests and queues share the one
        app-server, and it follows the client across automatic restarts."""
        client: AsyncCodexClient = _low_level(self, "async")
        return client


class SyncLowLevel:
    """Gives ``Codex`` its ``_client``."""

    @property
    def _client(self) -> CodexClient:
        """The official ``CodexClient`` on this client's connection and loop thread (see
        :attr:`AsyncCodex._client`)."""
        client: CodexClient = _low_level(self, "sync")
        return client
