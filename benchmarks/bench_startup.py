"""Import time and start + initialize of openai_codex against a bare subprocess baseline.

The issue-2 benchmark (``make bench``): both measured in the same run, interleaved, each
measurement in a fresh Python process. It is ``bench.py import start``; extra arguments
are passed through (``--rounds 5``, ``--reps 4``...).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench

if __name__ == "__main__":
    bench.main(["import", "start", *sys.argv[1:]])
