"""Official style, async: options, external input, steering, names, errors, login."""

import asyncio

from _setup import CWD, ENV

from openai_codex import (
    ApprovalMode,
    AsyncCodex,
    CodexConfig,
    CodexRpcError,
    ExternalMessage,
    Sandbox,
)
from openai_codex.types import ReasoningEffort


async def main() -> None:
    config = CodexConfig(env=ENV, cwd=CWD, config_overrides=('model="mock-model"',))
    async with AsyncCodex(config=config) as codex:
        print(codex.metadata.serverInfo.name, codex.metadata.platformOs)
        thread = await codex.thread_start(
            approval_mode=ApprovalMode.deny_all, sandbox=Sandbox.workspace_write
        )
        result = await thread.run(
            ExternalMessage("feed", "External text"), effort=ReasoningEffort.minimal
        )
        print([item.root.type for item in result.items], result.final_response)
        handle = await thread.turn("Count slowly", sandbox=Sandbox.read_only)
        async for event in handle.stream():
            if event.method == "item/agentMessage/delta":
                print("steer:", type(await handle.steer("faster")).__name__)
                break
        print("interrupt:", type(await handle.interrupt()).__name__)
        print("set_name:", await thread.set_name("async named"))
        listed = await codex.thread_list(search_term=None, limit=5)
        print("listed:", len(listed.data))
        resumed = await codex.thread_resume(thread.id, include_turns=False, model="mock-model")
        print("resumed:", type(resumed).__name__, resumed.id == thread.id)
        forked = await codex.thread_fork(thread.id, ephemeral=False, thread_source="user")
        print("forked:", type(forked).__name__)
        try:
            await codex.thread_fork("00000000-0000-0000-0000-000000000000")
        except CodexRpcError as exc:
            print("fork unknown:", type(exc).__name__, exc.code)
        print("account:", await codex.account())
        print("archive:", type(await codex.thread_archive(forked.id)).__name__)


asyncio.run(main())
