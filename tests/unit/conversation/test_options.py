"""Keyword options of thread and turn methods, translated to protocol params."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from openai_codex import (
    ApprovalMode,
    Sandbox,
    ThreadForkOptions,
    ThreadListOptions,
    ThreadResumeOptions,
    ThreadStartOptions,
    TurnOptions,
)
from openai_codex._conversation import options as _options
from openai_codex._conversation.options import PLAIN_FIELDS, build_params
from openai_codex._generated import models

SDK_ONLY = {"approval_mode", "sandbox", "include_turns", "source", "turn_service_tier"}


def thread(**options: Any) -> dict[str, Any]:
    return build_params("ThreadStartParams", options)


def turn(**options: Any) -> dict[str, Any]:
    return build_params(
        "TurnStartParams", options, turn=True, thread_id="th", input=[{"type": "text", "text": "x"}]
    )


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (ApprovalMode.deny_all, {"approvalPolicy": "never"}),
        (ApprovalMode.never, {"approvalPolicy": "never"}),
        ("never", {"approvalPolicy": "never"}),
        (ApprovalMode.on_request, {"approvalPolicy": "on-request", "approvalsReviewer": "user"}),
        (
            ApprovalMode.auto_review,
            {"approvalPolicy": "on-request", "approvalsReviewer": "auto_review"},
        ),
        ("on_request", {"approvalPolicy": "on-request", "approvalsReviewer": "user"}),
    ],
)
def test_approval_mode_maps_to_policy_and_reviewer_on_threads_and_turns(
    mode: ApprovalMode | str, expected: dict[str, str]
) -> None:
    assert thread(approval_mode=mode) == expected
    params = turn(approval_mode=mode)
    assert {k: params[k] for k in expected} == expected
    assert "approvalMode" not in params


def test_an_explicit_approval_policy_wins_over_approval_mode() -> None:
    params = thread(approval_mode=ApprovalMode.on_request, approval_policy="never")
    assert params == {"approvalPolicy": "never", "approvalsReviewer": "user"}


def test_an_unknown_approval_mode_is_a_value_error() -> None:
    with pytest.raises(
        ValueError, match="approval_mode must be one of deny_all, auto_review, on_request"
    ):
        thread(approval_mode="sometimes")


READ_ONLY_POLICY = {"type": "readOnly", "networkAccess": False}
WORKSPACE_WRITE_POLICY = {
    "type": "workspaceWrite",
    "writableRoots": [],
    "networkAccess": False,
    "excludeTmpdirEnvVar": False,
    "excludeSlashTmp": False,
}
FULL_ACCESS_POLICY = {"type": "dangerFullAccess"}


@pytest.mark.parametrize(
    ("sandbox", "thread_value", "turn_policy"),
    [
        (Sandbox.read_only, "read-only", READ_ONLY_POLICY),
        (Sandbox.workspace_write, "workspace-write", WORKSPACE_WRITE_POLICY),
        (Sandbox.full_access, "danger-full-access", FULL_ACCESS_POLICY),
        (Sandbox.danger_full_access, "danger-full-access", FULL_ACCESS_POLICY),
        ("danger-full-access", "danger-full-access", FULL_ACCESS_POLICY),
        ("workspace-write", "workspace-write", WORKSPACE_WRITE_POLICY),
    ],
)
def test_sandbox_is_a_mode_on_threads_and_a_policy_on_turns(
    sandbox: Sandbox | str, thread_value: str, turn_policy: dict[str, Any]
) -> None:
    # The turn policies are the objects the official SDK sends (seen on the wire).
    assert thread(sandbox=sandbox) == {"sandbox": thread_value}
    params = turn(sandbox=sandbox)
    assert params["sandboxPolicy"] == turn_policy
    assert "sandbox" not in params
    # Both are valid protocol values.
    models.ThreadStartParams.model_validate(thread(sandbox=sandbox))
    models.TurnStartParams.model_validate(params)


def test_an_unknown_sandbox_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="sandbox must be one of read-only"):
        thread(sandbox="everything")
    with pytest.raises(ValueError, match="sandbox must be one of"):
        turn(sandbox="readOnly")


def test_an_unknown_option_raises_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match=r"ThreadStartParams: made_up"):
        thread(made_up=1)
    with pytest.raises(TypeError, match=r"TurnStartParams: also_wrong, wrong"):
        turn(wrong=1, also_wrong=2)
    with pytest.raises(TypeError, match="baseInstructions"):
        thread(baseInstructions="wire names are not options")


def test_a_value_of_the_wrong_type_fails_validation() -> None:
    with pytest.raises(pydantic.ValidationError):
        build_params("ThreadListParams", {"limit": "many"})
    with pytest.raises(ValueError, match="summary must be one of auto, concise, detailed, none"):
        turn(summary="very long")


def test_options_come_out_in_camel_case_with_only_the_given_fields() -> None:
    assert thread(
        base_instructions="base",
        developer_instructions="dev",
        model_provider="mock_provider",
        service_name="svc",
        ephemeral=False,
        cwd="/repo",
    ) == {
        "baseInstructions": "base",
        "developerInstructions": "dev",
        "modelProvider": "mock_provider",
        "serviceName": "svc",
        "ephemeral": False,
        "cwd": "/repo",
    }
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert turn(output_schema=schema, effort="low") == {
        "outputSchema": schema,
        "effort": "low",
        "threadId": "th",
        "input": [{"type": "text", "text": "x"}],
    }
    assert build_params("ThreadResumeParams", {}, thread_id="abc") == {"threadId": "abc"}


def test_none_values_are_left_out() -> None:
    assert thread(model=None, cwd=None, sandbox=None, approval_mode=None) == {}


def test_enum_values_become_their_wire_values() -> None:
    params = build_params(
        "ThreadListParams",
        {"sort_direction": models.SortDirection.asc, "search_term": "x", "limit": 5},
    )
    assert params == {"sortDirection": "asc", "searchTerm": "x", "limit": 5}
    assert thread(personality=models.Personality.pragmatic) == {"personality": "pragmatic"}


@pytest.mark.parametrize(
    ("options", "model_name"),
    [
        (ThreadStartOptions, "ThreadStartParams"),
        (ThreadResumeOptions, "ThreadResumeParams"),
        (ThreadForkOptions, "ThreadForkParams"),
        (TurnOptions, "TurnStartParams"),
        (ThreadListOptions, "ThreadListParams"),
    ],
)
def test_every_documented_option_is_a_field_of_its_params_model(
    options: type, model_name: str
) -> None:
    fields = getattr(models, model_name).model_fields
    names = set(options.__required_keys__ | options.__optional_keys__) - SDK_ONLY  # type: ignore[attr-defined]
    assert names <= set(fields), names - set(fields)


# -- the fast path: params whose validity is known without the generated model ------------


@pytest.mark.parametrize("model_name", sorted(PLAIN_FIELDS))
def test_plain_fields_match_the_generated_models(model_name: str) -> None:
    model = getattr(models, model_name)
    for name, (wire, valid) in PLAIN_FIELDS[model_name].items():
        field = model.model_fields[name]
        assert (field.alias or name) == wire, name
        if valid is str:  # any str is valid: the field is a plain, unconstrained str
            assert field.annotation in (str, str | None), (name, field.annotation)
            assert not field.metadata, (name, field.metadata)
            model.model_validate({name: "any text", **_required(model_name)})
        elif isinstance(valid, frozenset):
            for value in valid:  # every listed constant validates
                model.model_validate({name: value, **_required(model_name)})
        else:
            assert (model_name, name) == ("TurnStartParams", "input")
            items = [{"type": "text", "text": "a"}, {"type": "text", "text": ""}]
            model.model_validate({"thread_id": "t", "input": items})


def _required(model_name: str) -> dict[str, Any]:
    if model_name == "TurnStartParams":
        return {"thread_id": "t", "input": [{"type": "text", "text": "x"}]}
    return {}


@pytest.mark.parametrize(
    ("model_name", "options", "fixed", "turn_params"),
    [
        ("ThreadStartParams", {"approval_mode": ApprovalMode.auto_review}, {}, False),
        ("ThreadStartParams", {"approval_mode": "deny_all", "sandbox": "read-only"}, {}, False),
        (
            "ThreadStartParams",
            {"model": "m", "cwd": "/w", "base_instructions": "b", "service_tier": "flex"},
            {},
            False,
        ),
        (
            "TurnStartParams",
            {"approval_mode": None, "model": "m"},
            {"thread_id": "t", "input": [{"type": "text", "text": "hi"}]},
            True,
        ),
        (
            "TurnStartParams",
            {},
            {"thread_id": "t", "input": [{"type": "text", "text": "hi"}]},
            True,
        ),
    ],
)
def test_the_fast_path_builds_what_the_model_path_builds(
    model_name: str,
    options: dict[str, Any],
    fixed: dict[str, Any],
    turn_params: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = build_params(model_name, dict(options), turn=turn_params, **fixed)
    monkeypatch.setattr(_options, "PLAIN_FIELDS", {})
    slow = build_params(model_name, dict(options), turn=turn_params, **fixed)
    assert fast == slow
    assert list(fast) == list(slow)


def test_the_fast_path_leaves_anything_else_to_the_model() -> None:
    with pytest.raises(TypeError, match="no_such_option"):
        thread(model="m", no_such_option=1)
    with pytest.raises(pydantic.ValidationError):
        thread(model=3)
    with pytest.raises(pydantic.ValidationError):
        build_params("TurnStartParams", {}, turn=True, thread_id="t", input=[{"type": "text"}])
    # a wire item of another kind goes through the model too
    image = {"type": "image", "url": "https://example.com/a.png"}
    assert build_params("TurnStartParams", {}, turn=True, thread_id="t", input=[image])[
        "input"
    ] == [image]
