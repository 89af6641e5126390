"""Running one attempt of a task on a pool of app-servers (the local backend and each Ray
actor use this).

:class:`ServerPool` keeps one :class:`~openai_codex.AsyncCodex` per slot, started on first
use. A slot's server is replaced by a fresh one when it dies (an attempt saw
:class:`~openai_codex.TransportClosedError`) and, to bound its memory (each thread it has
run stays loaded, about 2-4 MB apiece), after it has served ``max_tasks`` tasks; a
replaced server is closed as soon as its last running turn is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._policy import AttemptOutcome, backoff_delay, describe_error, is_retryable
from ._result import TokenUsage
from ._task import BatchTask

if TYPE_CHECKING:
    from .. import AsyncCodex, AsyncTurnHandle, CodexConfig, TurnResult

__all__ = ["INTERRUPT_TIMEOUT_S", "START_ATTEMPTS", "ServerPool", "run_attempt"]

INTERRUPT_TIMEOUT_S = 5.0
"""How long a timed-out attempt waits for the server to accept its ``turn/interrupt``."""

START_ATTEMPTS = 3
"""How many times the pool tries to start a server whose process exits during start-up."""

START_RETRY_DELAY_S = 0.25

ClientFactory = Callable[[], "AsyncCodex"]


@dataclass(eq=False)
class _Server:
    client: AsyncCodex
    inflight: int = 0
    uses: int = 0
    retired: bool = False


@dataclass
class ServerPool:
    """``slots`` app-servers, each started on first use and replaced when dead or worn.

    Args:
        factory: makes a new (unstarted) client.
        slots: how many servers the pool keeps.
        max_tasks: tasks a server runs before it is replaced (``None``: never).
    """

    factory: ClientFactory
    slots: int = 1
    max_tasks: int | None = None
    started: int = field(default=0, init=False)
    """How many servers the pool has started so far (replacements included)."""
    _current: list[_Server | None] = field(default_factory=list, init=False)
    _locks: list[asyncio.Lock] = field(default_factory=list, init=False)
    _retiring: set[_Server] = field(default_factory=set, init=False)
    _closed: bool = field(default=False, init=False)
    _first_start: asyncio.Lock | None = field(default=None, init=False)

    @classmethod
    def for_config(
        cls, config: CodexConfig | None, slots: int = 1, max_tasks: int | None = None
    ) -> ServerPool:
        """A pool of ``AsyncCodex(config)`` servers."""
        from .. import AsyncCodex

        return cls(lambda: AsyncCodex(config), slots, max_tasks)

    def _lock(self, slot: int) -> asyncio.Lock:
        if not self._locks:  # made on first use, on the loop that uses them
            self._locks = [asyncio.Lock() for _ in range(self.slots)]
            self._current = [None] * self.slots
        return self._locks[slot]

    async def acquire(self, slot: int) -> _Server:
        """The slot's running server (started if needed), counted as in use until
        :meth:`release`.

        Raises:
            whatever starting a server raises (``TransportClosedError``,
            ``CodexRuntimeNotFoundError``...).
        """
        async with self._lock(slot):
            if self._closed:
                raise RuntimeError("the server pool is closed")
            server = self._current[slot]
            if server is not None and self.max_tasks is not None and server.uses >= self.max_tasks:
                await self._retire(slot, server)
                server = None
            if server is None:
                client = await self._start_client()
                server = _Server(client)
                self._current[slot] = server
            server.uses += 1
            server.inflight += 1
            return server

    async def warm(self, slot: int) -> None:
        """Start the slot's server now if it has none (not counted as a task)."""
        async with self._lock(slot):
            if not self._closed and self._current[slot] is None:
                self._current[slot] = _Server(await self._start_client())

    async def _start_client(self) -> AsyncCodex:
        """A started client. The pool's first start runs alone: several app-servers
        starting at once on a CODEX_HOME that has no state database yet can fail
        ("failed to initialize sqlite state runtime", app-server 0.163.0). A start whose
        server exits early is tried again, up to ``START_ATTEMPTS`` times."""
        from .. import TransportClosedError

        if self._first_start is None:
            self._first_start = asyncio.Lock()
        for attempt in range(1, START_ATTEMPTS + 1):
            client = self.factory()
            try:
                if self.started == 0:
                    async with self._first_start:
                        await client.start()
                else:
                    await client.start()
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    await client.close()
                transient = isinstance(exc, TransportClosedError) and is_retryable(exc)
                if not transient or attempt == START_ATTEMPTS:
                    raise
                await asyncio.sleep(backoff_delay(attempt, START_RETRY_DELAY_S))
                continue
            self.started += 1
            return client
        raise AssertionError("unreachable")  # pragma: no cover

    async def release(self, server: _Server, *, dead: bool = False) -> None:
        """Done with ``server``; ``dead=True``: it has died, so its slot gets a new one."""
        server.inflight -= 1
        if dead and not server.retired:
            for slot, current in enumerate(self._current):
                if current is server:
                    self._current[slot] = None
            server.retired = True
            self._retiring.add(server)
        if server.retired and server.inflight <= 0 and server in self._retiring:
            await server.client.close()
            self._retiring.discard(server)  # only once closed: close() closes it otherwise

    async def _retire(self, slot: int, server: _Server) -> None:
        self._current[slot] = None
        server.retired = True
        self._retiring.add(server)
        if server.inflight <= 0:
            await server.client.close()
            self._retiring.discard(server)

    def pids(self) -> list[int | None]:
        """The process id of each slot's current server (``None``: none running)."""
        return [s.client.pid if s is not None else None for s in self._current]

    async def close(self) -> None:
        """Close every server, running or retired (idempotent)."""
        self._closed = True
        servers = [s for s in self._current if s is not None] + list(self._retiring)
        self._current = [None] * len(self._current)
        self._retiring.clear()
        if servers:
            await asyncio.gather(*(s.client.close() for s in servers), return_exceptions=True)


@dataclass
class _Turn:
    handle: AsyncTurnHandle | None = None
    thread_id: str | None = None


async def _run_turn(client: AsyncCodex, task: BatchTask, turn: _Turn) -> TurnResult:
    thread = await client.thread_start(cwd=task.cwd, **task.options)
    turn.thread_id = thread.id
    turn.handle = await thread.turn(task.prompt, output_schema=task.output_schema)
    return await turn.handle.run()


def outcome_of(task: BatchTask, result: TurnResult) -> AttemptOutcome:
    """The outcome of an attempt whose turn ended (completed, or interrupted)."""
    usage = TokenUsage.from_turn_usage(result.usage)
    status = getattr(result.status, "value", result.status)
    common: dict[str, Any] = {
        "final_response": result.final_response,
        "usage": usage,
        "thread_id": result.thread_id,
    }
    if status != "completed":
        return AttemptOutcome(
            ok=False, retryable=True, error=f"TurnEndedError: the turn ended {status}", **common
        )
    if task.output_schema is None:
        return AttemptOutcome(ok=True, **common)
    if result.final_response is None:
        return AttemptOutcome(
            ok=False,
            error="StructuredOutputError: the turn gave no final answer to parse",
            **common,
        )
    try:
        parsed = json.loads(result.final_response)
    except ValueError as exc:
        return AttemptOutcome(
            ok=False,
            error=f"StructuredOutputError: the final answer is not valid JSON ({exc})",
            **common,
        )
    return AttemptOutcome(ok=True, structured_output=parsed, **common)


async def run_attempt(
    pool: ServerPool, slot: int, task: BatchTask, timeout_s: float | None
) -> AttemptOutcome:
    """Run ``task`` once on a fresh thread of the slot's server; never raises (except on
    cancellation): every failure becomes an :class:`AttemptOutcome`."""
    from .. import CodexError, TransportClosedError

    turn = _Turn()
    server: _Server | None = None
    dead = False
    try:
        server = await pool.acquire(slot)
        if timeout_s is None:
            result = await _run_turn(server.client, task, turn)
        else:
            result = await asyncio.wait_for(_run_turn(server.client, task, turn), timeout_s)
        return outcome_of(task, result)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        if isinstance(exc, asyncio.TimeoutError) and not isinstance(exc, CodexError):
            # The batch's own limit (``timeout_s``) ran out: stop the model's work.
            if turn.handle is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(turn.handle.interrupt(), INTERRUPT_TIMEOUT_S)
            return AttemptOutcome(
                ok=False,
                retryable=True,
                error=f"TimeoutError: the task took more than {timeout_s:g} s",
                thread_id=turn.thread_id,
            )
        dead = isinstance(exc, TransportClosedError)
        partial = getattr(exc, "result", None)
        return AttemptOutcome(
            ok=False,
            retryable=is_retryable(exc),
            error=describe_error(exc),
            final_response=getattr(partial, "final_response", None),
            usage=TokenUsage.from_turn_usage(getattr(partial, "usage", None)),
            thread_id=turn.thread_id,
        )
    finally:
        if server is not None:
            await pool.release(server, dead=dead)
