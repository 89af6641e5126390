"""The official low-level clients: ``CodexClient`` (blocking) and ``AsyncCodexClient``.

They speak the app-server protocol almost verbatim: ``start()`` launches the process,
``initialize()`` performs the handshake, and each typed helper sends one request with the
given params and returns the answer as its protocol model. Notifications are *pulled*:

- ``next_notification()`` reads the global queue: every notification that names neither
  a turn nor a login (``thread/started``, ``thread/status/changed``, ``account/updated``,
  warnings...).
- A notification that names a turn (``turnId`` or ``turn.id``) goes to that turn's queue,
  read with ``next_turn_notification(turn_id)``. The queue exists from the turn's first
  notification, whether or not anyone registered it, so a caller who registers right after
  ``turn_start`` returns misses nothing (the server may emit ``turn/started`` before the
  answer is processed). A turn nobody registers keeps its queue while it runs; after its
  ``turn/completed`` the last :data:`RETAINED_TURNS` such turns are kept, older ones are
  dropped. ``unregister_turn_notifications`` drops a queue and ignores the turn from then
  on.
- ``account/login/completed`` with a ``loginId`` goes to that login's queue
  (``next_login_notification``), the same way; with ``loginId: null`` (an API-key login)
  it goes to the global queue.
- While a goal operation is registered on a thread, that thread's turn notifications (of
  turns no one registered) and its ``thread/goal/*`` notifications go to the operation's
  queue (``next_goal_notification``), and update its :class:`~._goal._GoalOperationState`
  as they arrive.

A queue whose stream is over (its turn completed, its login completed, its goal operation
finished or was unregistered) raises :class:`StreamEndedError` (a
:class:`~openai_codex.TransportClosedError`, as the official SDK raises for a finished
turn) once its items are read; when the server exits every reader gets the connection's
``TransportClosedError``.

Design: :class:`AsyncCodexClient` holds all the behaviour. :class:`CodexClient` runs it on a
private event-loop thread (:class:`~._portal.LoopThread`). Routing runs on that loop; a
blocking reader finds its queue under the tables' lock and waits on the queue itself from
its own thread, with no hop through the loop per notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from . import _goal, models
from ._config import CodexConfig
from ._connection import Connection
from ._generated.models import (
    AccountLoginCompletedNotification,
    AgentMessageDeltaNotification,
    CancelLoginAccountResponse,
    GetAccountParams,
    GetAccountResponse,
    LoginAccountParams,
    LoginAccountResponse,
    LogoutAccountResponse,
    ModelListResponse,
    ThreadArchiveResponse,
    ThreadCompactStartResponse,
    ThreadForkParams,
    ThreadForkResponse,
    ThreadGoalClearResponse,
    ThreadGoalSetResponse,
    ThreadGoalStatus,
    ThreadListParams,
    ThreadListResponse,
    ThreadReadResponse,
    ThreadResumeParams,
    ThreadResumeResponse,
    ThreadSetNameResponse,
    ThreadStartParams,
    ThreadStartResponse,
    ThreadUnarchiveResponse,
    TurnCompletedNotification,
    TurnInterruptResponse,
    TurnStartParams,
    TurnStartResponse,
    TurnSteerResponse,
)
from ._goal import _GoalOperationState
from ._inputs import _one as _input_item
from ._json import JsonObject
from ._launch import handshake, open_transport
from ._login import (
    LOGIN_COMPLETED,
    AsyncAccountMixin,
    AsyncChatgptLoginHandle,
    AsyncDeviceCodeLoginHandle,
    ChatgptLoginHandle,
    DeviceCodeLoginHandle,
    _redact,
    login_id_of,
)
from ._login_sync import SyncAccountMixin
from ._metadata import InitializeResponse, ServerInfo
from ._notifications import Notification, turn_id_of
from ._option_checks import check_choice
from ._portal import LoopThread
from ._router import Router
from .errors import (
    INVALID_REQUEST,
    CodexError,
    CodexTimeoutError,
    InvalidRequestError,
    JsonRpcError,
    ProtocolError,
    TransportClosedError,
    error_from_rpc,
)
from .retry import async_retry_on_overload

if TYPE_CHECKING:
    from ._client import AsyncCodex

__all__ = [
    "AsyncCodexClient",
    "ClientStateError",
    "CodexClient",
    "InitializeMetadataError",
    "ServerRequestHandler",
    "StreamEndedError",
    "async_start_chatgpt_login",
    "async_start_device_code_login",
    "start_chatgpt_login",
    "start_device_code_login",
    "validate_initialize_metadata",
]

logger = logging.getLogger("openai_codex")

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")

ServerRequestHandler = Callable[[str, "JsonObject | None"], Any]
"""``handler(method, params) -> dict``: answers a server request (an approval...).

A plain function or a coroutine function; what it returns is sent as the result.
"""

GLOBAL_QUEUE_LIMIT = 10_000
"""Notifications the global queue keeps unread before dropping the oldest."""
RETAINED_TURNS = 32
"""Completed turns nobody registered whose notifications are kept for a late reader."""
RETAINED_LOGINS = 64
"""Completed logins nobody registered whose completion is kept for a late reader."""
_FORGOTTEN_LIMIT = 1024
"""Unregistered turn/login ids remembered, so their late notifications are dropped."""

TURN_STARTED = "turn/started"
TURN_COMPLETED = "turn/completed"
AGENT_MESSAGE_DELTA = "item/agentMessage/delta"

# What a server request gets when no approval handler is given: the official low-level
# clients accept command and file-change approvals and answer ``{}`` to everything else
# (observed with openai-codex 0.163.0).
_ACCEPTED_BY_DEFAULT = frozenset(
    {"item/commandExecution/requestApproval", "item/fileChange/requestApproval"}
)


# --------------------------------------------------------------------------- errors


class ClientStateError(CodexError, RuntimeError):
    """A call that does not fit the client's state.

    For example reading a turn that was unregistered, or a second goal operation on a
    thread. A ``RuntimeError`` too, as the official SDK raises one.
    """


class StreamEndedError(TransportClosedError):
    """A notification queue of the low-level client is over.

    Its turn or login completed, or its goal operation finished or was unregistered. A
    :class:`~openai_codex.TransportClosedError`, as the official SDK raises for a turn that
    is no longer streaming; the connection itself may still be open.
    """


class InitializeMetadataError(ProtocolError, RuntimeError):
    """The ``initialize`` answer lacks the server's user agent, name or version.

    A ``RuntimeError`` too, as the official SDK raises one.
    """


# --------------------------------------------------------------------------- queues


class _Deadline:
    """A timeout shared by several waits."""

    __slots__ = ("_end", "_timeout")

    def __init__(self, timeout: float | None) -> None:
        self._timeout = timeout
        self._end = None if timeout is None else time.monotonic() + timeout

    def remaining(self) -> float | None:
        """Seconds left (``None`` without a timeout); raises once the time is up."""
        if self._end is None:
            return None
        left = self._end - time.monotonic()
        if left <= 0:
            raise CodexTimeoutError(f"nothing arrived within {self._timeout:g} s")
        return left


class _Mailbox:
    """A FIFO of notifications filled on the client's loop and drained by readers.

    Readers are coroutines on that loop (:meth:`get`) or threads that block
    (:meth:`get_blocking`). ``put`` and ``close`` run on the loop. After ``close`` the
    readers get the items left, then the close error. With a ``limit`` the oldest items are
    dropped beyond it.
    """

    __slots__ = ("_cond", "_error", "_items", "_limit", "_name", "_waiters", "_warned")

    def __init__(self, name: str, limit: int | None = None) -> None:
        self._name = name
        self._items: deque[Notification] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._waiters: list[asyncio.Future[None]] = []
        self._error: BaseException | None = None
        self._limit = limit
        self._warned = False

    @property
    def closed(self) -> bool:
        """Whether the stream has ended (items may be left)."""
        return self._error is not None

    def put(self, note: Notification) -> None:
        """Append a notification and wake the readers (on the loop)."""
        with self._cond:
            if self._error is not None:
                return
            self._items.append(note)
            if self._limit is not None and len(self._items) > self._limit:
                self._items.popleft()
                if not self._warned:
                    self._warned = True
                    logger.warning(
                        "the %s holds %d unread notifications; dropping the oldest",
                        self._name,
                        self._limit,
                    )
            self._cond.notify()
        self._wake()

    def close(self, error: BaseException) -> None:
        """End the stream: readers get the items left, then ``error`` (on the loop)."""
        with self._cond:
            if self._error is not None:
                return
            self._error = error
            self._cond.notify_all()
        self._wake()

    def drain(self) -> list[Notification]:
        """Take every buffered item (on the loop)."""
        with self._cond:
            items = list(self._items)
            self._items.clear()
        return items

    def _wake(self) -> None:
        waiters = self._waiters
        if waiters:
            self._waiters = []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def get(self, timeout: float | None = None) -> Notification:
        """The next notification (on the loop).

        Raises:
            CodexTimeoutError: nothing arrived within ``timeout`` seconds.
            StreamEndedError / TransportClosedError: the stream is over.
        """
        deadline = _Deadline(timeout)
        loop = asyncio.get_running_loop()
        while True:
            with self._cond:
                if self._items:
                    return self._items.popleft()
                if self._error is not None:
                    raise self._error
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                left = deadline.remaining()
                if left is None:
                    await waiter
                else:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(waiter, left)
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def get_blocking(self, timeout: float | None = None) -> Notification:
        """The next notification, blocking the calling thread (not the loop's).

        Wakes up twice a second so that Ctrl-C reaches a waiting main thread. Raises as
        :meth:`get`.
        """
        deadline = _Deadline(timeout)
        with self._cond:
            while True:
                if self._items:
                    return self._items.popleft()
                if self._error is not None:
                    raise self._error
                left = deadline.remaining()
                self._cond.wait(0.5 if left is None else min(left, 0.5))


class _Stream:
    """One turn's or login's queue."""

    __slots__ = ("box", "claimed", "done", "thread_id")

    def __init__(self, box: _Mailbox, thread_id: str | None) -> None:
        self.box = box
        self.thread_id = thread_id
        self.claimed = False
        self.done = False


class _StreamTable:
    """Queues by key: turns by turn id, logins by login id.

    A queue is created by its first notification or by a reader, whichever comes first. A
    reader *claims* it (it is then kept until unregistered); an unclaimed queue is kept
    while its stream runs, and among the last ``retain`` finished ones after that.
    Unregistered keys are remembered (bounded) so that what arrives for them later is
    dropped, and reading them raises :class:`ClientStateError`.

    Everything runs on the client's loop except :meth:`claim` and :meth:`reader`, which a
    blocking reader calls from its own thread (no hop through the loop per notification);
    a lock guards the tables. Closing a queue (:meth:`release`) stays on the loop: it wakes
    coroutines.
    """

    def __init__(self, noun: str, purpose: str, retain: int) -> None:
        self._lock = threading.Lock()
        self._noun = noun
        self._purpose = purpose
        self._retain = retain
        self._streams: dict[str, _Stream] = {}
        self._finished_unclaimed: OrderedDict[str, None] = OrderedDict()
        self._forgotten: OrderedDict[str, None] = OrderedDict()
        self._error: BaseException | None = None

    def _new(self, key: str, thread_id: str | None) -> _Stream:
        stream = _Stream(_Mailbox(f"queue of {self._noun} {key}"), thread_id)
        if self._error is not None:
            stream.box.close(self._error)
        self._streams[key] = stream
        return stream

    def deliver(self, key: str, note: Notification, *, final: bool) -> None:
        """Queue a notification of ``key``; ``final`` ends the stream after it."""
        with self._lock:
            self._deliver(key, note, final)

    def _deliver(self, key: str, note: Notification, final: bool) -> None:
        stream = self._streams.get(key)
        if stream is None:
            if key in self._forgotten:
                logger.debug("%s for the unregistered %s %s", note.method, self._noun, key)
                return
            thread_id = note.params.get("threadId")
            stream = self._new(key, thread_id if isinstance(thread_id, str) else None)
        stream.box.put(note)
        if final and not stream.done:
            stream.done = True
            stream.box.close(
                StreamEndedError(f"{self._noun} {key!r} is no longer streaming: it completed")
            )
            if not stream.claimed:
                self._finished_unclaimed[key] = None
                while len(self._finished_unclaimed) > self._retain:
                    old, _ = self._finished_unclaimed.popitem(last=False)
                    dropped = self._streams.get(old)
                    if dropped is not None and not dropped.claimed:
                        del self._streams[old]
                        logger.debug("dropped the unread queue of %s %s", self._noun, old)

    def is_claimed(self, key: str) -> bool:
        """Whether a reader registered ``key``."""
        stream = self._streams.get(key)
        return stream is not None and stream.claimed

    def claim(self, key: str) -> _Mailbox:
        """Register a reader for ``key`` (idempotent) and return its queue (any thread)."""
        with self._lock:
            return self._claim(key)

    def _claim(self, key: str) -> _Mailbox:
        self._forgotten.pop(key, None)
        stream = self._streams.get(key) or self._new(key, None)
        stream.claimed = True
        self._finished_unclaimed.pop(key, None)
        return stream.box

    def reader(self, key: str) -> _Mailbox:
        """The queue to read for ``key``, registering it; refused once unregistered.

        Callable from any thread.
        """
        with self._lock:
            if key in self._forgotten:
                raise ClientStateError(
                    f"{self._noun} {key!r} is not registered for {self._purpose}"
                )
            return self._claim(key)

    def release(self, key: str) -> None:
        """Drop ``key``'s queue and ignore it from now on (idempotent; on the loop)."""
        with self._lock:
            stream = self._streams.pop(key, None)
            self._finished_unclaimed.pop(key, None)
            self._forgotten[key] = None
            while len(self._forgotten) > _FORGOTTEN_LIMIT:
                self._forgotten.popitem(last=False)
        if stream is not None:
            stream.box.close(StreamEndedError(f"{self._noun} {key!r} was unregistered"))

    def take_running(self, thread_id: str) -> list[Notification]:
        """Remove the running, unclaimed streams of ``thread_id``; return their items."""
        taken: list[Notification] = []
        with self._lock:
            for key, stream in list(self._streams.items()):
                if stream.thread_id == thread_id and not stream.claimed and not stream.done:
                    del self._streams[key]
                    taken.extend(stream.box.drain())
        return taken

    def close(self, error: BaseException) -> None:
        """The connection ended: every queue ends with ``error`` after its items."""
        with self._lock:
            self._error = error
            streams = list(self._streams.values())
        for stream in streams:
            stream.box.close(error)


class _GoalRoute:
    """A registered goal operation: its state, its queue, and a start signal."""

    __slots__ = ("box", "progress", "state")

    def __init__(self, state: _GoalOperationState) -> None:
        self.state = state
        self.box = _Mailbox(f"queue of the goal operation on thread {state.thread_id}")
        self.progress = asyncio.Event()
        """Set when the first turn started, the operation finished, or the queue ended."""

    def deliver(self, note: Notification) -> None:
        self.state.feed(note.method, note.params)
        self.box.put(note)
        self.settle()

    def settle(self) -> None:
        """Signal progress and end the queue once the operation is finished."""
        state = self.state
        if state.logical_turn_id is not None or state.finished:
            self.progress.set()
        if state.finished:
            self.box.close(
                StreamEndedError(f"the goal operation on thread {state.thread_id!r} has finished")
            )

    def end(self, error: BaseException) -> None:
        self.box.close(error)
        self.progress.set()


class _PullRouter(Router):
    """Routes notifications to pull queues (see the module notes).

    Runs entirely on the client's loop: the connection dispatches there, and the client
    changes the tables there. The base class's keyed waiters still serve the login handles
    of :func:`start_chatgpt_login` & co.
    """

    def __init__(self) -> None:
        super().__init__()
        self.global_box = _Mailbox("global notification queue", GLOBAL_QUEUE_LIMIT)
        self.turns = _StreamTable("turn", "streaming", RETAINED_TURNS)
        self.logins = _StreamTable("login", "waiting", RETAINED_LOGINS)
        self.goals: dict[str, _GoalRoute] = {}
        self.error: BaseException | None = None

    def dispatch(self, method: str, params: dict[str, Any]) -> None:
        note = Notification(method, params)
        turn_id = turn_id_of(params)
        if self.goals:
            thread_id = params.get("threadId")
            route = self.goals.get(thread_id) if isinstance(thread_id, str) else None
            if (
                route is not None
                and (turn_id is None or not self.turns.is_claimed(turn_id))
                and route.state.wants(method, params)
            ):
                route.deliver(note)
                return
        if turn_id is not None:
            self.turns.deliver(turn_id, note, final=method == TURN_COMPLETED)
            return
        if method == LOGIN_COMPLETED:
            login_id = login_id_of(params)
            if login_id is not None:
                keyed = self._keyed.get(method)
                if keyed is not None:  # a login handle waits for (or retains) it
                    self._dispatch_keyed(keyed, note)
                self.logins.deliver(login_id, note, final=True)
                return
        self.global_box.put(note)

    def close(self, error: BaseException) -> None:
        super().close(error)
        if self.error is None:
            self.error = error
        self.global_box.close(error)
        self.turns.close(error)
        self.logins.close(error)
        for route in self.goals.values():
            route.state.fail(error)
            route.end(error)

    # -- goal operations ------------------------------------------------------------------

    def register_goal(self, thread_id: str, *, routing: bool) -> _GoalOperationState:
        if thread_id in self.goals:
            raise ClientStateError(f"thread {thread_id!r} already has an active goal operation")
        state = _GoalOperationState(thread_id, _turn_routing_active=routing)
        route = _GoalRoute(state)
        self.goals[thread_id] = route
        if self.error is not None:
            state.fail(self.error)
            route.end(self.error)
        elif routing:
            # A turn already running on the thread, which no one reads, becomes the
            # operation's: its notifications so far move to the operation's queue.
            for note in self.turns.take_running(thread_id):
                route.deliver(note)
        return state

    def unregister_goal(self, state: _GoalOperationState) -> None:
        route = self.goals.get(state.thread_id)
        if route is not None and route.state is state:
            del self.goals[state.thread_id]
            route.end(
                StreamEndedError(
                    f"the goal operation on thread {state.thread_id!r} was unregistered"
                )
            )

    def goal_route(self, state: _GoalOperationState) -> _GoalRoute:
        route = self.goals.get(state.thread_id)
        if route is None or route.state is not state:
            raise ClientStateError(
                f"the goal operation on thread {state.thread_id!r} is not registered"
            )
        return route


# --------------------------------------------------------------------------- helpers


def _dump(params: Any) -> dict[str, Any]:
    """Request params as a dict: a protocol model by alias (no ``None``), a mapping as is."""
    if params is None:
        return {}
    if isinstance(params, BaseModel):
        dumped: dict[str, Any] = params.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped
    if isinstance(params, Mapping):
        return dict(params)
    raise TypeError(f"params must be a protocol model or a dict, not {type(params).__name__}")


def _input_items(items: Any) -> list[Any]:
    """``input`` for ``turn/start`` / ``turn/steer``: a text, one item or a list of items.

    Dicts are sent as given; strings and the SDK's input objects (``TextInput``...) become
    their wire items.
    """
    if isinstance(items, (str, Mapping)) or hasattr(items, "to_wire"):
        items = [items]
    if not isinstance(items, (list, tuple)):
        raise TypeError(
            f"input_items must be a str, a dict or a list of dicts, not {type(items).__name__}"
        )
    return [dict(item) if isinstance(item, Mapping) else _input_item(item) for item in items]


def _validate(model: type[ModelT], result: Any) -> ModelT:
    try:
        return model.model_validate(result)
    except ValidationError as exc:
        raise ProtocolError(
            f"the answer does not match {model.__name__}: {exc.error_count()} error(s); "
            f"first: {exc.errors()[0]['msg']}"
        ) from exc


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return value


def _status_value(status: Any) -> str | None:
    value = getattr(status, "value", status)
    return value if isinstance(value, str) else None


class _End:
    __slots__ = ()


_END = _End()


def _delta_of(note: Notification) -> AgentMessageDeltaNotification | _End | None:
    """What ``stream_text`` does with a turn notification: yield, stop, or skip it."""
    if note.method == AGENT_MESSAGE_DELTA:
        payload = note.payload
        if isinstance(payload, AgentMessageDeltaNotification):
            return payload
        return None
    if note.method == TURN_COMPLETED:
        return _END
    return None


# --------------------------------------------------------------------------- logins


class _AsyncAccounts(AsyncAccountMixin):
    """The login machinery of :class:`AsyncCodex`, driven by a low-level client."""

    def __init__(self, client: AsyncCodexClient) -> None:
        self._client = client
        self.config = client.config

    async def _conn(self) -> Connection:
        return self._client._require_connection()


class _SyncAccounts(SyncAccountMixin):
    """The blocking login machinery of :class:`Codex`, driven by a low-level client."""

    def __init__(self, portal: LoopThread, accounts: _AsyncAccounts) -> None:
        self._portal = portal
        # SyncAccountMixin only calls the AsyncAccountMixin part of AsyncCodex.
        self._async = cast("AsyncCodex", accounts)


# --------------------------------------------------------------------------- async client


class AsyncCodexClient:
    """The low-level async client of one Codex app-server process.

    ``await start()`` launches the server, ``await initialize()`` performs the handshake
    (requests sent before it are refused by the server with -32600 "Not initialized"), and
    ``await close()`` shuts everything down. ``async with AsyncCodexClient(cfg) as c``
    starts and closes (it does not initialize). Use it from one event loop: the one that
    called :meth:`start`.

    ``approval_handler(method, params)`` answers the server's requests (approvals, user
    input, dynamic tool calls...): its return value is sent as the result; it may be a
    function (run in a worker thread) or a coroutine function; if it raises, the server
    gets a JSON-RPC error. Without one, as in the official SDK, **command and file-change
    approvals are accepted** and every other request is answered ``{}``.

    Every wait ends: a queue read takes an optional ``timeout``, requests use
    ``config.request_timeout``, and when the server exits or the client closes every
    reader and pending request raises :class:`~openai_codex.TransportClosedError`.
    """

    def __init__(
        self,
        config: CodexConfig | None = None,
        approval_handler: ServerRequestHandler | None = None,
    ) -> None:
        self.config = config if config is not None else CodexConfig()
        self._approval_handler = approval_handler
        self._router = _PullRouter()
        self._connection: Connection | None = None
        self._closed = False
        self._start_lock: asyncio.Lock | None = None
        self._accounts = _AsyncAccounts(self)

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncCodexClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Launch the app-server process (no handshake; see :meth:`initialize`).

        Idempotent while running.

        Raises:
            CodexRuntimeNotFoundError: no ``codex`` binary could be found.
            TransportClosedError: the process could not be started.
            CodexError: the client was closed.
        """
        if self._closed:
            raise CodexError("this client is closed; create a new one")
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._connection is not None:
                return
            transport = await open_transport(self.config)
            connection = Connection(
                transport, self._router, max_line_bytes=self.config.max_line_bytes
            )
            connection.request_handler = self._serve_request
            connection.start()
            self._connection = connection

    async def initialize(self) -> InitializeResponse:
        """Send ``initialize`` and the ``initialized`` notification; return the answer.

        The answer is returned as the server sent it (app-server 0.163.0 sends no
        ``serverInfo``); :func:`validate_initialize_metadata` fills it from the user agent.

        Raises:
            InvalidRequestError: already initialized ("Already initialized").
            TransportClosedError: the server exited first (with its stderr tail).
        """
        result = await handshake(self._require_connection(), self.config)
        response = InitializeResponse.model_validate(result if isinstance(result, dict) else {})
        if isinstance(result, dict):
            response._raw = result
        return response

    async def close(self) -> None:
        """Shut the server down; every pending request and queue reader gets
        :class:`~openai_codex.TransportClosedError`. Idempotent."""
        self._closed = True
        connection = self._connection
        if connection is not None:
            await connection.close()
        else:
            self._close_unstarted()

    def _close_unstarted(self) -> None:
        """Close a client whose server never started (no loop needed)."""
        self._closed = True
        if self._connection is None and self._router.error is None:
            self._router.close(TransportClosedError("the client was closed before it started"))

    def _require_connection(self) -> Connection:
        connection = self._connection
        if connection is None:
            if self._closed:
                raise TransportClosedError("the client is closed")
            raise TransportClosedError(
                "the Codex app-server is not running; call start() (and initialize()) first"
            )
        return connection

    # -- raw protocol ---------------------------------------------------------------------

    async def _call(self, method: str, params: Any, timeout: float | None = None) -> Any:
        connection = self._require_connection()
        return await connection.request(
            method, params, timeout=timeout if timeout is not None else self.config.request_timeout
        )

    async def request(
        self,
        method: str,
        params: JsonObject | None,
        *,
        response_model: type[ModelT],
        timeout: float | None = None,
    ) -> ModelT:
        """Send any request and return ``response_model.model_validate(result)``.

        Args:
            timeout: seconds to wait for the answer (default ``config.request_timeout``).

        Raises:
            JsonRpcError: the server's error answer (the subclass matching its code).
            ProtocolError: the answer does not match ``response_model``.
            TransportClosedError: the server exited, or the client is not started.
            CodexTimeoutError: no answer in time.
        """
        return _validate(response_model, await self._call(method, params, timeout))

    async def request_with_retry_on_overload(
        self,
        method: str,
        params: JsonObject | None,
        *,
        response_model: type[ModelT],
        max_attempts: int = 3,
        initial_delay_s: float = 0.25,
        max_delay_s: float = 2.0,
    ) -> ModelT:
        """:meth:`request`, retried with backoff while the server says it is overloaded.

        Raises:
            RetryLimitExceededError: every attempt was refused as overloaded.
        """
        return await async_retry_on_overload(
            lambda: self.request(method, params, response_model=response_model),
            max_attempts=max_attempts,
            initial_delay_s=initial_delay_s,
            max_delay_s=max_delay_s,
        )

    async def _typed(self, method: str, params: Any, model: type[ModelT]) -> ModelT:
        return _validate(model, await self._call(method, params))

    async def notify(self, method: str, params: JsonObject | None = None) -> None:
        """Send a notification (no ``params`` member when ``params`` is ``None``)."""
        await self._require_connection().notify(method, params)

    async def _serve_request(self, method: str, params: Any) -> Any:
        handler = self._approval_handler
        if handler is None:
            return {"decision": "accept"} if method in _ACCEPTED_BY_DEFAULT else {}
        if inspect.iscoroutinefunction(handler):
            result = await handler(method, params)
        else:
            result = await asyncio.to_thread(handler, method, params)
            if inspect.isawaitable(result):
                result = await result
        return _jsonable(result)

    # -- threads --------------------------------------------------------------------------

    async def thread_start(
        self, params: ThreadStartParams | JsonObject | None = None
    ) -> ThreadStartResponse:
        """``thread/start`` with ``params`` (a model is sent by alias, without ``None``)."""
        return await self._typed("thread/start", _dump(params), ThreadStartResponse)

    async def thread_resume(
        self, thread_id: str, params: ThreadResumeParams | JsonObject | None = None
    ) -> ThreadResumeResponse:
        """``thread/resume`` of ``thread_id`` with optional ``params``."""
        request = {**_dump(params), "threadId": thread_id}
        return await self._typed("thread/resume", request, ThreadResumeResponse)

    async def thread_fork(
        self, thread_id: str, params: ThreadForkParams | JsonObject | None = None
    ) -> ThreadForkResponse:
        """``thread/fork`` of ``thread_id`` with optional ``params``."""
        request = {**_dump(params), "threadId": thread_id}
        return await self._typed("thread/fork", request, ThreadForkResponse)

    async def thread_list(
        self, params: ThreadListParams | JsonObject | None = None
    ) -> ThreadListResponse:
        """``thread/list`` (one page; ``params`` carry filters and the cursor)."""
        return await self._typed("thread/list", _dump(params), ThreadListResponse)

    async def thread_read(self, thread_id: str, include_turns: bool = False) -> ThreadReadResponse:
        """``thread/read {"threadId", "includeTurns"}``."""
        request = {"threadId": thread_id, "includeTurns": include_turns}
        return await self._typed("thread/read", request, ThreadReadResponse)

    async def thread_archive(self, thread_id: str) -> ThreadArchiveResponse:
        """``thread/archive``."""
        request = {"threadId": thread_id}
        return await self._typed("thread/archive", request, ThreadArchiveResponse)

    async def thread_unarchive(self, thread_id: str) -> ThreadUnarchiveResponse:
        """``thread/unarchive``."""
        return await self._typed(
            "thread/unarchive", {"threadId": thread_id}, ThreadUnarchiveResponse
        )

    async def thread_set_name(self, thread_id: str, name: str) -> ThreadSetNameResponse:
        """``thread/name/set {"threadId", "name"}``."""
        return await self._typed(
            "thread/name/set",
            {"threadId": thread_id, "name": name},
            ThreadSetNameResponse,
        )

    async def thread_compact(self, thread_id: str) -> ThreadCompactStartResponse:
        """``thread/compact/start``: the server answers ``{}`` and runs a compaction turn."""
        return await self._typed(
            "thread/compact/start",
            {"threadId": thread_id},
            ThreadCompactStartResponse,
        )

    async def model_list(self, include_hidden: bool = False) -> ModelListResponse:
        """``model/list {"includeHidden"}`` (one page)."""
        return await self._typed("model/list", {"includeHidden": include_hidden}, ModelListResponse)

    # -- turns ----------------------------------------------------------------------------

    async def turn_start(
        self,
        thread_id: str,
        input_items: list[JsonObject] | JsonObject | str,
        params: TurnStartParams | JsonObject | None = None,
    ) -> TurnStartResponse:
        """``turn/start``: ``input_items`` is a text, one item dict or a list of them.

        ``params`` (a ``TurnStartParams`` or a dict) may carry more fields (``effort``,
        ``model``...); ``threadId`` and ``input`` come from the arguments. The turn's
        notifications are queued for :meth:`next_turn_notification` from its first one.

        Raises:
            InvalidRequestError: the thread has a goal operation (checked here, as the
                official SDK does: "thread has an active goal operation: <id>").
        """
        if thread_id in self._router.goals:
            raise InvalidRequestError(
                INVALID_REQUEST,
                f"thread has an active goal operation: {thread_id}",
                None,
                "turn/start",
            )
        request = {**_dump(params), "threadId": thread_id, "input": _input_items(input_items)}
        return await self._typed("turn/start", request, TurnStartResponse)

    async def turn_interrupt(self, thread_id: str, turn_id: str) -> TurnInterruptResponse:
        """``turn/interrupt {"threadId", "turnId"}``."""
        return await self._typed(
            "turn/interrupt",
            {"threadId": thread_id, "turnId": turn_id},
            TurnInterruptResponse,
        )

    async def turn_steer(
        self,
        thread_id: str,
        expected_turn_id: str,
        input_items: list[JsonObject] | JsonObject | str,
    ) -> TurnSteerResponse:
        """``turn/steer``: add input to the running turn ``expected_turn_id``."""
        request = {
            "threadId": thread_id,
            "expectedTurnId": expected_turn_id,
            "input": _input_items(input_items),
        }
        return await self._typed("turn/steer", request, TurnSteerResponse)

    # -- notification queues --------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise TransportClosedError("the client is closed")

    def _global_reader(self) -> _Mailbox:
        self._check_open()
        return self._router.global_box

    def _turn_reader(self, turn_id: str) -> _Mailbox:
        self._check_open()
        return self._router.turns.reader(turn_id)

    def _claim_turn(self, turn_id: str) -> _Mailbox:
        self._check_open()
        return self._router.turns.claim(turn_id)

    def _login_reader(self, login_id: str) -> _Mailbox:
        self._check_open()
        return self._router.logins.reader(login_id)

    def _claim_login(self, login_id: str) -> _Mailbox:
        self._check_open()
        return self._router.logins.claim(login_id)

    def _goal_reader(self, state: _GoalOperationState) -> _Mailbox:
        self._check_open()
        if state.reserved:
            raise ClientStateError(
                f"the goal operation on thread {state.thread_id!r} is only reserved: "
                "it receives no notifications"
            )
        return self._router.goal_route(state).box

    async def next_notification(self, *, timeout: float | None = None) -> Notification:
        """The next notification of the global queue (those of no turn, login or goal).

        Raises:
            CodexTimeoutError: nothing arrived within ``timeout`` seconds.
            TransportClosedError: the server exited or the client closed.
        """
        return await self._global_reader().get(timeout)

    def register_turn_notifications(self, turn_id: str) -> None:
        """Keep ``turn_id``'s queue for :meth:`next_turn_notification` (idempotent).

        What arrived for the turn before this call is in the queue already.
        """
        self._router.turns.claim(turn_id)

    def unregister_turn_notifications(self, turn_id: str) -> None:
        """Drop ``turn_id``'s queue and ignore its later notifications (idempotent)."""
        self._router.turns.release(turn_id)

    async def next_turn_notification(
        self, turn_id: str, *, timeout: float | None = None
    ) -> Notification:
        """The next notification of ``turn_id`` (registering the turn if needed).

        Raises:
            StreamEndedError: the turn's ``turn/completed`` was already read.
            ClientStateError: the turn was unregistered.
            CodexTimeoutError / TransportClosedError: as :meth:`next_notification`.
        """
        return await self._turn_reader(turn_id).get(timeout)

    async def wait_for_turn_completed(
        self, turn_id: str, *, timeout: float | None = None
    ) -> TurnCompletedNotification:
        """Read ``turn_id``'s queue up to its ``turn/completed``, then unregister the turn.

        The other notifications of the turn are consumed.

        Raises:
            as :meth:`next_turn_notification`.
        """
        box = self._turn_reader(turn_id)
        deadline = _Deadline(timeout)
        while True:
            note = await box.get(deadline.remaining())
            if note.method == TURN_COMPLETED:
                self._router.turns.release(turn_id)
                return _validate(TurnCompletedNotification, note.params)

    async def stream_text(
        self,
        thread_id: str,
        text: str,
        params: TurnStartParams | JsonObject | None = None,
    ) -> AsyncIterator[AgentMessageDeltaNotification]:
        """Start a turn with ``text`` and yield its ``item/agentMessage/delta`` payloads.

        Ends after the turn's ``turn/completed`` (whatever its status); the turn is
        unregistered when the iteration ends.
        """
        started = await self.turn_start(thread_id, text, params)
        turn_id = started.turn.id
        box = self._claim_turn(turn_id)
        try:
            while True:
                delta = _delta_of(await box.get())
                if isinstance(delta, _End):
                    return
                if delta is not None:
                    yield delta
        finally:
            self._router.turns.release(turn_id)

    # -- logins ---------------------------------------------------------------------------

    def register_login_notifications(self, login_id: str) -> None:
        """Keep ``login_id``'s queue for :meth:`next_login_notification` (idempotent)."""
        self._router.logins.claim(login_id)

    def unregister_login_notifications(self, login_id: str) -> None:
        """Drop ``login_id``'s queue and ignore its completion (idempotent)."""
        self._router.logins.release(login_id)

    async def next_login_notification(
        self, login_id: str, *, timeout: float | None = None
    ) -> Notification:
        """The next notification of ``login_id`` (its ``account/login/completed``).

        Raises:
            StreamEndedError: its completion was already read.
            ClientStateError: the login was unregistered.
            CodexTimeoutError / TransportClosedError: as :meth:`next_notification`.
        """
        return await self._login_reader(login_id).get(timeout)

    async def wait_for_login_completed(
        self, login_id: str, *, timeout: float | None = None
    ) -> AccountLoginCompletedNotification:
        """Wait for ``login_id``'s ``account/login/completed``; then unregister the login."""
        note = await self._login_reader(login_id).get(timeout)
        self._router.logins.release(login_id)
        return _validate(AccountLoginCompletedNotification, note.params)

    # -- account --------------------------------------------------------------------------

    async def account_read(
        self, params: GetAccountParams | JsonObject | None = None
    ) -> GetAccountResponse:
        """``account/read`` (``{}`` when ``params`` is ``None``)."""
        return await self._typed("account/read", _dump(params), GetAccountResponse)

    async def account_login_start(
        self, params: LoginAccountParams | JsonObject
    ) -> LoginAccountResponse:
        """``account/login/start`` with ``params`` (``{"type": "chatgpt"}``...).

        The login's completion goes to its queue (:meth:`wait_for_login_completed`). The
        params may hold an API key: it is never logged, and it is removed from the message
        of an error answer that would quote it.
        """
        request = _dump(params)
        secret = request.get("apiKey")
        try:
            return await self._typed("account/login/start", request, LoginAccountResponse)
        except JsonRpcError as exc:
            if not isinstance(secret, str) or not secret or secret not in str(exc):
                raise
            raise error_from_rpc(exc.code, _redact(exc.message, secret), None, exc.method) from None

    async def account_login_cancel(self, login_id: str) -> CancelLoginAccountResponse:
        """``account/login/cancel {"loginId"}``."""
        return await self._typed(
            "account/login/cancel", {"loginId": login_id}, CancelLoginAccountResponse
        )

    async def account_logout(self) -> LogoutAccountResponse:
        """``account/logout`` (sent without params)."""
        return await self._typed("account/logout", None, LogoutAccountResponse)

    # -- goals ----------------------------------------------------------------------------

    def register_goal_operation(self, thread_id: str) -> _GoalOperationState:
        """Route ``thread_id``'s goal and turn notifications to a new goal operation.

        A turn already running on the thread that no one registered becomes the
        operation's. While registered, :meth:`turn_start` refuses the thread.

        Raises:
            ClientStateError: the thread already has a goal operation.
        """
        return self._router.register_goal(thread_id, routing=True)

    def reserve_goal_operation(self, thread_id: str) -> _GoalOperationState:
        """Hold ``thread_id`` for a goal operation without routing notifications to it.

        Raises:
            ClientStateError: the thread already has a goal operation.
        """
        return self._router.register_goal(thread_id, routing=False)

    def unregister_goal_operation(self, state: _GoalOperationState) -> None:
        """End the goal operation's routing and queue (idempotent)."""
        self._router.unregister_goal(state)

    async def next_goal_notification(
        self, state: _GoalOperationState, *, timeout: float | None = None
    ) -> Notification:
        """The next notification of the goal operation (its state is already updated).

        Raises:
            StreamEndedError: the operation finished (or was unregistered) and its
                notifications were all read.
            ClientStateError: the operation is not registered, or only reserved.
            CodexTimeoutError / TransportClosedError: as :meth:`next_notification`.
        """
        return await self._goal_reader(state).get(timeout)

    async def start_goal_operation(
        self, thread_id: str, objective: str
    ) -> tuple[_GoalOperationState, str]:
        """Set an active goal on an idle thread and wait for its first turn.

        Sends ``thread/read`` (the thread must be persisted and idle), ``thread/goal/clear``
        and ``thread/goal/set {objective, status: "active"}``; the runtime then runs turns
        until the goal leaves ``active``. Returns the operation's state and its logical turn
        id (the first turn's). Read the run with :meth:`next_goal_notification`; call
        :meth:`unregister_goal_operation` when done.

        Raises:
            ClientStateError: the thread already has a goal operation.
            InvalidRequestError: the thread is ephemeral or busy, or the server refused.
            CodexTimeoutError: no turn started within ``config.request_timeout``.
            CodexError: the goal stopped before any turn started.
        """
        state = self.register_goal_operation(thread_id)
        route = self._router.goal_route(state)
        try:
            state.begin_start()
            read = await self._call("thread/read", {"threadId": thread_id, "includeTurns": False})
            thread = read.get("thread") if isinstance(read, dict) else None
            if not isinstance(thread, dict):
                raise ProtocolError(f"thread/read answered without a thread: {read!r}")
            if thread.get("ephemeral") is True:
                raise InvalidRequestError(
                    INVALID_REQUEST,
                    f"thread must be persisted before starting a goal: {thread_id}",
                    None,
                    "thread/goal/set",
                )
            status = thread.get("status")
            if isinstance(status, dict) and status.get("type") != "idle":
                raise InvalidRequestError(
                    INVALID_REQUEST,
                    f"thread must be idle before starting a goal: {thread_id}",
                    None,
                    "thread/goal/set",
                )
            await self.thread_goal_clear(thread_id)
            before = state.goal_events
            response = await self.thread_goal_set(
                thread_id, objective=objective, status=ThreadGoalStatus.active
            )
            state.apply_goal(response.goal, events_before=before)
            route.settle()
            timeout = self.config.request_timeout
            try:
                await asyncio.wait_for(route.progress.wait(), timeout)
            except asyncio.TimeoutError:
                raise CodexTimeoutError(
                    f"the goal on thread {thread_id} started no turn within {timeout:g} s"
                ) from None
            logical = state.logical_turn_id
            if logical is None:
                if state.failure is not None:
                    raise state.failure
                raise CodexError(
                    f"the goal on thread {thread_id} stopped before a turn started "
                    f"(status {_status_value(state.status)!r}, cleared={state.cleared})"
                )
            return state, logical
        except BaseException:
            self.unregister_goal_operation(state)
            raise

    async def cancel_goal_operation(self, state: _GoalOperationState) -> None:
        """Pause the goal and interrupt the operation's running turn, if any.

        Sends ``thread/goal/set {"status": "paused"}``, then ``turn/interrupt`` for the
        turn running now. Refusals (no goal, no active turn) are ignored: the goal is then
        stopped already. The operation finishes when that turn's ``turn/completed``
        arrives (at once when none runs).
        """
        before = state.goal_events
        try:
            response = await self.thread_goal_set(state.thread_id, status=ThreadGoalStatus.paused)
        except JsonRpcError as exc:
            logger.debug("pausing the goal of thread %s: %s", state.thread_id, exc)
        else:
            state.apply_goal(response.goal, events_before=before)
            route = self._router.goals.get(state.thread_id)
            if route is not None and route.state is state:
                route.settle()
        turn_id = state.request_interrupt()
        if turn_id is not None:
            try:
                await self.turn_interrupt(state.thread_id, turn_id)
            except JsonRpcError as exc:
                logger.debug("interrupting goal turn %s: %s", turn_id, exc)

    async def pause_goal(self, thread_id: str) -> ThreadGoalSetResponse:
        """``thread/goal/set {"threadId", "status": "paused"}``."""
        return await self.thread_goal_set(thread_id, status=ThreadGoalStatus.paused)

    async def thread_goal_set(
        self,
        thread_id: str,
        *,
        objective: str | None = None,
        status: ThreadGoalStatus | str | None = None,
    ) -> ThreadGoalSetResponse:
        """``thread/goal/set`` with only the fields given.

        Raises:
            ValueError: a ``status`` that is not a ``ThreadGoalStatus`` value.
        """
        request: dict[str, Any] = {"threadId": thread_id}
        if objective is not None:
            request["objective"] = objective
        if status is not None:
            check_choice("status", status, ThreadGoalStatus)
            request["status"] = _status_value(status)
        return await self._typed("thread/goal/set", request, ThreadGoalSetResponse)

    async def thread_goal_clear(self, thread_id: str) -> ThreadGoalClearResponse:
        """``thread/goal/clear`` (answers ``cleared: false`` when there was no goal)."""
        return await self._typed(
            "thread/goal/clear", {"threadId": thread_id}, ThreadGoalClearResponse
        )


# --------------------------------------------------------------------------- sync client


class CodexClient:
    """The low-level blocking client of one Codex app-server process.

    The same protocol helpers as :class:`AsyncCodexClient`, which it runs on a private
    event-loop thread (started by :meth:`start`, stopped by :meth:`close`). ``with
    CodexClient(cfg) as c`` starts and closes (it does not initialize). Thread-safe:
    several threads may wait on different queues at once.

    ``approval_handler(method, params) -> dict`` answers the server's requests; it runs in a
    worker thread and may call this client. Without one, **command and file-change
    approvals are accepted** and other requests are answered ``{}``, as in the official SDK.
    """

    def __init__(
        self,
        config: CodexConfig | None = None,
        approval_handler: Callable[[str, JsonObject | None], JsonObject] | None = None,
    ) -> None:
        self._async = AsyncCodexClient(config, approval_handler)
        self._portal: LoopThread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._accounts: _SyncAccounts | None = None

    @property
    def config(self) -> CodexConfig:
        """The configuration this client was created with."""
        return self._async.config

    def __enter__(self) -> CodexClient:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Launch the app-server process (see :meth:`AsyncCodexClient.start`)."""
        with self._lock:
            if self._closed:
                raise CodexError("this client is closed; create a new one")
            if self._portal is not None:
                return
            portal = LoopThread(name="openai-codex-client")
            try:
                portal.run(self._async.start())
            except BaseException:
                portal.stop()
                raise
            self._portal = portal

    def close(self) -> None:
        """Shut the server down and stop the loop thread; every waiter gets
        :class:`~openai_codex.TransportClosedError`. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            portal = self._portal
        if portal is None:
            self._async._close_unstarted()
            return
        try:
            portal.run(self._async.close())
        finally:
            portal.stop()

    def _live_portal(self) -> LoopThread:
        portal = self._portal
        if portal is None or self._closed:
            if self._closed:
                raise TransportClosedError("the client is closed")
            raise TransportClosedError(
                "the Codex app-server is not running; call start() (and initialize()) first"
            )
        return portal

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            portal = self._live_portal()
        except BaseException:
            coro.close()
            raise
        return portal.run(coro)

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return self._live_portal().call(fn, *args)

    def _reader(self, fn: Callable[..., _Mailbox], *args: Any) -> _Mailbox:
        """Find (and register) a queue from the calling thread: the tables behind ``fn``
        are thread-safe, so a blocking reader does not hop through the loop."""
        self._live_portal()
        return fn(*args)

    def _release(self, fn: Callable[..., None], *args: Any) -> None:
        """Run an idempotent unregistration; nothing to do once closed."""
        if self._portal is not None and not self._closed:
            with contextlib.suppress(CodexError):
                self._portal.call(fn, *args)

    def initialize(self) -> models.InitializeResponse:
        """Send ``initialize`` and ``initialized`` (see :meth:`AsyncCodexClient.initialize`)."""
        return self._run(self._async.initialize())

    # -- raw protocol ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        params: JsonObject | None,
        *,
        response_model: type[ModelT],
        timeout: float | None = None,
    ) -> ModelT:
        """Send any request; see :meth:`AsyncCodexClient.request`."""
        return self._run(
            self._async.request(method, params, response_model=response_model, timeout=timeout)
        )

    def request_with_retry_on_overload(
        self,
        method: str,
        params: JsonObject | None,
        *,
        response_model: type[ModelT],
        max_attempts: int = 3,
        initial_delay_s: float = 0.25,
        max_delay_s: float = 2.0,
    ) -> ModelT:
        """:meth:`request`, retried while the server is overloaded."""
        return self._run(
            self._async.request_with_retry_on_overload(
                method,
                params,
                response_model=response_model,
                max_attempts=max_attempts,
                initial_delay_s=initial_delay_s,
                max_delay_s=max_delay_s,
            )
        )

    def notify(self, method: str, params: JsonObject | None = None) -> None:
        """Send a notification."""
        self._run(self._async.notify(method, params))

    # -- threads --------------------------------------------------------------------------

    def thread_start(
        self, params: ThreadStartParams | JsonObject | None = None
    ) -> ThreadStartResponse:
        """``thread/start``; see :meth:`AsyncCodexClient.thread_start`."""
        return self._run(self._async.thread_start(params))

    def thread_resume(
        self, thread_id: str, params: ThreadResumeParams | JsonObject | None = None
    ) -> ThreadResumeResponse:
        """``thread/resume``."""
        return self._run(self._async.thread_resume(thread_id, params))

    def thread_fork(
        self, thread_id: str, params: ThreadForkParams | JsonObject | None = None
    ) -> ThreadForkResponse:
        """``thread/fork``."""
        return self._run(self._async.thread_fork(thread_id, params))

    def thread_list(
        self, params: ThreadListParams | JsonObject | None = None
    ) -> ThreadListResponse:
        """``thread/list`` (one page)."""
        return self._run(self._async.thread_list(params))

    def thread_read(self, thread_id: str, include_turns: bool = False) -> ThreadReadResponse:
        """``thread/read``."""
        return self._run(self._async.thread_read(thread_id, include_turns))

    def thread_archive(self, thread_id: str) -> ThreadArchiveResponse:
        """``thread/archive``."""
        return self._run(self._async.thread_archive(thread_id))

    def thread_unarchive(self, thread_id: str) -> ThreadUnarchiveResponse:
        """``thread/unarchive``."""
        return self._run(self._async.thread_unarchive(thread_id))

    def thread_set_name(self, thread_id: str, name: str) -> ThreadSetNameResponse:
        """``thread/name/set``."""
        return self._run(self._async.thread_set_name(thread_id, name))

    def thread_compact(self, thread_id: str) -> ThreadCompactStartResponse:
        """``thread/compact/start``."""
        return self._run(self._async.thread_compact(thread_id))

    def model_list(self, include_hidden: bool = False) -> ModelListResponse:
        """``model/list`` (one page)."""
        return self._run(self._async.model_list(include_hidden))

    # -- turns ----------------------------------------------------------------------------

    def turn_start(
        self,
        thread_id: str,
        input_items: list[JsonObject] | JsonObject | str,
        params: TurnStartParams | JsonObject | None = None,
    ) -> TurnStartResponse:
        """``turn/start``; see :meth:`AsyncCodexClient.turn_start`."""
        return self._run(self._async.turn_start(thread_id, input_items, params))

    def turn_interrupt(self, thread_id: str, turn_id: str) -> TurnInterruptResponse:
        """``turn/interrupt``."""
        return self._run(self._async.turn_interrupt(thread_id, turn_id))

    def turn_steer(
        self,
        thread_id: str,
        expected_turn_id: str,
        input_items: list[JsonObject] | JsonObject | str,
    ) -> TurnSteerResponse:
        """``turn/steer``."""
        return self._run(self._async.turn_steer(thread_id, expected_turn_id, input_items))

    # -- notification queues --------------------------------------------------------------

    def next_notification(self, *, timeout: float | None = None) -> models.Notification:
        """The next notification of the global queue; see
        :meth:`AsyncCodexClient.next_notification`."""
        return self._reader(self._async._global_reader).get_blocking(timeout)

    def register_turn_notifications(self, turn_id: str) -> None:
        """Keep ``turn_id``'s queue for :meth:`next_turn_notification` (idempotent)."""
        self._reader(self._async._claim_turn, turn_id)

    def unregister_turn_notifications(self, turn_id: str) -> None:
        """Drop ``turn_id``'s queue (idempotent)."""
        self._release(self._async.unregister_turn_notifications, turn_id)

    def next_turn_notification(
        self, turn_id: str, *, timeout: float | None = None
    ) -> models.Notification:
        """The next notification of ``turn_id``; see
        :meth:`AsyncCodexClient.next_turn_notification`."""
        return self._reader(self._async._turn_reader, turn_id).get_blocking(timeout)

    def wait_for_turn_completed(
        self, turn_id: str, *, timeout: float | None = None
    ) -> TurnCompletedNotification:
        """Wait for ``turn_id``'s ``turn/completed``; see
        :meth:`AsyncCodexClient.wait_for_turn_completed`."""
        return self._run(self._async.wait_for_turn_completed(turn_id, timeout=timeout))

    def stream_text(
        self,
        thread_id: str,
        text: str,
        params: TurnStartParams | JsonObject | None = None,
    ) -> Iterator[AgentMessageDeltaNotification]:
        """Start a turn with ``text`` and yield its agent message deltas; see
        :meth:`AsyncCodexClient.stream_text`."""
        started = self.turn_start(thread_id, text, params)
        turn_id = started.turn.id
        box = self._reader(self._async._claim_turn, turn_id)
        try:
            while True:
                delta = _delta_of(box.get_blocking())
                if isinstance(delta, _End):
                    return
                if delta is not None:
                    yield delta
        finally:
            self._release(self._async.unregister_turn_notifications, turn_id)

    # -- logins ---------------------------------------------------------------------------

    def register_login_notifications(self, login_id: str) -> None:
        """Keep ``login_id``'s queue for :meth:`next_login_notification` (idempotent)."""
        self._reader(self._async._claim_login, login_id)

    def unregister_login_notifications(self, login_id: str) -> None:
        """Drop ``login_id``'s queue (idempotent)."""
        self._release(self._async.unregister_login_notifications, login_id)

    def next_login_notification(
        self, login_id: str, *, timeout: float | None = None
    ) -> models.Notification:
        """The next notification of ``login_id``; see
        :meth:`AsyncCodexClient.next_login_notification`."""
        return self._reader(self._async._login_reader, login_id).get_blocking(timeout)

    def wait_for_login_completed(
        self, login_id: str, *, timeout: float | None = None
    ) -> AccountLoginCompletedNotification:
        """Wait for ``login_id``'s ``account/login/completed``."""
        return self._run(self._async.wait_for_login_completed(login_id, timeout=timeout))

    def _login_driver(self) -> _SyncAccounts:
        """The login machinery behind :func:`start_chatgpt_login` & co."""
        portal = self._live_portal()
        if self._accounts is None:
            self._accounts = _SyncAccounts(portal, self._async._accounts)
        return self._accounts

    # -- account --------------------------------------------------------------------------

    def account_read(
        self, params: GetAccountParams | JsonObject | None = None
    ) -> GetAccountResponse:
        """``account/read``."""
        return self._run(self._async.account_read(params))

    def account_login_start(self, params: LoginAccountParams | JsonObject) -> LoginAccountResponse:
        """``account/login/start``; see :meth:`AsyncCodexClient.account_login_start`."""
        return self._run(self._async.account_login_start(params))

    def account_login_cancel(self, login_id: str) -> CancelLoginAccountResponse:
        """``account/login/cancel``."""
        return self._run(self._async.account_login_cancel(login_id))

    def account_logout(self) -> LogoutAccountResponse:
        """``account/logout``."""
        return self._run(self._async.account_logout())

    # -- goals ----------------------------------------------------------------------------

    def register_goal_operation(self, thread_id: str) -> _goal._GoalOperationState:
        """See :meth:`AsyncCodexClient.register_goal_operation`."""
        return self._call(self._async.register_goal_operation, thread_id)

    def reserve_goal_operation(self, thread_id: str) -> _goal._GoalOperationState:
        """See :meth:`AsyncCodexClient.reserve_goal_operation`."""
        return self._call(self._async.reserve_goal_operation, thread_id)

    def unregister_goal_operation(self, state: _goal._GoalOperationState) -> None:
        """End a goal operation's routing and queue (idempotent)."""
        self._release(self._async.unregister_goal_operation, state)

    def next_goal_notification(
        self, state: _goal._GoalOperationState, *, timeout: float | None = None
    ) -> models.Notification:
        """The next notification of a goal operation; see
        :meth:`AsyncCodexClient.next_goal_notification`."""
        return self._reader(self._async._goal_reader, state).get_blocking(timeout)

    def start_goal_operation(
        self, thread_id: str, objective: str
    ) -> tuple[_goal._GoalOperationState, str]:
        """Set an active goal and wait for its first turn; see
        :meth:`AsyncCodexClient.start_goal_operation`."""
        return self._run(self._async.start_goal_operation(thread_id, objective))

    def cancel_goal_operation(self, state: _goal._GoalOperationState) -> None:
        """Pause the goal and interrupt its running turn; see
        :meth:`AsyncCodexClient.cancel_goal_operation`."""
        self._run(self._async.cancel_goal_operation(state))

    def pause_goal(self, thread_id: str) -> ThreadGoalSetResponse:
        """``thread/goal/set {"status": "paused"}``."""
        return self._run(self._async.pause_goal(thread_id))

    def thread_goal_set(
        self,
        thread_id: str,
        *,
        objective: str | None = None,
        status: ThreadGoalStatus | str | None = None,
    ) -> ThreadGoalSetResponse:
        """``thread/goal/set`` with only the fields given."""
        return self._run(self._async.thread_goal_set(thread_id, objective=objective, status=status))

    def thread_goal_clear(self, thread_id: str) -> ThreadGoalClearResponse:
        """``thread/goal/clear``."""
        return self._run(self._async.thread_goal_clear(thread_id))


# ``inspect.signature`` shows these as the official SDK's do (its client module evaluates
# annotations, so the type variable prints as ``~ModelT``).
CodexClient.request.__annotations__["return"] = ModelT
CodexClient.request_with_retry_on_overload.__annotations__["return"] = ModelT


# --------------------------------------------------------------------------- functions


def _sync_accounts(client: Any) -> SyncAccountMixin:
    if isinstance(client, CodexClient):
        return client._login_driver()
    if isinstance(client, SyncAccountMixin):  # the high-level Codex
        return client
    raise TypeError(f"expected a CodexClient or a Codex, not {type(client).__name__}")


def _async_accounts(owner: Any) -> AsyncAccountMixin:
    if isinstance(owner, AsyncCodexClient):
        return owner._accounts
    if isinstance(owner, AsyncAccountMixin):  # the high-level AsyncCodex
        return owner
    inner = getattr(owner, "_client", None)
    if isinstance(inner, AsyncCodexClient):
        return inner._accounts
    raise TypeError(f"expected an AsyncCodex or an AsyncCodexClient, not {type(owner).__name__}")


def start_chatgpt_login(client: CodexClient) -> ChatgptLoginHandle:
    """Start a ChatGPT browser login on a started, initialized client.

    ``client`` is a :class:`CodexClient` (or a :class:`~openai_codex.Codex`). Open the
    handle's ``auth_url`` in a browser, then ``wait()``.

    Raises:
        LoginRejectedError: the server could not start the login.
    """
    return _sync_accounts(client).login_chatgpt()


def start_device_code_login(client: CodexClient) -> DeviceCodeLoginHandle:
    """Start a ChatGPT device-code login on a started, initialized client.

    Show the handle's ``verification_url`` and ``user_code``, then ``wait()``.

    Raises:
        LoginRejectedError: e.g. device codes are not enabled for the issuer.
    """
    return _sync_accounts(client).login_chatgpt_device_code()


async def async_start_chatgpt_login(owner: Any) -> AsyncChatgptLoginHandle:
    """Start a ChatGPT browser login; ``owner`` is an :class:`~openai_codex.AsyncCodex`
    or a started, initialized :class:`AsyncCodexClient`."""
    return await _async_accounts(owner).login_chatgpt()


async def async_start_device_code_login(owner: Any) -> AsyncDeviceCodeLoginHandle:
    """Start a ChatGPT device-code login; ``owner`` as in :func:`async_start_chatgpt_login`."""
    return await _async_accounts(owner).login_chatgpt_device_code()


def validate_initialize_metadata(payload: InitializeResponse) -> InitializeResponse:
    """Fill ``payload.serverInfo`` from the user agent and check that nothing is missing.

    The name and version are the text before and after the first ``/`` of the user agent
    (stripped); a non-blank ``serverInfo.name`` or ``.version`` already present wins.
    ``payload`` is updated in place and returned.

    Raises:
        InitializeMetadataError: the user agent, the name or the version is empty (also a
            ``RuntimeError``, as in the official SDK).
    """
    user_agent = (payload.userAgent or "").strip()
    derived_name, _sep, derived_version = user_agent.partition("/")
    info = payload.serverInfo
    name = ((info.name if info is not None else None) or "").strip() or derived_name.strip()
    version = (
        (info.version if info is not None else None) or ""
    ).strip() or derived_version.strip()
    if not user_agent or not name or not version:
        raise InitializeMetadataError(
            "initialize response missing required metadata "
            f"(user_agent={user_agent!r}, server_name={name!r}, server_version={version!r})"
        )
    payload.serverInfo = ServerInfo(name=name, version=version)
    return payload
