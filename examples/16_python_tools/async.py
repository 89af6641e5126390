"""Python functions as agent tools, with the async client (async and sync tools mixed).

Coroutine tools are awaited on the client's loop; plain functions run in a worker thread,
so a slow tool never stalls other threads' events.

Run against your own Codex::

    python examples/16_python_tools/async.py

or fully offline, where a scripted mock model calls the tools::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/16_python_tools/async.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex

from openai_codex import tool

TICKETS = {"T-42": ("Printer on fire", "open"), "T-7": ("Coffee machine empty", "closed")}


@tool
async def lookup_ticket(ticket_id: str) -> str:
    """Return the title and status of a support ticket, e.g. T-42."""
    await asyncio.sleep(0.01)  # stands in for an HTTP call
    title, status = TICKETS[ticket_id.upper()]
    return f"{ticket_id}: {title} ({status})"


@tool
def ticket_owner(ticket_id: str) -> dict[str, str]:
    """Return who owns a ticket."""
    return {"ticket": ticket_id, "owner": "ada"}


async def main() -> None:
    async with open_async_codex() as codex:
        kit = offline_kit()
        if kit is not None:
            from openai_codex.testing import Reply

            kit.model.enqueue(
                Reply.sequence(
                    Reply.function_call("lookup_ticket", {"ticket_id": "T-42"}),
                    Reply.function_call("ticket_owner", {"ticket_id": "T-42"}),
                )
            )
            kit.model.enqueue(Reply.text("Ticket T-42 (Printer on fire) is open; ada owns it."))

        thread = await codex.thread_start(tools=[lookup_ticket, ticket_owner])
        handle = await thread.turn("Who owns ticket T-42 and what is its status?")
        async for event in handle.stream():
            item = event.params.get("item") or {}
            if event.method == "item/completed" and item.get("type") == "dynamicToolCall":
                texts = [c.get("text", "") for c in item.get("contentItems") or []]
                print(f"tool {item['tool']}({item['arguments']}) -> {' '.join(texts)}")
        result = await handle.run()
        print(f"answer: {result.final_response}")


if __name__ == "__main__":
    asyncio.run(main())
