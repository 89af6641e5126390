"""Our public surface matches its committed snapshot (``tests/data/public_surface.json``).

A refactor must not drop or change a public name, parameter or default by accident; a
deliberate change reruns ``python scripts/public_surface.py`` and commits the snapshot
with it (the diff then shows the API change in review).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "public_surface.py"


def test_public_surface_matches_the_snapshot() -> None:
    # A fresh interpreter: no other test's imports or patches change what is described.
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_dropped_name_is_reported() -> None:
    script = _load()
    old = {"openai_codex": {"names": {"Codex": {"kind": "class"}, "tool": {"kind": "function"}}}}
    new = {"openai_codex": {"names": {"Codex": {"kind": "class"}}}}
    assert script.differences(old, new) == ["removed /openai_codex/names/tool"]
    assert script.differences(new, old) == ["added /openai_codex/names/tool"]


def _load():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("public_surface", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
