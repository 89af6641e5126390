"""A private event loop on its own thread, so the sync client can share the async code.

The sync :class:`~openai_codex.Codex` runs one :class:`~openai_codex.AsyncCodex` on this
loop; every sync call submits a coroutine and blocks for its result. The thread lives from
the client's start to its ``close()``, which stops the loop and joins the thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from ..errors import CodexError

__all__ = ["LoopThread"]

T = TypeVar("T")


CLEANUP_GRACE = 10.0
"""Seconds a blocking call interrupted by Ctrl-C waits for its coroutine's clean-up."""


async def _signalling(
    coro: Coroutine[Any, Any, T], started: threading.Event, finished: threading.Event
) -> T:
    """Run ``coro``; set ``started``, and ``finished`` when it is over, however it ends."""
    started.set()
    try:
        return await coro
    finally:
        finished.set()


def _wait_for_cleanup(started: threading.Event, finished: threading.Event) -> None:
    """Wait (bounded) for a cancelled coroutine to finish; one never started has nothing."""
    finished.wait(CLEANUP_GRACE if started.wait(0.05) else 0)


class LoopThread:
    """An asyncio loop running in a dedicated thread."""

    def __init__(self, name: str = "openai-codex") -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()
        self._stopped = False

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    @property
    def in_loop_thread(self) -> bool:
        """Whether the caller runs on the loop's own thread."""
        return threading.current_thread() is self._thread

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the loop and block until it finishes.

        Ctrl-C (or any exception in the waiting thread) cancels the coroutine and waits, up
        to :data:`CLEANUP_GRACE` seconds, for its clean-up to finish (a cancelled turn
        interrupts itself on the server) before the exception propagates.
        """
        if self.in_loop_thread:
            coro.close()
            raise RuntimeError("a sync Codex method was called from its own event loop thread")
        if self._stopped:
            coro.close()
            raise CodexError("this Codex client is closed; create a new one")
        started, finished = threading.Event(), threading.Event()
        future = asyncio.run_coroutine_threadsafe(_signalling(coro, started, finished), self.loop)
        try:
            # Wake up now and then so that Ctrl-C reaches a waiting main thread. (Not
            # ``result(timeout=...)``: the coroutine's own TimeoutError, such as
            # CodexTimeoutError, would be mistaken for the poll running out.)
            while not future.done():
                concurrent.futures.wait((future,), timeout=0.5)
            return future.result()
        except BaseException:
            if future.cancel():
                _wait_for_cleanup(started, finished)
            raise

    async def run_from_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on this loop, awaited from another event loop.

        The caller's loop keeps running meanwhile. Cancelling the caller cancels the
        coroutine and waits, up to :data:`CLEANUP_GRACE` seconds (in a worker thread), for
        its clean-up (a cancelled turn interrupts itself on the server) before the
        cancellation propagates.
        """
        if self._stopped:
            coro.close()
            raise CodexError("this Codex client is closed; create a new one")
        started, finished = threading.Event(), threading.Event()
        future = asyncio.run_coroutine_threadsafe(_signalling(coro, started, finished), self.loop)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            if future.cancelled():  # cancelled from our side, not by the coroutine itself
                await asyncio.to_thread(_wait_for_cleanup, started, finished)
            raise

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a plain function on the loop thread and return its result."""
        if self.in_loop_thread:
            return fn(*args)

        async def wrapper() -> T:
            return fn(*args)

        return self.run(wrapper())

    def stop(self) -> None:
        """Stop the loop, join the thread, close the loop; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        loop = self.loop

        async def finish() -> None:
            await loop.shutdown_asyncgens()
            await loop.shutdown_default_executor()
            tasks = [t for t in asyncio.all_tasks(loop) if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)

        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(finish(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join()
        loop.close()
