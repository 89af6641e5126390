"""The typed request helpers of the low-level async client: one method a protocol request.

Each helper builds one request from its arguments (a params model is sent by alias,
without ``None``), sends it on the client's connection and returns the answer validated
into its protocol model. :class:`~.async_client.AsyncCodexClient` inherits them; it owns
the connection, the lifecycle and the notification queues.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._auth.login import _redact
from .._conversation.option_checks import check_choice
from .._conversation.remote_images import inline_remote_images
from .._generated.models import (
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
    TurnInterruptResponse,
    TurnStartParams,
    TurnStartResponse,
    TurnSteerResponse,
)
from .._json import JsonObject
from ..errors import INVALID_REQUEST, InvalidRequestError, JsonRpcError, error_from_rpc
from ..retry import async_retry_on_overload
from .errors import not_running_error
from .messages import ModelT, _dump, _input_items, _status_value, _validate

if TYPE_CHECKING:
    from .._client.config import CodexConfig
    from .._core.connection import Connection
    from .routing import _PullRouter


class _AsyncRequests:
    """The request side of :class:`~.async_client.AsyncCodexClient`.

    The client sets the state these helpers read: its ``config``, its connection (``None``
    until started), whether it is closed, and its router (``turn_start`` refuses a thread
    with a goal operation).
    """

    if TYPE_CHECKING:
        config: CodexConfig
        _connection: Connection | None
        _closed: bool
        _router: _PullRouter

    def _require_connection(self) -> Connection:
        connection = self._connection
        if connection is None:
            raise not_running_error(self._closed)
        return connection

    async def _live_connection(self) -> Connection:
        """The connection a request goes out on (a shared client may restart it first)."""
        return self._require_connection()

    # -- raw protocol ---------------------------------------------------------------------

    async def _call(self, method: str, params: Any, timeout: float | None = None) -> Any:
        connection = await self._live_connection()
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
        await (await self._live_connection()).notify(method, params)

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
        An image given by an ``http(s)`` URL is downloaded and sent inline, unless
        ``config.fetch_remote_images`` is off (the runtime refuses remote image URLs).

        Raises:
            ImageFetchError: such an image could not be downloaded.
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
        items = await inline_remote_images(_input_items(input_items), self.config)
        request = {**_dump(params), "threadId": thread_id, "input": items}
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
            "input": await inline_remote_images(_input_items(input_items), self.config),
        }
        return await self._typed("turn/steer", request, TurnSteerResponse)

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
