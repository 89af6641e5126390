"""What the app-server said about itself in the ``initialize`` answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ServerMetadata"]


@dataclass(frozen=True)
class ServerMetadata:
    """The ``initialize`` result.

    Attributes:
        user_agent: the server's user agent, e.g. ``"codex_python_sdk/0.163.0 (...)"``.
        codex_home: the server's CODEX_HOME directory.
        platform_family: e.g. ``"unix"``.
        platform_os: e.g. ``"linux"``.
        raw: the whole result as received (newer servers may add fields).
    """

    user_agent: str
    codex_home: str | None
    platform_family: str | None
    platform_os: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_result(cls, result: Any) -> ServerMetadata:
        """Build from the raw ``initialize`` result."""
        data = result if isinstance(result, dict) else {}
        return cls(
            user_agent=str(data.get("userAgent", "")),
            codex_home=data.get("codexHome"),
            platform_family=data.get("platformFamily"),
            platform_os=data.get("platformOs"),
            raw=data,
        )
