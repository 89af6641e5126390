"""Python functions as agent tools, with the blocking client.

The agent sees ``lookup_ticket`` and ``ticket_history`` as tools (name, description from
the docstring, JSON Schema of the parameters from the type hints). When the model calls
one, the SDK validates the arguments, runs the function and sends the result back; the
tool calls also show up in the turn's event stream.

Run against your own Codex::

    python examples/16_python_tools/sync.py

or fully offline, where a scripted mock model calls the tool::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/16_python_tools/sync.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex

from openai_codex import tool

TICKETS = {
    "T-42": {"title": "Printer on fire", "status": "open", "owner": "ada"},
    "T-7": {"title": "Coffee machine empty", "status": "closed", "owner": "grace"},
}


@tool
def lookup_ticket(ticket_id: str) -> str:
    """Return the title, status and owner of a support ticket, e.g. T-42."""
    ticket = TICKETS.get(ticket_id.upper())
    if ticket is None:
        raise KeyError(f"unknown ticket {ticket_id}")  # the model is told, the turn goes on
    return f"{ticket_id}: {ticket['title']} ({ticket['status']}, owner {ticket['owner']})"


@tool
def ticket_history(ticket_id: str, limit: int = 3) -> list[dict[str, str]]:
    """Return the latest events of a ticket (JSON)."""
    return [{"ticket": ticket_id, "event": "opened"}, {"ticket": ticket_id, "event": "smoke"}][
        :limit
    ]


def main() -> None:
    with open_codex() as codex:
        kit = offline_kit()
        if kit is not None:  # offline: script the model's tool call and its final answer
            from openai_codex.testing import Reply

            kit.model.enqueue(Reply.function_call("lookup_ticket", {"ticket_id": "T-42"}))
            kit.model.enqueue(Reply.text("Ticket T-42 (Printer on fire) is open; ada owns it."))

        thread = codex.thread_start(tools=[lookup_ticket, ticket_history])
        handle = thread.turn("What is the status of ticket T-42? Use the lookup_ticket tool.")
        for event in handle.stream():
            item = event.params.get("item") or {}
            if event.method == "item/completed" and item.get("type") == "dynamicToolCall":
                texts = [c.get("text", "") for c in item.get("contentItems") or []]
                print(f"tool {item['tool']}({item['arguments']}) -> {' '.join(texts)}")
        print(f"answer: {handle.run().final_response}")


if __name__ == "__main__":
    main()
