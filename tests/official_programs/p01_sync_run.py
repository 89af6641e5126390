"""Official style, sync: start a thread, run a turn, read the thread back."""

from _setup import CWD, ENV

from openai_codex import Codex, CodexConfig

with Codex(config=CodexConfig(env=ENV, cwd=CWD)) as codex:
    meta = codex.metadata
    print("server:", meta.serverInfo.name, meta.platformFamily, meta.platformOs)
    print(meta)
    thread = codex.thread_start(model="mock-model")
    result = thread.run("Say hi")
    print(result)
    print("status:", result.status, "| final:", result.final_response)
    print("types:", [item.root.type for item in result.items])
    print("texts:", [item.root.text for item in result.items if item.root.type == "agentMessage"])
    print("tokens:", result.usage.total.total_tokens if result.usage else None)
    turns = thread.read(include_turns=True).thread.turns
    print("turn:", turns[-1].status, [item.root.type for item in turns[-1].items])
    print("set_name:", thread.set_name("renamed"))
    print("name:", thread.read().thread.name)
