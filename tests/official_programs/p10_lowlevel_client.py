"""Official style: the low-level client a Codex keeps in ``_client``, as the official SDK's
own tests reach it (sync and async)."""

import asyncio

from _setup import CWD, ENV

from openai_codex import ApprovalMode, AsyncCodex, Codex, CodexConfig
from openai_codex.generated.v2_all import (
    ThreadGoalGetResponse,
    ThreadGoalStatus,
    ThreadResumeParams,
)

with Codex(config=CodexConfig(env=ENV, cwd=CWD)) as codex:
    print("client:", type(codex._client).__name__)
    thread = codex.thread_start(approval_mode=ApprovalMode.deny_all)
    thread.run("warm up")
    resumed = codex._client.thread_resume(thread.id, ThreadResumeParams(thread_id=thread.id))
    print("resumed:", resumed.thread.id == thread.id, resumed.approval_policy)
    goal = codex._client.request(
        "thread/goal/get", {"threadId": thread.id}, response_model=ThreadGoalGetResponse
    )
    print("goal before:", goal.goal)
    updated = codex._client.thread_goal_set(
        thread.id, objective="tidy up", status=ThreadGoalStatus.paused
    )
    print("goal set:", updated.goal.objective, updated.goal.status)
    deltas = list(codex._client.stream_text(thread.id, "stream this"))
    print("streamed:", "".join(delta.delta for delta in deltas))
    print("models:", [model.id for model in codex._client.model_list().data])
    print("then a turn:", thread.run("and a plain turn").final_response)


async def main() -> None:
    async with AsyncCodex(config=CodexConfig(env=ENV, cwd=CWD)) as codex:
        print("async client:", type(codex._client).__name__)
        thread = await codex.thread_start()
        await thread.run("warm up")
        deltas = [delta.delta async for delta in codex._client.stream_text(thread.id, "async")]
        print("async streamed:", "".join(deltas))
        read = await codex._client.thread_read(thread.id, include_turns=True)
        print("turns:", [turn.status for turn in read.thread.turns])


asyncio.run(main())
