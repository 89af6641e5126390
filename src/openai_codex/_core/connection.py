"""One JSON-RPC connection: a transport, the sans-IO protocol, one reader, the router.

Data flows one way: transport bytes → :class:`RpcProtocol` messages → responses resolve the
futures of pending requests; notifications go to the :class:`Router`; server requests go to
the request handler (a task each), whose answer is written back exactly once.

The reader is the transport's data callback (:meth:`Connection._on_data`), run by the event
loop for each chunk, in order: the same single reader as a read-loop task, minus a task
switch per chunk (about 10% of the client's CPU on a streamed turn). When the stream ends
(or a message is malformed) one finishing task fails every pending request and stream.

A broken server (see ``docs/reliability.md``): a malformed line, bytes that are
not UTF-8 or a line over ``max_line_bytes`` end the connection with a
:class:`~openai_codex.ProtocolError` for every waiter, after the messages that came before
the bad line were delivered (following h11: after a remote protocol error the stream cannot
be trusted, so nothing after it is read). Output that ends in the middle of a line gives
the waiters a :class:`~openai_codex.TransportClosedError` saying so. Answers to unknown ids
and duplicate answers are logged (at most 10 warnings a minute) and otherwise ignored.

A sync stream may borrow the reader (:meth:`Connection.lend_reader`, see
:mod:`._reader_lease`): its thread then reads the pipe and routes notifications itself,
while answers and server requests are still handled here, on the loop, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import (
    INTERNAL_ERROR,
    METHOD_NOT_FOUND,
    CodexError,
    CodexTimeoutError,
    JsonRpcError,
    ProtocolError,
    TransportClosedError,
    error_from_rpc,
)
from .notifications import Notification
from .protocol import (
    MAX_LINE_BYTES,
    Incoming,
    IncomingError,
    IncomingNotification,
    IncomingRequest,
    IncomingResponse,
    RpcProtocol,
    WarningBudget,
)
from .reader_lease import ENABLED as LEASE_ENABLED
from .reader_lease import IDLE_LIMIT, ReaderLease, WakePipe
from .router import Router
from .sinks import Sink, ThreadSink
from .transport.base import LendsReader, Transport

__all__ = ["Connection", "RequestHandler", "ServerRequestError"]

logger = logging.getLogger("openai_codex")

RequestHandler = Callable[[str, Any], Awaitable[Any]]


class ServerRequestError(Exception):
    """Raised by a request handler to answer a server request with a JSON-RPC error."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        self.code = code
        self.message = message
        self.data = data
        super().__init__(message)


async def _method_not_found(method: str, params: Any) -> Any:
    raise ServerRequestError(METHOD_NOT_FOUND, f"client does not handle {method}")


class Connection:
    """A live JSON-RPC session over a transport.

    All methods must be called on the event loop that created the connection.
    """

    def __init__(
        self,
        transport: Transport,
        router: Router | None = None,
        *,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self._transport = transport
        # Whether a sync stream may ever borrow the reader: a pipe (not a socket), on a
        # platform with poll. Asked once: a stream asks may_lend() each time it runs dry.
        self._lendable = LEASE_ENABLED and isinstance(transport, LendsReader)
        self._protocol: RpcProtocol[asyncio.Future[Any]] = RpcProtocol(max_line_bytes)
        self.router = router or Router()
        self.interrupted_turns: OrderedDict[str, Any] = OrderedDict()
        """Answers to ``turn/interrupt`` by turn id, the latest kept (see
        :func:`openai_codex._conversation.thread.interrupt_turn`)."""
        self.request_handler: RequestHandler = _method_not_found
        self._started = False
        self._finishing: asyncio.Task[None] | None = None
        self._handler_tasks: set[asyncio.Task[None]] = set()
        self._closed_error: CodexError | None = None
        self._closing = False
        self._cut_short: ProtocolError | None = None  # the output ended inside a line
        self._answer_warnings = WarningBudget()  # unknown ids, duplicates: no log flood
        self._done = asyncio.Event()
        self._lease: ReaderLease | None = None
        self._lease_timer: asyncio.TimerHandle | None = None
        self._lease_back = asyncio.Event()
        self._wake: WakePipe | None = None
        self.router.on_interest = self._revoke_lease

    def start(self) -> None:
        """Start receiving: the transport calls :meth:`_on_data` for every chunk.

        Output that arrived before is routed at once (a stdio transport replays it inside
        this call), so whatever must receive it (the router's sinks, the request handler,
        the waiter of a request already written) must exist first. :meth:`request` calls
        this itself when the connection has not started.
        """
        if not self._started:
            self._started = True
            self._transport.start(self._on_data, self._on_eof)

    @property
    def transport(self) -> Transport:
        """The transport this connection reads and writes."""
        return self._transport

    @property
    def closed_error(self) -> CodexError | None:
        """Why the connection ended, or ``None`` while it is open."""
        return self._closed_error

    async def request(
        self,
        method: str,
        params: Any = None,
        *,
        timeout: float | None = None,
        sent: bytes | None = None,
    ) -> Any:
        """Send a request and return its result.

        ``sent``: the request's line, already written to the transport by whoever started
        it (see :func:`openai_codex._client.launch.launch_greeted`); it must be exactly the line
        this request encodes to (same id), and the connection must not have started: the
        request registers its waiter, then starts the connection, so an answer the server
        sent before this call is never read before someone waits for it.

        A connection that has not started yet is started by its first request, after that
        request's waiter exists (see :meth:`start`).

        Raises:
            JsonRpcError: (a subclass of) the server's error answer.
            TransportClosedError: the connection ended before the answer.
            CodexTimeoutError: no answer within ``timeout`` seconds.
        """
        if self._closed_error is not None:
            raise self._closed_error
        if self._lease is not None:  # the answer must not wait for an idle lease holder
            self._revoke_lease()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        request_id, line = self._protocol.send_request(method, params, future)
        if sent is not None and (sent != line or self._started):
            self._protocol.forget(request_id)
            if self._started:  # its answer may have been read already, and dropped
                raise RuntimeError(f"{method}: a request already sent must start the connection")
            raise RuntimeError(f"{method}: the line already sent is not this request's")
        if not self._started:
            # Only now, with the answer's waiter in the table: the transport replays the
            # output that arrived before (the answer to ``sent`` may be in it).
            self.start()
        try:
            if sent is None:
                await self._transport.send(line)
            if timeout is None:
                return await future
            try:
                return await asyncio.wait_for(asyncio.shield(future), timeout)
            except asyncio.TimeoutError:
                raise CodexTimeoutError(
                    f"{method}: no answer from the app-server within {timeout} s"
                ) from None
        except TransportClosedError:
            if self._closed_error is not None:
                raise self._closed_error from None
            raise
        finally:
            if not future.done():
                self._protocol.forget(request_id)
                future.cancel()
            elif not future.cancelled():
                # The reader may have failed this future while send() raised; mark its
                # exception as seen so asyncio does not report it as never retrieved.
                future.exception()

    async def notify(self, method: str, params: Any = None) -> None:
        """Send a notification."""
        if self._closed_error is not None:
            raise self._closed_error
        await self._transport.send(self._protocol.encode_notification(method, params))

    def _on_data(self, data: bytes) -> None:
        """The reader: parse a chunk and route every message it completes, in order.

        Runs as the transport's data callback on the loop, so no message waits for a task
        switch; anything it cannot handle ends the connection instead of leaving waiters.
        """
        self._receive(data, None)

    def _receive(self, data: bytes, defer: Callable[..., Any] | None) -> bool:
        """Route the messages ``data`` completes; ``False`` once the connection ends.

        ``defer`` is ``None`` on the loop. From a lease holder's thread it schedules the
        loop-only work (answers, server requests, ending the connection) on the loop.
        """
        if self._finishing is not None:
            return False  # the connection failed or ended: later bytes wake nothing
        router = self.router
        protocol = self._protocol
        bad: ProtocolError | None = None
        try:
            try:
                messages = protocol.receive_data(data)
            except ProtocolError as exc:  # deliver what came before the bad line, then end
                messages = protocol.messages_before_error()
                bad = exc
            dispatch = router.dispatch
            for message in messages:
                if type(message) is IncomingNotification:
                    dispatch(*message)
                elif defer is None:
                    self._handle(message)
                else:
                    defer(self._handle, message)
            if bad is None:
                return True
            raise bad
        except CodexError as exc:  # a malformed message: the stream can't be trusted any more
            logger.error("closing the connection: %s", exc)
            error = exc
        except Exception as exc:  # a bug in routing code must not leave waiters hanging
            logger.exception("the reader of the Codex connection failed")
            error = CodexError(f"the reader of the Codex connection failed: {exc!r}")
            error.__cause__ = exc
        if defer is None:
            self._finish(error)
        else:
            defer(self._finish, error)
        return False

    def _handle(self, message: Incoming) -> None:
        """An answer or a server request (on the loop)."""
        cls = type(message)
        if cls is IncomingResponse:
            self._resolve(message[0], message[1])
        elif cls is IncomingError:
            self._reject(message)  # type: ignore[arg-type]
        elif cls is IncomingRequest:
            self._serve(message)  # type: ignore[arg-type]

    # -- the reader lease ---------------------------------------------------------------

    def may_lend(self, turn_id: str, sink: Sink[Notification]) -> bool:
        """A hint, cheap from any thread: would :meth:`lend_reader` lend now?"""
        return (
            self._lendable
            and self._lease is None
            and self._finishing is None
            and not self._closing
            and self._protocol.pending_count == 0
            and self.router.exclusive_for(turn_id, sink)
        )

    def lend_reader(self, turn_id: str, sink: ThreadSink[Notification]) -> ReaderLease | None:
        """Lend the pipe to the calling stream's thread, if its turn is all that waits.

        Call on the loop (the sync client's ``portal.call``). ``None`` when something
        else waits for the server (a request, another stream, a listener), when the
        transport is not a pipe, or when the connection is ending.
        """
        transport = self._transport
        if not self.may_lend(turn_id, sink) or not isinstance(transport, LendsReader):
            return None
        if self._wake is None:
            self._wake = WakePipe()
        fd = transport.lend_reader()
        if fd is None:
            return None
        loop = asyncio.get_running_loop()
        lease = ReaderLease(self, fd, self._wake, loop, sink)
        self._lease = lease
        self._lease_back.clear()
        self._lease_timer = loop.call_later(IDLE_LIMIT, self._check_idle_lease, lease)
        return lease

    def _check_idle_lease(self, lease: ReaderLease) -> None:
        """Take back a lease whose holder stopped iterating; else look again later."""
        if self._lease is not lease:
            return
        if lease.revoke_if_idle(IDLE_LIMIT):
            self.lease_returned(lease)
        else:
            loop = asyncio.get_running_loop()
            self._lease_timer = loop.call_later(IDLE_LIMIT, self._check_idle_lease, lease)

    def feed_from_thread(self, data: bytes, defer: Callable[..., Any]) -> bool:
        """The lease holder's reader: route ``data`` like :meth:`_on_data` would."""
        with self.router.foreign:
            return self._receive(data, defer)

    def lease_returned(self, lease: ReaderLease) -> None:
        """The holder gave the pipe back (or the loop took it): read on the loop again."""
        if self._lease is not lease:
            return
        self._lease = None
        if self._lease_timer is not None:
            self._lease_timer.cancel()
            self._lease_timer = None
        transport = self._transport
        if isinstance(transport, LendsReader):
            transport.return_reader()
        self._lease_back.set()

    def _revoke_lease(self) -> None:
        """Something else waits for the server: take the pipe back (on the loop)."""
        lease = self._lease
        if lease is not None and lease.revoke():
            self.lease_returned(lease)

    async def _wait_lease_back(self, timeout: float) -> None:
        self._revoke_lease()
        if self._lease is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._lease_back.wait(), timeout)

    def _on_eof(self) -> None:
        if self._finishing is None and not self._closing:
            try:
                self._protocol.receive_eof()
            except ProtocolError as exc:  # reported with the transport's error
                logger.warning("%s", exc)
                self._cut_short = exc
        self._finish(None)

    def _finish(self, error: CodexError | None) -> None:
        if self._finishing is None:
            self._finishing = asyncio.ensure_future(self._finish_async(error))

    async def _finish_async(self, error: CodexError | None) -> None:
        transport = self._transport
        if error is None:
            error = _with_cut_short(await transport.closed_error(), self._cut_short)
        self._shutdown(error)
        if not self._closing and not isinstance(error, TransportClosedError):
            await self._wait_lease_back(2.0)
            with contextlib.suppress(Exception):
                await transport.close()
        self._done.set()

    def _shutdown(self, error: CodexError) -> None:
        if self._closed_error is None:
            self._closed_error = error
        for _method, future in self._protocol.fail_all():
            if not future.done():
                future.set_exception(error)
        self.router.close(error)

    def _resolve(self, request_id: Any, result: Any) -> None:
        pending = self._protocol.pop_pending(request_id)
        if pending is None:
            self._unexpected_answer(request_id, "")
            return
        future = pending[1]
        if not future.done():
            future.set_result(result)

    def _reject(self, message: IncomingError) -> None:
        pending = self._protocol.pop_pending(message.id)
        if pending is None:
            error = f" (error {message.code}: {message.message[:200]})"
            self._unexpected_answer(message.id, error)
            return
        method, future = pending
        if not future.done():
            future.set_exception(
                error_from_rpc(message.code, message.message, message.data, method)
            )

    def _unexpected_answer(self, request_id: Any, error: str) -> None:
        """Log an answer nobody waits for (once per answer, at most 10 warnings a minute)."""
        expected, text = self._protocol.explain_unexpected_answer(request_id)
        if expected:  # its caller timed out or was cancelled: nothing is wrong
            logger.debug("ignored %s%s", text, error)
            return
        note = self._answer_warnings.allow(time.monotonic())
        if note is not None:
            logger.warning("ignored %s from the app-server%s%s", text, error, note)

    def _serve(self, message: IncomingRequest) -> None:
        task = asyncio.ensure_future(self._answer(message))
        self._handler_tasks.add(task)
        task.add_done_callback(self._handler_tasks.discard)

    async def _answer(self, message: IncomingRequest) -> None:
        try:
            result = await self.request_handler(message.method, message.params)
            line = self._protocol.encode_result(message.id, result)
        except ServerRequestError as exc:
            line = self._protocol.encode_error(message.id, exc.code, exc.message, exc.data)
        except asyncio.CancelledError:
            line = self._protocol.encode_error(message.id, INTERNAL_ERROR, "client is closing")
            with contextlib.suppress(Exception):
                await self._transport.send(line)
            raise
        except JsonRpcError as exc:
            line = self._protocol.encode_error(message.id, exc.code, exc.message, exc.data)
        except Exception as exc:
            logger.exception("handler for server request %s failed", message.method)
            line = self._protocol.encode_error(
                message.id, INTERNAL_ERROR, f"client handler failed: {type(exc).__name__}: {exc}"
            )
        with contextlib.suppress(CodexError):
            await self._transport.send(line)

    async def close(self) -> None:
        """Close the transport, end the reader and every waiter; idempotent."""
        if self._closing:
            await self._done.wait()
            return
        self._closing = True
        # The holder must stop polling the pipe before the transport closes it.
        await self._wait_lease_back(2.0)
        for task in list(self._handler_tasks):
            task.cancel()
        if self._handler_tasks:
            await asyncio.gather(*self._handler_tasks, return_exceptions=True)
        await self._transport.close()
        if self._finishing is None:
            self._finish(None)
        assert self._finishing is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._finishing), 5.0)
        except asyncio.TimeoutError:
            self._finishing.cancel()
            with contextlib.suppress(BaseException):
                await self._finishing
        if self._closed_error is None:
            self._shutdown(await self._transport.closed_error())
        if self._wake is not None and self._lease is None:  # else a stuck holder may poll it
            self._wake.close()
            self._wake = None
        self._done.set()


def _with_cut_short(closed: CodexError, cut: ProtocolError | None) -> CodexError:
    """The transport's error, saying the output ended in the middle of a message if so."""
    if cut is None or not isinstance(closed, TransportClosedError):
        return closed
    error = copy.copy(closed)  # the same class, exit code and stderr tail
    first, newline, rest = str(closed).partition("\n")
    error.args = (f"{first}; {cut}{newline}{rest}",)
    return error
