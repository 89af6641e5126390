"""``BatchResult``: what a batch returns and writes, one per task (its ``usage`` is the
SDK's :class:`~openai_codex.TokenUsage`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .._observability.usage import TokenUsage

__all__ = ["BatchResult", "TaskStatus", "TokenUsage"]

TaskStatus = Literal["completed", "failed"]


def add_usage(total: TokenUsage | None, more: TokenUsage | None) -> TokenUsage | None:
    """``total + more``, where ``None`` means "nothing reported"."""
    if more is None:
        return total
    return more if total is None else total + more


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one task of a batch.

    Attributes:
        id: the task's id.
        status: ``"completed"``, or ``"failed"`` once its attempts ran out (or at once for
            an error that retrying cannot fix).
        final_response: the text of the turn's final agent message (the last attempt's).
        structured_output: the parsed JSON of ``final_response`` when the task had an
            ``output_schema``, else ``None``.
        usage: tokens used by all attempts of the task, or ``None`` if none was reported.
        error: why the task failed (``"ErrorType: message"``), ``None`` on success.
        attempts: how many times the task ran (1 + its retries).
        duration_s: seconds from the task's first start to its end, backoff included
            (to the millisecond).
        thread_id: the thread of the last attempt (to read or resume it later), if any.
    """

    id: str
    status: TaskStatus
    final_response: str | None = None
    structured_output: Any = None
    usage: TokenUsage | None = None
    error: str | None = None
    attempts: int = 0
    duration_s: float = 0.0
    thread_id: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the task completed."""
        return self.status == "completed"

    def _repr_markdown_(self) -> str:
        """Jupyter's rendering: status, attempts, usage, the answer or the error."""
        from .._observability.rendering import batch_markdown

        return batch_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written as one line of a results file."""
        return {
            "id": self.id,
            "status": self.status,
            "final_response": self.final_response,
            "structured_output": self.structured_output,
            "usage": self.usage.to_dict() if self.usage is not None else None,
            "error": self.error,
            "attempts": self.attempts,
            "duration_s": round(self.duration_s, 3),
            "thread_id": self.thread_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchResult:
        """The inverse of :meth:`to_dict`.

        Raises:
            ValueError: not a result record (no ``id``, an unknown ``status``, a bad field).
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"a result must be a JSON object, not {type(data).__name__}")
        task_id = data.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise ValueError("a result needs a string 'id'")
        status = data.get("status")
        if status not in ("completed", "failed"):
            raise ValueError(f"result {task_id!r}: unknown status {status!r}")
        usage = data.get("usage")
        if usage is not None and not isinstance(usage, Mapping):
            raise ValueError(f"result {task_id!r}: usage must be an object")
        attempts = data.get("attempts", 0)
        duration = data.get("duration_s", 0.0)
        if isinstance(attempts, bool) or not isinstance(attempts, int):
            raise ValueError(f"result {task_id!r}: attempts must be an integer")
        if isinstance(duration, bool) or not isinstance(duration, (int, float)):
            raise ValueError(f"result {task_id!r}: duration_s must be a number")
        for name in ("final_response", "error", "thread_id"):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"result {task_id!r}: {name} must be a string or null")
        return cls(
            id=task_id,
            status=status,
            final_response=data.get("final_response"),
            structured_output=data.get("structured_output"),
            usage=TokenUsage.from_dict(usage) if usage is not None else None,
            error=data.get("error"),
            attempts=attempts,
            duration_s=float(duration),
            thread_id=data.get("thread_id"),
        )
