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
    "sample_models",
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


# --------------------------------------------------------------------------- extra models

# Two made-up models with reasoning efforts, so model-picking examples have a choice offline
# (the harness's own ``mock-model`` advertises no effort). Each entry is a Codex model
# catalog entry (``model_catalog_json``); every model is served by the same MockModel.
_SAMPLE_MODELS = (
    ("sample-model-1", "Sample model 1", ("low", "medium")),
    ("sample-model-2", "Sample model 2", ("low", "medium", "high")),
)


def _catalog_entry(slug: str, name: str, efforts: tuple[str, ...], priority: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "slug": slug,
        "display_name": name,
        "description": f"{name}: an offline example model (answers come from MockModel)",
        "supported_reasoning_levels": [
            {"effort": effort, "description": f"{effort} reasoning"} for effort in efforts
        ],
        "shell_type": "unified_exec",
        "visibility": "list",
        "supported_in_api": True,
        "priority": priority,
        "support_verbosity": False,
        "truncation_policy": {"mode": "bytes", "limit": 10000},
        "experimental_supported_tools": [],
        "base_instructions": "You are a mock model used by the openai-codex examples.",
    }
    if efforts:
        entry["default_reasoning_level"] = efforts[0]
    return entry


def sample_models() -> dict[str, Any]:
    """Options for :func:`open_codex` that list two more models offline.

    ``open_codex(**sample_models())``: offline, ``codex.models()`` then lists
    ``mock-model`` (the default), ``sample-model-1`` (efforts low, medium) and
    ``sample-model-2`` (low, medium, high); all of them answer through the same
    MockModel. Against your real Codex this returns ``{}`` and your real models are listed.
    """
    if not is_offline():
        return {}
    import atexit
    import json
    import shutil
    import tempfile
    from pathlib import Path

    entries = [_catalog_entry("mock-model", "Mock model", (), 0)]
    for priority, (slug, name, efforts) in enumerate(_SAMPLE_MODELS, start=1):
        entries.append(_catalog_entry(slug, name, efforts, priority))
    directory = Path(tempfile.mkdtemp(prefix="openai-codex-examples-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    catalog = directory / "models.json"
    catalog.write_text(json.dumps({"models": entries}, indent=2), encoding="utf-8")
    return {"extra_config": {"model_catalog_json": str(catalog)}}
