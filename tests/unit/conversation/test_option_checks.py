"""Closed options and output schemas are checked before anything is sent.

The allowed values come from the generated models; these tests pin that (no hand-typed
list decides), and the error a user gets for each option of each entry point.
"""

from __future__ import annotations

import enum
from typing import Any

import pytest

from openai_codex._conversation.option_checks import (
    check_choice,
    check_output_schema,
    check_params,
    closed_fields,
)
from openai_codex._conversation.options import build_params
from openai_codex._generated import models
from openai_codex._generated.rpc import _TABLE
from openai_codex._rpc_base import build_request
from openai_codex.batch import BatchTask
from openai_codex.types import ReasoningEffort

TEXT = [{"type": "text", "text": "hi"}]


def values_of(enum_type: type[enum.Enum]) -> tuple[str, ...]:
    return tuple(m.value for m in enum_type)


def turn(**options: Any) -> dict[str, Any]:
    return build_params("TurnStartParams", options, turn=True, thread_id="t", input=TEXT)


# -- where the allowed values come from ----------------------------------------------------


@pytest.mark.parametrize(
    ("model_name", "field", "expected"),
    [
        ("TurnStartParams", "effort", values_of(models.ReasoningEffort)),
        (
            "TurnStartParams",
            "summary",
            (*values_of(models.ReasoningSummaryValue), "none"),
        ),
        ("TurnStartParams", "personality", values_of(models.Personality)),
        ("TurnStartParams", "approval_policy", values_of(models.AskForApprovalValue)),
        ("TurnStartParams", "approvals_reviewer", values_of(models.ApprovalsReviewer)),
        ("ThreadStartParams", "sandbox", values_of(models.SandboxMode)),
        ("ThreadStartParams", "thread_source", values_of(models.ThreadSource)),
        ("ThreadStartParams", "session_start_source", values_of(models.ThreadStartSource)),
        ("ThreadListParams", "sort_key", values_of(models.ThreadSortKey)),
        ("ThreadListParams", "source_kinds", values_of(models.ThreadSourceKind)),
        ("ReviewStartParams", "delivery", values_of(models.ReviewDelivery)),
        ("ThreadGoalSetParams", "status", values_of(models.ThreadGoalStatus)),
    ],
)
def test_the_allowed_values_are_the_generated_enums(
    model_name: str, field: str, expected: tuple[str, ...]
) -> None:
    table = closed_fields(model_name)
    assert table[field].values == expected
    alias = getattr(models, model_name).model_fields[field].alias
    assert table[alias or field] is table[field]


def test_free_strings_and_objects_are_not_closed() -> None:
    table = closed_fields("TurnStartParams")
    for field in ("model", "cwd", "service_tier", "turn_trigger", "output_schema", "input"):
        assert field not in table
    assert "config" not in closed_fields("ThreadStartParams")


# -- the errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "bad", "allowed"),
    [
        ("effort", "extreme", "none, minimal, low, medium, high, xhigh, max, ultra"),
        ("summary", "loud", "auto, concise, detailed, none"),
        ("personality", "grumpy", "none, friendly, pragmatic"),
        ("approval_policy", "sometimes", "untrusted, on-request, never"),
        ("approvals_reviewer", "boss", "user, auto_review, guardian_subagent"),
        ("approval_mode", "sometimes", "deny_all, auto_review, on_request"),
        ("sandbox", "everything", "read-only, workspace-write, full-access"),
    ],
)
def test_a_turn_option_outside_its_set_names_option_value_and_choices(
    option: str, bad: str, allowed: str
) -> None:
    with pytest.raises(ValueError) as caught:
        turn(**{option: bad})
    assert str(caught.value) == f"{option} must be one of {allowed}, not {bad!r}"


@pytest.mark.parametrize(
    ("model_name", "option", "bad"),
    [
        ("ThreadStartParams", "personality", "grumpy"),
        ("ThreadStartParams", "thread_source", "cron"),
        ("ThreadStartParams", "session_start_source", "reboot"),
        ("ThreadStartParams", "sandbox", "read_only"),
        ("ThreadResumeParams", "personality", "loud"),
        ("ThreadForkParams", "thread_source", "copy"),
        ("ThreadListParams", "sort_key", "name"),
        ("ThreadListParams", "sort_direction", "up"),
    ],
)
def test_thread_options_outside_their_set_are_refused(
    model_name: str, option: str, bad: str
) -> None:
    fixed = {} if model_name in ("ThreadStartParams", "ThreadListParams") else {"thread_id": "t"}
    with pytest.raises(ValueError, match=rf"^{option} must be one of .*, not {bad!r}$"):
        build_params(model_name, {option: bad}, **fixed)


def test_a_list_of_closed_values_is_checked_item_by_item() -> None:
    assert build_params("ThreadListParams", {"source_kinds": ["cli", "exec"]}) == {
        "sourceKinds": ["cli", "exec"]
    }
    with pytest.raises(ValueError, match=r"source_kinds must be one of cli, .*, not 'shell'"):
        build_params("ThreadListParams", {"source_kinds": ["cli", "shell"]})


def test_every_listed_value_and_enum_member_is_accepted() -> None:
    for effort in models.ReasoningEffort:
        assert turn(effort=effort)["effort"] == effort.value
        assert turn(effort=effort.value)["effort"] == effort.value
    for summary in ("auto", "concise", "detailed", "none", models.ReasoningSummary.concise):
        assert turn(summary=summary)["summary"] == getattr(summary, "value", summary)
    assert turn(summary=models.ReasoningSummary("none"))["summary"] == "none"
    assert turn(approval_policy="untrusted")["approvalPolicy"] == "untrusted"
    granular = {"granular": {"mcp_elicitations": True, "rules": True, "sandbox_approval": False}}
    assert turn(approval_policy=granular)["approvalPolicy"] == granular  # an object: the model's


def test_an_open_enum_takes_a_new_value_only_when_named_explicitly() -> None:
    with pytest.raises(ValueError, match="effort must be one of"):
        turn(effort="turbo")
    assert turn(effort=ReasoningEffort("turbo"))["effort"] == "turbo"


def test_a_member_of_another_enum_is_judged_by_its_value() -> None:
    class Mood(str, enum.Enum):
        calm = "calm"
        never = "never"

    with pytest.raises(ValueError, match=r"personality must be one of .*, not 'calm'"):
        check_params("TurnStartParams", {"personality": Mood.calm})
    check_params("TurnStartParams", {"approval_policy": Mood.never})


def test_check_choice_takes_an_enum_or_values() -> None:
    check_choice("delivery", "inline", models.ReviewDelivery)
    check_choice("delivery", models.ReviewDelivery.detached, models.ReviewDelivery)
    with pytest.raises(ValueError, match="delivery must be one of inline, detached, not 'later'"):
        check_choice("delivery", "later", models.ReviewDelivery)
    with pytest.raises(ValueError, match="colour must be one of red, blue, not 'green'"):
        check_choice("colour", "green", ("red", "blue"))


def test_wrong_types_are_still_left_to_the_model() -> None:
    import pydantic

    with pytest.raises(pydantic.ValidationError):
        turn(effort=3)


# -- output_schema -----------------------------------------------------------------------

GOOD_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "score": {"type": "number"}},
    "required": ["answer", "score"],
    "additionalProperties": False,
}


def test_a_valid_output_schema_is_sent_as_given() -> None:
    assert turn(output_schema=GOOD_SCHEMA)["outputSchema"] == GOOD_SCHEMA
    draft7 = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}
    assert turn(output_schema=draft7)["outputSchema"] == draft7


@pytest.mark.parametrize("schema", ["not a schema", ["type", "object"], 42, True])
def test_an_output_schema_that_is_not_an_object_is_a_type_error(schema: Any) -> None:
    with pytest.raises(TypeError, match=r"output_schema must be a JSON Schema object \(a dict\)"):
        turn(output_schema=schema)


@pytest.mark.parametrize(
    ("schema", "where"),
    [
        ({"type": "strnig"}, r"\$\.type"),
        ({"type": "object", "properties": []}, r"\$\.properties"),
        ({"type": "object", "required": "answer"}, r"\$\.required"),
        ({"properties": {"a": {"type": 5}}}, r"\$\.properties\.a\.type"),
        ({"minLength": -1}, r"\$\.minLength"),
    ],
)
def test_an_invalid_json_schema_is_a_value_error_saying_where(
    schema: dict[str, Any], where: str
) -> None:
    with pytest.raises(ValueError, match=rf"output_schema is not a valid JSON Schema: at {where}"):
        turn(output_schema=schema)
    with pytest.raises(ValueError, match="not a valid JSON Schema"):
        check_output_schema(schema)


# -- the same checks on codex.rpc keywords and batch tasks -------------------------------


def test_rpc_keywords_are_checked_the_same_way() -> None:
    arguments: dict[str, Any] = {
        "self": None,
        "params": None,
        "timeout": None,
        "thread_id": "t",
        "input": TEXT,
        "effort": "extreme",
    }
    fields = models.TurnStartParams.model_fields
    arguments.update({name: None for name in fields if name not in arguments})
    with pytest.raises(ValueError, match="effort must be one of"):
        build_request(_TABLE, "turn/start", None, arguments, check_params)
    arguments.update(effort="high", output_schema={"type": 1})
    with pytest.raises(ValueError, match="output_schema is not a valid JSON Schema"):
        build_request(_TABLE, "turn/start", None, arguments, check_params)
    arguments.update(output_schema=GOOD_SCHEMA)
    assert build_request(_TABLE, "turn/start", None, arguments, check_params)["effort"] == "high"
    goal = {"self": None, "params": None, "timeout": None, "thread_id": "t", "status": "done"}
    goal.update({"objective": None, "origin": None, "token_budget": None})
    with pytest.raises(ValueError, match="status must be one of active, paused"):
        build_request(_TABLE, "thread/goal/set", None, goal, check_params)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"personality": "grumpy"}, ValueError, "task 't': personality must be one of none"),
        ({"thread_source": "cron"}, ValueError, "task 't': thread_source must be one of user"),
        ({"approval_mode": "x"}, ValueError, "task 't': approval_mode must be one of deny_all"),
        ({"sandbox": "x"}, ValueError, "task 't': sandbox must be one of read-only"),
        ({"output_schema": "json"}, TypeError, "task 't': output_schema must be a JSON Schema"),
        ({"output_schema": {"type": "strnig"}}, ValueError, "task 't': output_schema is not"),
    ],
)
def test_batch_tasks_are_checked_when_built(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        BatchTask("t", "p", **options)
    assert str(caught.value).startswith(message)
    with pytest.raises(error):
        BatchTask.from_dict({"id": "t", "prompt": "p", **options})
