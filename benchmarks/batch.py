"""Benchmark ``openai_codex.batch``: throughput of fleets of tasks, sizing, memory.

Run from the repository root with the project's venv (Ray comes with the ``dev`` extra)::

    .venv/bin/python benchmarks/batch.py                      # throughput + sizing + memory
    .venv/bin/python benchmarks/batch.py throughput --tasks 200 --concurrency 1,4,8,16
    .venv/bin/python benchmarks/batch.py sizing --latency 1.0
    .venv/bin/python benchmarks/batch.py memory --threads 200
    .venv/bin/python benchmarks/batch.py --quick              # smoke run, about a minute

Scenarios (positional; default all three):

``throughput``
    ``--tasks`` small tasks (default 200) on the mock model, answered at once, so the
    app-servers' own work is all there is to measure. Variants, interleaved in each round:
    ``gather`` (the naive baseline: ``asyncio.gather`` of every task's ``thread_start`` +
    ``run`` on one ``AsyncCodex``, all at once), then for each concurrency ``c``:
    ``gather-c`` (the same gather behind an ``asyncio.Semaphore(c)``, one ``AsyncCodex``),
    ``local-c`` (``run_batch(concurrency=c)``) and ``ray-c`` (``run_batch(backend="ray")``
    on a local Ray started once, ``ray.init(num_cpus=2)``). Ratios are tasks/s against the
    naive ``gather`` of the same round.
``sizing``
    One app-server and a slow model (each answer streams 10 deltas over ``--latency``
    seconds, default 1.0): tasks/s, turn latency and the server's CPU per task for a
    growing number of concurrent turns, then 1, 2 and 4 app-servers sharing 32 turns.
``memory``
    VmRSS of one app-server (``/proc/PID/status``): after ``initialize``, then after
    every ``--threads``/8 finished threads, and with ``thread/unsubscribe`` or
    ``thread/archive`` after each task.

Every run gets a fresh ``CodexHarness`` (CODEX_HOME and mock model) in this process; the
app-servers (the actors' too, found by their CODEX_HOME) are sampled every 0.25 s for their
VmRSS. Throughput is measured, never asserted. ``--json FILE`` keeps the raw rows.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCENARIOS = ("throughput", "sizing", "memory")
# The harness turns the shell snapshot off; a real deployment keeps it on, and so does
# this benchmark unless --no-shell-snapshot is given.
HARNESS_OPTIONS: dict[str, Any] = {"extra_config": {"features": {"shell_snapshot": True}}}
perf = time.perf_counter


# --------------------------------------------------------------------------- /proc helpers


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A memory field of ``/proc/PID/status`` in MB (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and of its reaped children."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class ServerSampler:
    """Samples the VmRSS of every app-server of a CODEX_HOME while a run lasts."""

    def __init__(self, codex_home: Path, every: float = 0.25) -> None:
        self._home = codex_home
        self._every = every
        self._stop = threading.Event()
        self.peak: dict[int, float] = {}
        self.cpu: dict[int, float] = {}
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            self.sample()

    def sample(self) -> None:
        from openai_codex.testing._processes import app_server_pids

        for pid in app_server_pids(self._home):
            self.peak[pid] = max(self.peak.get(pid, 0.0), rss_mb(pid))
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_s(pid))

    def __enter__(self) -> ServerSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def summary(self) -> dict[str, Any]:
        values = [v for v in self.peak.values() if v > 0]
        return {
            "servers": len(values),
            "peak_rss_mb_max": max(values, default=0.0),
            "peak_rss_mb_median": statistics.median(values) if values else 0.0,
            "server_cpu_s": sum(self.cpu.values()),
        }


# --------------------------------------------------------------------------- throughput


def _prompts(n: int) -> list[str]:
    return [f"small task number {i}" for i in range(n)]


async def _one(codex: Any, prompt: str) -> str | None:
    thread = await codex.thread_start()
    result = await thread.run(prompt)
    return result.final_response


async def gather_all(
    config: Any, prompts: list[str], limit: int | None, errors: dict[str, int]
) -> int:
    """The baseline: one AsyncCodex, asyncio.gather of every task (behind a semaphore when
    ``limit`` is set). Returns how many tasks completed; counts the errors by type."""
    from openai_codex import AsyncCodex

    async with AsyncCodex(config) as codex:
        semaphore = asyncio.Semaphore(limit) if limit else None

        async def task(prompt: str) -> str | None:
            if semaphore is None:
                return await _one(codex, prompt)
            async with semaphore:
                return await _one(codex, prompt)

        answers = await asyncio.gather(*(task(p) for p in prompts), return_exceptions=True)
    for answer in answers:
        if isinstance(answer, BaseException):
            name = type(answer).__name__
            errors[name] = errors.get(name, 0) + 1
    return sum(1 for a in answers if isinstance(a, str))


def batch_run(
    config: Any, prompts: list[str], concurrency: int, backend: str, errors: dict[str, int]
) -> int:
    from openai_codex.batch import BatchTask, run_batch

    tasks = [BatchTask(f"t{i}", p) for i, p in enumerate(prompts)]
    results = run_batch(tasks, config=config, concurrency=concurrency, backend=backend)
    for result in results:
        if result.error:
            name = result.error.split(":", 1)[0]
            errors[name] = errors.get(name, 0) + 1
        elif result.attempts > 1:
            errors["retried"] = errors.get("retried", 0) + result.attempts - 1
    return sum(1 for r in results if r.ok)


def measure(variant: str, n_tasks: int, latency: float | None = None) -> dict[str, Any]:
    """One run of ``variant`` on a fresh harness: tasks/s and the servers' peak RSS."""
    from openai_codex.testing import CodexHarness, Reply

    prompts = _prompts(n_tasks)
    with CodexHarness(**HARNESS_OPTIONS) as harness:
        if latency:
            for _ in prompts:
                harness.model.enqueue(Reply.text(["word "] * 10, delay=latency / 10))
        config = harness.config()
        kind, _, level = variant.partition("-")
        errors: dict[str, int] = {}
        with ServerSampler(harness.codex_home) as sampler:
            started = perf()
            if kind == "gather":
                limit = int(level) if level else None
                done = asyncio.run(gather_all(config, prompts, limit, errors))
            else:
                done = batch_run(config, prompts, int(level), kind, errors)
            wall = perf() - started
            sampler.sample()
    row = {
        "variant": variant,
        "tasks": n_tasks,
        "completed": done,
        "wall_s": wall,
        "tasks_per_s": n_tasks / wall,
        "errors": errors,
        **sampler.summary(),
    }
    row["server_cpu_ms_per_task"] = 1000 * row["server_cpu_s"] / n_tasks
    print(
        f"  {variant:<10} {row['tasks_per_s']:6.2f} tasks/s  {wall:6.1f} s  "
        f"server CPU {row['server_cpu_ms_per_task']:.0f} ms/task  "
        f"{done}/{n_tasks} ok  {row['servers']} server(s), peak RSS "
        f"{row['peak_rss_mb_max']:.0f} MB  {errors or ''}",
        flush=True,
    )
    return row


def scenario_throughput(args: argparse.Namespace) -> list[dict[str, Any]]:
    variants = ["gather"]
    for level in args.concurrency:
        variants.append(f"gather-{level}")
        variants.append(f"local-{level}")
        if not args.no_ray:
            variants.append(f"ray-{level}")
    rows: list[dict[str, Any]] = []
    for number in range(1, args.rounds + 1):
        print(f"throughput, round {number}/{args.rounds} ({args.tasks} tasks)", flush=True)
        for variant in variants:
            rows.append({"round": number, **measure(variant, args.tasks)})
    return rows


def table_throughput(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    by_variant: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_variant.setdefault(row["variant"], []).append(row)
    base = {r["round"]: r["tasks_per_s"] for r in by_variant["gather"]}
    lines = [
        f"{args.tasks} small tasks, mock model answering at once; median of {args.rounds} "
        "round(s); ratio = tasks/s against the naive `gather` of the same round",
        "",
        "| variant | tasks/s | vs naive gather | wall s | server CPU ms/task | servers "
        "| peak RSS per server MB | failed / retried |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for variant, group in by_variant.items():
        rate = statistics.median(r["tasks_per_s"] for r in group)
        ratio = statistics.median(r["tasks_per_s"] / base[r["round"]] for r in group)
        wall = statistics.median(r["wall_s"] for r in group)
        servers = max(r["servers"] for r in group)
        peak = statistics.median(r["peak_rss_mb_max"] for r in group)
        cpu = statistics.median(r.get("server_cpu_ms_per_task", 0.0) for r in group)
        errors: dict[str, int] = {}
        for r in group:
            for name, count in r.get("errors", {}).items():
                errors[name] = errors.get(name, 0) + count
        failures = ", ".join(f"{n} {name}" for name, n in sorted(errors.items())) or "-"
        lines.append(
            f"| {variant} | {rate:.2f} | {ratio:.2f}x | {wall:.1f} | {cpu:.0f} | {servers} "
            f"| {peak:.0f} | {failures} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- sizing


async def _sizing_run(config: Any, servers: int, concurrency: int, n_tasks: int) -> dict[str, Any]:
    from openai_codex import AsyncCodex

    clients = [AsyncCodex(config) for _ in range(servers)]
    for client in clients:  # one at a time: a fresh CODEX_HOME's first start must be alone
        await client.start()
    try:
        for client in clients:  # warm each server (first thread, lazy imports)
            await _one(client, "warm up")
        cpu0 = sum(cpu_s(c.pid) for c in clients if c.pid)
        queue = list(range(n_tasks))
        latencies: list[float] = []

        async def worker(k: int) -> None:
            client = clients[k % servers]
            while queue:
                i = queue.pop()
                t0 = perf()
                await _one(client, f"task {i}")
                latencies.append(perf() - t0)

        started = perf()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        wall = perf() - started
        cpu = sum(cpu_s(c.pid) for c in clients if c.pid) - cpu0
        rss = [rss_mb(c.pid) for c in clients if c.pid]
    finally:
        for client in clients:
            await client.close()
    latencies.sort()
    return {
        "servers": servers,
        "concurrency": concurrency,
        "tasks": n_tasks,
        "tasks_per_s": n_tasks / wall,
        "latency_p50": latencies[len(latencies) // 2],
        "latency_p90": latencies[int(len(latencies) * 0.9)],
        "server_cpu_ms_per_task": 1000 * cpu / n_tasks,
        "rss_mb": max(rss, default=0.0),
    }


async def _burst_run(harness: Any, n: int) -> dict[str, Any]:
    """``n`` threads and turns started at once on one server, every answer held until all
    ``n`` model requests arrived: how long that takes, what it costs, what fails."""
    from openai_codex import AsyncCodex
    from openai_codex.testing import Reply

    held = [harness.model.enqueue(Reply.text("done").held()) for _ in range(n)]
    errors: dict[str, int] = {}
    async with AsyncCodex(harness.config()) as codex:
        assert codex.pid is not None
        cpu0 = cpu_s(codex.pid)
        started = perf()

        async def task(i: int) -> None:
            try:
                thread = await codex.thread_start()
                await thread.run(f"task {i}")
            except Exception as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1

        runs = asyncio.ensure_future(asyncio.gather(*(task(i) for i in range(n))))
        try:
            reached = await asyncio.to_thread(
                lambda: all(reply.wait_reached(120) for reply in held)
            )
            all_in = perf() - started
            rss = rss_mb(codex.pid)
        finally:
            for reply in held:
                reply.release()
        await runs
        total = perf() - started
        await asyncio.sleep(3)  # let the threads' background work end before reading CPU
        cpu = cpu_s(codex.pid) - cpu0
    return {
        "turns": n,
        "all_in_flight_s": all_in if reached else None,
        "total_s": total,
        "rss_mb_in_flight": rss,
        "server_cpu_ms_per_task": 1000 * cpu / n,
        "errors": errors,
    }


def scenario_sizing(args: argparse.Namespace) -> list[dict[str, Any]]:
    from openai_codex.testing import CodexHarness, Reply

    plan = [(1, c) for c in args.sizing_concurrency] + [(k, 32) for k in (2, 4)]
    rows = []
    print(f"sizing: model latency {args.latency:g} s per answer", flush=True)
    for servers, concurrency in plan:
        n_tasks = max(16, 3 * concurrency)
        with CodexHarness(**HARNESS_OPTIONS) as harness:
            for _ in range(n_tasks + servers):
                harness.model.enqueue(Reply.text(["word "] * 10, delay=args.latency / 10))
            row = asyncio.run(_sizing_run(harness.config(), servers, concurrency, n_tasks))
        rows.append(row)
        print(
            f"  {servers} server(s), {concurrency:>3} at once: {row['tasks_per_s']:6.2f} tasks/s"
            f"  latency p50 {row['latency_p50']:.2f} s p90 {row['latency_p90']:.2f} s"
            f"  server CPU {row['server_cpu_ms_per_task']:.0f} ms/task"
            f"  RSS {row['rss_mb']:.0f} MB",
            flush=True,
        )
    for n in args.burst:
        with CodexHarness(**HARNESS_OPTIONS) as harness:
            row = asyncio.run(_burst_run(harness, n))
        rows.append({"burst": True, **row})
        print(
            f"  burst of {n} turns on 1 server: all at the model after "
            f"{row['all_in_flight_s'] or float('nan'):.1f} s, done after {row['total_s']:.1f} s,"
            f" RSS {row['rss_mb_in_flight']:.0f} MB, server CPU "
            f"{row['server_cpu_ms_per_task']:.0f} ms/task, errors {row['errors'] or 'none'}",
            flush=True,
        )
    return rows


def table_sizing(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    bursts = [r for r in rows if r.get("burst")]
    rows = [r for r in rows if not r.get("burst")]
    lines = [
        f"model latency {args.latency:g} s per answer (10 deltas); ideal tasks/s = "
        f"turns at once / {args.latency:g} s",
        "",
        "| servers | turns at once | tasks | tasks/s | ideal | latency p50 s | p90 s "
        "| server CPU ms/task | RSS MB (max) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ideal = r["concurrency"] / args.latency
        lines.append(
            f"| {r['servers']} | {r['concurrency']} | {r['tasks']} | {r['tasks_per_s']:.2f} "
            f"| {ideal:.0f} | {r['latency_p50']:.2f} | {r['latency_p90']:.2f} "
            f"| {r['server_cpu_ms_per_task']:.0f} | {r['rss_mb']:.0f} |"
        )
    if bursts:
        lines += [
            "",
            "N threads and turns started at once on one app-server, answers held until all N "
            "model requests arrived, then released",
            "",
            "| turns | all at the model after s | all done after s | RSS in flight MB "
            "| server CPU ms/task | errors |",
            "|---|---|---|---|---|---|",
        ]
        for r in bursts:
            arrived = r["all_in_flight_s"]
            lines.append(
                f"| {r['turns']} | {'-' if arrived is None else f'{arrived:.1f}'} "
                f"| {r['total_s']:.1f} | {r['rss_mb_in_flight']:.0f} "
                f"| {r['server_cpu_ms_per_task']:.0f} | {r['errors'] or '-'} |"
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------- memory


async def _memory_run(config: Any, threads: int, after: str) -> list[tuple[int, float]]:
    from openai_codex import AsyncCodex

    points: list[tuple[int, float]] = []
    async with AsyncCodex(config) as codex:
        assert codex.pid is not None
        await asyncio.sleep(1.0)
        points.append((0, rss_mb(codex.pid)))
        step = max(1, threads // 8)
        semaphore = asyncio.Semaphore(4)

        async def task(i: int) -> None:
            async with semaphore:
                thread = await codex.thread_start()
                await thread.run(f"task {i}")
                if after == "unsubscribe":
                    await codex.request("thread/unsubscribe", {"threadId": thread.id})
                elif after == "archive":
                    await codex.thread_archive(thread.id)

        for done in range(step, threads + 1, step):
            await asyncio.gather(*(task(i) for i in range(done - step, done)))
            await asyncio.sleep(0.5)
            points.append((done, rss_mb(codex.pid)))
    return points


def scenario_memory(args: argparse.Namespace) -> list[dict[str, Any]]:
    from openai_codex.testing import CodexHarness

    rows = []
    for after in ("keep", "unsubscribe", "archive"):
        with CodexHarness(**HARNESS_OPTIONS) as harness:
            points = asyncio.run(_memory_run(harness.config(), args.threads, after))
        rows.append({"after_each_task": after, "points": points})
        text = ", ".join(f"{n}: {mb:.0f}" for n, mb in points)
        print(f"memory ({after}): threads -> VmRSS MB: {text}", flush=True)
    return rows


def table_memory(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    counts = [n for n, _ in rows[0]["points"]]
    lines = [
        "VmRSS of one app-server (MB) after N finished threads (4 at a time)",
        "",
        "| after each task | " + " | ".join(str(n) for n in counts) + " | MB per thread |",
        "|---|" + "---|" * (len(counts) + 1),
    ]
    for row in rows:
        points = row["points"]
        (n0, mb0), (n1, mb1) = points[0], points[-1]
        per = (mb1 - mb0) / (n1 - n0) if n1 > n0 else 0.0
        values = " | ".join(f"{mb:.0f}" for _, mb in points)
        lines.append(f"| {row['after_each_task']} | {values} | {per:.2f} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _levels(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO", help=", ".join(SCENARIOS))
    parser.add_argument("--tasks", type=int, default=200, help="tasks per throughput run")
    parser.add_argument("--concurrency", type=_levels, default=[1, 4, 8, 16])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-ray", action="store_true", help="skip the ray-c variants")
    parser.add_argument("--latency", type=float, default=1.0, help="sizing: seconds per answer")
    parser.add_argument("--sizing-concurrency", type=_levels, default=[1, 4, 8, 16, 32, 64])
    parser.add_argument(
        "--burst", type=_levels, default=[16, 64, 128], help="sizing: turns started at once"
    )
    parser.add_argument("--threads", type=int, default=200, help="memory: threads to run")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--no-shell-snapshot",
        action="store_true",
        help="run the app-servers with features.shell_snapshot = false (no login shell "
        "per new thread)",
    )
    parser.add_argument("--json", metavar="FILE", help="write the raw rows there")
    args = parser.parse_args(argv)
    scenarios = args.scenarios or list(SCENARIOS)
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    if args.quick:
        args.tasks, args.concurrency, args.threads = 24, [1, 8], 24
        args.sizing_concurrency, args.burst = [1, 8], [8]
    if args.no_shell_snapshot:
        HARNESS_OPTIONS["extra_config"] = {"features": {"shell_snapshot": False}}
    ray = None
    if "throughput" in scenarios and not args.no_ray:
        import ray

        started = perf()
        ray.init(num_cpus=2, logging_level="WARNING", include_dashboard=False)
        print(f"ray.init(num_cpus=2): {perf() - started:.1f} s", flush=True)
    report: dict[str, Any] = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
        "load_before": os.getloadavg(),
        "shell_snapshot": not args.no_shell_snapshot,
    }
    tables: list[tuple[str, str]] = []
    started = perf()
    try:
        runners: dict[str, tuple[Callable[..., Any], Callable[..., str]]] = {
            "throughput": (scenario_throughput, table_throughput),
            "sizing": (scenario_sizing, table_sizing),
            "memory": (scenario_memory, table_memory),
        }
        for name in scenarios:
            run, table = runners[name]
            rows = run(args)
            report[name] = rows
            tables.append((name, table(rows, args)))
    finally:
        if ray is not None:
            ray.shutdown()
    report["total_s"] = perf() - started
    report["load_after"] = os.getloadavg()
    print()
    for name, text in tables:
        print(f"### {name}\n\n{text}\n")
    load = " ".join(f"{x:.2f}" for x in report["load_after"])
    print(f"(total {report['total_s']:.0f} s; load average at end: {load})")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
