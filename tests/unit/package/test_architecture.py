"""The package's shape: layers as folders, contracts that fail when broken, small modules.

``make test`` runs ``lint-imports`` on the real tree; these tests show that each contract
in pyproject.toml does fail when someone breaks it (on a copy of the package with one bad
import added), and check what a linter cannot: how many private modules sit at the top,
and how long a hand-written module may grow.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "src" / "openai_codex"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Hand-written modules stay about this small (a few lines of slack, not a second job).
MAX_MODULE_LINES = 620
MAX_TOP_LEVEL_PRIVATE_MODULES = 8


def _lint_copy(tmp_path: Path, edits: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on a copy of the package with ``edits`` appended to its modules."""
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "openai_codex", ignore=shutil.ignore_patterns("__pycache__"))
    for module, line in edits.items():
        path = src / "openai_codex" / module
        path.write_text(path.read_text() + f"\n{line}\n")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is a dev dependency")
def test_each_contract_fails_when_an_import_breaks_it(tmp_path: Path) -> None:
    result = _lint_copy(
        tmp_path,
        {
            # the wire core reaching up into the client assembly: a layer violation
            "_core/protocol.py": "from openai_codex._client import metadata as _up  # noqa",
            # sinks <-> router: a circle between siblings (inside a function still counts)
            "_core/sinks.py": "def _circle():\n    from openai_codex._core import router",
            # the start-up path importing pydantic, even lazily
            "_client/toml.py": "def _heavy():\n    import pydantic",
            # an agent framework imported outside openai_codex.integrations
            "_callbacks/tool_adapters.py": "def _framework():\n    import agents",
        },
    )
    out = result.stdout
    assert result.returncode != 0, out
    assert "Contracts: 0 kept, 4 broken." in out, out
    assert "openai_codex._core.protocol -> openai_codex._client.metadata" in out
    assert "openai_codex._client.toml -> pydantic" in out
    assert "openai_codex._callbacks.tool_adapters -> agents" in out
    assert "._core.sinks" in out or ".sinks -> .router" in out, out


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is a dev dependency")
def test_the_unchanged_copy_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint_copy(tmp_path, {})
    assert result.returncode == 0, result.stdout
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def test_few_private_modules_sit_at_the_top() -> None:
    private = sorted(
        p.name for p in PACKAGE.glob("_*.py") if p.name not in {"__init__.py", "__main__.py"}
    )
    assert len(private) <= MAX_TOP_LEVEL_PRIVATE_MODULES, private


def _hand_written() -> list[Path]:
    generated = {PACKAGE / "_generated", PACKAGE / "generated"}
    return [p for p in PACKAGE.rglob("*.py") if not any(p.is_relative_to(g) for g in generated)]


def test_no_hand_written_module_has_several_jobs() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _hand_written()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these by responsibility: {long}"


def test_every_layer_package_says_what_it_holds() -> None:
    for init in PACKAGE.glob("_*/__init__.py"):
        if init.parent.name == "_generated":
            continue
        text = init.read_text()
        assert text.startswith('"""') and "TODO" not in text, init
