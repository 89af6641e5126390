"""Starting a ChatGPT login on a client: the official SDK's login helpers.

:func:`start_chatgpt_login` and :func:`start_device_code_login` take a started,
initialized :class:`~.sync_client.CodexClient` (or a high-level
:class:`~openai_codex.Codex`); their ``async_`` forms take an
:class:`~.async_client.AsyncCodexClient` or an :class:`~openai_codex.AsyncCodex`. The
handles they return come from the login machinery of :mod:`openai_codex._auth`.
"""

from __future__ import annotations

from typing import Any

from .._auth.handles import (
    AsyncChatgptLoginHandle,
    AsyncDeviceCodeLoginHandle,
    ChatgptLoginHandle,
    DeviceCodeLoginHandle,
)
from .._auth.login import AsyncAccountMixin
from .._auth.login_sync import SyncAccountMixin
from .async_client import AsyncCodexClient
from .sync_client import CodexClient

__all__ = [
    "async_start_chatgpt_login",
    "async_start_device_code_login",
    "start_chatgpt_login",
    "start_device_code_login",
]


def _sync_accounts(client: Any) -> SyncAccountMixin:
    """The blocking login machinery of a low-level or a high-level client."""
    if isinstance(client, CodexClient):
        return client._login_driver()
    if isinstance(client, SyncAccountMixin):  # the high-level Codex
        return client
    raise TypeError(f"expected a CodexClient or a Codex, not {type(client).__name__}")


def _async_accounts(owner: Any) -> AsyncAccountMixin:
    """The async login machinery of a low-level or a high-level async client."""
    if isinstance(owner, AsyncCodexClient):
        return owner._accounts
    if isinstance(owner, AsyncAccountMixin):  # the high-level AsyncCodex
        return owner
    inner = getattr(owner, "_client", None)
    if isinstance(inner, AsyncCodexClient):
        return inner._accounts
    raise TypeError(f"expected an AsyncCodex or an AsyncCodexClient, not {type(owner).__name__}")


def start_chatgpt_login(client: CodexClient) -> ChatgptLoginHandle:
    """Start a ChatGPT browser login on a started, initialized client.

    ``client`` is a :class:`CodexClient` (or a :class:`~openai_codex.Codex`). Open the
    handle's ``auth_url`` in a browser, then ``wait()``.

    Raises:
        LoginRejectedError: the server could not start the login.
    """
    return _sync_accounts(client).login_chatgpt()


def start_device_code_login(client: CodexClient) -> DeviceCodeLoginHandle:
    """Start a ChatGPT device-code login on a started, initialized client.

    Show the handle's ``verification_url`` and ``user_code``, then ``wait()``.

    Raises:
        LoginRejectedError: e.g. device codes are not enabled for the issuer.
    """
    return _sync_accounts(client).login_chatgpt_device_code()


async def async_start_chatgpt_login(owner: Any) -> AsyncChatgptLoginHandle:
    """Start a ChatGPT browser login; ``owner`` is an :class:`~openai_codex.AsyncCodex`
    or a started, initialized :class:`AsyncCodexClient`."""
    return await _async_accounts(owner).login_chatgpt()


async def async_start_device_code_login(owner: Any) -> AsyncDeviceCodeLoginHandle:
    """Start a ChatGPT device-code login; ``owner`` as in :func:`async_start_chatgpt_login`."""
    return await _async_accounts(owner).login_chatgpt_device_code()
