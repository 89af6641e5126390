"""The Ray backend: each Ray actor owns an :class:`~openai_codex.AsyncCodex` (its own
app-server) on the node it was placed on; the driver sends it attempts and writes results.

No scheduler here: the driver's worker ``k`` sends its attempts to actor ``k % actors``
and awaits the returned ``ObjectRef``; Ray places the actors (``ray_actor_options``,
default ``{"num_cpus": 1}``) and moves tasks and outcomes. An actor that dies (its process
crashed, its node went away) is killed for good and replaced by a new one, and the attempt
counts as a retryable failure. This module imports Ray: it is loaded only for
``backend="ray"``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

try:
    import ray
    from ray.exceptions import RayActorError, RayError, RayTaskError
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("backend='ray' needs Ray: pip install 'openai-codex[ray]'") from exc

from ._attempt import ServerPool, run_attempt
from ._policy import AttemptOutcome, describe_error
from ._task import BatchTask

if TYPE_CHECKING:
    from .. import CodexConfig

__all__ = ["ACTOR_CLOSE_TIMEOUT_S", "ACTOR_START_TIMEOUT_S", "BatchActor", "RayBackend"]

ACTOR_START_TIMEOUT_S = 120.0
"""How long the driver waits for its actors to be placed and started."""

ACTOR_CLOSE_TIMEOUT_S = 15.0
"""How long the driver lets actors close their app-servers before it kills them."""

ACTOR_GRACE_S = 30.0
"""With ``timeout_s``: extra seconds the driver gives an actor to report a timed-out
attempt before it declares the actor stuck and replaces it."""

DEFAULT_ACTOR_OPTIONS: dict[str, Any] = {"num_cpus": 1}


class BatchActor:
    """A Ray actor that runs attempts on its own app-server (one :class:`ServerPool` slot).

    Its methods are coroutines: Ray runs them on the actor's event loop, up to the
    actor's ``max_concurrency`` at once.
    """

    def __init__(
        self, config: CodexConfig | None, server_max_tasks: int | None, timeout_s: float | None
    ) -> None:
        self._pool = ServerPool.for_config(config, 1, server_max_tasks)
        self._timeout_s = timeout_s

    async def ready(self, start_server: bool = False) -> bool:
        """Answers once the actor is up; ``start_server``: once its app-server runs, too
        (a server that fails to start is left to the first attempt to report)."""
        if start_server:
            with contextlib.suppress(Exception):
                await self._pool.warm(0)
        return True

    async def run_attempt(self, task: BatchTask) -> AttemptOutcome:
        """One attempt of ``task`` on this actor's app-server."""
        return await run_attempt(self._pool, 0, task, self._timeout_s)

    async def server_pid(self) -> int | None:
        """The process id of the actor's app-server, while one runs."""
        return self._pool.pids()[0]

    async def close(self) -> None:
        """Close the app-server."""
        await self._pool.close()


RemoteBatchActor: Any = ray.remote(BatchActor)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class RayBackend:
    """Attempts run on :class:`BatchActor` actors, one app-server each."""

    def __init__(
        self,
        config: CodexConfig | None,
        *,
        server_concurrency: int,
        server_max_tasks: int | None,
        timeout_s: float | None,
        address: str | None = None,
        actor_options: Mapping[str, Any] | None = None,
    ) -> None:
        # A tracer provider holds locks and exporters and does not pickle: the actors trace
        # through their own process's global provider, if any (docs/observability.md).
        if config is not None and config.tracer_provider is not None:
            config = dataclasses.replace(config, tracer_provider=None)
        self._config = config
        self._server_concurrency = server_concurrency
        self._server_max_tasks = server_max_tasks
        self._timeout_s = timeout_s
        self._address = address
        self._options = {**DEFAULT_ACTOR_OPTIONS, **dict(actor_options or {})}
        self._owns_ray = False
        self.actors: list[Any] = []
        self._replaced: list[Any] = []
        self.replacements = 0

    def _new_actor(self, per_actor: int) -> Any:
        # Room for the attempts the driver sends it, plus ready()/close()/server_pid().
        options = {**self._options, "max_concurrency": per_actor + 2}
        return RemoteBatchActor.options(**options).remote(
            self._config, self._server_max_tasks, self._timeout_s
        )

    def _capacity(self, wanted: int) -> int:
        """``wanted`` actors, fewer if the cluster's CPUs cannot place that many."""
        cpus = self._options.get("num_cpus")
        if not cpus:
            return wanted
        api: Any = ray  # parts of Ray's API are untyped
        total = float(api.cluster_resources().get("CPU", 0.0))
        return max(1, min(wanted, int(total // float(cpus))))

    async def start(self, slots: int) -> int:
        """Initialize Ray if needed, create the actors and wait until they run."""
        if not ray.is_initialized():
            ray.init(address=self._address, logging_level=logging.WARNING)
            self._owns_ray = True
        count = self._capacity(slots)
        wanted = math.ceil(slots * self._server_concurrency / count)
        self._per_actor = max(self._server_concurrency, wanted)
        self.actors = [self._new_actor(self._per_actor) for _ in range(count)]
        try:
            # The first app-server starts alone, so that it creates the state database of a
            # new CODEX_HOME before the others open it (see ServerPool._start_client).
            first, *others = self.actors
            await asyncio.wait_for(self._ready([first], then=others), ACTOR_START_TIMEOUT_S)
        except asyncio.TimeoutError:
            raise RuntimeError(
                f"Ray did not start {count} batch actor(s) within {ACTOR_START_TIMEOUT_S:g} s "
                f"(each asks for {self._options}); is the cluster short of resources?"
            ) from None
        return count

    @staticmethod
    async def _ready(first: list[Any], *, then: list[Any]) -> None:
        await asyncio.gather(*(actor.ready.remote(True) for actor in first))
        await asyncio.gather(*(actor.ready.remote(True) for actor in then))

    def _replace(self, slot: int, actor: Any) -> None:
        if self.actors[slot] is not actor:
            return  # another worker has already replaced it
        self._replaced.append(actor)
        with contextlib.suppress(Exception):
            ray.kill(actor)
        self.actors[slot] = self._new_actor(self._per_actor)
        self.replacements += 1

    async def attempt(self, slot: int, task: BatchTask) -> AttemptOutcome:
        """One attempt on the slot's actor; a dead or stuck actor is replaced."""
        actor = self.actors[slot]
        ref = actor.run_attempt.remote(task)
        try:
            if self._timeout_s is None:
                outcome: AttemptOutcome = await ref
            else:
                outcome = await asyncio.wait_for(ref, self._timeout_s + ACTOR_GRACE_S)
            return outcome
        except RayActorError as exc:
            self._replace(slot, actor)
            return AttemptOutcome(
                ok=False, retryable=True, error=f"RayActorError: {_first_line(exc)}"
            )
        except RayTaskError as exc:  # the actor's code raised: a bug, not a transient failure
            return AttemptOutcome(ok=False, error=f"RayTaskError: {_first_line(exc)}")
        except RayError as exc:
            return AttemptOutcome(ok=False, retryable=True, error=describe_error(exc))
        except asyncio.TimeoutError:
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
            self._replace(slot, actor)
            waited = (self._timeout_s or 0.0) + ACTOR_GRACE_S
            return AttemptOutcome(
                ok=False,
                retryable=True,
                error=f"TimeoutError: the Ray actor did not answer within {waited:g} s",
            )

    async def server_pids(self) -> list[int | None]:
        """The app-server process id of each actor (for tests and diagnostics)."""
        return list(await asyncio.gather(*(actor.server_pid.remote() for actor in self.actors)))

    async def close(self) -> None:
        """Close every actor's app-server, kill the actors, and shut down a Ray we started."""
        actors, self.actors = self.actors, []
        if actors:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    asyncio.gather(
                        *(actor.close.remote() for actor in actors), return_exceptions=True
                    ),
                    ACTOR_CLOSE_TIMEOUT_S,
                )
        for actor in actors + self._replaced:
            with contextlib.suppress(Exception):
                ray.kill(actor)
        self._replaced.clear()
        if self._owns_ray:
            self._owns_ray = False
            ray.shutdown()
