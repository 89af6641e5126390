"""Pick a model and reasoning effort from ``codex.models()``, run turns (async client).

Each ``Model`` lists the efforts it supports (``supported_reasoning_efforts``) and its
default. This script picks the "highest" model (the largest version number in its id,
e.g. ``gpt-5.5`` over ``gpt-5.4``; ties go to the one listed first) and its highest
effort, runs a turn with both, then a second turn at the lowest effort for comparison,
printing each answer and its token usage.

    python examples/13_model_select_and_turn_params/async.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/13_model_select_and_turn_params/async.py

Offline, the models are the mock model plus two made-up ones (``sample_models()`` in
``examples/_offline.py``).
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex, sample_models

from openai_codex import TurnResult
from openai_codex.testing import Reply  # only used offline, to script the mock model
from openai_codex.types import Model

# Known efforts from lowest to highest. An effort this list does not know ranks lowest:
# we cannot tell what it costs.
EFFORT_ORDER = ["none", "minimal", "low", "medium", "high", "xhigh"]


def version(model: Model) -> tuple[int, ...]:
    """The numbers in a model id: ``gpt-5.4-mini`` -> (5, 4)."""
    return tuple(int(n) for n in re.findall(r"\d+", model.id))


def effort_rank(effort: str) -> int:
    return EFFORT_ORDER.index(effort) if effort in EFFORT_ORDER else -1


def show(label: str, result: TurnResult) -> None:
    print(f"{label}: {result.final_response}")
    if result.usage is not None:
        last = result.usage.last  # this turn's latest model call
        print(
            f"  usage: {last.total_tokens} tokens (input {last.input_tokens}, "
            f"output {last.output_tokens}, of which reasoning {last.reasoning_output_tokens})"
        )


async def main() -> None:
    async with open_async_codex(**sample_models()) as codex:
        kit = offline_kit()
        if kit is not None:  # offline: more reasoning tokens for the high-effort turn
            kit.model.enqueue(
                Reply.text(
                    "Ropes are strong because many fibres share the load.",
                    usage={
                        "output_tokens": 140,
                        "output_tokens_details": {"reasoning_tokens": 128},
                    },
                )
            )
            kit.model.enqueue(
                Reply.text(
                    "Many fibres twisted together share the pull.",
                    usage={"output_tokens": 14, "output_tokens_details": {"reasoning_tokens": 4}},
                )
            )

        models = (await codex.models()).data
        print("models: " + ", ".join(m.id for m in models))
        model = max(models, key=version)  # max() keeps the first of equal versions
        efforts = [e.reasoning_effort.value for e in model.supported_reasoning_efforts]
        efforts.sort(key=effort_rank)
        print(f"picked {model.id}; supported efforts: {', '.join(efforts) or 'none listed'}")

        thread = await codex.thread_start()
        question = "Why is a rope stronger than a single fibre? One sentence."
        if efforts:
            high, low = efforts[-1], efforts[0]
            show(f"effort {high}", await thread.run(question, model=model.id, effort=high))
            # Turn options stick to the thread: this turn keeps the model, changes the effort.
            show(f"effort {low}", await thread.run("Now say it in fewer words.", effort=low))
        else:  # the model has no effort setting: run with its defaults
            show("default effort", await thread.run(question, model=model.id))

        if kit is not None:  # offline we can look at what the model was sent
            for body in kit.model.requests:
                print(f"  sent: model={body['model']} reasoning={body.get('reasoning')}")


if __name__ == "__main__":
    asyncio.run(main())
