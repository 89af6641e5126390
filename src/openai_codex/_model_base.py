"""Base class of every generated protocol model (hand-written; the generator imports it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ProtocolModel(BaseModel):
    """A message shape of the Codex app-server protocol.

    - Unknown fields are kept (``extra="allow"``) so a newer server never breaks parsing.
    - Fields are filled by their wire (camelCase) alias or by their snake_case name.
    - Validators are built on first use (``defer_build=True``), which keeps import cheap.
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        defer_build=True,
        # Wire fields such as ``modelProvider`` become ``model_provider``; they are data,
        # not pydantic API, so the "model_" namespace must not be protected.
        protected_namespaces=(),
    )
