"""``Codex``: the blocking client, a thin facade over :class:`AsyncCodex`.

One :class:`~openai_codex._core.portal.LoopThread` per client runs the async client; each method
submits the async method's coroutine there and waits. Behaviour lives in the async code
only; what differs is how a caller waits (see ``_core.sinks.ThreadSink`` for streams).
Methods may be called from many threads at once: the loop serialises the bookkeeping and
the connection multiplexes the requests.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from .._auth.login_sync import SyncAccountMixin
from .._core.mirrors import lazy, mirrors
from ..errors import CodexError
from .config import CodexConfig
from .low_level import SyncLowLevel

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (cold start)
if TYPE_CHECKING:
    from typing import Any

    from .._conversation.thread import AsyncThread
    from .._conversation.thread_sync import Thread
    from .._core.notifications import Notification
    from .._core.portal import LoopThread
    from .._generated.models import ModelListResponse, ThreadArchiveResponse, ThreadListResponse
    from .._generated.rpc import Rpc
    from .._observability.usage import TokenUsage
    from .async_client import AsyncCodex
    from .metadata import InitializeResponse
else:
    # Only named here (for the signatures of the blocking methods): ``async_client`` and asyncio
    # load in ``Codex()``, after the server process is launched (see ``__init__``).
    AsyncCodex = lazy("openai_codex._client.async_client", "AsyncCodex")

__all__ = ["Codex"]


class Codex(SyncAccountMixin, SyncLowLevel):
    """A blocking client of one Codex app-server process.

    ``Codex()`` launches the server and completes the handshake; use it as a context
    manager (``with Codex() as codex: ...``) or call :meth:`close`. Thread-safe.
    """

    _async: AsyncCodex
    _portal: LoopThread

    def __init__(self, config: CodexConfig | None = None) -> None:
        self._listener_threads: list[threading.Thread] = []
        self._close_lock = threading.Lock()
        self._closed = False
        config = config if config is not None else CodexConfig()
        # The cold start: launch the server first, then import the async client, asyncio
        # and the rest of the SDK while the server boots (it takes longer than they do).
        from .launch import discard, launch_greeted

        # ``initialize`` goes out with the launch: the server answers it once booted.
        launched = launch_greeted(config)
        try:
            from .._conversation.thread_sync import Thread  # noqa: F401  (for the first thread_start)
            from .._core.portal import LoopThread
            from .async_client import AsyncCodex

            self._async = AsyncCodex(config)
            # The async client owns the process now (and reaps it on close).
            self._async._prelaunched, launched = launched, None
            self._portal = LoopThread()
        except BaseException:
            if launched is not None:
                discard(launched[0])
            raise
        try:
            self._portal.run(self._async.start())
        except BaseException:
            with contextlib.suppress(Exception):  # reaps a server that never answered
                self._portal.run(self._async.close())
            self._portal.stop()
            raise

    @property
    def config(self) -> CodexConfig:
        """The configuration this client was created with."""
        return self._async.config

    def __enter__(self) -> Codex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Shut the server down, end every stream and waiter, stop the loop thread.

        Idempotent and safe to call from any thread but the client's own callbacks.
        """
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._portal.run(self._async.close())
        finally:
            self._portal.stop()
            for thread in self._listener_threads:
                if thread is not threading.current_thread():
                    thread.join(timeout=5)
            self._listener_threads.clear()

    @property
    def metadata(self) -> InitializeResponse:
        """What the server reported in ``initialize`` (see :attr:`AsyncCodex.metadata`)."""
        return self._async.metadata

    @property
    def rpc(self) -> Rpc:
        """Typed access to every protocol request: ``codex.rpc.config_read()`` (blocking).

        The same methods as :attr:`AsyncCodex.rpc`, each waiting for its answer; see
        ``docs/rpc.md``. :meth:`request` stays the untyped escape hatch.
        """
        rpc: Rpc | None = self.__dict__.get("_rpc")
        if rpc is None:  # the generated module loads on first use
            from .._conversation.option_checks import check_params
            from .._generated.rpc import Rpc

            rpc = self._rpc = Rpc(self, check_params)
        return rpc

    @property
    def pid(self) -> int | None:
        """The app-server's process id, while it runs."""
        return self._async.pid

    @property
    def usage(self) -> TokenUsage:
        """Tokens used by every model request this client's threads made, so far (see
        :attr:`AsyncCodex.usage`)."""
        return self._async.usage

    def request(self, method: str, params: Any = None, *, timeout: float | None = None) -> Any:
        """Send any protocol request and return the raw result (an escape hatch).

        Raises the same errors as :meth:`AsyncCodex.request`.
        """
        return self._portal.run(self._async.request(method, params, timeout=timeout))

    # -- threads --------------------------------------------------------------------------

    def thread(self, thread_id: str) -> Thread:
        """A handle on an existing thread by id (see :meth:`AsyncCodex.thread`)."""
        return self._wrap(self._async.thread(thread_id))

    def _wrap(self, thread: AsyncThread) -> Thread:
        from .._conversation.thread_sync import Thread

        return Thread(self._portal, thread)

    @mirrors(AsyncCodex.thread_start)
    def thread_start(self, *args: Any, **kwargs: Any) -> Thread:
        """Start a new thread (see :meth:`AsyncCodex.thread_start` for the options).

        ``tools``, ``on_approval`` and ``on_user_input`` work as there; plain-function
        handlers run on a worker thread of this client, never on the connection's.
        """
        return self._wrap(self._portal.run(self._async.thread_start(*args, **kwargs)))

    @mirrors(AsyncCodex.thread_resume)
    def thread_resume(self, *args: Any, **kwargs: Any) -> Thread:
        """Load an existing thread so it can run turns (see
        :meth:`AsyncCodex.thread_resume`)."""
        return self._wrap(self._portal.run(self._async.thread_resume(*args, **kwargs)))

    @mirrors(AsyncCodex.thread_fork)
    def thread_fork(self, *args: Any, **kwargs: Any) -> Thread:
        """Copy a thread's history into a new thread (see :meth:`AsyncCodex.thread_fork`)."""
        return self._wrap(self._portal.run(self._async.thread_fork(*args, **kwargs)))

    @mirrors(AsyncCodex.thread_list)
    def thread_list(self, *args: Any, **kwargs: Any) -> ThreadListResponse:
        """List stored threads (see :meth:`AsyncCodex.thread_list`)."""
        return self._portal.run(self._async.thread_list(*args, **kwargs))

    def thread_archive(self, thread_id: str) -> ThreadArchiveResponse:
        """Archive a thread (``thread/archive``)."""
        return self._portal.run(self._async.thread_archive(thread_id))

    def thread_unarchive(self, thread_id: str) -> Thread:
        """Unarchive a thread (``thread/unarchive``); the returned thread can run turns."""
        return self._wrap(self._portal.run(self._async.thread_unarchive(thread_id)))

    def models(self, *, include_hidden: bool = False) -> ModelListResponse:
        """The models the server offers (``model/list``), every page merged."""
        return self._portal.run(self._async.models(include_hidden=include_hidden))

    # -- notifications outside turns ------------------------------------------------------

    def on_notification(self, callback: Callable[[Notification], None]) -> Callable[[], None]:
        """Call ``callback`` for every notification that is not part of a turn.

        The callback runs on a dedicated thread of this client (never the connection's),
        so a slow callback delays nothing else. Returns a function that unsubscribes: once
        it returns, no further call of ``callback`` starts (one already running finishes).
        """
        import logging

        from .._core.sinks import END, ThreadSink

        logger = logging.getLogger("openai_codex")

        sink: ThreadSink[Notification] = ThreadSink()
        remove = self._portal.call(self._async._subscribe, sink)
        stopped = threading.Event()

        def pump() -> None:
            while True:
                try:
                    item = sink.get()
                except CodexError:
                    return
                if item is END or stopped.is_set():  # nothing queued runs after unsubscribe
                    return
                try:
                    callback(item)  # type: ignore[arg-type]
                except Exception:
                    logger.exception("notification callback failed")

        thread = threading.Thread(target=pump, name="openai-codex-listener", daemon=True)
        thread.start()
        self._listener_threads.append(thread)

        def unsubscribe() -> None:
            stopped.set()
            if not self._closed:
                self._portal.call(remove)
            else:
                sink.close()

        return unsubscribe
