"""Every protocol model generated from the pinned runtime's schema, by its official name.

``from openai_codex.generated.v2_all import ThreadItem, ReasoningEffort``. Unions are
``RootModel`` classes (``ThreadItem.model_validate(data).root``); enums are ``Enum``
classes; everything else is a pydantic model with snake_case fields and camelCase aliases.
This module re-exports ``openai_codex._generated.models``; regenerate that with
``python scripts/generate_types.py``.
"""

from .._generated.models import *  # noqa: F403
