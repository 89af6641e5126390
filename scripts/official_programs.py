#!/usr/bin/env python3
"""Record what the official SDK prints for each program in tests/official_programs/.

Usage::

    python scripts/official_programs.py                 # record every program
    python scripts/official_programs.py p02_sync_stream  # record some
    python scripts/official_programs.py --python PATH    # an interpreter that already has
                                                          # openai-codex==0.163.0

The official package is installed in a scratch venv outside the repository (as
``scripts/official_surface.py`` does); each program runs under it against our offline
harness (the real app-server and the mock model), and its normalised output is written to
tests/data/official_programs/<name>.txt. ``tests/integration/test_official_programs.py``
runs the same programs on our package and requires the same output. Rerun this script when
the runtime is bumped or a program changes.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="programs to record (default: all)")
    parser.add_argument("--python", type=Path, help="interpreter with the official package")
    args = parser.parse_args(argv)
    runner = _load(ROOT / "tests" / "official_programs" / "_runner.py", "official_runner")
    surface = _load(ROOT / "scripts" / "official_surface.py", "official_surface")
    names = args.names or runner.programs()
    with tempfile.TemporaryDirectory(prefix="official-programs-") as tmp:
        python = args.python or surface.official_interpreter(Path(tmp))
        runner.GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        for name in names:
            output = runner.run(name, str(python))
            runner.golden(name).write_text(output, encoding="utf-8")
            print(f"recorded {name} ({len(output.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
