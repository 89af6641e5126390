"""``AsyncCodex``: the async client, and the source of every behaviour the sync client has."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._auth.login import AsyncAccountMixin
from .._callbacks.dispatch import ServerRequestDispatcher, ToolsArg
from .._conversation.handlers import prepare_thread_options
from .._conversation.options import ApprovalMode, build_params, keyword_options, resume_params_of
from .._core.notifications import Notification
from .._core.restarts import RestartBudget
from .._core.sinks import END, AsyncSink, Sink
from .._core.transport.base import Transport
from .._observability.logs import ServerLogForwarder
from .._observability.telemetry import Telemetry
from ..errors import CodexAuthError, CodexError
from .config import CodexConfig
from .launch import discard, handshake, launch_greeted, open_transport
from .listeners import ListenerHub
from .low_level import AsyncLowLevel

if TYPE_CHECKING:
    import subprocess

    from .._callbacks.approvals import ApprovalHandler, UserInputHandler
    from .._conversation.features import ThreadFeatures
    from .._conversation.options import Sandbox
    from .._conversation.thread import AsyncThread
    from .._core.connection import Connection
    from .._core.router import Router
    from .._generated.models import (
        ModelListResponse,
        Personality,
        SortDirection,
        ThreadArchiveResponse,
        ThreadListResponse,
        ThreadSortKey,
        ThreadSource,
        ThreadSourceKind,
        ThreadStartSource,
    )
    from .._generated.rpc import AsyncRpc
    from .._observability.usage import TokenUsage
    from .metadata import InitializeResponse

__all__ = ["AsyncCodex", "NotificationCallback"]

logger = logging.getLogger("openai_codex")

NotificationCallback = Callable[[Notification], "Awaitable[None] | None"]


class AsyncCodex(AsyncAccountMixin, AsyncLowLevel):
    """An async client of one Codex app-server process.

    Use it as ``async with AsyncCodex() as codex: ...``, or call :meth:`start` and
    :meth:`close` yourself. Methods may be called concurrently from many tasks on the loop
    that started the client.
    """

    def __init__(self, config: CodexConfig | None = None) -> None:
        self.config = config if config is not None else CodexConfig()
        self._connection: Connection | None = None
        self._transport: Transport | None = None
        # The raw ``initialize`` answer; ``metadata`` builds its model on first access.
        self._initialize_result: dict[str, Any] | None = None
        self._metadata: InitializeResponse | None = None
        self._start_lock: asyncio.Lock | None = None
        # A server process ``Codex()`` launched before importing this module (the cold
        # start), and the ``initialize`` line already written to it; the first start
        # adopts both.
        self._prelaunched: tuple[subprocess.Popen[bytes], bytes] | None = None
        self._listener_tasks: set[asyncio.Task[None]] = set()
        self._listeners = ListenerHub()
        self._restarts = RestartBudget(self.config.max_restarts)
        self._gave_up: CodexError | None = None
        self._closed = False
        # Token usage (always) and OpenTelemetry spans (with a tracer provider).
        self._telemetry = Telemetry(self.config)
        # Answers server requests (tools, approvals, user input) by thread.
        self._server_requests = ServerRequestDispatcher(self._telemetry)

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncCodex:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Launch the app-server and complete the ``initialize`` handshake (idempotent).

        With ``config.auto_restart`` (the default), a client whose server exited
        unexpectedly starts a new one here; every call does this first.

        Raises:
            CodexRuntimeNotFoundError: no ``codex`` binary could be found.
            TransportClosedError: the server exited before answering ``initialize``
                (the error carries its exit code and last stderr lines).
            CodexError: the client is closed, or its server exited more than
                ``config.max_restarts`` times within 60 seconds.
        """
        if self._closed:
            raise CodexError("this client is closed; create a new one")
        if self._gave_up is not None:
            raise self._gave_up
        connection = self._connection
        if connection is not None and (connection.closed_error is None or not self._may_restart):
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            connection = self._connection
            if connection is None:
                await self._launch()
            elif connection.closed_error is not None and self._may_restart:
                await self._restart(connection)

    @property
    def _may_restart(self) -> bool:
        return self.config.auto_restart and not self._closed

    async def _restart(self, dead: Connection) -> None:
        """Replace a connection whose server exited (under the start lock)."""
        error = dead.closed_error
        await dead.close()  # reap the process, release its pipes
        if not self._restarts.allow():
            tail = getattr(error, "stderr_tail", ()) or ()
            lines = "".join(f"\n  {line}" for line in tail)
            self._gave_up = CodexError(
                f"the app-server exited {self._restarts.recent} times within "
                f"{self._restarts.window:g} s (more than max_restarts="
                f"{self._restarts.max_restarts}); not starting it again. Last error: {error}"
                + (f"\nlast stderr lines:{lines}" if lines and "stderr" not in str(error) else "")
            )
            self._listeners.restartable = False
            self._listeners.close_all(self._gave_up)
            raise self._gave_up
        logger.warning(
            "the app-server %s (%s); %s (%d of at most %d restarts within %g s)",
            "connection was lost" if self.config.url else "exited unexpectedly",
            str(error).splitlines()[0] if error is not None else "connection lost",
            f"connecting to {self.config.url} again" if self.config.url else "starting a new one",
            self._restarts.recent,
            self._restarts.max_restarts,
            self._restarts.window,
        )
        try:
            await self._launch()
        except CodexAuthError as exc:  # a token the server refuses will not work next time
            self._gave_up = exc
            self._listeners.restartable = False
            self._listeners.close_all(exc)
            raise

    async def _launch(self) -> None:
        telemetry = self._telemetry
        telemetry.refresh()  # the application may have set a tracer provider since
        span = telemetry.start_span(restart=self._initialize_result is not None)
        try:
            await self._open(telemetry)
        except BaseException as exc:
            if span is not None:
                span.failed(exc)
            raise
        if span is not None:
            info = self.metadata.serverInfo if self._initialize_result is not None else None
            span.succeeded(info.version if info is not None else None)

    async def _open(self, telemetry: Telemetry) -> None:
        config = self.config
        server_logs = None
        if config.forward_server_logs:
            server_logs = ServerLogForwarder(scrub=telemetry.scrub)
        launched, self._prelaunched = self._prelaunched, None
        if launched is None:  # launch, and send ``initialize`` before anything else
            launched = launch_greeted(config)
        process, greeting = launched if launched is not None else (None, None)
        transport = await open_transport(config, server_logs=server_logs, process=process)
        observer = telemetry.observer()
        router = self._server_requests.make_router(observer, observer.methods)
        router.on_close = observer.closed
        # Imported after the launch, while the server boots: the connection, and what the
        # first thread_start needs.
        from .._conversation import thread  # noqa: F401
        from .._core.connection import Connection

        connection = Connection(transport, router, max_line_bytes=config.max_line_bytes)
        connection.request_handler = self._server_requests
        self._listeners.restartable = self._may_restart
        self._listeners.attach(connection.router)
        # Not started here: ``handshake`` starts it once the ``initialize`` answer has a
        # waiter (the server may have answered while the SDK was importing).
        self._transport = transport
        self._connection = connection
        try:
            result = await handshake(connection, config, greeting=greeting)
        except BaseException:
            await connection.close()
            if self._initialize_result is None:  # the first start: the client is unusable
                await self.close()
            raise
        # Kept raw: the model (and pydantic) load when ``metadata`` is first read.
        self._initialize_result = result if isinstance(result, dict) else {}
        self._metadata = None

    async def close(self) -> None:
        """Shut the server down (or disconnect from it) and end every stream and waiter.

        Idempotent. A server this client launched gets its stdin closed, up to
        ``config.shutdown_timeout`` seconds to exit, then is terminated and finally killed;
        a server reached by ``config.url`` is only disconnected from.
        """
        self._closed = True
        if self._prelaunched is not None:  # never started: end the launched server
            process = self._prelaunched[0]
            self._prelaunched = None
            discard(process)  # SIGKILL: the wait is short
        self._listeners.restartable = False
        self._listeners.close_all()
        for task in list(self._listener_tasks):
            task.cancel()
        if self._listener_tasks:
            await asyncio.gather(*self._listener_tasks, return_exceptions=True)
        connection = self._connection
        if connection is not None:
            await connection.close()

    @property
    def metadata(self) -> InitializeResponse:
        """What the server reported in ``initialize`` (available once started).

        ``metadata.serverInfo.name`` / ``.version``, ``metadata.userAgent``,
        ``metadata.platformFamily``, ``metadata.platformOs`` (and the snake_case
        ``user_agent``, ``codex_home``, ``platform_family``, ``platform_os``, ``raw``).
        """
        metadata = self._metadata
        if metadata is None:
            result = self._initialize_result
            if result is None:
                raise CodexError("the client is not started; use `async with AsyncCodex()`")
            from .metadata import InitializeResponse

            metadata = self._metadata = InitializeResponse.from_result(result)
        return metadata

    @property
    def rpc(self) -> AsyncRpc:
        """Typed access to every protocol request: ``await codex.rpc.config_read()``.

        One coroutine method per client request of the pinned runtime, named after its
        wire method in snake_case (``thread/goal/set`` -> ``rpc.thread_goal_set``); each
        takes the params model or its fields as keywords, validates them before sending,
        and returns the validated response model. See ``docs/rpc.md``. :meth:`request`
        stays the untyped escape hatch.
        """
        rpc: AsyncRpc | None = self.__dict__.get("_rpc")
        if rpc is None:  # the generated module loads on first use
            from .._conversation.option_checks import check_params
            from .._generated.rpc import AsyncRpc

            rpc = self._rpc = AsyncRpc(self, check_params)
        return rpc

    @property
    def usage(self) -> TokenUsage:
        """Tokens used by every model request this client's threads made, so far.

        Kept from the server's ``thread/tokenUsage/updated`` notifications, across restarts
        of the server; see :attr:`AsyncThread.usage` for one thread and
        ``docs/observability.md`` for what is counted.
        """
        return self._telemetry.usage.total

    @property
    def telemetry(self) -> Telemetry:
        """Usage accounting and tracing of this client (internal use)."""
        return self._telemetry

    @property
    def pid(self) -> int | None:
        """The app-server's process id, while it runs (``None`` for a remote server)."""
        pid: int | None = getattr(self._transport, "pid", None)
        return pid

    async def connection(self) -> Connection:
        """The live connection, starting (or restarting) the server first if needed."""
        connection = self._connection
        if connection is None or connection.closed_error is not None:
            await self.start()
            connection = self._connection
        assert connection is not None
        return connection

    _conn = connection

    @property
    def current_connection(self) -> Connection | None:
        """The connection if the client is started, else ``None`` (internal use)."""
        return self._connection

    # -- raw protocol access --------------------------------------------------------------

    async def request(
        self, method: str, params: Any = None, *, timeout: float | None = None
    ) -> Any:
        """Send any protocol request and return the raw result (an escape hatch).

        Raises:
            JsonRpcError: the server's error answer, as the subclass matching its code.
            TransportClosedError: the server exited before answering.
            CodexTimeoutError: no answer within ``timeout`` (default ``config.request_timeout``).
        """
        connection = await self.connection()
        return await connection.request(
            method, params, timeout=timeout if timeout is not None else self.config.request_timeout
        )

    # -- threads --------------------------------------------------------------------------

    @property
    def _features(self) -> ThreadFeatures:
        """Goals and reviews, as this client's threads reach them (internal use)."""
        from .features import THREAD_FEATURES

        return THREAD_FEATURES

    @property
    def server_requests(self) -> ServerRequestDispatcher:
        """Answers the server's requests (tools, approvals, user input) for this client."""
        return self._server_requests

    def thread(self, thread_id: str) -> AsyncThread:
        """A handle on an existing thread by id (no request is sent).

        If the server has not loaded the thread, it is resumed on first use.
        """
        from .._conversation.thread import AsyncThread

        return AsyncThread(self, thread_id)

    async def _open_thread(self, method: str, params: dict[str, Any]) -> AsyncThread:
        result = await self.request(method, params)
        raw = result["thread"]
        # ``thread.info`` is validated on first access (the ``Thread`` model pulls in a
        # large graph of models, which a cold start should not pay for unless it is used).
        from .._conversation.thread import AsyncThread

        return AsyncThread(self, raw["id"], raw_info=raw, resume_params=resume_params_of(params))

    async def thread_start(
        self,
        /,
        *,
        approval_mode: ApprovalMode | str = ApprovalMode.auto_review,
        base_instructions: str | None = None,
        config: dict[str, Any] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        developer_instructions: str | None = None,
        ephemeral: bool | None = None,
        model: str | None = None,
        model_provider: str | None = None,
        personality: Personality | str | None = None,
        sandbox: Sandbox | str | None = None,
        service_name: str | None = None,
        service_tier: str | None = None,
        session_start_source: ThreadStartSource | str | None = None,
        thread_source: ThreadSource | str | None = None,
        tools: ToolsArg | None = None,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        **params: Any,
    ) -> AsyncThread:
        """Start a new thread (``thread/start``).

        Options: ``approval_mode`` (:class:`ApprovalMode`; ``auto_review`` by default, as
        in the official SDK: Codex's reviewer agent answers the agent's requests),
        ``sandbox`` (:class:`Sandbox`), ``model``, ``model_provider``, ``cwd``,
        ``base_instructions``, ``developer_instructions``, ``config`` (Codex config values
        for this thread), ``ephemeral`` (not persisted), ``personality``,
        ``service_tier``, ``service_name``, ``thread_source``, ``session_start_source``.
        Other fields of ``ThreadStartParams`` may be passed by their snake_case name in
        ``params``; everything is validated before it is sent.

        ``tools``: Python functions (or :func:`~openai_codex.tool` objects) the agent may
        call; they are declared as the thread's ``dynamicTools``. ``on_approval``: called
        with an :class:`~openai_codex.ApprovalRequest` when the agent asks to act outside
        its sandbox, returns a :class:`~openai_codex.Decision`; passing it selects
        ``ApprovalMode.on_request`` unless you chose ``deny_all``. ``on_user_input``:
        answers the agent's questions (:class:`~openai_codex.UserInputRequest`). Handlers
        may be functions or coroutine functions. See ``docs/tools-and-approvals.md``.
        """
        opts = keyword_options(locals())
        handlers = prepare_thread_options(
            opts, tools=tools, on_approval=on_approval, on_user_input=on_user_input
        )
        fixed: dict[str, Any] = {}
        if handlers is not None and handlers.tools is not None and len(handlers.tools):
            fixed["dynamic_tools"] = handlers.tools.specs()
        thread = await self._open_thread(
            "thread/start", build_params("ThreadStartParams", opts, **fixed)
        )
        self._server_requests.register_thread(thread.id, handlers)
        return thread

    async def thread_resume(
        self,
        /,
        thread_id: str,
        *,
        approval_mode: ApprovalMode | str | None = None,
        base_instructions: str | None = None,
        config: dict[str, Any] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        developer_instructions: str | None = None,
        include_turns: bool | None = None,
        model: str | None = None,
        model_provider: str | None = None,
        personality: Personality | str | None = None,
        sandbox: Sandbox | str | None = None,
        service_tier: str | None = None,
        tools: ToolsArg | None = None,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        **params: Any,
    ) -> AsyncThread:
        """Load an existing thread so it can run turns (``thread/resume``).

        Options as in :meth:`thread_start` (none has a default here: the thread keeps
        its settings), plus ``include_turns`` (``False`` asks the server not to send the
        thread's turns back). ``tools`` registers the Python functions behind the tools
        the thread was started with: the server keeps a thread's tool specs (from
        ``thread_start``) and offers them to the model again, but cannot add new ones
        here. ``on_approval`` and ``on_user_input`` are as in :meth:`thread_start`;
        handlers not given keep the ones this client already has for the thread.
        """
        opts = keyword_options(locals())
        handlers = prepare_thread_options(
            opts, tools=tools, on_approval=on_approval, on_user_input=on_user_input
        )
        request = build_params("ThreadResumeParams", opts, thread_id=thread_id)
        thread = await self._open_thread("thread/resume", request)
        self._server_requests.register_thread(thread.id, handlers)
        return thread

    async def thread_fork(
        self,
        /,
        thread_id: str,
        *,
        approval_mode: ApprovalMode | str | None = None,
        base_instructions: str | None = None,
        config: dict[str, Any] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        developer_instructions: str | None = None,
        ephemeral: bool | None = None,
        include_turns: bool | None = None,
        model: str | None = None,
        model_provider: str | None = None,
        sandbox: Sandbox | str | None = None,
        service_tier: str | None = None,
        thread_source: ThreadSource | str | None = None,
        tools: ToolsArg | None = None,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        **params: Any,
    ) -> AsyncThread:
        """Copy a thread's history into a new thread (``thread/fork``).

        Options as in :meth:`thread_resume`. The fork keeps the source thread's tool specs
        on the server, and here it inherits the source thread's handlers (tools,
        ``on_approval``, ``on_user_input``) unless you pass others.
        """
        opts = keyword_options(locals())
        handlers = prepare_thread_options(
            opts, tools=tools, on_approval=on_approval, on_user_input=on_user_input
        )
        request = build_params("ThreadForkParams", opts, thread_id=thread_id)
        thread = await self._open_thread("thread/fork", request)
        inherited = self._server_requests.handlers(thread_id)
        self._server_requests.register_thread(
            thread.id, handlers.merged_over(inherited) if handlers is not None else inherited
        )
        return thread

    async def thread_list(
        self,
        /,
        *,
        archived: bool | None = None,
        cursor: str | None = None,
        cwd: str | list[str] | None = None,
        limit: int | None = None,
        model_providers: list[str] | None = None,
        search_term: str | None = None,
        section_id: str | None = None,
        sort_direction: SortDirection | str | None = None,
        sort_key: ThreadSortKey | str | None = None,
        source_kinds: list[ThreadSourceKind | str] | None = None,
        use_state_db_only: bool | None = None,
        **params: Any,
    ) -> ThreadListResponse:
        """List stored threads (``thread/list``), one page; follow ``next_cursor`` for more.

        Filters (all optional): ``archived``, ``cwd`` (one path or several),
        ``model_providers``, ``search_term``, ``section_id``, ``source_kinds``,
        ``use_state_db_only``; paging: ``cursor``, ``limit``, ``sort_key``,
        ``sort_direction``. Other ``ThreadListParams`` fields go in ``params``.
        """
        opts = keyword_options(locals())
        request = build_params("ThreadListParams", opts)
        from .._generated.models import ThreadListResponse

        return ThreadListResponse.model_validate(await self.request("thread/list", request))

    async def thread_archive(self, thread_id: str) -> ThreadArchiveResponse:
        """Archive a thread (``thread/archive``)."""
        from .._generated.models import ThreadArchiveResponse

        result = await self.request("thread/archive", {"threadId": thread_id})
        return ThreadArchiveResponse.model_validate(result)

    async def thread_unarchive(self, thread_id: str) -> AsyncThread:
        """Unarchive a thread (``thread/unarchive``); the returned thread can run turns."""
        return await self._open_thread("thread/unarchive", {"threadId": thread_id})

    async def models(self, *, include_hidden: bool = False) -> ModelListResponse:
        """The models the server offers (``model/list``), every page merged."""
        from .._generated.models import ModelListResponse

        params: dict[str, Any] = {"includeHidden": include_hidden}
        pages = []
        while True:
            page = ModelListResponse.model_validate(await self.request("model/list", params))
            pages.append(page)
            if not page.next_cursor:
                break
            params = {**params, "cursor": page.next_cursor}
        first = pages[0]
        if len(pages) > 1:
            first = first.model_copy(
                update={"data": [m for p in pages for m in p.data], "next_cursor": None}
            )
        return first

    # -- notifications outside turns ------------------------------------------------------

    def on_notification(self, callback: NotificationCallback) -> Callable[[], None]:
        """Call ``callback`` for every notification that is not part of a turn.

        That covers warnings, config warnings, account and rate-limit updates, and
        thread-level events. The callback may be a function or a coroutine function; it runs
        in its own task, so a slow callback never delays turn streams. Returns a function
        that unsubscribes (no further call of ``callback`` starts once it returns). Call it
        on the client's loop; the subscription lasts until you
        unsubscribe or close the client, across restarts of the server.
        """
        sink: AsyncSink[Notification] = AsyncSink()
        remove = self._subscribe(sink)
        stopped = threading.Event()
        task = asyncio.ensure_future(_pump(sink, callback, stopped))
        self._listener_tasks.add(task)
        task.add_done_callback(self._listener_tasks.discard)

        def unsubscribe() -> None:
            stopped.set()
            remove()

        return unsubscribe

    def _on_router(self, hook: Callable[[Router], None]) -> None:
        """Call ``hook`` with the live connection's router and each later one (internal)."""
        connection = self._connection
        live = connection if connection is not None and connection.closed_error is None else None
        self._listeners.on_router(hook, live.router if live is not None else None)

    def _subscribe(self, sink: Sink[Notification]) -> Callable[[], None]:
        """Deliver notifications outside turns to ``sink`` (on the loop); returns the remover."""
        if self._closed:
            sink.close(CodexError("this client is closed"))
            return lambda: None
        connection = self._connection
        router = None
        if connection is not None and connection.closed_error is None:
            router = connection.router
        return self._listeners.subscribe(sink, router)


async def _pump(
    sink: AsyncSink[Notification], callback: NotificationCallback, stopped: threading.Event
) -> None:
    while True:
        try:
            item = await sink.get()
        except CodexError:
            return
        if item is END or stopped.is_set():  # nothing queued runs after unsubscribing
            return
        try:
            outcome = callback(item)  # type: ignore[arg-type]
            if inspect.isawaitable(outcome):
                await outcome
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("notification callback failed")
