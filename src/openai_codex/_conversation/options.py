"""Keyword options of thread and turn methods, and how they become protocol params.

The option names are the snake_case field names of the generated params models
(``ThreadStartParams``, ``TurnStartParams``...), so ``thread_start(base_instructions=...)``
is ``baseInstructions`` on the wire. Two SDK conveniences are translated first:

* ``approval_mode`` (:class:`ApprovalMode`) sets ``approvalPolicy`` and ``approvalsReviewer``;
* ``sandbox`` (:class:`Sandbox`) sets ``sandbox`` on threads and ``sandboxPolicy`` on turns;
* ``include_turns`` (resume, fork) sets ``excludeTurns`` to its negation;
* ``source`` and ``turn_service_tier`` (turns) set ``turnTrigger`` and ``serviceTierForTurn``.

These are the official SDK's keyword names and mappings (checked on the wire).

The params are validated with the generated model, so a misspelt option or a wrong value
fails before anything is sent: a value outside an option's closed set (the model's enum)
raises ``ValueError`` naming the allowed values (see ``option_checks``).
"""

from __future__ import annotations

import enum
import os
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from .._generated.models import (
        Personality,
        ReasoningEffort,
        ReasoningSummary,
        SortDirection,
        ThreadSortKey,
        ThreadSource,
        ThreadStartSource,
    )

__all__ = [
    "ApprovalMode",
    "Sandbox",
    "ThreadForkOptions",
    "ThreadListOptions",
    "ThreadResumeOptions",
    "ThreadStartOptions",
    "TurnOptions",
    "approval_mode_of",
    "build_params",
    "keyword_options",
    "resume_params_of",
    "sandbox_of",
]


class ApprovalMode(str, enum.Enum):
    """When Codex stops to ask before acting outside its sandbox, and who answers.

    =================  =================================  ===========================
    member             ``approvalPolicy``                 ``approvalsReviewer``
    =================  =================================  ===========================
    ``deny_all``       ``"never"``                        (unchanged)
    ``auto_review``    ``"on-request"``                   ``"auto_review"``
    ``on_request``     ``"on-request"``                   ``"user"`` (you answer)
    =================  =================================  ===========================

    ``deny_all``: the agent never asks; what the sandbox forbids fails. ``auto_review``:
    the agent asks when it needs more than the sandbox allows, and Codex's reviewer agent
    decides (the default of ``thread_start``, as in the official SDK). ``on_request``: the
    same requests reach your ``on_approval`` handler (passing a handler selects it).
    ``never`` is the older name of ``deny_all`` (an alias; ``ApprovalMode("never")`` works).
    """

    deny_all = "deny_all"
    auto_review = "auto_review"
    on_request = "on_request"
    never = "deny_all"  # alias

    @classmethod
    def _missing_(cls, value: object) -> ApprovalMode | None:
        return cls.deny_all if value == "never" else None


_APPROVAL_FIELDS: dict[ApprovalMode, dict[str, str]] = {
    ApprovalMode.deny_all: {"approval_policy": "never"},
    ApprovalMode.auto_review: {
        "approval_policy": "on-request",
        "approvals_reviewer": "auto_review",
    },
    ApprovalMode.on_request: {"approval_policy": "on-request", "approvals_reviewer": "user"},
}


class Sandbox(str, enum.Enum):
    """What commands run by the agent may touch.

    ====================  ========================  ============================================
    member                thread ``sandbox``        turn ``sandboxPolicy``
    ====================  ========================  ============================================
    ``read_only``         ``"read-only"``           ``readOnly`` (no network)
    ``workspace_write``   ``"workspace-write"``     ``workspaceWrite`` (no extra roots, no
                                                    network)
    ``full_access``       ``"danger-full-access"``  ``dangerFullAccess``
    ====================  ========================  ============================================

    ``danger_full_access`` is the older name of ``full_access`` (an alias); the enum also
    accepts the wire names (``Sandbox("danger-full-access")``).
    """

    read_only = "read-only"
    workspace_write = "workspace-write"
    full_access = "full-access"
    danger_full_access = "full-access"  # alias

    @classmethod
    def _missing_(cls, value: object) -> Sandbox | None:
        return cls.full_access if value == "danger-full-access" else None


_THREAD_SANDBOX = {
    Sandbox.read_only: "read-only",
    Sandbox.workspace_write: "workspace-write",
    Sandbox.full_access: "danger-full-access",
}

# The turn policies the official SDK sends for each mode (observed on the wire).
_TURN_SANDBOX_POLICY: dict[Sandbox, dict[str, Any]] = {
    Sandbox.read_only: {"type": "readOnly", "networkAccess": False},
    Sandbox.workspace_write: {
        "type": "workspaceWrite",
        "writableRoots": [],
        "networkAccess": False,
        "excludeTmpdirEnvVar": False,
        "excludeSlashTmp": False,
    },
    Sandbox.full_access: {"type": "dangerFullAccess"},
}


class _ThreadCommon(TypedDict, total=False):
    approval_mode: ApprovalMode | str
    base_instructions: str
    config: dict[str, Any]
    cwd: str | os.PathLike[str]
    developer_instructions: str
    model: str
    model_provider: str
    sandbox: Sandbox | str
    service_tier: str


class ThreadStartOptions(_ThreadCommon, total=False):
    """Options of ``thread_start`` (fields of ``ThreadStartParams``)."""

    ephemeral: bool
    personality: Personality | str
    service_name: str
    session_start_source: ThreadStartSource | str
    thread_source: ThreadSource | str


class ThreadResumeOptions(_ThreadCommon, total=False):
    """Options of ``thread_resume`` (fields of ``ThreadResumeParams``)."""

    include_turns: bool
    personality: Personality | str


class ThreadForkOptions(_ThreadCommon, total=False):
    """Options of ``thread_fork`` (fields of ``ThreadForkParams``)."""

    ephemeral: bool
    include_turns: bool
    thread_source: ThreadSource | str


class TurnOptions(TypedDict, total=False):
    """Options of ``run`` and ``turn`` (fields of ``TurnStartParams``)."""

    approval_mode: ApprovalMode | str
    cwd: str | os.PathLike[str]
    effort: ReasoningEffort | str
    model: str
    output_schema: dict[str, Any]
    personality: Personality | str
    sandbox: Sandbox | str
    service_tier: str
    source: str
    summary: ReasoningSummary | str
    turn_service_tier: str


class ThreadListOptions(TypedDict, total=False):
    """Filters of ``thread_list`` (fields of ``ThreadListParams``)."""

    archived: bool
    cursor: str
    cwd: str | list[str]
    limit: int
    model_providers: list[str]
    search_term: str
    section_id: str
    sort_direction: SortDirection | str
    sort_key: ThreadSortKey | str
    source_kinds: list[str]
    use_state_db_only: bool


# SDK option names that stand for differently named (or inverted) protocol fields.
_RENAMED = {"source": "turn_trigger", "turn_service_tier": "service_tier_for_turn"}


# Names of a method's own parameters that are not protocol options.
_NOT_OPTIONS = frozenset(
    {"self", "input", "thread_id", "tools", "on_approval", "on_user_input", "params"}
)
# (``goal``, ``timeout`` and ``idle_timeout`` are options of the SDK, taken out by the
# methods that have them.)


def keyword_options(arguments: dict[str, Any]) -> dict[str, Any]:
    """The protocol options among a method's arguments (``locals()`` at its start).

    Thread and turn methods spell every official keyword out in their signature and pass
    ``locals()`` here: the options are the keywords plus ``**params``, minus the method's
    other parameters (``self``, ``input``, ``thread_id``, handlers and tools).
    """
    options = {k: v for k, v in arguments.items() if k not in _NOT_OPTIONS}
    options.update(arguments.get("params") or {})
    return options


# Wire fields of thread/start, /resume and /fork that thread/resume accepts again.
_RESUMABLE = frozenset(
    {
        "approvalPolicy",
        "approvalsReviewer",
        "baseInstructions",
        "config",
        "cwd",
        "developerInstructions",
        "model",
        "modelProvider",
        "personality",
        "sandbox",
        "serviceTier",
    }
)


def resume_params_of(params: dict[str, Any]) -> dict[str, Any]:
    """The settings of a thread/start, /resume or /fork request to send again on resume."""
    return {k: v for k, v in params.items() if k in _RESUMABLE}


def approval_mode_of(value: ApprovalMode | str) -> ApprovalMode:
    """``value`` as an :class:`ApprovalMode`, with a clear error for a bad one."""
    try:
        return ApprovalMode(value)
    except ValueError:
        from .option_checks import choice_error

        raise choice_error("approval_mode", value, (m.value for m in ApprovalMode)) from None


def sandbox_of(value: Sandbox | str) -> Sandbox:
    """``value`` as a :class:`Sandbox`, with a clear error for a bad one."""
    try:
        return Sandbox(value.value if isinstance(value, enum.Enum) else value)
    except ValueError:
        from .option_checks import choice_error

        raise choice_error("sandbox", value, (m.value for m in Sandbox)) from None


def _translate(options: dict[str, Any], *, turn: bool) -> dict[str, Any]:
    fields = {
        k: os.fspath(v) if isinstance(v, os.PathLike) else v
        for k, v in options.items()
        if v is not None
    }
    mode = fields.pop("approval_mode", None)
    if mode is not None:
        for key, value in _APPROVAL_FIELDS[approval_mode_of(mode)].items():
            fields.setdefault(key, value)
    sandbox = fields.get("sandbox")
    if sandbox is not None:
        sandbox = sandbox_of(sandbox)
        if turn:
            del fields["sandbox"]
            fields.setdefault("sandbox_policy", dict(_TURN_SANDBOX_POLICY[sandbox]))
        else:
            fields["sandbox"] = _THREAD_SANDBOX[sandbox]
    include_turns = fields.pop("include_turns", None)
    if include_turns is not None:
        fields.setdefault("exclude_turns", not include_turns)
    for ours, wire in _RENAMED.items():
        if ours in fields:
            fields.setdefault(wire, fields.pop(ours))
    return fields


def build_params(
    model_name: str, options: dict[str, Any], *, turn: bool = False, **fixed: Any
) -> dict[str, Any]:
    """Validate ``options`` (plus ``fixed`` fields) with a generated params model.

    Returns the wire dict: the given fields only (no defaults added), under their camelCase
    names, with enums and models converted to JSON values.

    Raises:
        TypeError: an option the params model does not have; an ``output_schema`` that is
            not a mapping.
        ValueError: a value outside its option's closed set (``effort``, ``summary``,
            ``personality``...: the generated model's enum), naming the allowed values; an
            ``output_schema`` that is not a valid JSON Schema.
        pydantic.ValidationError: a value of the wrong type.
    """
    fields = _translate(options, turn=turn)
    wire = _plain_params(model_name, {**fields, **fixed})
    if wire is not None:  # nothing that needs the model (nor its checks): skip importing it
        return wire
    from .._generated import models
    from .option_checks import check_params

    model = getattr(models, model_name)
    model_fields = model.model_fields
    unknown = [k for k in fields if k not in model_fields]
    if unknown:
        raise TypeError(f"unexpected option(s) for {model_name}: {', '.join(sorted(unknown))}")
    fields.update(fixed)
    check_params(model_name, fields)
    model.model_validate(fields)
    return {model_fields[k].alias or k: _jsonable(v) for k, v in fields.items()}


# The params fields whose valid values are known without the generated model, by model:
# snake_case name -> (wire name, the valid constant values, or ``str`` for "any str").
# Only the most common calls (``thread_start()`` / ``turn("text")`` with the defaults or a
# few plain-string options) qualify; anything else is validated by the model, which costs
# importing pydantic and building validators on a cold start.
# tests/unit/conversation/test_options.py checks this table against the generated models.
_STR = str
_APPROVAL_POLICY = ("approvalPolicy", frozenset({"never", "on-request"}))
_APPROVALS_REVIEWER = ("approvalsReviewer", frozenset({"auto_review", "user"}))
_COMMON_PLAIN: dict[str, tuple[str, Any]] = {
    "approval_policy": _APPROVAL_POLICY,
    "approvals_reviewer": _APPROVALS_REVIEWER,
    "cwd": ("cwd", _STR),
    "model": ("model", _STR),
    "service_tier": ("serviceTier", _STR),
}
PLAIN_FIELDS: dict[str, dict[str, tuple[str, Any]]] = {
    "ThreadStartParams": {
        **_COMMON_PLAIN,
        "base_instructions": ("baseInstructions", _STR),
        "developer_instructions": ("developerInstructions", _STR),
        "model_provider": ("modelProvider", _STR),
        "sandbox": ("sandbox", frozenset({"read-only", "workspace-write", "danger-full-access"})),
        "service_name": ("serviceName", _STR),
    },
    "TurnStartParams": {
        **_COMMON_PLAIN,
        "thread_id": ("threadId", _STR),
        "input": ("input", "text-items"),
    },
}


def _is_text_item(item: Any) -> bool:
    """``{"type": "text", "text": str}``, the item a plain string input becomes."""
    return (
        type(item) is dict
        and len(item) == 2
        and item.get("type") == "text"
        and type(item.get("text")) is str
    )


def _plain_params(model_name: str, fields: dict[str, Any]) -> dict[str, Any] | None:
    """The wire params if every field is one whose validity is known here, else ``None``."""
    table = PLAIN_FIELDS.get(model_name)
    if table is None:
        return None
    wire: dict[str, Any] = {}
    for key, value in fields.items():
        entry = table.get(key)
        if entry is None:
            return None
        name, valid = entry
        if valid is _STR:
            if type(value) is not str:
                return None
        elif valid == "text-items":
            if type(value) is not list or not value or not all(map(_is_text_item, value)):
                return None
        elif type(value) is not str or value not in valid:
            return None
        wire[name] = _jsonable(value)
    return wire


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json", by_alias=True, exclude_none=True)
    return value
