#!/usr/bin/env python3
"""Soak: no leaks over many turns and many client lifetimes.

Two phases, each in a child process (so that only the client's memory is measured) against
an offline harness (the real app-server and the mock model) hosted by the parent:

* ``turns``: one client runs N turns (default 1,000) on a few threads, alternating ``run()``
  and a streamed ``turn()``; the sync and async clients each do it.
* ``cycles``: N (default 200) open/start/run/close cycles of a client, alternating sync and
  async.

After a warm-up (the first 10 % of the work: caches, lazily built validators and imported
modules settle), the script samples the process's RSS, open file descriptors, threads and
child processes. It reports their growth from the end of the warm-up to the end, and fails
(exit 1) when RSS grew by 5 MB or more or when descriptors, threads or children did not
return to their baseline (measured after warm-up, with no client open).

    .venv/bin/python benchmarks/soak.py                 # both phases, full size
    .venv/bin/python benchmarks/soak.py --turns 200 --cycles 40
    .venv/bin/python benchmarks/soak.py --json out.json

Results are in benchmarks/README.md ("Soak").
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openai_codex import AsyncCodex, Codex, CodexConfig
from openai_codex.testing import CodexHarness

RSS_LIMIT_MB = 5.0


def rss_mb() -> float:
    """Resident memory of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def children() -> int:
    """Child processes of this process (alive or zombie)."""
    me = str(os.getpid())
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The ppid is the 4th field after the parenthesised command name.
        if stat.rsplit(")", 1)[1].split()[1] == me:
            count += 1
    return count


def sample() -> dict[str, float]:
    gc.collect()
    return {
        "rss_mb": round(rss_mb(), 2),
        "fds": open_fds(),
        "threads": threading.active_count(),
        "children": children(),
    }


def settle(baseline: dict[str, float], timeout: float = 10.0) -> dict[str, float]:
    """Sample until the counts are back at the baseline (processes take a moment to go)."""
    end = time.monotonic() + timeout
    current = sample()
    while time.monotonic() < end and any(
        current[k] > baseline[k] for k in ("fds", "threads", "children")
    ):
        time.sleep(0.2)
        current = sample()
    return current


def phase_turns(harness: Any, turns: int) -> dict[str, Any]:
    """N turns on one sync client and N on one async client; RSS sampled along the way."""
    warm = max(1, turns // 10)
    trace: list[float] = []
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        for i in range(turns):
            if i % 2:
                thread.run(f"turn {i}")
            else:
                for _ in thread.turn(f"turn {i}").stream():
                    pass
            if i % 50 == 0:  # a fresh thread now and then: threads come and go too
                thread = codex.thread_start()
            if i == warm:
                start = sample()
            if i % max(1, turns // 20) == 0:
                trace.append(round(rss_mb(), 2))
        end = sample()

    async def async_turns() -> dict[str, float]:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            for i in range(turns):
                if i % 2:
                    await thread.run(f"turn {i}")
                else:
                    handle = await thread.turn(f"turn {i}")
                    async for _ in handle.stream():
                        pass
                if i % 50 == 0:
                    thread = await codex.thread_start()
            return sample()

    async_end = asyncio.run(async_turns())
    return {
        "turns": turns,
        "sync_rss_growth_mb": round(end["rss_mb"] - start["rss_mb"], 2),
        "async_rss_after_mb": async_end["rss_mb"],
        "rss_trace_mb": trace,
        "start": start,
        "end": end,
    }


def phase_cycles(harness: Any, cycles: int) -> dict[str, Any]:
    """N client lifetimes (start, a turn, close), alternating sync and async."""

    async def async_cycle() -> None:
        async with AsyncCodex(harness.config()) as codex:
            await (await codex.thread_start()).run("hi")

    def sync_cycle() -> None:
        with Codex(harness.config()) as codex:
            codex.thread_start().run("hi")

    run_cycle: list[Callable[[], None]] = [sync_cycle, lambda: asyncio.run(async_cycle())]
    warm = max(1, cycles // 10)
    for i in range(warm):
        run_cycle[i % 2]()
    baseline = settle(sample())
    trace = []
    for i in range(cycles - warm):
        run_cycle[i % 2]()
        if i % max(1, cycles // 20) == 0:
            trace.append(round(rss_mb(), 2))
    end = settle(baseline)
    return {
        "cycles": cycles,
        "rss_growth_mb": round(end["rss_mb"] - baseline["rss_mb"], 2),
        "rss_trace_mb": trace,
        "baseline": baseline,
        "end": end,
    }


class _Config:
    """The harness's client config, rebuilt in the child from what the parent sent."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = spec

    def config(self) -> CodexConfig:
        return CodexConfig(env=self._spec["env"], cwd=self._spec["cwd"])


def child(phase: str, size: int) -> None:
    """Run one phase against the parent's harness; print its report as JSON."""
    spec = json.loads(os.environ["SOAK_HARNESS"])
    target = _Config(spec)
    result = phase_turns(target, size) if phase == "turns" else phase_cycles(target, size)
    print(json.dumps(result))


def run_child(harness: CodexHarness, phase: str, size: int) -> dict[str, Any]:
    spec = {"env": harness.env(), "cwd": str(harness.workspace)}
    env = dict(os.environ, SOAK_HARNESS=json.dumps(spec))
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "_child", phase, str(size)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["seconds"] = round(time.perf_counter() - started, 1)
    harness.model.clear_requests()  # the mock keeps every request body; not ours to measure
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_child"]:
        child(argv[1], int(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"python": sys.version.split()[0]}
    failures = []
    with CodexHarness() as harness:
        turns = run_child(harness, "turns", args.turns)
        report["turns"] = turns
        print(
            f"turns:  {args.turns} sync + {args.turns} async turns in {turns['seconds']} s; "
            f"sync RSS growth after warm-up {turns['sync_rss_growth_mb']} MB "
            f"(trace {turns['rss_trace_mb']})"
        )
        if turns["sync_rss_growth_mb"] >= RSS_LIMIT_MB:
            failures.append(f"RSS grew {turns['sync_rss_growth_mb']} MB over the turns")
        cycles = run_child(harness, "cycles", args.cycles)
        report["cycles"] = cycles
        print(
            f"cycles: {args.cycles} client lifetimes in {cycles['seconds']} s; RSS growth "
            f"after warm-up {cycles['rss_growth_mb']} MB; baseline {cycles['baseline']} -> "
            f"end {cycles['end']}"
        )
        if cycles["rss_growth_mb"] >= RSS_LIMIT_MB:
            failures.append(f"RSS grew {cycles['rss_growth_mb']} MB over the cycles")
        for key in ("fds", "threads", "children"):
            if cycles["end"][key] > cycles["baseline"][key]:
                failures.append(
                    f"{key}: {cycles['baseline'][key]} before, {cycles['end'][key]} after"
                )
    report["failures"] = failures
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    for failure in failures:
        print("LEAK:", failure)
    print("no leak found" if not failures else f"{len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
