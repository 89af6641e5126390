"""Assembling a :class:`TurnResult` from the notifications of one turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._core.notifications import Notification
from ..errors import TurnFailedError

if TYPE_CHECKING:
    from .._generated.models import ThreadItem, ThreadTokenUsage, TurnError, TurnStatus

__all__ = ["COLLECTED", "TurnCollector", "TurnResult", "finished"]

TURN_COMPLETED = "turn/completed"
ITEM_COMPLETED = "item/completed"
TOKEN_USAGE = "thread/tokenUsage/updated"
COLLECTED = frozenset((TURN_COMPLETED, ITEM_COMPLETED, TOKEN_USAGE))
"""The methods :meth:`TurnCollector.feed` keeps; a stream may skip the call for others."""


@dataclass
class TurnResult:
    """The outcome of one turn.

    The fields and their order are the official SDK's; ``thread_id`` comes last.

    Attributes:
        id: the turn id.
        status: ``completed``, ``interrupted`` or ``failed`` (a ``TurnStatus``).
        error: the server's ``TurnError`` for a failed or interrupted turn, else ``None``.
        started_at / completed_at: Unix timestamps in seconds, when reported.
        duration_ms: how long the turn took, when reported.
        final_response: the text of the last agent message (the one in the
            ``final_answer`` phase when the model marks phases), or ``None``.
        items: every completed item of the turn (``ThreadItem`` models), in order.
        usage: the thread's token usage as reported during this turn
            (``ThreadTokenUsage``: ``.total`` and ``.last``), or ``None``.
        thread_id: the thread the turn ran on.
    """

    id: str
    status: TurnStatus
    error: TurnError | None = None
    started_at: int | None = None
    completed_at: int | None = None
    duration_ms: int | None = None
    final_response: str | None = None
    items: list[ThreadItem] = field(default_factory=list)
    usage: ThreadTokenUsage | None = None
    thread_id: str | None = field(default=None, repr=False)

    def _repr_markdown_(self) -> str:
        """Jupyter's rendering: status, usage, the final response, the items folded."""
        from .._observability.rendering import turn_markdown

        return turn_markdown(self)


class TurnCollector:
    """Feeds on one turn's notifications and builds its :class:`TurnResult`.

    Only the notifications are kept while the turn runs; their typed payloads (the
    generated models, and pydantic) are built by :meth:`result`, so a turn that is only
    streamed never pays for them.
    """

    __slots__ = (
        "_item_notes",
        "_turn_note",
        "_usage_notes",
        "done",
        "eager",
        "thread_id",
        "turn_id",
    )

    def __init__(self, thread_id: str, turn_id: str) -> None:
        self.thread_id = thread_id
        self.turn_id = turn_id
        self.eager = False
        """Build payloads as they arrive (set by ``run()``, which needs the result anyway:
        the work then overlaps with the server's instead of following ``turn/completed``)."""
        self._item_notes: list[Notification] = []
        self._usage_notes: list[Notification] = []
        self._turn_note: Notification | None = None
        self.done = False

    def feed(self, note: Notification) -> bool:
        """Record one notification; returns True once the turn has completed."""
        method = note.method
        if method == ITEM_COMPLETED:
            self._item_notes.append(note)
            if self.eager:
                note.payload  # noqa: B018 - builds (and caches) the typed payload now
        elif method == TOKEN_USAGE:
            self._usage_notes.append(note)
            if self.eager:
                note.payload  # noqa: B018
        elif method == TURN_COMPLETED and note.turn_id == self.turn_id:
            self._turn_note = note
            self.done = True
        return self.done

    def _items(self) -> list[Any]:
        items = []
        for note in self._item_notes:
            item = getattr(note.payload, "item", None)
            if item is not None:  # an item the schema does not know was logged and skipped
                items.append(item)
        return items

    def _usage(self) -> Any:
        usage = None
        for note in self._usage_notes:  # a report that does not validate keeps the last one
            usage = getattr(note.payload, "token_usage", usage)
        return usage

    def result(self) -> TurnResult:
        """The result so far (complete once :attr:`done`)."""
        from .._generated.models import TurnStatus

        note = self._turn_note
        # A turn record that does not validate still ends the turn (status unknown).
        turn = getattr(note.payload, "turn", None) if note is not None else None
        items = self._items()
        if turn is not None and not items and turn.items:
            items = list(turn.items)
        return TurnResult(
            id=self.turn_id,
            thread_id=self.thread_id,
            status=turn.status if turn is not None else TurnStatus.in_progress,
            error=turn.error if turn is not None else None,
            started_at=turn.started_at if turn is not None else None,
            completed_at=turn.completed_at if turn is not None else None,
            duration_ms=turn.duration_ms if turn is not None else None,
            final_response=final_response(items),
            items=list(items),
            usage=self._usage(),
        )

    def finish(self) -> TurnResult:
        """The final result; raises :class:`TurnFailedError` for a failed turn."""
        return finished(self.result())


def finished(result: TurnResult) -> TurnResult:
    """``result``, or :class:`TurnFailedError` carrying it when its turn failed."""
    if getattr(result.status, "value", result.status) == "failed":
        message = result.error.message if result.error is not None else "unknown error"
        raise TurnFailedError(message, result)
    return result


def final_response(items: list[Any]) -> str | None:
    """The last agent message's text, preferring the ``final_answer`` phase."""
    last: str | None = None
    final: str | None = None
    for item in items:
        if getattr(item, "type", None) != "agentMessage":
            continue
        last = item.text
        phase = getattr(item, "phase", None)
        if phase is not None and getattr(phase, "value", phase) == "final_answer":
            final = item.text
    return final if final is not None else last
