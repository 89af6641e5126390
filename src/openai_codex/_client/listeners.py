"""The client's notification listeners, kept across connections (restarts).

:class:`ListenerHub` is one sink the connection's router delivers to; it fans each
notification out to the sinks of ``on_notification`` subscribers. It is registered with a
connection's router only while it has subscribers (so an unlistened client stays eligible
for the reader lease), and re-registered with each new connection after a restart.

It also keeps the client's *router hooks* (:meth:`ListenerHub.on_router`): functions
called with every new connection's router, such as the one that attaches the official
low-level client's queues (``codex._client``) to it.
"""

from __future__ import annotations

from collections.abc import Callable

from .._core.notifications import Notification
from .._core.router import Router
from .._core.sinks import Sink

__all__ = ["ListenerHub"]


class ListenerHub:
    """Fans notifications out to subscribers; outlives the connection it is attached to."""

    __slots__ = ("_detach", "_hooks", "_sinks", "restartable")

    def __init__(self) -> None:
        self._sinks: list[Sink[Notification]] = []
        self._hooks: list[Callable[[Router], None]] = []
        self._detach: Callable[[], None] | None = None
        self.restartable = False
        """Whether a lost connection will be replaced: then subscribers stay subscribed."""

    def put(self, item: Notification) -> None:
        """Deliver one notification to every subscriber (the router's call)."""
        for sink in self._sinks:
            sink.put(item)

    def close(self, error: BaseException | None = None) -> None:
        """The connection ended: end the subscribers too, unless a new one will follow."""
        self._detach = None
        if not self.restartable:
            self.close_all(error)

    def close_all(self, error: BaseException | None = None) -> None:
        """End every subscriber (the client is closing for good)."""
        sinks, self._sinks = self._sinks, []
        for sink in sinks:
            sink.close(error)

    def attach(self, router: Router) -> None:
        """Receive ``router``'s notifications while there are subscribers; run the hooks."""
        self._detach = None
        if self._sinks:
            self._detach = router.add_listener(self)
        for hook in list(self._hooks):
            hook(router)

    def on_router(self, hook: Callable[[Router], None], router: Router | None) -> None:
        """Call ``hook`` with ``router`` (the live one, if any) and each router attached later."""
        self._hooks.append(hook)
        if router is not None:
            hook(router)

    def subscribe(self, sink: Sink[Notification], router: Router | None) -> Callable[[], None]:
        """Add a subscriber; returns the function that removes it (and closes its sink)."""
        first = not self._sinks
        self._sinks.append(sink)
        if first and router is not None:
            self._detach = router.add_listener(self)

        def unsubscribe() -> None:
            if sink in self._sinks:
                self._sinks.remove(sink)
            sink.close()
            if not self._sinks and self._detach is not None:
                detach, self._detach = self._detach, None
                detach()

        return unsubscribe
