"""Every protocol model generated from the pinned runtime's schema, by its official name.

``from openai_codex.generated.v2_all import ThreadItem, ReasoningEffort``. Unions are
``RootModel`` classes (``ThreadItem.model_validate(data).root``); enums are ``Enum``
classes; everything else is a pydantic model with snake_case fields and camelCase aliases.
This module re-exports ``openai_codex._generated.models`` (importing this module imports
every class; ``openai_codex._generated.models`` imports each on first use); regenerate it
with ``python scripts/generate_types.py``.
"""

# The names the official module imports for its own classes, here too.
from enum import Enum  # noqa: F401
from typing import Annotated, Any, Literal  # noqa: F401

from pydantic import BaseModel, ConfigDict, Field, RootModel  # noqa: F401

from .._generated.models import *  # noqa: F403
from .._model_base import OpenStrEnum, ProtocolModel, ProtocolRootModel  # noqa: F401
