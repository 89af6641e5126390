"""Typed views of the questions the app-server asks mid-turn, and how answers are encoded.

Pure logic, no I/O: :func:`approval_request_from` turns the params of an approval request
into an :class:`ApprovalRequest`, :func:`approval_response` turns a :class:`Decision` into
the wire answer of that request's method, and the same pair exists for
``item/tool/requestUserInput`` (:func:`user_input_request_from`,
:func:`user_input_response`). The dispatcher in ``dispatch`` calls the user's
handlers in between.

Wire facts (app-server 0.163.0):

* ``item/commandExecution/requestApproval`` and ``item/fileChange/requestApproval`` answer
  ``{"decision": "accept" | "acceptForSession" | "decline" | "cancel"}``. ``decline`` lets
  the turn go on (the model is told the action was rejected); ``cancel`` also interrupts the
  turn. The command request lists ``availableDecisions`` (for example ``["accept",
  {"acceptWithExecpolicyAmendment": ...}, "cancel"]``) but the server accepts ``decline``
  even when it is not listed.
* The file-change request carries no file list; the changes are in the ``fileChange``
  item of the ``item/started`` notification sent just before it.
* ``item/permissions/requestApproval`` answers ``{"permissions": <granted profile>,
  "scope": "turn" | "session"}``; granting nothing (``{}``) refuses.
* The legacy ``execCommandApproval`` / ``applyPatchApproval`` answer a ``ReviewDecision``:
  ``"approved"``, ``"approved_for_session"``, ``{"denied": {"rejection"}}`` or ``"abort"``.
* ``item/tool/requestUserInput`` answers ``{"answers": {question_id: {"answers": [str]}}}``;
  ``{"answers": {}}`` (no answer) lets the turn finish.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ApprovalFileChange",
    "ApprovalHandler",
    "ApprovalKind",
    "ApprovalRequest",
    "Decision",
    "UserInputAnswers",
    "UserInputHandler",
    "UserInputOption",
    "UserInputQuestion",
    "UserInputRequest",
    "approval_request_from",
    "approval_response",
    "user_input_request_from",
    "user_input_response",
]

ApprovalKind = Literal["command", "file_change", "permissions"]
"""What an :class:`ApprovalRequest` asks about."""

COMMAND_APPROVAL = "item/commandExecution/requestApproval"
FILE_CHANGE_APPROVAL = "item/fileChange/requestApproval"
PERMISSIONS_APPROVAL = "item/permissions/requestApproval"
LEGACY_COMMAND_APPROVAL = "execCommandApproval"
LEGACY_PATCH_APPROVAL = "applyPatchApproval"
USER_INPUT_REQUEST = "item/tool/requestUserInput"

APPROVAL_METHODS: dict[str, ApprovalKind] = {
    COMMAND_APPROVAL: "command",
    FILE_CHANGE_APPROVAL: "file_change",
    PERMISSIONS_APPROVAL: "permissions",
    LEGACY_COMMAND_APPROVAL: "command",
    LEGACY_PATCH_APPROVAL: "file_change",
}
"""Server request methods that are approvals, and the kind of each."""

_LEGACY_METHODS = frozenset({LEGACY_COMMAND_APPROVAL, LEGACY_PATCH_APPROVAL})

_REJECTION = "rejected by the client's approval handler"


class Decision(str, enum.Enum):
    """An answer to an approval request; the values are the protocol's decision values.

    * ``accept`` (``"accept"``): run it, this once.
    * ``accept_for_session`` (``"acceptForSession"``): run it, and do not ask again for the
      same action in this session.
    * ``decline`` (``"decline"``): do not run it; the turn goes on and the model is told
      the action was rejected.
    * ``cancel`` (``"cancel"``): do not run it, and interrupt the turn.

    ``Decision("accept_for_session")`` (the member name) works too. For the permissions
    request, accept grants the requested permissions for the turn, accept_for_session for
    the session, and decline/cancel grant nothing. For the legacy approval methods the
    values map to ``approved``, ``approved_for_session``, ``denied`` and ``abort``.
    """

    accept = "accept"
    accept_for_session = "acceptForSession"
    decline = "decline"
    cancel = "cancel"

    @classmethod
    def _missing_(cls, value: object) -> Decision | None:
        if isinstance(value, str):
            key = value.strip()
            for member in cls:
                if key in (member.name, member.value):
                    return member
            legacy = _LEGACY_NAMES.get(key)
            if legacy is not None:
                return cls(legacy)
        return None


_LEGACY_NAMES = {
    "approved": "accept",
    "approved_for_session": "acceptForSession",
    "denied": "decline",
    "abort": "cancel",
}

_LEGACY_WIRE: dict[Decision, object] = {
    Decision.accept: "approved",
    Decision.accept_for_session: "approved_for_session",
    Decision.decline: {"denied": {"rejection": _REJECTION}},
    Decision.cancel: "abort",
}

_ALL_DECISIONS = (Decision.accept, Decision.accept_for_session, Decision.decline, Decision.cancel)
_PERMISSION_DECISIONS = (Decision.accept, Decision.accept_for_session, Decision.decline)


@dataclass(frozen=True)
class ApprovalFileChange:
    """One file of a file-change approval.

    Attributes:
        path: the file the change touches.
        kind: ``"add"``, ``"delete"`` or ``"update"``.
        diff: the new content (add), the old content (delete) or a unified diff (update).
        move_path: where an updated file is moved to, if it is.
    """

    path: str
    kind: str
    diff: str = ""
    move_path: str | None = None


@dataclass(frozen=True)
class ApprovalRequest:
    """A question from the server: may the agent do this? Answer with a :class:`Decision`.

    Attributes:
        kind: ``"command"`` (run a shell command outside the sandbox), ``"file_change"``
            (apply a patch) or ``"permissions"`` (extra filesystem/network permissions).
        method: the protocol method, e.g. ``"item/commandExecution/requestApproval"``.
        thread_id: the thread asking (``None`` only if the server did not say).
        turn_id: the turn asking, if known.
        item_id: the id of the turn item (command, file change...) this is about.
        reason: why the agent asks (the model's justification), if given.
        command: the command the agent wants to run, for ``kind == "command"`` (``""``
            otherwise, so ``request.command.startswith(...)`` is always safe). The server
            wraps commands in a shell (``/bin/bash -lc 'echo hi'``); this is the script
            inside (``echo hi``). ``command_line`` has the full line.
        command_line: the command exactly as the server will run it.
        cwd: the working directory of the command or permission request.
        file_changes: the files a ``"file_change"`` request would write.
        permissions: the requested permission profile (wire dict) for ``"permissions"``.
        available_decisions: the decisions the server offers, when it lists them; other
            decisions may still be accepted (the server takes ``decline`` without listing
            it).
        raw: the request params exactly as received.
    """

    kind: ApprovalKind
    method: str
    thread_id: str | None
    turn_id: str | None
    item_id: str | None
    reason: str | None = None
    command: str = ""
    command_line: str = ""
    cwd: str | None = None
    file_changes: tuple[ApprovalFileChange, ...] = ()
    permissions: dict[str, Any] | None = None
    available_decisions: tuple[Decision, ...] = _ALL_DECISIONS
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


ApprovalResult = Decision | str | Mapping[str, Any]
"""What an approval handler returns: a :class:`Decision` (or its value/name as a str), or a
complete wire response dict (sent as is, e.g. to accept with an execpolicy amendment)."""

ApprovalHandler = Callable[[ApprovalRequest], ApprovalResult | Awaitable[ApprovalResult]]
"""``on_approval``: a function or coroutine function taking an :class:`ApprovalRequest`."""


@dataclass(frozen=True)
class UserInputOption:
    """One choice offered for a question: ``label`` (the answer text) and ``description``."""

    label: str
    description: str = ""


@dataclass(frozen=True)
class UserInputQuestion:
    """One question of a :class:`UserInputRequest`.

    Attributes:
        id: the key to answer under.
        header: a short label (a dozen characters).
        question: the question itself.
        options: suggested answers (answer with an option's ``label``), possibly empty.
        allows_other: whether a free-form answer is allowed besides the options.
        is_secret: whether the answer is sensitive (do not echo it).
    """

    id: str
    header: str
    question: str
    options: tuple[UserInputOption, ...] = ()
    allows_other: bool = False
    is_secret: bool = False


@dataclass(frozen=True)
class UserInputRequest:
    """The agent asks the user one or more questions (``item/tool/requestUserInput``).

    Answer with a mapping ``{question_id: answer}`` where an answer is a str or a list of
    str; questions left out are unanswered.
    """

    thread_id: str | None
    turn_id: str | None
    item_id: str | None
    questions: tuple[UserInputQuestion, ...]
    is_blocking: bool = True
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


UserInputAnswers = Mapping[str, str | Sequence[str]]
"""What an ``on_user_input`` handler returns: question id → answer(s)."""

UserInputHandler = Callable[
    [UserInputRequest], UserInputAnswers | Awaitable[UserInputAnswers | None] | None
]
"""``on_user_input``: a function or coroutine function taking a :class:`UserInputRequest`."""


# ------------------------------------------------------------------------- decoding


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def file_changes_from_item(item: Mapping[str, Any]) -> tuple[ApprovalFileChange, ...]:
    """The changes of a ``fileChange`` thread item (as sent in ``item/started``)."""
    changes: list[ApprovalFileChange] = []
    for change in item.get("changes") or ():
        if not isinstance(change, Mapping):
            continue
        kind = change.get("kind")
        kind_type = kind.get("type") if isinstance(kind, Mapping) else kind
        move_path = kind.get("move_path") if isinstance(kind, Mapping) else None
        changes.append(
            ApprovalFileChange(
                path=str(change.get("path", "")),
                kind=str(kind_type or ""),
                diff=str(change.get("diff") or ""),
                move_path=_str_or_none(move_path),
            )
        )
    return tuple(changes)


def _legacy_file_changes(value: object) -> tuple[ApprovalFileChange, ...]:
    if not isinstance(value, Mapping):
        return ()
    changes: list[ApprovalFileChange] = []
    for path, change in value.items():
        if not isinstance(change, Mapping):
            continue
        kind = str(change.get("type", ""))
        diff = change.get("unified_diff") if kind == "update" else change.get("content")
        changes.append(
            ApprovalFileChange(
                path=str(path),
                kind=kind,
                diff=str(diff or ""),
                move_path=_str_or_none(change.get("move_path")),
            )
        )
    return tuple(changes)


_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "fish"})
_SHELL_FLAGS = frozenset({"-c", "-lc", "-ic", "-lic", "-ilc"})


def unwrap_shell(argv: list[str]) -> str:
    """The script of a ``<shell> -lc <script>`` command line, else the joined line."""
    if len(argv) == 3 and argv[0].rsplit("/", 1)[-1] in _SHELLS and argv[1] in _SHELL_FLAGS:
        return argv[2]
    import shlex  # here: keeps `import openai_codex` cheap

    return shlex.join(argv)


def _command_texts(command: object) -> tuple[str, str]:
    """``(command, command_line)`` of a request's command (a str or an argv list)."""
    import shlex

    if isinstance(command, list):
        argv = [str(part) for part in command]
        return unwrap_shell(argv), shlex.join(argv)
    line = str(command or "")
    try:
        argv = shlex.split(line)
    except ValueError:
        return line, line
    return (unwrap_shell(argv) if len(argv) == 3 else line), line


def _decisions(value: object) -> tuple[Decision, ...]:
    if not isinstance(value, list):
        return _ALL_DECISIONS
    found: list[Decision] = []
    for entry in value:
        if isinstance(entry, str):
            try:
                found.append(Decision(entry))
            except ValueError:
                continue
    return tuple(found)


def approval_request_from(
    method: str,
    params: Mapping[str, Any],
    file_changes: tuple[ApprovalFileChange, ...] = (),
) -> ApprovalRequest:
    """Build the :class:`ApprovalRequest` for an approval method's params.

    ``file_changes`` supplies the changes of a v2 file-change request (the request itself
    does not carry them). Raises KeyError for a method that is not an approval.
    """
    kind = APPROVAL_METHODS[method]
    raw = dict(params)
    if method in _LEGACY_METHODS:
        command_text, command_line = _command_texts(raw.get("command"))
        if kind != "command":
            command_text = command_line = ""
        return ApprovalRequest(
            kind=kind,
            method=method,
            thread_id=_str_or_none(raw.get("conversationId")),
            turn_id=None,
            item_id=_str_or_none(raw.get("callId")),
            reason=_str_or_none(raw.get("reason")),
            command=command_text,
            command_line=command_line,
            cwd=_str_or_none(raw.get("cwd")),
            file_changes=_legacy_file_changes(raw.get("fileChanges")),
            raw=raw,
        )
    permissions = raw.get("permissions") if kind == "permissions" else None
    command_text, command_line = ("", "")
    if kind == "command":
        command_text, command_line = _command_texts(raw.get("command"))
    if kind == "command":
        available = _decisions(raw.get("availableDecisions"))
    elif kind == "permissions":
        available = _PERMISSION_DECISIONS
    else:
        available = _ALL_DECISIONS
    return ApprovalRequest(
        kind=kind,
        method=method,
        thread_id=_str_or_none(raw.get("threadId")),
        turn_id=_str_or_none(raw.get("turnId")),
        item_id=_str_or_none(raw.get("itemId")),
        reason=_str_or_none(raw.get("reason")),
        command=command_text,
        command_line=command_line,
        cwd=_str_or_none(raw.get("cwd")),
        file_changes=file_changes,
        permissions=dict(permissions) if isinstance(permissions, Mapping) else None,
        available_decisions=available,
        raw=raw,
    )


# ------------------------------------------------------------------------- encoding


def to_decision(value: object) -> Decision:
    """Coerce a handler's return value to a :class:`Decision`.

    Raises:
        TypeError: not a Decision or str.
        ValueError: a str that names no decision.
    """
    if isinstance(value, Decision):
        return value
    if isinstance(value, str):
        try:
            return Decision(value)
        except ValueError:
            choices = ", ".join(d.name for d in Decision)
            raise ValueError(f"unknown decision {value!r}; use one of {choices}") from None
    raise TypeError(f"an approval handler must return a Decision, not {type(value).__name__}")


def _granted(requested: object) -> dict[str, Any]:
    """The requested permission profile without null fields (what we grant on accept)."""
    if not isinstance(requested, Mapping):
        return {}
    return {str(k): v for k, v in requested.items() if v is not None}


def approval_response(request: ApprovalRequest, decision: Decision) -> dict[str, Any]:
    """The wire answer of ``request``'s method for ``decision``."""
    if request.method in _LEGACY_METHODS:
        return {"decision": _LEGACY_WIRE[decision]}
    if request.kind == "permissions":
        if decision in (Decision.accept, Decision.accept_for_session):
            scope = "session" if decision is Decision.accept_for_session else "turn"
            return {"permissions": _granted(request.raw.get("permissions")), "scope": scope}
        return {"permissions": {}, "scope": "turn"}
    return {"decision": decision.value}


def user_input_request_from(params: Mapping[str, Any]) -> UserInputRequest:
    """Build the :class:`UserInputRequest` for ``item/tool/requestUserInput`` params."""
    raw = dict(params)
    questions: list[UserInputQuestion] = []
    for q in raw.get("questions") or ():
        if not isinstance(q, Mapping):
            continue
        options = tuple(
            UserInputOption(
                label=str(o.get("label", "")), description=str(o.get("description", ""))
            )
            for o in q.get("options") or ()
            if isinstance(o, Mapping)
        )
        questions.append(
            UserInputQuestion(
                id=str(q.get("id", "")),
                header=str(q.get("header", "")),
                question=str(q.get("question", "")),
                options=options,
                allows_other=bool(q.get("isOther")),
                is_secret=bool(q.get("isSecret")),
            )
        )
    return UserInputRequest(
        thread_id=_str_or_none(raw.get("threadId")),
        turn_id=_str_or_none(raw.get("turnId")),
        item_id=_str_or_none(raw.get("itemId")),
        questions=tuple(questions),
        is_blocking=bool(raw.get("isBlocking", True)),
        raw=raw,
    )


def user_input_response(answers: UserInputAnswers | None) -> dict[str, Any]:
    """The wire answer for ``answers`` (``None`` or ``{}`` answers nothing).

    Raises:
        TypeError: ``answers`` is not a mapping of str to str / list of str.
    """
    if answers is None:
        return {"answers": {}}
    if not isinstance(answers, Mapping):
        raise TypeError(
            "an on_user_input handler must return a mapping of question id to answer(s), "
            f"not {type(answers).__name__}"
        )
    wire: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, str):
            texts = [value]
        elif isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
            texts = list(value)
        else:
            raise TypeError(f"the answer to {key!r} must be a str or a list of str")
        wire[str(key)] = {"answers": texts}
    return {"answers": wire}
