"""docs/api-reference.md is generated from the live package and must stay in sync.

When this fails after an API change, regenerate the file:
``python scripts/gen_api_reference.py``.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import openai_codex
import openai_codex.testing
import openai_codex.types

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "gen_api_reference.py"
REFERENCE = ROOT / "docs" / "api-reference.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_api_reference", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_reference_matches_a_fresh_generation() -> None:
    fresh = _generator().render()
    committed = REFERENCE.read_text(encoding="utf-8")
    assert committed == fresh, (
        "docs/api-reference.md is out of date with the package: "
        "run `python scripts/gen_api_reference.py` and commit the result"
    )


def test_every_public_name_has_a_heading() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    headings = set(re.findall(r"^#### `([^`]+)`$", text, flags=re.MULTILINE))
    assert set(openai_codex.__all__) <= headings
    testing = set(re.findall(r"^### `testing\.([^`]+)`$", text, flags=re.MULTILINE))
    assert set(openai_codex.testing.__all__) <= testing


def test_every_types_name_is_listed() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    section = text.split("## `openai_codex.types`", 1)[1].split("## `openai_codex.testing`")[0]
    listed = set(re.findall(r"`(\w+)`", section))
    assert set(openai_codex.types.__all__) <= listed


def test_index_links_point_at_existing_anchors() -> None:
    gen = _generator()
    text = REFERENCE.read_text(encoding="utf-8")
    slugs = gen._Slugs()
    anchors = {
        slugs.heading(m.group(1).replace("`", ""))
        for m in re.finditer(r"^#+ (.+)$", text, flags=re.MULTILINE)
    }
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links and links <= anchors


def test_signatures_keep_source_annotations_and_no_machine_paths() -> None:
    gen = _generator()

    def sample(path: str = str(Path.home() / "x"), *, n: int | None = None) -> str:
        return path

    assert gen.signature(sample) == "(path: str = '~/x', *, n: int | None = None) -> str"
    assert gen.markdown("see :meth:`~openai_codex.Codex.close` and ``x``") == "see `close` and `x`"
