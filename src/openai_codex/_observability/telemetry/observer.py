"""The router's observer of one connection: usage accounting, and spans while tracing.

The router calls it with the few notifications it needs (never the per-token deltas), on
the dispatching thread: ``turn/started``, ``turn/completed`` and
``thread/tokenUsage/updated`` always (the accounting of ``codex.usage`` / ``thread.usage``);
``item/started``, ``item/completed`` and ``account/login/completed`` as well while tracing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..logs import log_extra
from ..usage import TOKEN_USAGE_UPDATED, TURN_COMPLETED, TURN_STARTED, UsageMeter
from .names import ITEM_COMPLETED, ITEM_STARTED, LOGIN_COMPLETED, TRACE_METHODS, USAGE_METHODS

if TYPE_CHECKING:
    from .facade import Telemetry
    from .spans import Spans

__all__ = ["ConnectionObserver"]

logger = logging.getLogger("openai_codex")


class ConnectionObserver:
    """The router's observer for one connection (see the module notes).

    Called on the dispatching thread, in order of arrival; :meth:`closed` is called once
    when the connection ends.
    """

    __slots__ = ("_generation", "_meter", "_spans", "methods")

    def __init__(self, telemetry: Telemetry, spans: Spans | None, generation: int) -> None:
        self._meter = UsageMeter(telemetry.usage)
        self._spans = spans
        self._generation = generation
        self.methods = TRACE_METHODS if spans is not None else USAGE_METHODS
        """The notification methods this observer needs to see."""

    def __call__(self, method: str, params: dict[str, Any]) -> None:
        spans = self._spans
        if method == TOKEN_USAGE_UPDATED:
            added = self._meter.updated(params)
            if added is not None:
                if spans is not None:
                    spans.turn_usage(params.get("turnId"), added)
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug(
                        "thread %s used %d tokens",
                        params.get("threadId"),
                        added.total_tokens,
                        extra=log_extra(params.get("threadId"), params.get("turnId"), method),
                    )
            return
        if method == ITEM_STARTED:
            if spans is not None:
                spans.item_started(params, self._generation)
            return
        if method == ITEM_COMPLETED:
            if spans is not None:
                spans.item_completed(params)
            return
        if method in (TURN_STARTED, TURN_COMPLETED):
            turn = params.get("turn")
            turn_id = turn.get("id") if isinstance(turn, Mapping) else params.get("turnId")
            thread_id = params.get("threadId")
            if not isinstance(turn_id, str):
                return
            if method == TURN_STARTED:
                self._meter.turn_started(turn_id)
                if spans is not None and isinstance(thread_id, str):
                    spans.turn_started(thread_id, turn_id, self._generation)
            else:
                self._meter.turn_completed(turn_id)
                if spans is not None:
                    spans.turn_completed(params, turn_id)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "turn %s %s",
                    turn_id,
                    "started" if method == TURN_STARTED else "completed",
                    extra=log_extra(thread_id, turn_id, method),
                )
            return
        if method == LOGIN_COMPLETED and spans is not None:
            spans.login_completed(params)

    def closed(self, error: BaseException) -> None:
        """The connection ended: end its open spans with ``error``."""
        spans = self._spans
        if spans is not None:
            spans.connection_closed(self._generation, error)
