"""``CodexHarness``: an isolated CODEX_HOME + workspace wired to a :class:`MockModel`."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from .._client.config import CodexConfig, ConfigOverrides, override_args
from .._client.toml import toml_dumps
from ._mock_model import MockModel
from ._wire import MOCK_MODEL_SLUG, mock_model_info

__all__ = ["CodexHarness", "HarnessIssuer"]

MOCK_PROVIDER_ID = "mock_provider"


class HarnessIssuer(Protocol):
    """What ``CodexHarness(issuer=...)`` expects from a mock OAuth issuer.

    ``harness_env()`` returns variables merged into the child's environment (for example
    ``CODEX_APP_SERVER_LOGIN_ISSUER``); ``harness_config_overrides()`` returns Codex config
    values merged into ``CodexConfig.config_overrides`` (for example ``chatgpt_base_url``).
    The harness calls both once per :meth:`CodexHarness.config` call and neither starts
    nor stops the issuer: its owner does.
    """

    def harness_env(self) -> Mapping[str, str]: ...

    def harness_config_overrides(self) -> Mapping[str, object]: ...


OFFLINE_CHATGPT_BASE_URL = "http://127.0.0.1:9/backend-api/"
"""Where the harness points ChatGPT backend calls: a closed local port (discard)."""


def _testing_root() -> Path:
    """Where harness directories live: under the user's home, never the system temp dir
    (the app-server warns about and skips helper links under temp dirs)."""
    root = Path.home() / ".cache" / "openai-codex-testing"
    root.mkdir(parents=True, exist_ok=True)
    return root


class CodexHarness:
    """A throw-away CODEX_HOME and workspace that route the app-server to a mock model.

    ::

        with CodexHarness() as h:
            h.model.enqueue(Reply.text("hi"))
            with Codex(config=h.config()) as codex:
                ...

    Keyword-only options:
        model: the :class:`MockModel` to use; by default the harness starts its own and stops
            it on exit (a model passed in is left running).
        approval_policy / sandbox_mode: written to ``config.toml``.
        requires_openai_auth: set ``requires_openai_auth = true`` on the mock provider
            (needed to observe API-key / ChatGPT accounts through ``account/read``).
        extra_config: more top-level ``config.toml`` values (nested mappings become tables).
        issuer: a mock OAuth issuer following :class:`HarnessIssuer`.
        model_catalog: write a model catalog describing ``mock-model``
            (``model_catalog_json``), so ``model/list`` shows it and threads do not warn
            "Model metadata for `mock-model` not found". The tool list is the same as with
            the fallback metadata (``exec_command``...); only the base instructions are
            shorter. ``False`` leaves the app-server on its fallback metadata.

    The app-server runs with ``features.plugins`` and ``features.shell_snapshot`` off
    (no downloads, no login shell at each thread start); ``extra_config={"features": ...}``
    turns them back on. The directories live under ``~/.cache/openai-codex-testing/`` and
    are removed on exit.
    """

    def __init__(
        self,
        *,
        model: MockModel | None = None,
        approval_policy: str = "never",
        sandbox_mode: str = "read-only",
        requires_openai_auth: bool = False,
        extra_config: Mapping[str, object] | None = None,
        issuer: HarnessIssuer | None = None,
        model_catalog: bool = True,
    ) -> None:
        self._owns_model = model is None
        self._model = model
        self._approval_policy = approval_policy
        self._sandbox_mode = sandbox_mode
        self._requires_openai_auth = requires_openai_auth
        self._extra_config = dict(extra_config or {})
        self._issuer = issuer
        self._model_catalog = model_catalog
        self._root: Path | None = None
        self._active = False

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> CodexHarness:
        """Start the model (if owned) and create the directories and ``config.toml``."""
        if self._active:
            return self
        if self._root is not None:
            raise RuntimeError("a closed CodexHarness cannot be restarted")
        self._active = True
        try:
            if self._model is None:
                self._model = MockModel()
            if self._owns_model:
                self._model.start()
            self._root = Path(tempfile.mkdtemp(prefix="run-", dir=_testing_root()))
            self.codex_home.mkdir()
            self.workspace.mkdir()
            if self._model_catalog:
                catalog = {"models": [mock_model_info()]}
                self.catalog_path.write_text(json.dumps(catalog, indent=2), encoding="utf-8")
            self.config_path.write_text(toml_dumps(self.config_toml()), encoding="utf-8")
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Remove the directories and stop an owned model (idempotent)."""
        if not self._active:
            return
        self._active = False
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
        if self._owns_model and self._model is not None:
            self._model.stop()

    def __enter__(self) -> CodexHarness:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- accessors -----------------------------------------------------------------

    @property
    def model(self) -> MockModel:
        if self._model is None:
            raise RuntimeError("CodexHarness is not started")
        return self._model

    @property
    def root(self) -> Path:
        """The directory holding ``codex_home`` and ``workspace`` (kept as a path after
        exit, when it no longer exists)."""
        if self._root is None:
            raise RuntimeError("CodexHarness is not started")
        return self._root

    @property
    def codex_home(self) -> Path:
        """The CODEX_HOME directory (config.toml, auth, sessions)."""
        return self.root / "codex-home"

    @property
    def workspace(self) -> Path:
        """A plain directory (no git) used as the app-server's cwd."""
        return self.root / "workspace"

    @property
    def config_path(self) -> Path:
        return self.codex_home / "config.toml"

    @property
    def catalog_path(self) -> Path:
        return self.codex_home / "mock-models.json"

    def config_toml(self) -> dict[str, Any]:
        """The values written to ``config.toml``."""
        provider: dict[str, Any] = {
            "name": "Mock",
            "base_url": self.model.url,
            "wire_api": "responses",
            "request_max_retries": 0,
            "stream_max_retries": 0,
        }
        if self._requires_openai_auth:
            provider["requires_openai_auth"] = True
        values: dict[str, Any] = {
            "model": MOCK_MODEL_SLUG,
            "model_provider": MOCK_PROVIDER_ID,
            "approval_policy": self._approval_policy,
            "sandbox_mode": self._sandbox_mode,
        }
        if self._model_catalog:
            values["model_catalog_json"] = str(self.catalog_path)
        # Keep the server off the internet: ChatGPT backend calls (remote control, featured
        # plugins) go to a closed local port unless a MockIssuer overrides the URL, and the
        # curated-plugin sync (git/GitHub/ChatGPT downloads at start-up) is switched off.
        values["chatgpt_base_url"] = OFFLINE_CHATGPT_BASE_URL
        # No shell snapshot: it runs the user's login shell (``bash -lc``, sourcing their
        # profile) at every thread start, which costs 0.3-0.6 s of CPU per thread and makes
        # tests depend on whatever the profile does.
        features: dict[str, object] = {"plugins": False, "shell_snapshot": False}
        extra_features = self._extra_config.get("features")
        if isinstance(extra_features, Mapping):
            features.update(extra_features)
        values.update(self._extra_config)
        values["features"] = features
        providers = dict(values.get("model_providers") or {})
        providers[MOCK_PROVIDER_ID] = provider
        values["model_providers"] = providers
        return values

    def env(self) -> dict[str, str | None]:
        """Child environment overrides (``None`` removes a variable)."""
        env: dict[str, str | None] = {
            "CODEX_HOME": str(self.codex_home),
            "CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG": "1",
            "OPENAI_API_KEY": None,
            "CODEX_API_KEY": None,
            "OPENAI_BASE_URL": None,
            "CODEX_APP_SERVER_LOGIN_ISSUER": None,
            "RUST_LOG": "warn",
        }
        if self._issuer is not None:
            env.update(self._issuer.harness_env())
        return env

    def config(self, **overrides: Any) -> CodexConfig:
        """A :class:`CodexConfig` for ``Codex(config=...)`` / ``AsyncCodex(config=...)``.

        Keyword arguments are ``CodexConfig`` fields. ``env`` and ``config_overrides`` (a
        mapping, or the official tuple of ``"key=value"`` strings) are merged over the
        harness's own values; other fields replace the defaults.
        """
        env = self.env()
        env.update(overrides.pop("env", None) or {})
        own: dict[str, object] = {}
        if self._issuer is not None:
            own.update(self._issuer.harness_config_overrides())
        given = overrides.pop("config_overrides", None) or {}
        config_overrides: ConfigOverrides
        if isinstance(given, Mapping):
            config_overrides = {**own, **given}
        else:  # the official form, ("key=value", ...): later entries win
            config_overrides = (*override_args(own), *override_args(given))
        overrides.setdefault("cwd", self.workspace)
        return CodexConfig(env=env, config_overrides=config_overrides, **overrides)
