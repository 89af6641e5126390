"""Official style, async: the same flow on AsyncCodex."""

import asyncio

from _setup import CWD, ENV

from openai_codex import AsyncCodex, CodexConfig


async def main() -> None:
    async with AsyncCodex(config=CodexConfig(env=ENV, cwd=CWD)) as codex:
        print("server:", codex.metadata.serverInfo.name)
        thread = await codex.thread_start(model="mock-model", ephemeral=False)
        result = await thread.run("Say hi")
        print(result)
        handle = await thread.turn("Stream please")
        events = [(e.method, type(e.payload).__name__) async for e in handle.stream()]
        for event in events:
            print(event)
        print("run:", (await (await thread.turn("Once more")).run()).final_response)
        read = await thread.read(include_turns=True)
        print("turns:", len(read.thread.turns), [t.status for t in read.thread.turns])
        print("models:", [m.id for m in (await codex.models()).data])
        print("archive:", await codex.thread_archive(thread.id))
        again = await codex.thread_unarchive(thread.id)
        print("unarchive:", type(again).__name__, again.id == thread.id)


asyncio.run(main())
