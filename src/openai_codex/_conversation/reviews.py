"""Code reviews: ``thread.review(target)`` runs the runtime's review turn and returns its
rendered review, and its findings when the runtime exposes them in structured form.

What the runtime does (app-server 0.163.0, observed with the mock model): ``review/start
{threadId, target}`` answers ``{turn, reviewThreadId}`` and runs a review turn: an
``enteredReviewMode`` item, a model request asking for JSON findings (``findings[{title,
body, confidence_score, priority, code_location{absolute_file_path, line_range{start,
end}}}], overall_correctness, overall_explanation, overall_confidence_score``), then an
``exitedReviewMode`` item whose ``review`` is the rendered text, and the same text as the
final agent message. The protocol's items carry only that rendered text. The reviewer's
structured output reaches a client only as a raw response item
(``rawResponseItem/completed``, the model's JSON message), which the server sends on
threads started with ``experimental_raw_events=True``: :attr:`ReviewResult.findings` is
read from there (never parsed back out of the rendered text), and is ``None`` otherwise.
The working directory must be a git repository.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Union

from .._core.notifications import Notification
from .._core.sinks import AsyncSink
from .results import TurnResult

if TYPE_CHECKING:
    from .thread import AsyncThread

__all__ = [
    "BaseBranch",
    "CodeLocation",
    "Commit",
    "Custom",
    "ReviewFinding",
    "ReviewResult",
    "ReviewTargetLike",
    "run_review",
    "target_to_wire",
]

RAW_ITEM_COMPLETED = "rawResponseItem/completed"


@dataclass(frozen=True)
class BaseBranch:
    """Review the changes between the current branch and ``branch``."""

    branch: str

    def to_wire(self) -> dict[str, Any]:
        """The ``baseBranch`` review target."""
        return {"type": "baseBranch", "branch": self.branch}


@dataclass(frozen=True)
class Commit:
    """Review the changes of one commit (``title`` is a label for display)."""

    sha: str
    title: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """The ``commit`` review target."""
        wire: dict[str, Any] = {"type": "commit", "sha": self.sha}
        if self.title is not None:
            wire["title"] = self.title
        return wire


@dataclass(frozen=True)
class Custom:
    """A review guided by free-form ``instructions``."""

    instructions: str

    def to_wire(self) -> dict[str, Any]:
        """The ``custom`` review target."""
        return {"type": "custom", "instructions": self.instructions}


ReviewTargetLike = Union[  # noqa: UP007  (a runtime alias: the names are classes)
    Literal["uncommittedChanges"], BaseBranch, Commit, Custom, Mapping[str, Any], Any
]
"""What ``review()`` accepts: ``"uncommittedChanges"``, a target object, a generated
``ReviewTarget`` model (or one of its members), or the wire dict."""


def target_to_wire(target: ReviewTargetLike) -> dict[str, Any]:
    """The ``target`` of ``review/start``, validated with the generated ``ReviewTarget``.

    Raises:
        ValueError: an unknown string; pydantic.ValidationError: a malformed target.
    """
    from .._generated.models import ReviewTarget

    if isinstance(target, str):
        if target != "uncommittedChanges":
            raise ValueError(
                f"a review target string must be 'uncommittedChanges', not {target!r}; "
                "use BaseBranch(...), Commit(...) or Custom(...) for the others"
            )
        wire: Any = {"type": "uncommittedChanges"}
    elif hasattr(target, "to_wire"):
        wire = target.to_wire()
    elif hasattr(target, "model_dump"):
        wire = target.model_dump(mode="json", by_alias=True, exclude_none=True)
    else:
        wire = dict(target)
    ReviewTarget.model_validate(wire)
    return dict(wire)


@dataclass(frozen=True)
class CodeLocation:
    """Where a finding points: a file and an inclusive line range."""

    path: str
    start_line: int | None = None
    end_line: int | None = None


@dataclass(frozen=True)
class ReviewFinding:
    """One comment of the review, as the reviewer model produced it."""

    title: str
    body: str
    confidence_score: float | None = None
    priority: int | None = None
    location: CodeLocation | None = None


@dataclass
class ReviewResult:
    """The outcome of :meth:`AsyncThread.review`.

    Attributes:
        text: the review as the runtime rendered it (the ``exitedReviewMode`` item).
        findings: the reviewer's structured findings, when the runtime exposed them (on a
            thread started with ``experimental_raw_events=True``); else ``None``.
        overall_correctness / overall_explanation / overall_confidence_score: the
            reviewer's verdict, alongside ``findings``.
        turn: the review turn's :class:`TurnResult`.
        review_thread_id: the thread the review ran on (this thread, unless detached).
    """

    text: str
    findings: list[ReviewFinding] | None
    turn: TurnResult
    review_thread_id: str
    overall_correctness: str | None = None
    overall_explanation: str | None = None
    overall_confidence_score: float | None = None
    raw: dict[str, Any] | None = field(default=None, repr=False)


def _structured_output(note: Notification) -> dict[str, Any] | None:
    """The reviewer's JSON output, if ``note`` is the raw assistant message carrying it."""
    if note.method != RAW_ITEM_COMPLETED:
        return None
    item = note.params.get("item")
    if not isinstance(item, dict) or item.get("role") != "assistant":
        return None
    text = "".join(
        part.get("text", "")
        for part in item.get("content") or ()
        if isinstance(part, dict) and part.get("type") == "output_text"
    )
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "findings" in data else None


def _finding(data: Any) -> ReviewFinding | None:
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        return None
    location = None
    where = data.get("code_location")
    if isinstance(where, dict) and isinstance(where.get("absolute_file_path"), str):
        lines = where.get("line_range")
        start, end = (
            (lines.get("start"), lines.get("end")) if isinstance(lines, dict) else (None, None)
        )
        location = CodeLocation(where["absolute_file_path"], start, end)
    score = data.get("confidence_score")
    priority = data.get("priority")
    return ReviewFinding(
        title=data["title"],
        body=str(data.get("body", "")),
        confidence_score=float(score) if isinstance(score, (int, float)) else None,
        priority=priority if isinstance(priority, int) else None,
        location=location,
    )


async def run_review(
    thread: AsyncThread,
    target: ReviewTargetLike,
    delivery: str | None,
    timeout: float | None,
    idle_timeout: float | None,
) -> ReviewResult:
    """Start a review on ``thread`` and follow its turn to the end."""
    from .._generated.models import ReviewDelivery, ReviewStartResponse
    from .option_checks import check_choice
    from .thread import AsyncThread
    from .turn import AsyncTurnHandle

    params: dict[str, Any] = {"threadId": thread.id, "target": target_to_wire(target)}
    if delivery is not None:
        check_choice("delivery", delivery, ReviewDelivery)
        params["delivery"] = ReviewDelivery(delivery).value
    session = thread._session
    router = (await session.connection()).router
    sink: AsyncSink[Notification] = AsyncSink()
    session.telemetry.expect_turns(thread.id)  # the review turn's span: under the caller's
    router.begin_turn_start(thread.id)  # the review turn's first events may beat the answer
    try:
        answer = ReviewStartResponse.model_validate(
            await thread._thread_request("review/start", params)
        )
        router.claim_turn(answer.review_thread_id, answer.turn.id, sink)
    finally:
        router.end_turn_start(thread.id)
    owner = thread
    if answer.review_thread_id != thread.id:
        # A detached review runs on a new thread whose first events were not buffered: if
        # its turn is already over, take the end from the thread's record.
        owner = AsyncThread(session, answer.review_thread_id)
        turns = (await owner.read(include_turns=True)).thread.turns
        done = [t for t in turns if t.id == answer.turn.id and t.status.value != "inProgress"]
        if done:
            record = done[0].model_dump(mode="json", by_alias=True, exclude_none=True)
            sink.put(Notification("turn/completed", {"threadId": owner.id, "turn": record}))
    handle = AsyncTurnHandle(owner, answer.turn.id, sink)
    output: dict[str, Any] | None = None
    async for note in handle.stream(timeout=timeout, idle_timeout=idle_timeout):
        output = _structured_output(note) or output
    turn = handle._collector.finish()
    text = next(
        (item.review for item in turn.items if item.type == "exitedReviewMode"),
        turn.final_response or "",
    )
    findings = None
    if output is not None:
        findings = [f for f in map(_finding, output.get("findings") or ()) if f is not None]
    score = (output or {}).get("overall_confidence_score")
    return ReviewResult(
        text=text,
        findings=findings,
        turn=turn,
        review_thread_id=answer.review_thread_id,
        overall_correctness=(output or {}).get("overall_correctness"),
        overall_explanation=(output or {}).get("overall_explanation"),
        overall_confidence_score=float(score) if isinstance(score, (int, float)) else None,
        raw=output,
    )
