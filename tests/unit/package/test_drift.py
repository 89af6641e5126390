"""The committed generated package matches what the pinned binary's schema produces."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "generate_types.py"


def bundled_codex() -> Path | None:
    try:
        codex_cli_bin = importlib.import_module("codex_cli_bin")
    except ImportError:
        return None
    path = Path(codex_cli_bin.bundled_codex_path())
    return path if path.is_file() else None


@pytest.mark.timeout(300)
@pytest.mark.skipif(
    bundled_codex() is None,
    reason="the bundled codex binary (openai-codex-cli-bin) is not installed; "
    "the schema cannot be regenerated",
)
def test_generated_types_match_the_schema_of_the_pinned_binary() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
