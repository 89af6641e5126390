"""Discover the models your Codex offers, and what the server says about itself (async).

``codex.models()`` returns a ``ModelListResponse`` (every page merged); each ``Model`` has
an ``id`` (pass it as ``model=`` to threads and turns), a display name, whether it is the
default, its default and supported reasoning efforts, and the input kinds it accepts.
``include_hidden=True`` also lists models the picker hides.

    python examples/04_models_and_metadata/async.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/04_models_and_metadata/async.py   # offline

Offline, the list is the mock model plus two made-up models (see ``sample_models()`` in
``examples/_offline.py``).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import open_async_codex, sample_models


async def main() -> None:
    async with open_async_codex(**sample_models()) as codex:
        meta = codex.metadata  # the `initialize` answer
        print(f"server: {meta.user_agent}")
        print(f"platform: {meta.platform_family}/{meta.platform_os}, home: {meta.codex_home}")

        models = (await codex.models()).data
        print(f"{len(models)} visible models:")
        for model in models:
            default = " (default)" if model.is_default else ""
            efforts = ", ".join(e.reasoning_effort for e in model.supported_reasoning_efforts)
            inputs = ", ".join(m.value for m in model.input_modalities)
            print(f"- {model.id}{default}: {model.display_name}")
            print(f"    reasoning efforts: {efforts or '-'}")
            print(f"    default effort: {model.default_reasoning_effort.value}; input: {inputs}")

        hidden = len((await codex.models(include_hidden=True)).data) - len(models)
        print(f"hidden models: {hidden}")


if __name__ == "__main__":
    asyncio.run(main())
