"""The regression guard of ``bench.py``: this run's ratios against a recorded baseline.

Every headline figure is a ratio to a reference measured in the same run (a floor, or the
stdio twin of a WebSocket variant), so figures from different days and loads compare. The
baseline (``benchmarks/baseline.json``) keeps the ratios of an accepted run by label; a
ratio more than ``tolerance`` (10 %) above its baseline is flagged in the summary line.
A benchmark, not a test: nothing fails, the line says it.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["BASELINE", "compare", "load", "save", "summary_line"]

BASELINE = Path(__file__).resolve().parent / "baseline.json"
TOLERANCE = 0.10

Figure = tuple[str, float, float, str]  # label, reference, SDK, target


def load(path: Path) -> dict[str, float]:
    """The baseline's ratios by label (empty if there is no file)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return {str(k): float(v) for k, v in data.get("ratios", {}).items()}


def save(path: Path, figures: list[Figure], note: str) -> None:
    """Record this run's ratios (A/B rows of other trees excluded) as the baseline."""
    ratios = {label: round(sdk / ref, 3) for label, ref, sdk, target in figures if ref == ref}
    ratios = {k: v for k, v in ratios.items() if not k.endswith("]")}
    old = json.loads(path.read_text()) if path.is_file() else {}
    merged = {**old.get("ratios", {}), **ratios}  # a partial run keeps the other figures
    path.write_text(json.dumps({"note": note, "ratios": merged}, indent=1) + "\n")


def compare(
    figures: list[Figure], baseline: dict[str, float], tolerance: float = TOLERANCE
) -> tuple[list[str], int]:
    """The regressions (one text each) and how many figures had a baseline to compare to."""
    found = []
    compared = 0
    for label, ref, sdk, _target in figures:
        before = baseline.get(label)
        if before is None or not ref or ref != ref or sdk != sdk:
            continue
        compared += 1
        ratio = sdk / ref
        if ratio > before * (1 + tolerance):
            grew = ratio / before - 1
            found.append(f"{label}: {ratio:.2f}x (baseline {before:.2f}x, +{grew:.0%})")
    return found, compared


def summary_line(figures: list[Figure], baseline: dict[str, float], where: Path) -> str:
    """One line: how many ratios, and every regression over the tolerance."""
    found, compared = compare(figures, baseline)
    head = f"summary: {len(figures)} ratios, {compared} compared to {where.name}"
    if not baseline:
        return f"{head} (no baseline: record one with --save-baseline)"
    if not found:
        return f"{head}: no regression over {TOLERANCE:.0%}"
    return f"{head}: REGRESSION over {TOLERANCE:.0%} in {len(found)}: " + "; ".join(found)
