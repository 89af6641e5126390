"""Checking the server's ``initialize`` answer, as the official SDK's helper does."""

from __future__ import annotations

from .._client.metadata import InitializeResponse, ServerInfo
from .errors import InitializeMetadataError

__all__ = ["validate_initialize_metadata"]


def validate_initialize_metadata(payload: InitializeResponse) -> InitializeResponse:
    """Fill ``payload.serverInfo`` from the user agent and check that nothing is missing.

    The name and version are the text before and after the first ``/`` of the user agent
    (stripped); a non-blank ``serverInfo.name`` or ``.version`` already present wins.
    ``payload`` is updated in place and returned.

    Raises:
        InitializeMetadataError: the user agent, the name or the version is empty (also a
            ``RuntimeError``, as in the official SDK).
    """
    user_agent = (payload.userAgent or "").strip()
    derived_name, _sep, derived_version = user_agent.partition("/")
    info = payload.serverInfo
    name = ((info.name if info is not None else None) or "").strip() or derived_name.strip()
    version = (
        (info.version if info is not None else None) or ""
    ).strip() or derived_version.strip()
    if not user_agent or not name or not version:
        raise InitializeMetadataError(
            "initialize response missing required metadata "
            f"(user_agent={user_agent!r}, server_name={name!r}, server_version={version!r})"
        )
    payload.serverInfo = ServerInfo(name=name, version=version)
    return payload
