"""Finding the ``codex`` binary and building the app-server's argv and environment."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import CodexRuntimeNotFoundError
from .config import CodexConfig, override_args
from .toml import toml_value

__all__ = ["RUNTIME_PACKAGE", "build_argv", "build_env", "resolve_codex_bin", "toml_literal"]

RUNTIME_PACKAGE = "openai-codex-cli-bin==0.163.0"


def _bundled() -> tuple[Path, Path | None] | None:
    try:
        import codex_cli_bin  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        binary = Path(codex_cli_bin.bundled_codex_path())
    except Exception:  # the package exists but ships no binary for this platform
        return None
    path_dir: Path | None
    try:
        path_dir = Path(codex_cli_bin.bundled_path_dir())
    except Exception:
        path_dir = None
    return binary, path_dir


def resolve_codex_bin(config: CodexConfig) -> tuple[Path, Path | None]:
    """Return the ``codex`` executable to launch and the runtime's helper-tool directory.

    Order: ``config.codex_bin``, then the binary of the ``openai-codex-cli-bin`` package.

    Raises:
        CodexRuntimeNotFoundError: neither exists; the message names the package to install.
    """
    if config.codex_bin is not None:
        candidate = Path(config.codex_bin).expanduser()
        if candidate.is_file() and os.access(candidate, os.X_OK):
            bundled = _bundled()
            return candidate, bundled[1] if bundled else None
        import shutil  # only for a codex_bin given by name (shutil is slow to import)

        found = shutil.which(str(config.codex_bin))
        if found:
            bundled = _bundled()
            return Path(found), bundled[1] if bundled else None
        raise CodexRuntimeNotFoundError(
            f"codex_bin {str(config.codex_bin)!r} does not exist or is not executable"
        )
    bundled = _bundled()
    if bundled is not None and bundled[0].is_file():
        return bundled
    raise CodexRuntimeNotFoundError(
        "no codex binary found: install the runtime with "
        f"`pip install {RUNTIME_PACKAGE}`, or pass CodexConfig(codex_bin=...)"
    )


def toml_literal(value: object) -> str:
    """Render a Python value as the TOML literal ``codex -c key=value`` expects."""
    return toml_value(value)


def build_argv(config: CodexConfig) -> tuple[list[str], Path | None]:
    """The argv that launches the app-server over stdio, and the helper-tool directory."""
    if config.launch_args_override is not None:
        argv = [str(a) for a in config.launch_args_override]
        if not argv:
            raise ValueError("launch_args_override must not be empty")
        bundled = _bundled()
        return argv, bundled[1] if bundled else None
    binary, path_dir = resolve_codex_bin(config)
    argv = [str(binary), "app-server"]
    for arg in override_args(config.config_overrides):
        argv += ["-c", arg]
    return argv, path_dir


def build_env(config: CodexConfig, path_dir: Path | None) -> dict[str, str]:
    """The child's environment: ``os.environ`` with ``config.env`` merged over it."""
    env = dict(os.environ)
    for key, value in (config.env or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    if path_dir is not None and path_dir.is_dir():
        current = env.get("PATH", "")
        env["PATH"] = str(path_dir) + (os.pathsep + current if current else "")
    return env
