"""What the framework integrations share, with no framework imported.

(:class:`SchemaTool` and the ``tools=`` hook that picks a framework's adapter live in
``_callbacks/tool_adapters.py``, below the client: ``thread_start(tools=[...])`` needs them.)

* :class:`CodexTaskRunner`: runs one Codex turn for a framework's tool call (a thread per
  agent run, the structured output, the usage of the turn, errors as messages), on the
  client's own event loop whichever loop the framework calls from.
* :class:`ClientSource`: the client a tool was given, or one it makes from a
  :class:`~openai_codex.CodexConfig` (started at first use, closed by the tool's owner).
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import weakref
from collections.abc import Callable, Coroutine, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, Union

from ..errors import CodexError, TurnFailedError

if TYPE_CHECKING:
    from .. import (
        ApprovalHandler,
        AsyncCodex,
        AsyncThread,
        Codex,
        CodexConfig,
        TokenUsage,
        UserInputHandler,
    )

__all__ = [
    "TASK_DESCRIPTION",
    "Client",
    "ClientSource",
    "ClosableCodexTool",
    "CodexTaskRunner",
    "CodexToolState",
    "OutputSpec",
    "TaskOutcome",
    "default_description",
    "make_state",
    "on_client_loop",
]

T = TypeVar("T")

Client = Union["Codex", "AsyncCodex"]
"""A started Codex client, blocking or async."""

# ---------------------------------------------------------------------- structured output


class OutputSpec:
    """The structured output of a Codex tool: the schema sent and how to read the answer.

    ``output_schema`` is a JSON Schema dict (sent unchanged, the answer parsed as JSON) or
    a type pydantic can describe (a ``BaseModel`` subclass, dataclass, TypedDict), whose
    schema is made strict with ``strict`` (Codex asks the model for strict structured
    output) and which validates the answer into an instance.
    """

    __slots__ = ("_adapter", "output_type", "schema")

    def __init__(
        self,
        output_schema: type[Any] | Mapping[str, Any],
        strict: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> None:
        """Build the schema now, so that a type pydantic cannot describe fails at once."""
        self._adapter: Any = None
        self.output_type: type[Any] | None = None
        if isinstance(output_schema, Mapping):
            self.schema: dict[str, Any] = copy.deepcopy(dict(output_schema))
            return
        if not isinstance(output_schema, type):
            raise TypeError(
                "output_schema takes a JSON Schema dict or a type such as a pydantic model, "
                f"not {output_schema!r}"
            )
        import pydantic

        try:
            adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(output_schema)
            raw = adapter.json_schema()
        except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticUserError) as exc:
            raise TypeError(f"output_schema: cannot describe {output_schema!r}: {exc}") from exc
        if raw.get("type") != "object":
            raise TypeError(
                f"output_schema: {output_schema.__name__} is not described by a JSON object; "
                "use a pydantic model, a dataclass or a TypedDict"
            )
        self.schema = strict(raw)
        self._adapter = adapter
        self.output_type = output_schema

    def parse(self, text: str) -> Any:
        """The answer as data: an instance of the type, or the parsed JSON.

        Raises ValueError (``pydantic.ValidationError`` is one) when it does not fit.
        """
        if self._adapter is not None:
            return self._adapter.validate_json(text)
        return json.loads(text)


# ------------------------------------------------------------------------------ clients


async def on_client_loop(client: Client, work: Callable[[AsyncCodex], Coroutine[Any, Any, T]]) -> T:
    """Run ``work(async_client)`` on the event loop that ``client`` lives on.

    An :class:`~openai_codex.AsyncCodex` lives on the caller's loop (the one it was started
    on); a blocking :class:`~openai_codex.Codex` runs its own loop in a thread, where the
    work is submitted while the caller's loop keeps running. Cancelling the caller
    cancels the work and waits (bounded) for its clean-up: the turn is interrupted on the
    server before the cancellation goes on.
    """
    from .. import AsyncCodex

    if isinstance(client, AsyncCodex):
        return await work(client)
    portal = client._portal
    if portal.in_loop_thread:
        return await work(client._async)
    return await portal.run_from_loop(work(client._async))


class ClientSource:
    """The client of an integration: one it was given, or one it owns.

    Given a :class:`~openai_codex.Codex` or :class:`~openai_codex.AsyncCodex`, that client
    is used and never closed here. Given a :class:`~openai_codex.CodexConfig`, a blocking
    ``Codex`` is started from it at the first call (in a worker thread, so the caller's
    loop keeps running) and closed by :meth:`close`. A blocking client runs on its own
    loop thread, so the owned one serves any event loop, ``asyncio.run`` after
    ``asyncio.run`` included.
    """

    def __init__(self, codex_or_config: Codex | AsyncCodex | CodexConfig) -> None:
        """Keep the client, or the config to start one from."""
        from .. import AsyncCodex, Codex, CodexConfig

        self._config: CodexConfig | None = None
        self._client: Client | None = None
        if isinstance(codex_or_config, CodexConfig):
            self._config = codex_or_config
        elif isinstance(codex_or_config, (Codex, AsyncCodex)):
            self._client = codex_or_config
        else:
            raise TypeError(
                "expected a Codex, an AsyncCodex or a CodexConfig, "
                f"got {type(codex_or_config).__name__}"
            )
        self._lock = threading.Lock()
        self._closed = False

    @property
    def owned(self) -> bool:
        """Whether the client is made (and closed) here, from a config."""
        return self._config is not None

    async def get(self) -> Client:
        """The client; an owned one is started on first use.

        Raises:
            CodexError: the owned client was closed with :meth:`close`.
        """
        client = self._client
        if client is not None:
            return client
        return await asyncio.to_thread(self._start)

    def _start(self) -> Client:
        from .. import Codex

        with self._lock:
            if self._closed:
                raise CodexError("this Codex tool was closed; make a new one")
            if self._client is None:
                assert self._config is not None
                self._client = Codex(self._config)
            return self._client

    def close(self) -> None:
        """Close the owned client (if it was started); idempotent. A given one stays open."""
        with self._lock:
            if self._config is None:
                return
            self._closed = True
            client, self._client = self._client, None
        if client is not None:
            client.close()  # the owned client is always a blocking Codex


# ------------------------------------------------------------------------------- runner


@dataclass(frozen=True)
class TaskOutcome:
    """What one Codex turn run for a framework tool gave.

    Attributes:
        thread_id: the Codex thread the turn ran on (None if none could be started).
        usage: the tokens of this turn (all its model requests).
        text: the final response, when the turn completed.
        data: the structured output, when an output schema was given and the answer fit.
        error: a message for the calling agent when the task did not succeed, else None.
    """

    thread_id: str | None
    usage: TokenUsage
    text: str | None = None
    data: Any = None
    error: str | None = None


class _Slot:
    """The thread of one agent run (and the lock that keeps its turns one at a time)."""

    __slots__ = ("client", "lock", "thread")

    def __init__(self, client: AsyncCodex) -> None:
        self.client = client
        self.lock: asyncio.Lock | None = None
        self.thread: AsyncThread | None = None


class _Slots:
    """Threads by agent run: entries live as long as the run's ``owner`` object.

    ``owner`` is an object the framework keeps for exactly one run (its usage record);
    when it is garbage collected its entries go. ``key`` tells runs apart that share an
    owner (Pydantic AI's ``run_id``).
    """

    def __init__(self) -> None:
        self._by_owner: dict[int, dict[tuple[Hashable, int], _Slot]] = {}
        self._lock = threading.Lock()

    def get(self, owner: object, key: Hashable, client: AsyncCodex) -> _Slot:
        owner_id = id(owner)
        with self._lock:
            slots = self._by_owner.get(owner_id)
            if slots is None:
                try:
                    weakref.finalize(owner, self._forget, owner_id)
                except TypeError:  # not weakly referenceable: no lifetime to follow
                    return _Slot(client)
                slots = self._by_owner[owner_id] = {}
            slot = slots.get((key, id(client)))
            if slot is None:
                slot = slots[(key, id(client))] = _Slot(client)
            return slot

    def _forget(self, owner_id: int) -> None:
        with self._lock:
            self._by_owner.pop(owner_id, None)

    def __len__(self) -> int:
        with self._lock:
            return sum(len(slots) for slots in self._by_owner.values())


class CodexTaskRunner:
    """Runs a framework tool's task as a Codex turn; see :meth:`run`.

    ``thread_options`` go to ``thread_start`` (with ``on_approval`` and ``on_user_input``:
    without them, the thread's approval mode decides), ``turn_options`` to ``run``;
    ``output`` makes the answer structured. With ``keep_thread`` the turns of one agent
    run continue one thread, so a follow-up call sees the earlier work.
    """

    def __init__(
        self,
        *,
        thread_options: Mapping[str, Any],
        turn_options: Mapping[str, Any] | None,
        output: OutputSpec | None,
        keep_thread: bool,
        on_approval: ApprovalHandler | None,
        on_user_input: UserInputHandler | None,
    ) -> None:
        """Keep the settings; nothing is sent before the first :meth:`run`."""
        for reserved in ("tools", "on_approval", "on_user_input"):
            if reserved in thread_options:
                raise TypeError(f"{reserved}= is a parameter of its own, not a thread option")
        if turn_options is not None and "output_schema" in turn_options:
            raise TypeError("pass output_schema= itself, not in turn_options")
        self._thread_options = dict(thread_options)
        self._turn_options = dict(turn_options or {})
        self._output = output
        self._keep_thread = keep_thread
        self._on_approval = on_approval
        self._on_user_input = on_user_input
        self._slots = _Slots()

    @property
    def output(self) -> OutputSpec | None:
        """The structured output, when one was asked for."""
        return self._output

    async def run(
        self,
        client: Client,
        task: str,
        *,
        owner: object | None,
        key: Hashable = None,
        tools: Callable[[], Sequence[object]] = tuple,
    ) -> TaskOutcome:
        """Run ``task`` as one Codex turn and say how it went.

        ``owner`` (with ``key``) names the agent run the call belongs to: with
        ``keep_thread`` every call of that run continues the thread its first call
        started (None: a new thread). ``tools()`` gives the thread's tools, asked for when
        a thread is started. Failures of Codex (a failed or interrupted turn, an answer
        that does not fit the output schema, a server that is gone) come back as
        :attr:`TaskOutcome.error`; mistakes in the options raise.
        """

        async def work(codex: AsyncCodex) -> TaskOutcome:
            if self._keep_thread and owner is not None:
                slot = self._slots.get(owner, key, codex)
            else:
                slot = _Slot(codex)
            if slot.lock is None:
                slot.lock = asyncio.Lock()
            async with slot.lock:
                return await self._turn(codex, slot, task, tools)

        return await on_client_loop(client, work)

    async def _turn(
        self,
        codex: AsyncCodex,
        slot: _Slot,
        task: str,
        tools: Callable[[], Sequence[object]],
    ) -> TaskOutcome:
        from .. import TokenUsage

        thread = slot.thread
        before = TokenUsage() if thread is None else thread.usage
        try:
            if thread is None:
                thread_tools = list(tools())
                thread = slot.thread = await codex.thread_start(
                    tools=thread_tools or None,
                    on_approval=self._on_approval,
                    on_user_input=self._on_user_input,
                    **self._thread_options,
                )
            output_schema = self._output.schema if self._output is not None else None
            result = await thread.run(task, output_schema=output_schema, **self._turn_options)
        except TurnFailedError as exc:
            return self._failed(thread, before, f"the Codex turn failed: {exc.message}")
        except CodexError as exc:
            return self._failed(thread, before, f"Codex could not run the task: {exc}")
        usage = thread.usage._minus(before)
        status = getattr(result.status, "value", result.status)
        if status != "completed":
            reason = f": {result.error.message}" if result.error is not None else ""
            return TaskOutcome(thread.id, usage, error=f"the Codex turn was {status}{reason}")
        text = result.final_response or ""
        if self._output is None:
            return TaskOutcome(thread.id, usage, text=text)
        try:
            data = self._output.parse(text)
        except ValueError as exc:
            return TaskOutcome(
                thread.id,
                usage,
                text=text,
                error=f"Codex's answer does not match the output schema: {exc}",
            )
        return TaskOutcome(thread.id, usage, text=text, data=data)

    @staticmethod
    def _failed(thread: AsyncThread | None, before: TokenUsage, message: str) -> TaskOutcome:
        if thread is None:
            from .. import TokenUsage

            return TaskOutcome(None, TokenUsage(), error=message)
        return TaskOutcome(thread.id, thread.usage._minus(before), error=message)


# ------------------------------------------------------------------ the tools' common part

TASK_DESCRIPTION = (
    "The task for Codex, complete and self-contained: what to do, where, and what to report back."
)
"""The description of the ``task`` argument of the frameworks' Codex tools."""


def default_description(keep_thread: bool) -> str:
    """The description a Codex tool gets when none is given."""
    text = (
        "Hand a coding task to Codex, an agent that works in a workspace: it reads and "
        "edits files and runs commands, then answers with what it did or found."
    )
    if keep_thread:
        text += " Later calls in this run continue the same Codex session."
    return text


class CodexToolState:
    """What a framework's Codex tool carries: its client source and its runner.

    An owned client (made from a :class:`~openai_codex.CodexConfig`) is closed by
    :meth:`close`, or at the latest when the state is garbage collected or the
    interpreter exits.
    """

    def __init__(
        self,
        codex_or_config: Codex | AsyncCodex | CodexConfig | None,
        runner: CodexTaskRunner,
    ) -> None:
        """Keep the source (None: the client comes with each call) and the runner."""
        self.source = ClientSource(codex_or_config) if codex_or_config is not None else None
        self.runner = runner
        if self.source is not None and self.source.owned:
            weakref.finalize(self, self.source.close)

    async def client(self, fallback: Client | None = None) -> Client:
        """The tool's own client, else ``fallback`` (one found in the call's context).

        Raises:
            CodexError: neither is there.
        """
        if self.source is not None:
            return await self.source.get()
        if fallback is None:
            raise CodexError("no Codex client: give the tool one, or carry it in the context")
        return fallback

    def close(self) -> None:
        """Close the owned client, if any (a client given by the caller stays open)."""
        if self.source is not None:
            self.source.close()


def make_state(
    codex_or_config: Codex | AsyncCodex | CodexConfig | None,
    *,
    output_schema: type[Any] | Mapping[str, Any] | None,
    strict: Callable[[dict[str, Any]], dict[str, Any]],
    keep_thread: bool,
    on_approval: ApprovalHandler | None,
    on_user_input: UserInputHandler | None,
    turn_options: Mapping[str, Any] | None,
    thread_options: Mapping[str, Any],
) -> CodexToolState:
    """The state of a framework's Codex tool, from the arguments both integrations take."""
    output = OutputSpec(output_schema, strict) if output_schema is not None else None
    runner = CodexTaskRunner(
        thread_options=thread_options,
        turn_options=turn_options,
        output=output,
        keep_thread=keep_thread,
        on_approval=on_approval,
        on_user_input=on_user_input,
    )
    return CodexToolState(codex_or_config, runner)


class ClosableCodexTool:
    """Closing a framework's Codex tool: its owned client, if it made one from a config.

    ``close()`` (or ``with tool:`` / ``async with tool:``) stops the app-server that a
    tool built from a :class:`~openai_codex.CodexConfig` started; a client you passed in
    stays yours to close.
    """

    _codex_state: CodexToolState

    def close(self) -> None:
        """Close the client this tool owns (idempotent); later calls answer an error."""
        self._codex_state.close()

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.to_thread(self._codex_state.close)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
