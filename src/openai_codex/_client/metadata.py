"""What the app-server said about itself in the ``initialize`` answer.

Imported on first use (it needs pydantic), not by ``import openai_codex``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr

__all__ = ["InitializeResponse", "ServerInfo", "server_info_from_user_agent"]


class ServerInfo(BaseModel):
    """The server's name and version (``codex.metadata.serverInfo``)."""

    name: str | None = None
    version: str | None = None


class InitializeResponse(BaseModel):
    """The ``initialize`` answer, as ``Codex.metadata`` returns it.

    The fields are the official SDK's, by their wire names: ``userAgent``,
    ``serverInfo`` (``.name``, ``.version``), ``platformFamily``, ``platformOs``. App-server
    0.163.0 sends no ``serverInfo``; then name and version come from the user agent
    (``"codex_python_sdk/0.163.0 (Debian 12; x86_64) ..."`` gives ``codex_python_sdk`` and
    ``0.163.0 (Debian 12; x86_64) ...``: the text before and after the first ``/``).

    The snake_case accessors of earlier versions of this SDK work too: ``user_agent``,
    ``codex_home``, ``platform_family``, ``platform_os``, and ``raw`` (the whole answer as
    received, including fields this model does not name, such as ``codexHome``).
    """

    model_config = ConfigDict(extra="ignore")

    serverInfo: ServerInfo | None = None
    userAgent: str | None = None
    platformFamily: str | None = None
    platformOs: str | None = None

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_result(cls, result: Any) -> InitializeResponse:
        """Build from the raw ``initialize`` result, filling ``serverInfo`` if absent."""
        data = result if isinstance(result, dict) else {}
        response = cls.model_validate(data)
        response._raw = data
        info = response.serverInfo
        if info is None or not info.name or not info.version:
            derived = server_info_from_user_agent(response.userAgent or "")
            if derived is not None:
                response.serverInfo = ServerInfo(
                    name=(info.name if info is not None and info.name else derived.name),
                    version=(
                        info.version if info is not None and info.version else derived.version
                    ),
                )
        return response

    @property
    def user_agent(self) -> str:
        """The server's user agent (``""`` if it sent none)."""
        return self.userAgent or ""

    @property
    def codex_home(self) -> str | None:
        """The server's CODEX_HOME directory."""
        value = self._raw.get("codexHome")
        return value if isinstance(value, str) else None

    @property
    def platform_family(self) -> str | None:
        """For example ``"unix"``."""
        return self.platformFamily

    @property
    def platform_os(self) -> str | None:
        """For example ``"linux"``."""
        return self.platformOs

    @property
    def raw(self) -> dict[str, Any]:
        """The whole ``initialize`` result as received."""
        return self._raw


def server_info_from_user_agent(user_agent: str) -> ServerInfo | None:
    """``NAME/VERSION...`` -> ``ServerInfo(name, version)``; ``None`` without both parts."""
    name, sep, version = user_agent.partition("/")
    name, version = name.strip(), version.strip()
    if not sep or not name or not version:
        return None
    return ServerInfo(name=name, version=version)
