"""One JSON-RPC connection: a transport, the sans-IO protocol, one reader, the router.

Data flows one way: transport bytes → :class:`RpcProtocol` messages → responses resolve the
futures of pending requests; notifications go to the :class:`Router`; server requests go to
the request handler (a task each), whose answer is written back exactly once.

The reader is the transport's data callback (:meth:`Connection._on_data`), run by the event
loop for each chunk, in order: the same single reader as a read-loop task, minus a task
switch per chunk (about 10% of the client's CPU on a streamed turn). When the stream ends
(or a message is malformed) one finishing task fails every pending request and stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ._protocol import (
    IncomingError,
    IncomingNotification,
    IncomingRequest,
    IncomingResponse,
    RpcProtocol,
)
from ._router import Router
from ._transport import Transport
from .errors import (
    INTERNAL_ERROR,
    METHOD_NOT_FOUND,
    CodexError,
    CodexTimeoutError,
    JsonRpcError,
    TransportClosedError,
    error_from_rpc,
)

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

    def __init__(self, transport: Transport, router: Router | None = None) -> None:
        self._transport = transport
        self._protocol: RpcProtocol[asyncio.Future[Any]] = RpcProtocol()
        self.router = router or Router()
        self.request_handler: RequestHandler = _method_not_found
        self._started = False
        self._finishing: asyncio.Task[None] | None = None
        self._handler_tasks: set[asyncio.Task[None]] = set()
        self._closed_error: CodexError | None = None
        self._closing = False
        self._done = asyncio.Event()

    def start(self) -> None:
        """Start receiving: the transport calls :meth:`_on_data` for every chunk."""
        if not self._started:
            self._started = True
            self._transport.start(self._on_data, self._on_eof)

    @property
    def closed_error(self) -> CodexError | None:
        """Why the connection ended, or ``None`` while it is open."""
        return self._closed_error

    async def request(
        self, method: str, params: Any = None, *, timeout: float | None = None
    ) -> Any:
        """Send a request and return its result.

        Raises:
            JsonRpcError: (a subclass of) the server's error answer.
            TransportClosedError: the connection ended before the answer.
            CodexTimeoutError: no answer within ``timeout`` seconds.
        """
        if self._closed_error is not None:
            raise self._closed_error
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        request_id, line = self._protocol.send_request(method, params, future)
        try:
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
        if self._finishing is not None:
            return
        router = self.router
        try:
            for message in self._protocol.receive_data(data):
                cls = type(message)
                if cls is IncomingNotification:
                    router.dispatch(message[0], message[1])  # type: ignore[arg-type]
                elif cls is IncomingResponse:
                    self._resolve(message[0], message[1])
                elif cls is IncomingError:
                    self._reject(message)  # type: ignore[arg-type]
                else:
                    self._serve(message)  # type: ignore[arg-type]
        except CodexError as exc:  # a malformed message: the stream can't be trusted any more
            logger.error("closing the connection: %s", exc)
            self._finish(exc)
        except Exception as exc:  # a bug in routing code must not leave waiters hanging
            logger.exception("the reader of the Codex connection failed")
            error = CodexError(f"the reader of the Codex connection failed: {exc!r}")
            error.__cause__ = exc
            self._finish(error)

    def _on_eof(self) -> None:
        self._finish(None)

    def _finish(self, error: CodexError | None) -> None:
        if self._finishing is None:
            self._finishing = asyncio.ensure_future(self._finish_async(error))

    async def _finish_async(self, error: CodexError | None) -> None:
        transport = self._transport
        if error is None:
            error = await transport.closed_error()
        self._shutdown(error)
        if not self._closing and not isinstance(error, TransportClosedError):
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
            logger.debug("answer to an unknown or abandoned request %r", request_id)
            return
        future = pending[1]
        if not future.done():
            future.set_result(result)

    def _reject(self, message: IncomingError) -> None:
        pending = self._protocol.pop_pending(message.id)
        if pending is None:
            logger.debug("error for an unknown or abandoned request %r", message.id)
            return
        method, future = pending
        if not future.done():
            future.set_exception(
                error_from_rpc(message.code, message.message, message.data, method)
            )

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
        self._done.set()
