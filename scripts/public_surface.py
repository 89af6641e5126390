#!/usr/bin/env python3
"""Dump our own public surface as JSON, so that a refactor cannot drop a name silently.

Usage::

    python scripts/public_surface.py            # refresh tests/data/public_surface.json
    python scripts/public_surface.py --check    # exit 1 if the snapshot is stale

The surface is every documented public module (the official SDK's module paths plus what
we add: ``batch``, ``testing``, ``cli``...), described by the same introspection code as
the official snapshot (``scripts/official_surface.py``): names, kinds, signatures,
defaults, enum members, model fields. ``tests/unit/package/test_public_surface.py`` compares a
fresh description with the committed one. A deliberate change of the public API means
rerunning this script and committing the new snapshot with the change.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "data" / "public_surface.json"


def _official_surface() -> ModuleType:
    path = Path(__file__).resolve().with_name("official_surface.py")
    spec = importlib.util.spec_from_file_location("official_surface", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SURFACE = _official_surface()

# The official module paths, then ours (docs/api-reference.md documents each).
MODULES: tuple[str, ...] = (
    *SURFACE.MODULES,
    "openai_codex.batch",
    "openai_codex.cli",
    "openai_codex.integrations",
    "openai_codex.integrations.openai_agents",
    "openai_codex.integrations.pydantic_ai",
    "openai_codex.notebook",
    "openai_codex.testing",
    "openai_codex.testing.pytest_plugin",
)


def describe() -> dict[str, Any]:
    """Our public surface, as the snapshot holds it."""
    surface: dict[str, Any] = SURFACE.describe_modules(MODULES)
    return surface


def render(surface: dict[str, Any]) -> str:
    """The snapshot's text for ``surface``."""
    return json.dumps(surface, indent=1, sort_keys=True) + "\n"


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """What changed from ``old`` to ``new``: one line per removed, added or changed entry."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        lines: list[str] = []
        for key in sorted(set(old) | set(new)):
            where = f"{path}/{key}"
            if key not in new:
                lines.append(f"removed {where}")
            elif key not in old:
                lines.append(f"added {where}")
            else:
                lines += differences(old[key], new[key], where)
        return lines
    return [f"changed {path}: {old!r} -> {new!r}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the snapshot differs")
    args = parser.parse_args(argv)
    text = render(describe())
    if args.check:
        current = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
        if current != text:
            old = json.loads(current) if current else {}
            for line in differences(old, json.loads(text))[:50]:
                print(line[:300])
            print(f"{SNAPSHOT.relative_to(ROOT)} is stale; rerun scripts/{Path(__file__).name}")
            return 1
        print("snapshot is up to date")
        return 0
    SNAPSHOT.write_text(text, encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
