"""Programs written for the official SDK run unchanged on ours, with the same output.

Each program in tests/official_programs/ uses only the official openai-codex 0.163.0
surface. ``scripts/official_programs.py`` recorded what they print under the official
package (tests/data/official_programs/); here they run on ours against the same offline
app-server and mock model, and must print the same (ids, timestamps and paths normalised).
"""

from __future__ import annotations

import difflib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _runner() -> ModuleType:
    path = ROOT / "tests" / "official_programs" / "_runner.py"
    spec = importlib.util.spec_from_file_location("official_programs_runner", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


RUNNER = _runner()


@pytest.mark.parametrize("name", RUNNER.programs())
def test_program_prints_what_it_prints_on_the_official_sdk(name: str) -> None:
    expected = RUNNER.golden(name).read_text(encoding="utf-8")
    actual = RUNNER.run(name)
    diff = "\n".join(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "official", "ours", lineterm=""
        )
    )
    assert actual == expected, f"{name} differs from the official SDK's output:\n{diff}"


def test_every_program_has_a_recorded_output() -> None:
    names = RUNNER.programs()
    assert len(names) >= 8
    assert [n for n in names if not RUNNER.golden(n).is_file()] == []
    assert sorted(p.stem for p in (ROOT / "tests" / "official_programs").glob("p*.py")) == names
