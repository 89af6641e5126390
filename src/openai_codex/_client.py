"""``AsyncCodex``: the async client, and the source of every behaviour the sync client has."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ._config import CodexConfig
from ._connection import Connection
from ._login import AsyncAccountMixin
from ._metadata import ServerMetadata
from ._notifications import Notification
from ._options import (
    ThreadForkOptions,
    ThreadListOptions,
    ThreadResumeOptions,
    ThreadStartOptions,
    build_params,
)
from ._runtime import build_argv, build_env
from ._server_requests import ServerRequestDispatcher, ToolsArg, prepare_thread_options
from ._sinks import END, AsyncSink
from ._thread import AsyncThread
from ._transport.stdio import StdioTransport
from .errors import CodexError, TransportClosedError

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._approvals import ApprovalHandler, UserInputHandler
    from ._generated.models import ModelListResponse, ThreadListResponse

__all__ = ["AsyncCodex", "NotificationCallback"]

logger = logging.getLogger("openai_codex")

NotificationCallback = Callable[[Notification], "Awaitable[None] | None"]


class AsyncCodex(AsyncAccountMixin):
    """An async client of one Codex app-server process.

    Use it as ``async with AsyncCodex() as codex: ...``, or call :meth:`start` and
    :meth:`close` yourself. Methods may be called concurrently from many tasks on the loop
    that started the client.
    """

    def __init__(self, config: CodexConfig | None = None) -> None:
        self.config = config if config is not None else CodexConfig()
        self._connection: Connection | None = None
        self._transport: StdioTransport | None = None
        self._metadata: ServerMetadata | None = None
        self._start_lock: asyncio.Lock | None = None
        self._listener_tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        # Answers server requests (tools, approvals, user input) by thread.
        self._server_requests = ServerRequestDispatcher()

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncCodex:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Launch the app-server and complete the ``initialize`` handshake (idempotent).

        Raises:
            CodexRuntimeNotFoundError: no ``codex`` binary could be found.
            TransportClosedError: the server exited before answering ``initialize``
                (the error carries its exit code and last stderr lines).
        """
        if self._closed:
            raise CodexError("this client is closed; create a new one")
        if self._connection is not None:
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._connection is not None:
                return
            await self._launch()

    async def _launch(self) -> None:
        config = self.config
        argv, path_dir = build_argv(config)
        env = build_env(config, path_dir)
        try:
            transport = await StdioTransport.spawn(
                argv,
                env=env,
                cwd=str(config.cwd) if config.cwd is not None else None,
                shutdown_timeout=config.shutdown_timeout,
            )
        except OSError as exc:
            raise TransportClosedError(f"could not start {argv[0]}: {exc}") from exc
        connection = Connection(transport, self._server_requests.make_router())
        connection.request_handler = self._server_requests
        connection.start()
        self._transport = transport
        self._connection = connection
        try:
            result = await connection.request(
                "initialize",
                {
                    "clientInfo": {
                        "name": config.client_name,
                        "title": config.client_title,
                        "version": config.client_version,
                    },
                    "capabilities": {"experimentalApi": config.experimental_api},
                },
                timeout=config.request_timeout,
            )
            await connection.notify("initialized")
        except BaseException:
            await self.close()
            raise
        self._metadata = ServerMetadata.from_result(result)

    async def close(self) -> None:
        """Shut the server down and end every stream and waiter; idempotent.

        Closes the server's stdin, waits up to ``config.shutdown_timeout`` seconds, then
        terminates and finally kills it.
        """
        self._closed = True
        for task in list(self._listener_tasks):
            task.cancel()
        if self._listener_tasks:
            await asyncio.gather(*self._listener_tasks, return_exceptions=True)
        connection = self._connection
        if connection is not None:
            await connection.close()

    @property
    def metadata(self) -> ServerMetadata:
        """What the server reported in ``initialize`` (available once started)."""
        if self._metadata is None:
            raise CodexError("the client is not started; use `async with AsyncCodex()`")
        return self._metadata

    @property
    def pid(self) -> int | None:
        """The app-server's process id, while it runs."""
        return self._transport.pid if self._transport is not None else None

    async def _conn(self) -> Connection:
        if self._connection is None:
            await self.start()
        assert self._connection is not None
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
        connection = await self._conn()
        return await connection.request(
            method, params, timeout=timeout if timeout is not None else self.config.request_timeout
        )

    # -- threads --------------------------------------------------------------------------

    def thread(self, thread_id: str) -> AsyncThread:
        """A handle on an existing thread by id (no request is sent).

        If the server has not loaded the thread, it is resumed on first use.
        """
        return AsyncThread(self, thread_id)

    async def _open_thread(self, method: str, params: dict[str, Any]) -> AsyncThread:
        from ._generated.models import Thread as ThreadInfo

        result = await self.request(method, params)
        info = ThreadInfo.model_validate(result["thread"])
        return AsyncThread(self, info.id, info)

    async def thread_start(
        self,
        *,
        tools: ToolsArg | None = None,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        **options: Unpack[ThreadStartOptions],
    ) -> AsyncThread:
        """Start a new thread (``thread/start``).

        Options are the fields of ``ThreadStartParams`` in snake_case (``model``, ``cwd``,
        ``base_instructions``, ``developer_instructions``, ``ephemeral``, ``config``...),
        plus ``approval_mode`` (:class:`ApprovalMode`) and ``sandbox`` (:class:`Sandbox`).

        ``tools``: Python functions (or :func:`~openai_codex.tool` objects) the agent may
        call; they are declared as the thread's ``dynamicTools``. ``on_approval``: called
        with an :class:`~openai_codex.ApprovalRequest` when the agent asks to act outside
        its sandbox, returns a :class:`~openai_codex.Decision`; unless you pass an approval
        option, setting it selects ``ApprovalMode.on_request``. ``on_user_input``: answers
        the agent's questions (:class:`~openai_codex.UserInputRequest`). Handlers may be
        functions or coroutine functions. See ``docs/tools-and-approvals.md``.
        """
        opts: dict[str, Any] = dict(options)
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
        thread_id: str,
        *,
        tools: ToolsArg | None = None,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        **options: Unpack[ThreadResumeOptions],
    ) -> AsyncThread:
        """Load an existing thread so it can run turns (``thread/resume``).

        ``tools`` registers the Python functions behind the tools the thread was started
        with: the server keeps a thread's tool specs (from ``thread_start``) and offers
        them to the model again, but cannot add new ones here. ``on_approval`` and
        ``on_user_input`` are as in :meth:`thread_start`; handlers not given keep the ones
        this client already has for the thread.
        """
        opts: dict[str, Any] = dict(options)
        handlers = prepare_thread_options(
            opts, tools=tools, on_approval=on_approval, on_user_input=on_user_input
        )
        params = build_params("ThreadResumeParams", opts, thread_id=thread_id)
        thread = await self._open_thread("thread/resume", params)
        self._server_requests.register_thread(thread.id, handlers)
        return thread

    async def thread_fork(
        self,
        thread_id: str,
        *,
        tools: ToolsArg | None = None,
        on_approval: ApprovalHandler | None = None,
        on_user_input: UserInputHandler | None = None,
        **options: Unpack[ThreadForkOptions],
    ) -> AsyncThread:
        """Copy a thread's history into a new thread (``thread/fork``).

        The fork keeps the source thread's tool specs on the server, and here it inherits
        the source thread's handlers (tools, ``on_approval``, ``on_user_input``) unless
        you pass others.
        """
        opts: dict[str, Any] = dict(options)
        handlers = prepare_thread_options(
            opts, tools=tools, on_approval=on_approval, on_user_input=on_user_input
        )
        params = build_params("ThreadForkParams", opts, thread_id=thread_id)
        thread = await self._open_thread("thread/fork", params)
        inherited = self._server_requests.handlers(thread_id)
        self._server_requests.register_thread(
            thread.id, handlers.merged_over(inherited) if handlers is not None else inherited
        )
        return thread

    async def _resume_for(self, thread_id: str) -> None:
        await self.request("thread/resume", {"threadId": thread_id})

    async def thread_list(self, **filters: Unpack[ThreadListOptions]) -> ThreadListResponse:
        """List stored threads (``thread/list``), one page; follow ``next_cursor`` for more.

        Filters: ``archived``, ``cursor``, ``cwd``, ``limit``, ``model_providers``,
        ``search_term``, ``sort_direction``, ``sort_key``, ``source_kinds``.
        """
        from ._generated.models import ThreadListResponse

        params = build_params("ThreadListParams", dict(filters))
        return ThreadListResponse.model_validate(await self.request("thread/list", params))

    async def thread_archive(self, thread_id: str) -> None:
        """Archive a thread (``thread/archive``)."""
        await self.request("thread/archive", {"threadId": thread_id})

    async def thread_unarchive(self, thread_id: str) -> AsyncThread:
        """Unarchive a thread (``thread/unarchive``); the returned thread can run turns."""
        return await self._open_thread("thread/unarchive", {"threadId": thread_id})

    async def models(self, *, include_hidden: bool = False) -> ModelListResponse:
        """The models the server offers (``model/list``), every page merged."""
        from ._generated.models import ModelListResponse

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
        that unsubscribes. Must be called on the client's loop after :meth:`start`.
        """
        connection = self._connection
        if connection is None:
            raise CodexError("start the client before subscribing to notifications")
        sink: AsyncSink[Notification] = AsyncSink()
        remove = connection.router.add_listener(sink)
        task = asyncio.ensure_future(_pump(sink, callback))
        self._listener_tasks.add(task)
        task.add_done_callback(self._listener_tasks.discard)

        def unsubscribe() -> None:
            remove()

        return unsubscribe


async def _pump(sink: AsyncSink[Notification], callback: NotificationCallback) -> None:
    while True:
        try:
            item = await sink.get()
        except CodexError:
            return
        if item is END:
            return
        try:
            outcome = callback(item)  # type: ignore[arg-type]
            if inspect.isawaitable(outcome):
                await outcome
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("notification callback failed")
