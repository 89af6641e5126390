"""``codex.rpc`` against the real app-server (offline harness), sync and async."""

from __future__ import annotations

import pytest
from conftest import run
from pydantic import ValidationError

from openai_codex import AsyncCodex, Codex, InvalidRequestError
from openai_codex.generated.v2_all import (
    ConfigReadResponse,
    ModelListResponse,
    SkillsListResponse,
    ThreadGoalStatus,
    ThreadReadParams,
    ThreadReadResponse,
    ThreadStartResponse,
)
from openai_codex.testing import CodexHarness, Reply


def test_typed_calls_round_trip(codex: Codex, harness: CodexHarness) -> None:
    config = codex.rpc.config_read(include_layers=False)
    assert isinstance(config, ConfigReadResponse)
    assert config.config.model == "mock-model"

    models = codex.rpc.model_list()
    assert isinstance(models, ModelListResponse)
    assert [m.id for m in models.data] == ["mock-model"]

    started = codex.rpc.thread_start(ephemeral=False)
    assert isinstance(started, ThreadStartResponse)
    read = codex.rpc.thread_read(ThreadReadParams(thread_id=started.thread.id))
    assert isinstance(read, ThreadReadResponse)
    assert read.thread.id == started.thread.id

    skills = codex.rpc.skills_list(cwds=[str(harness.workspace)])
    assert isinstance(skills, SkillsListResponse)
    assert skills.data and skills.data[0].cwd == str(harness.workspace)


def test_goals_of_a_persisted_thread(codex: Codex, harness: CodexHarness) -> None:
    harness.model.enqueue(Reply.text("done"))
    thread = codex.thread_start()
    thread.run("persist this thread")

    assert codex.rpc.thread_goal_get(thread_id=thread.id).goal is None
    goal = codex.rpc.thread_goal_set(
        thread_id=thread.id,
        objective="ship it",
        status=ThreadGoalStatus.paused,
        token_budget=1000,
    ).goal
    assert (goal.objective, goal.status, goal.token_budget) == (
        "ship it",
        ThreadGoalStatus.paused,
        1000,
    )
    got = codex.rpc.thread_goal_get(thread_id=thread.id).goal
    assert got is not None and got.objective == "ship it" and got.thread_id == thread.id


def test_an_error_answer_raises_the_typed_error(codex: Codex) -> None:
    with pytest.raises(InvalidRequestError, match="invalid thread id") as caught:
        codex.rpc.thread_read(thread_id="not-a-thread")
    assert caught.value.code == -32600


def test_bad_keywords_fail_before_anything_is_sent(codex: Codex) -> None:
    with pytest.raises(ValidationError):
        codex.rpc.thread_read(thread_id=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="thread_idd"):
        codex.rpc.thread_read(thread_idd="x")  # type: ignore[call-overload]
    assert isinstance(codex.rpc.config_read(), ConfigReadResponse)  # still healthy


def test_async_typed_calls(harness: CodexHarness) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            config = await codex.rpc.config_read()
            assert isinstance(config, ConfigReadResponse)
            models = await codex.rpc.model_list(include_hidden=True)
            assert "mock-model" in [m.id for m in models.data]

            started = await codex.rpc.thread_start()
            read = await codex.rpc.thread_read(thread_id=started.thread.id, timeout=30)
            assert read.thread.id == started.thread.id

            harness.model.enqueue(Reply.text("done"))
            await codex.thread(started.thread.id).run("persist this thread")
            await codex.rpc.thread_goal_set(
                thread_id=started.thread.id, objective="async goal", status=ThreadGoalStatus.paused
            )
            got = (await codex.rpc.thread_goal_get(thread_id=started.thread.id)).goal
            assert got is not None and got.objective == "async goal"

            skills = await codex.rpc.skills_list()
            assert isinstance(skills, SkillsListResponse)

            with pytest.raises(InvalidRequestError):
                await codex.rpc.thread_read(thread_id="not-a-thread")

    run(main(), timeout=120)
