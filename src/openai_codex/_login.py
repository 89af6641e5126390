"""Sign-in: API key, ChatGPT browser login, device code, account, logout.

(Placeholder mixins; the account methods are being written.)
"""

from __future__ import annotations

__all__ = ["AsyncAccountMixin", "SyncAccountMixin"]


class AsyncAccountMixin:
    """Account and login methods of :class:`~openai_codex.AsyncCodex`."""


class SyncAccountMixin:
    """Account and login methods of :class:`~openai_codex.Codex`."""
