"""Summarise a ``py-spy record --format raw`` (collapsed stacks) file as two top lists.

    python benchmarks/pyspy_summary.py benchmarks/profiles/stream-sdk-sync.txt --top 25
    python benchmarks/pyspy_summary.py FILE --only openai_codex/   # frames of the SDK only

"self" counts the samples whose innermost frame is the function; "inclusive" counts the
samples with the function anywhere on the stack (once per sample). ``--within S`` keeps
only samples whose stack contains ``S`` (e.g. ``_read_loop`` for the loop thread).
"""

from __future__ import annotations

import argparse
import collections
import re
from pathlib import Path

_FRAME = re.compile(r"^(?P<fn>.*) \((?P<file>[^()]*?):(?P<line>\d+)\)$")


def short(frame: str) -> str:
    """``func (path/to/file.py:12)`` -> ``func file.py:12`` with a trimmed path."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    path = m["file"]
    for marker in ("site-packages/", "lib/python3.11/", "src/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m['fn']} {path}:{m['line']}"


def func_key(frame: str) -> str:
    """A frame without its line number (so a function's lines add up)."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    return short(f"{m['fn']} ({m['file']}:0)")[:-2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--within", help="keep samples whose stack contains this text")
    parser.add_argument("--only", help="list only frames whose file contains this text")
    parser.add_argument("--lines", action="store_true", help="self time per line, not per func")
    args = parser.parse_args()
    self_count: collections.Counter[str] = collections.Counter()
    incl_count: collections.Counter[str] = collections.Counter()
    total = 0
    for raw in Path(args.file).read_text().splitlines():
        stack, _, count_s = raw.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        if args.within and args.within not in stack:
            continue
        count = int(count_s)
        frames = stack.split(";")
        total += count
        leaf = frames[-1]
        self_count[short(leaf) if args.lines else func_key(leaf)] += count
        for key in {func_key(f) for f in frames}:
            incl_count[key] += count
    print(f"{total} samples{f' within {args.within!r}' if args.within else ''}\n")
    for title, counter in (("self", self_count), ("inclusive", incl_count)):
        print(f"-- top {title} --")
        shown = 0
        for key, n in counter.most_common():
            if args.only and args.only not in key:
                continue
            print(f"{100 * n / max(total, 1):6.1f}%  {n:6d}  {key}")
            shown += 1
            if shown >= args.top:
                break
        print()


if __name__ == "__main__":
    main()
