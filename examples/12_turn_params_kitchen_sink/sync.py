"""Structured output plus a curated set of turn options.

``output_schema`` makes the model's final message a JSON document matching a JSON Schema,
so ``json.loads(result.final_response)`` gives you data, not prose; it applies to this
turn only. The other options shown here also stay in effect for the thread's later turns:

* ``effort``: how hard the model reasons (a value from the model's supported efforts)
* ``summary``: whether and how it summarises its reasoning (``ReasoningSummary``)
* ``sandbox``: what commands may touch (``Sandbox.read_only`` here)
* ``approval_mode``: when to ask before acting (``ApprovalMode.never``: never ask)
* ``cwd``: the working directory for the turn

    python examples/12_turn_params_kitchen_sink/sync.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/12_turn_params_kitchen_sink/sync.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex

from openai_codex import ApprovalMode, Sandbox
from openai_codex.testing import Reply  # only used offline, to script the mock model
from openai_codex.types import ReasoningSummary

# The answer must be an object with exactly these fields. (Strict structured output needs
# every property listed in "required" and "additionalProperties": false.)
LANGUAGE_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "first_released": {"type": "integer"},
        "paradigms": {"type": "array", "items": {"type": "string"}},
        "summary": {"type": "string"},
    },
    "required": ["name", "first_released", "paradigms", "summary"],
    "additionalProperties": False,
}


def main() -> None:
    with open_codex() as codex:
        kit = offline_kit()
        if kit is not None:  # offline: the mock answers with a JSON document
            document = {
                "name": "Python",
                "first_released": 1991,
                "paradigms": ["object-oriented", "imperative", "functional"],
                "summary": "A readable general-purpose language.",
            }
            kit.model.enqueue(Reply.text(json.dumps(document), deltas=4))

        thread = codex.thread_start()
        result = thread.run(
            "Describe the Python programming language. Do not run any commands.",
            output_schema=LANGUAGE_SCHEMA,
            effort="medium",
            summary=ReasoningSummary.concise,
            sandbox=Sandbox.read_only,
            approval_mode=ApprovalMode.never,
            cwd=str(Path.cwd()),  # a str: TurnOptions.cwd does not take a Path
        )

        data = json.loads(result.final_response or "{}")
        print(f"name:           {data['name']}")
        print(f"first released: {data['first_released']}")
        print(f"paradigms:      {', '.join(data['paradigms'])}")
        print(f"summary:        {data['summary']}")
        if result.usage is not None:
            print(f"tokens:         {result.usage.last.total_tokens}")

        if kit is not None:  # offline we can look at what the model was sent
            request = kit.model.requests[-1]
            print(f"sent to the model: reasoning={request['reasoning']}")
            print(f"                   text.format.type={request['text']['format']['type']}")


if __name__ == "__main__":
    main()
