"""The examples' switch between your real Codex and the offline test kit.

By default an example talks to your own Codex (``Codex()``: your ``codex`` binary, your
CODEX_HOME, your sign-in). With ``OPENAI_CODEX_EXAMPLES_OFFLINE=1`` in the environment it
runs on the offline kit instead: a throw-away :class:`~openai_codex.testing.CodexHarness`
(its own CODEX_HOME), a scripted :class:`~openai_codex.testing.MockModel` and, on request,
a :class:`~openai_codex.testing.MockIssuer` for sign-in. Nothing leaves 127.0.0.1.

Use it from an example (``examples/NN_name/sync.py``)::

    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from _offline import offline_kit, open_codex

    with open_codex(requires_openai_auth=True, issuer=True) as codex:
        kit = offline_kit()          # None when running against your real Codex
        if kit is not None:
            kit.model.enqueue(Reply.text("scripted answer"))
        ...

Keyword arguments of :func:`open_codex` / :func:`open_async_codex`:

- ``issuer``: ``True`` starts a ``MockIssuer()``; a dict starts ``MockIssuer(**issuer)``
  (e.g. ``{"email": "dev@example.com", "plan": "pro"}``). While an issuer is active the
  machine-wide browser-login lock is held (the browser callback port 1455 is shared).
- ``config``: :class:`~openai_codex.CodexConfig` fields used in both modes (offline they go
  through ``CodexHarness.config(**config)``, so ``env`` and ``config_overrides`` merge).
- anything else: ``CodexHarness`` options (``requires_openai_auth``, ``approval_policy``,
  ``sandbox_mode``, ``extra_config``, ...), ignored when running against your real Codex.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openai_codex import AsyncCodex, Codex, CodexConfig

__all__ = [
    "OFFLINE_ENV",
    "OfflineKit",
    "is_offline",
    "offline_kit",
    "open_async_codex",
    "open_codex",
]

OFFLINE_ENV = "OPENAI_CODEX_EXAMPLES_OFFLINE"
"""Set this environment variable to ``1`` to run the examples offline."""

if TYPE_CHECKING:  # the kit is imported only when running offline
    from openai_codex.testing import CodexHarness, MockIssuer, MockModel


@dataclass(frozen=True)
class OfflineKit:
    """What an offline run is made of (only exists when :func:`is_offline`)."""

    harness: CodexHarness
    """The throw-away CODEX_HOME and workspace the app-server runs in."""
    model: MockModel
    """The scripted model: ``model.enqueue(Reply.text(...))`` to script answers."""
    issuer: MockIssuer | None
    """The mock sign-in issuer, when ``issuer=`` was requested; plays the user's browser
    with ``issuer.complete_browser_login(auth_url)``."""


_active: list[OfflineKit] = []


def is_offline() -> bool:
    """Whether ``OPENAI_CODEX_EXAMPLES_OFFLINE`` asks for the offline kit."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def offline_kit() -> OfflineKit | None:
    """The kit of the innermost open offline client, or ``None`` when running for real."""
    return _active[-1] if _active else None


@contextlib.contextmanager
def _kit(
    issuer: bool | Mapping[str, Any], harness_options: Mapping[str, Any]
) -> Iterator[OfflineKit]:
    from openai_codex.testing import CodexHarness, MockIssuer, browser_login_lock

    with contextlib.ExitStack() as stack:
        mock_issuer: MockIssuer | None = None
        if issuer:
            stack.enter_context(browser_login_lock())
            options = dict(issuer) if isinstance(issuer, Mapping) else {}
            mock_issuer = stack.enter_context(MockIssuer(**options))
        harness = stack.enter_context(CodexHarness(issuer=mock_issuer, **harness_options))
        kit = OfflineKit(harness=harness, model=harness.model, issuer=mock_issuer)
        _active.append(kit)
        try:
            yield kit
        finally:
            _active.remove(kit)


@contextlib.contextmanager
def open_codex(
    *,
    issuer: bool | Mapping[str, Any] = False,
    config: Mapping[str, Any] | None = None,
    **harness_options: Any,
) -> Iterator[Codex]:
    """A started :class:`~openai_codex.Codex`: your real one, or offline (see the module)."""
    if not is_offline():
        with Codex(CodexConfig(**dict(config or {}))) as codex:
            yield codex
        return
    with (
        _kit(issuer, harness_options) as kit,
        Codex(kit.harness.config(**dict(config or {}))) as codex,
    ):
        yield codex


@contextlib.asynccontextmanager
async def open_async_codex(
    *,
    issuer: bool | Mapping[str, Any] = False,
    config: Mapping[str, Any] | None = None,
    **harness_options: Any,
) -> AsyncIterator[AsyncCodex]:
    """A started :class:`~openai_codex.AsyncCodex`: your real one, or offline."""
    if not is_offline():
        async with AsyncCodex(CodexConfig(**dict(config or {}))) as codex:
            yield codex
        return
    with _kit(issuer, harness_options) as kit:
        async with AsyncCodex(kit.harness.config(**dict(config or {}))) as codex:
            yield codex
