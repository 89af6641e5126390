"""Keyword options of thread and turn methods, and how they become protocol params.

The option names are the snake_case field names of the generated params models
(``ThreadStartParams``, ``TurnStartParams``...), so ``thread_start(base_instructions=...)``
is ``baseInstructions`` on the wire. Two SDK conveniences are translated first:

* ``approval_mode`` (:class:`ApprovalMode`) sets ``approvalPolicy`` and ``approvalsReviewer``;
* ``sandbox`` (:class:`Sandbox`) sets ``sandbox`` on threads and ``sandboxPolicy`` on turns.

The params are validated with the generated model, so a misspelt option or a wrong value
fails before anything is sent.
"""

from __future__ import annotations

import enum
import os
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from ._generated.models import Personality, ReasoningSummary, SortDirection, ThreadSortKey

__all__ = [
    "ApprovalMode",
    "Sandbox",
    "ThreadForkOptions",
    "ThreadResumeOptions",
    "ThreadStartOptions",
    "TurnOptions",
    "build_params",
]


class ApprovalMode(str, enum.Enum):
    """When Codex stops to ask before acting outside its sandbox.

    =================  =================================  ===========================
    member             ``approvalPolicy``                 ``approvalsReviewer``
    =================  =================================  ===========================
    ``never``          ``"never"``                        (unchanged)
    ``on_request``     ``"on-request"``                   ``"user"`` (you answer)
    ``auto_review``    ``"on-request"``                   ``"auto_review"``
    =================  =================================  ===========================

    ``never``: the agent never asks; what the sandbox forbids fails. ``on_request``: the
    agent asks when it needs more than the sandbox allows, and the request reaches your
    approval handler. ``auto_review``: the same requests are decided by Codex's reviewer
    agent instead of you.
    """

    never = "never"
    on_request = "on_request"
    auto_review = "auto_review"


_APPROVAL_FIELDS: dict[ApprovalMode, dict[str, str]] = {
    ApprovalMode.never: {"approval_policy": "never"},
    ApprovalMode.on_request: {"approval_policy": "on-request", "approvals_reviewer": "user"},
    ApprovalMode.auto_review: {
        "approval_policy": "on-request",
        "approvals_reviewer": "auto_review",
    },
}


class Sandbox(str, enum.Enum):
    """What commands run by the agent may touch.

    ============================  ========================  ==============================
    member                        thread ``sandbox``        turn ``sandboxPolicy.type``
    ============================  ========================  ==============================
    ``read_only``                 ``"read-only"``           ``"readOnly"``
    ``workspace_write``           ``"workspace-write"``     ``"workspaceWrite"``
    ``danger_full_access``        ``"danger-full-access"``  ``"dangerFullAccess"``
    ============================  ========================  ==============================
    """

    read_only = "read-only"
    workspace_write = "workspace-write"
    danger_full_access = "danger-full-access"


_TURN_SANDBOX_TYPES = {
    Sandbox.read_only: "readOnly",
    Sandbox.workspace_write: "workspaceWrite",
    Sandbox.danger_full_access: "dangerFullAccess",
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


class ThreadResumeOptions(_ThreadCommon, total=False):
    """Options of ``thread_resume`` (fields of ``ThreadResumeParams``)."""

    personality: Personality | str


class ThreadForkOptions(_ThreadCommon, total=False):
    """Options of ``thread_fork`` (fields of ``ThreadForkParams``)."""

    ephemeral: bool


class TurnOptions(TypedDict, total=False):
    """Options of ``run`` and ``turn`` (fields of ``TurnStartParams``)."""

    approval_mode: ApprovalMode | str
    cwd: str | os.PathLike[str]
    effort: str
    model: str
    output_schema: dict[str, Any]
    personality: Personality | str
    sandbox: Sandbox | str
    service_tier: str
    summary: ReasoningSummary | str


class ThreadListOptions(TypedDict, total=False):
    """Filters of ``thread_list`` (fields of ``ThreadListParams``)."""

    archived: bool
    cursor: str
    cwd: str | list[str]
    limit: int
    model_providers: list[str]
    search_term: str
    sort_direction: SortDirection | str
    sort_key: ThreadSortKey | str
    source_kinds: list[str]


def _translate(options: dict[str, Any], *, turn: bool) -> dict[str, Any]:
    fields = {
        k: os.fspath(v) if isinstance(v, os.PathLike) else v
        for k, v in options.items()
        if v is not None
    }
    mode = fields.pop("approval_mode", None)
    if mode is not None:
        try:
            mode = ApprovalMode(mode)
        except ValueError:
            choices = ", ".join(m.value for m in ApprovalMode)
            raise ValueError(f"approval_mode must be one of {choices}, not {mode!r}") from None
        for key, value in _APPROVAL_FIELDS[mode].items():
            fields.setdefault(key, value)
    sandbox = fields.get("sandbox")
    if sandbox is not None:
        try:
            sandbox = Sandbox(sandbox.value if isinstance(sandbox, enum.Enum) else sandbox)
        except ValueError:
            choices = ", ".join(m.value for m in Sandbox)
            raise ValueError(f"sandbox must be one of {choices}, not {sandbox!r}") from None
        if turn:
            del fields["sandbox"]
            fields.setdefault("sandbox_policy", {"type": _TURN_SANDBOX_TYPES[sandbox]})
        else:
            fields["sandbox"] = sandbox.value
    return fields


def build_params(
    model_name: str, options: dict[str, Any], *, turn: bool = False, **fixed: Any
) -> dict[str, Any]:
    """Validate ``options`` (plus ``fixed`` fields) with a generated params model.

    Returns the wire dict: the given fields only (no defaults added), under their camelCase
    names, with enums and models converted to JSON values.

    Raises:
        TypeError: an option the params model does not have.
        pydantic.ValidationError: a value of the wrong type.
    """
    from ._generated import models

    model = getattr(models, model_name)
    fields = _translate(options, turn=turn)
    model_fields = model.model_fields
    unknown = [k for k in fields if k not in model_fields]
    if unknown:
        raise TypeError(f"unexpected option(s) for {model_name}: {', '.join(sorted(unknown))}")
    fields.update(fixed)
    model.model_validate(fields)
    return {model_fields[k].alias or k: _jsonable(v) for k, v in fields.items()}


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
