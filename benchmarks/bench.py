"""Benchmark the openai-codex SDK against a bare JSON-RPC pipe client (the floor).

Run from the repository root with the project's venv::

    .venv/bin/python benchmarks/bench.py --quick            # smoke run, < 60 s
    .venv/bin/python benchmarks/bench.py                     # everything, 10-15 min
    .venv/bin/python benchmarks/bench.py stream turns --rounds 5

Scenarios (positional, default: all): ``import``, ``start``, ``cold``, ``stream``,
``concurrent``, ``turns``. Every measurement runs in its own fresh Python subprocess (so
peak RSS is per run) against a fresh ``CodexHarness`` CODEX_HOME and ``MockModel`` that live
in *this* process, with the same ``codex app-server`` binary. Variants are interleaved
inside each round (floor, SDK, floor, SDK...) and the table shows medians over rounds, with
ratios to the floor. Ratios are reported, never asserted.

``profile`` runs one scenario/variant child under a profiler (py-spy, pyinstrument or
cProfile; the profilers are not runtime dependencies of the SDK)::

    .venv/bin/python benchmarks/bench.py profile stream --variant sdk-sync --tool py-spy

This file imports only the standard library at module level: the same file is the child
process of every measurement, and the floor child must never import ``openai_codex``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import importlib.util
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _guard
from _floor import AsyncBareClient, BareClient, child_argv, child_env
from _scenarios import MEMORY_CHILD, WS_CHILD, WS_TWIN, WsServer, async_turns, sync_turns

HERE = Path(__file__).resolve()
DELTA = "item/agentMessage/delta"
TURN_COMPLETED = "turn/completed"
PROMPT = "benchmark prompt"
RESULT_TAG = "BENCH-RESULT "
SCENARIOS = ("import", "start", "cold", "stream", "concurrent", "turns", "ws", "memory")
# Pause after thread/start, outside the timings: the app-server keeps working in the
# background after answering it, and a client that starts a turn at once (the floor, which
# has no models to import) would otherwise pay that work inside its first measured turn.
SETTLE_S = 0.5
perf = time.perf_counter
cpu = time.process_time


# =========================================================================== child side
# Everything below until "parent side" runs inside the measuring subprocess.

# -- cold: process start to the first delta ---------------------------------------------
# These children are ``python -c`` programs, not this file: a cold process must import only
# what it uses (this module imports argparse, asyncio, statistics... which the floor would
# pay for). Each prints the ``time.perf_counter()`` of its milestones (CLOCK_MONOTONIC,
# shared by every process); the parent subtracts the moment it spawned the child.

_COLD_PRELUDE = """\
import time
_marks = {"python": time.perf_counter()}
import json, sys
spec = json.loads(sys.argv[1])
"""
_COLD_REPORT = """\
def report():
    with open("/proc/self/status") as fh:
        hwm = [ln.split()[1] for ln in fh if ln.startswith("VmHWM:")][0]
    print(spec["tag"] + json.dumps({"marks": _marks, "rss_peak_mb": int(hwm) / 1024}), flush=True)
"""

# The floors' child environment (what the SDK's ``CodexConfig.env`` and PATH handling do).
_COLD_ENV = """\
env = dict(os.environ)
for key, value in spec["env"].items():
    if value is None:
        env.pop(key, None)
    else:
        env[key] = value
if spec["path_dir"]:
    env["PATH"] = spec["path_dir"] + os.pathsep + env.get("PATH", "")
"""

COLD_FLOOR = (
    _COLD_PRELUDE
    + """\
import os, subprocess, threading
_marks["imported"] = time.perf_counter()
"""
    + _COLD_ENV
    + """\
proc = subprocess.Popen([spec["codex_bin"], "app-server"], stdin=subprocess.PIPE,
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=spec["cwd"], bufsize=0,
    start_new_session=True)
threading.Thread(target=lambda: [0 for _ in iter(lambda: proc.stderr.read(65536), b"")],
    daemon=True).start()
out, buf, ids = proc.stdout.fileno(), b"", iter(range(1, 1 << 30))
def send(message):
    proc.stdin.write((json.dumps(message, separators=(",", ":")) + "\\n").encode())
def recv():
    global buf
    while b"\\n" not in buf:
        buf += os.read(out, 1 << 18)
    line, buf = buf.split(b"\\n", 1)
    message = json.loads(line)
    if "id" in message and "method" in message:  # a server request: refuse it
        send({"id": message["id"], "error": {"code": -32601, "message": "no"}})
    return message
def request(method, params):
    rid = next(ids)
    send({"id": rid, "method": method, "params": params})
    while True:
        message = recv()
        if message.get("id") == rid and "method" not in message:
            return message["result"]
request("initialize", {"clientInfo": {"name": "bench_floor", "title": "bench floor",
    "version": "0"}, "capabilities": {"experimentalApi": True}})
send({"method": "initialized"})
_marks["started"] = time.perf_counter()
thread_id = request("thread/start", {})["thread"]["id"]
_marks["thread_started"] = time.perf_counter()
send({"id": next(ids), "method": "turn/start", "params": {"threadId": thread_id,
    "input": [{"type": "text", "text": spec["prompt"]}]}})
while recv().get("method") != spec["delta"]:
    pass
_marks["first_delta"] = time.perf_counter()
"""
    + _COLD_REPORT
    + """\
report()
proc.stdin.close()
proc.wait()
"""
)

COLD_SDK_SYNC = (
    _COLD_PRELUDE
    + """\
import openai_codex
_marks["imported"] = time.perf_counter()
from openai_codex import Codex, CodexConfig
"""
    + _COLD_REPORT
    + """\
with Codex(CodexConfig(env=spec["env"], cwd=spec["cwd"])) as codex:
    _marks["started"] = time.perf_counter()
    thread = codex.thread_start()
    _marks["thread_started"] = time.perf_counter()
    for event in thread.turn(spec["prompt"]).stream():
        if event.method == spec["delta"]:
            _marks["first_delta"] = time.perf_counter()
            report()
            break
"""
)

COLD_SDK_ASYNC = (
    _COLD_PRELUDE
    + """\
import openai_codex
_marks["imported"] = time.perf_counter()
import asyncio
from openai_codex import AsyncCodex, CodexConfig
"""
    + _COLD_REPORT
    + """\
async def main():
    async with AsyncCodex(CodexConfig(env=spec["env"], cwd=spec["cwd"])) as codex:
        _marks["started"] = time.perf_counter()
        thread = await codex.thread_start()
        _marks["thread_started"] = time.perf_counter()
        handle = await thread.turn(spec["prompt"])
        async for event in handle.stream():
            if event.method == spec["delta"]:
                _marks["first_delta"] = time.perf_counter()
                report()
                break
asyncio.run(main())
"""
)

# The floor of an asyncio program: what any client built on asyncio pays before the SDK
# does anything (``import asyncio`` alone is 30-40 ms here), for reading the AsyncCodex row.
COLD_FLOOR_ASYNCIO = (
    _COLD_PRELUDE
    + """\
import asyncio, os
_marks["imported"] = time.perf_counter()
"""
    + _COLD_ENV
    + """\
"""
    + _COLD_REPORT
    + """\
async def main():
    proc = await asyncio.create_subprocess_exec(spec["codex_bin"], "app-server",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, env=env, cwd=spec["cwd"], limit=1 << 24,
        start_new_session=True)
    ids = iter(range(1, 1 << 30))
    def send(message):
        proc.stdin.write((json.dumps(message, separators=(",", ":")) + "\\n").encode())
    async def recv():
        message = json.loads(await proc.stdout.readline())
        if "id" in message and "method" in message:  # a server request: refuse it
            send({"id": message["id"], "error": {"code": -32601, "message": "no"}})
        return message
    async def request(method, params):
        rid = next(ids)
        send({"id": rid, "method": method, "params": params})
        while True:
            message = await recv()
            if message.get("id") == rid and "method" not in message:
                return message["result"]
    await request("initialize", {"clientInfo": {"name": "bench_floor", "title": "bench floor",
        "version": "0"}, "capabilities": {"experimentalApi": True}})
    send({"method": "initialized"})
    _marks["started"] = time.perf_counter()
    thread_id = (await request("thread/start", {}))["thread"]["id"]
    _marks["thread_started"] = time.perf_counter()
    send({"id": next(ids), "method": "turn/start", "params": {"threadId": thread_id,
        "input": [{"type": "text", "text": spec["prompt"]}]}})
    while (await recv()).get("method") != spec["delta"]:
        pass
    _marks["first_delta"] = time.perf_counter()
    report()
    proc.stdin.close()
    await proc.wait()
asyncio.run(main())
"""
)

COLD_CHILD = {
    "floor": COLD_FLOOR,
    "sdk-sync": COLD_SDK_SYNC,
    "floor-asyncio": COLD_FLOOR_ASYNCIO,
    "sdk-async": COLD_SDK_ASYNC,
}


def _proc_status(field: str) -> float:
    """A ``/proc/self/status`` memory field in MB (VmHWM = peak RSS, VmRSS = current)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _floor_launch(spec: dict[str, Any]) -> tuple[list[str], dict[str, str], str]:
    return (
        child_argv(spec["codex_bin"]),
        child_env(spec["env"], spec["path_dir"]),
        spec["cwd"],
    )


def _turn_params(thread_id: str) -> dict[str, Any]:
    return {"threadId": thread_id, "input": [{"type": "text", "text": PROMPT}]}


def _sdk_config(spec: dict[str, Any]) -> Any:
    from openai_codex import CodexConfig

    return CodexConfig(env=spec["env"], cwd=spec["cwd"])


def _summ(walls: list[float], cpus: list[float]) -> dict[str, Any]:
    return {"walls": walls, "cpus": cpus}


# -- 2. start + initialize -------------------------------------------------------------


def floor_start(spec: dict[str, Any]) -> dict[str, Any]:
    argv, env, cwd = _floor_launch(spec)
    starts, closes = [], []
    for _ in range(spec["reps"]):
        t0 = perf()
        client = BareClient(argv, env, cwd)
        client.initialize()
        t1 = perf()
        client.close()
        starts.append(t1 - t0)
        closes.append(perf() - t1)
    return {"starts": starts, "closes": closes}


def floor_asyncio_start(spec: dict[str, Any]) -> dict[str, Any]:
    argv, env, cwd = _floor_launch(spec)

    async def main() -> dict[str, Any]:
        starts, closes = [], []
        for _ in range(spec["reps"]):
            t0 = perf()
            client = await AsyncBareClient.spawn(argv, env, cwd)
            await client.initialize()
            t1 = perf()
            await client.close()
            starts.append(t1 - t0)
            closes.append(perf() - t1)
        return {"starts": starts, "closes": closes}

    return asyncio.run(main())


def sdk_sync_start(spec: dict[str, Any]) -> dict[str, Any]:
    from openai_codex import Codex

    config = _sdk_config(spec)
    starts, closes = [], []
    for _ in range(spec["reps"]):
        t0 = perf()
        codex = Codex(config)
        t1 = perf()
        codex.close()
        starts.append(t1 - t0)
        closes.append(perf() - t1)
    return {"starts": starts, "closes": closes}


def sdk_async_start(spec: dict[str, Any]) -> dict[str, Any]:
    from openai_codex import AsyncCodex

    config = _sdk_config(spec)

    async def main() -> dict[str, Any]:
        starts, closes = [], []
        for _ in range(spec["reps"]):
            t0 = perf()
            codex = AsyncCodex(config)
            await codex.start()
            t1 = perf()
            await codex.close()
            starts.append(t1 - t0)
            closes.append(perf() - t1)
        return {"starts": starts, "closes": closes}

    return asyncio.run(main())


# -- 3. one streamed turn (cold, then warm) ----------------------------------------------


def floor_stream(spec: dict[str, Any]) -> dict[str, Any]:
    argv, env, cwd = _floor_launch(spec)
    client = BareClient(argv, env, cwd)
    client.initialize()
    t0 = perf()
    thread_id = client.request("thread/start", {})["thread"]["id"]
    thread_start = perf() - t0
    time.sleep(SETTLE_S)
    walls, cpus, chars = [], [], []
    for _ in range(spec["turns"]):
        c0, t0 = cpu(), perf()
        client.send_request("turn/start", _turn_params(thread_id))
        n = 0
        while True:
            msg = client.recv()
            method = msg.get("method")
            if method is None:
                continue
            params = msg["params"]
            if method == DELTA:
                n += len(params["delta"])
            elif method == TURN_COMPLETED:
                break
        walls.append(perf() - t0)
        cpus.append(cpu() - c0)
        chars.append(n)
    client.close()
    return {"thread_start": thread_start, "chars": chars, **_summ(walls, cpus)}


def floor_asyncio_stream(spec: dict[str, Any]) -> dict[str, Any]:
    argv, env, cwd = _floor_launch(spec)

    async def main() -> dict[str, Any]:
        client = await AsyncBareClient.spawn(argv, env, cwd)
        await client.initialize()
        t0 = perf()
        thread_id = (await client.request("thread/start", {}))["thread"]["id"]
        thread_start = perf() - t0
        await asyncio.sleep(SETTLE_S)
        walls, cpus, chars = [], [], []
        for _ in range(spec["turns"]):
            c0, t0 = cpu(), perf()
            client.send_request("turn/start", _turn_params(thread_id))
            n = 0
            while True:
                msg = await client.recv()
                method = msg.get("method")
                if method is None:
                    continue
                params = msg["params"]
                if method == DELTA:
                    n += len(params["delta"])
                elif method == TURN_COMPLETED:
                    break
            walls.append(perf() - t0)
            cpus.append(cpu() - c0)
            chars.append(n)
        await client.close()
        return {"thread_start": thread_start, "chars": chars, **_summ(walls, cpus)}

    return asyncio.run(main())


def sdk_sync_stream(spec: dict[str, Any]) -> dict[str, Any]:
    return sync_turns(_sdk_config(spec), spec["turns"])


def sdk_sync_typed_stream(spec: dict[str, Any]) -> dict[str, Any]:
    return sync_turns(_sdk_config(spec), spec["turns"], typed=True)


def sdk_async_stream(spec: dict[str, Any]) -> dict[str, Any]:
    return async_turns(_sdk_config(spec), spec["turns"])


# -- 4. N threads x 1 turn at once ------------------------------------------------------


def floor_concurrent(spec: dict[str, Any]) -> dict[str, Any]:
    argv, env, cwd = _floor_launch(spec)
    client = BareClient(argv, env, cwd)
    client.initialize()
    ids = {client.send_request("thread/start", {}) for _ in range(spec["threads"])}
    thread_ids = []
    while ids:
        msg = client.recv()
        if msg.get("id") in ids:
            ids.discard(msg["id"])
            thread_ids.append(msg["result"]["thread"]["id"])
    time.sleep(SETTLE_S)
    chars = dict.fromkeys(thread_ids, 0)
    c0, t0 = cpu(), perf()
    for thread_id in thread_ids:
        client.send_request("turn/start", _turn_params(thread_id))
    done = 0
    while done < len(thread_ids):
        msg = client.recv()
        method = msg.get("method")
        if method is None:
            continue
        params = msg["params"]
        if method == DELTA:
            chars[params["threadId"]] += len(params["delta"])
        elif method == TURN_COMPLETED:
            done += 1
    wall, used = perf() - t0, cpu() - c0
    client.close()
    return {"walls": [wall], "cpus": [used], "chars": list(chars.values())}


def floor_asyncio_concurrent(spec: dict[str, Any]) -> dict[str, Any]:
    argv, env, cwd = _floor_launch(spec)

    async def main() -> dict[str, Any]:
        client = await AsyncBareClient.spawn(argv, env, cwd)
        await client.initialize()
        ids = {client.send_request("thread/start", {}) for _ in range(spec["threads"])}
        thread_ids = []
        while ids:
            msg = await client.recv()
            if msg.get("id") in ids:
                ids.discard(msg["id"])
                thread_ids.append(msg["result"]["thread"]["id"])
        await asyncio.sleep(SETTLE_S)
        chars = dict.fromkeys(thread_ids, 0)
        c0, t0 = cpu(), perf()
        for thread_id in thread_ids:
            client.send_request("turn/start", _turn_params(thread_id))
        done = 0
        while done < len(thread_ids):
            msg = await client.recv()
            method = msg.get("method")
            if method is None:
                continue
            params = msg["params"]
            if method == DELTA:
                chars[params["threadId"]] += len(params["delta"])
            elif method == TURN_COMPLETED:
                done += 1
        wall, used = perf() - t0, cpu() - c0
        await client.close()
        return {"walls": [wall], "cpus": [used], "chars": list(chars.values())}

    return asyncio.run(main())


def sdk_async_concurrent(spec: dict[str, Any]) -> dict[str, Any]:
    from openai_codex import AsyncCodex

    async def one(thread: Any) -> int:
        handle = await thread.turn(PROMPT)
        n = 0
        async for event in handle.stream():
            if event.method == DELTA:
                n += len(event.params["delta"])
        return n

    async def main() -> dict[str, Any]:
        async with AsyncCodex(_sdk_config(spec)) as codex:
            starts = [codex.thread_start() for _ in range(spec["threads"])]
            threads = await asyncio.gather(*starts)
            await asyncio.sleep(SETTLE_S)
            c0, t0 = cpu(), perf()
            chars = await asyncio.gather(*(one(t) for t in threads))
            wall, used = perf() - t0, cpu() - c0
        return {"walls": [wall], "cpus": [used], "chars": list(chars)}

    return asyncio.run(main())


# -- 5. many small turns in sequence on one thread --------------------------------------


def floor_turns(spec: dict[str, Any]) -> dict[str, Any]:
    argv, env, cwd = _floor_launch(spec)
    client = BareClient(argv, env, cwd)
    client.initialize()
    thread_id = client.request("thread/start", {})["thread"]["id"]
    time.sleep(SETTLE_S)
    walls: list[float] = []
    turn_cpus: list[float] = []
    c0, t_all = cpu(), perf()
    for _ in range(spec["turns"]):
        k0, t0 = cpu(), perf()
        client.send_request("turn/start", _turn_params(thread_id))
        while True:
            msg = client.recv()
            if msg.get("method") == TURN_COMPLETED:
                break
        walls.append(perf() - t0)
        turn_cpus.append(cpu() - k0)
    total, used = perf() - t_all, cpu() - c0
    client.close()
    return {"walls": walls, "total": total, "cpus": [used], "turn_cpus": turn_cpus}


def floor_asyncio_turns(spec: dict[str, Any]) -> dict[str, Any]:
    argv, env, cwd = _floor_launch(spec)

    async def main() -> dict[str, Any]:
        client = await AsyncBareClient.spawn(argv, env, cwd)
        await client.initialize()
        thread_id = (await client.request("thread/start", {}))["thread"]["id"]
        await asyncio.sleep(SETTLE_S)
        walls: list[float] = []
        turn_cpus: list[float] = []
        c0, t_all = cpu(), perf()
        for _ in range(spec["turns"]):
            k0, t0 = cpu(), perf()
            client.send_request("turn/start", _turn_params(thread_id))
            while True:
                msg = await client.recv()
                if msg.get("method") == TURN_COMPLETED:
                    break
            walls.append(perf() - t0)
            turn_cpus.append(cpu() - k0)
        total, used = perf() - t_all, cpu() - c0
        await client.close()
        return {"walls": walls, "total": total, "cpus": [used], "turn_cpus": turn_cpus}

    return asyncio.run(main())


def sdk_sync_turns(spec: dict[str, Any]) -> dict[str, Any]:
    from openai_codex import Codex

    with Codex(_sdk_config(spec)) as codex:
        thread = codex.thread_start()
        time.sleep(SETTLE_S)
        walls: list[float] = []
        turn_cpus: list[float] = []
        c0, t_all = cpu(), perf()
        for _ in range(spec["turns"]):
            k0, t0 = cpu(), perf()
            thread.run(PROMPT)
            walls.append(perf() - t0)
            turn_cpus.append(cpu() - k0)
        total, used = perf() - t_all, cpu() - c0
    return {"walls": walls, "total": total, "cpus": [used], "turn_cpus": turn_cpus}


def sdk_async_turns(spec: dict[str, Any]) -> dict[str, Any]:
    from openai_codex import AsyncCodex

    async def main() -> dict[str, Any]:
        async with AsyncCodex(_sdk_config(spec)) as codex:
            thread = await codex.thread_start()
            await asyncio.sleep(SETTLE_S)
            walls: list[float] = []
            turn_cpus: list[float] = []
            c0, t_all = cpu(), perf()
            for _ in range(spec["turns"]):
                k0, t0 = cpu(), perf()
                await thread.run(PROMPT)
                walls.append(perf() - t0)
                turn_cpus.append(cpu() - k0)
            total, used = perf() - t_all, cpu() - c0
        return {"walls": walls, "total": total, "cpus": [used], "turn_cpus": turn_cpus}

    return asyncio.run(main())


CHILD: dict[str, dict[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "start": {
        "floor": floor_start,
        "floor-asyncio": floor_asyncio_start,
        "sdk-sync": sdk_sync_start,
        "sdk-async": sdk_async_start,
    },
    "stream": {
        "floor": floor_stream,
        "floor-asyncio": floor_asyncio_stream,
        "sdk-sync": sdk_sync_stream,
        "sdk-sync-typed": sdk_sync_typed_stream,
        "sdk-async": sdk_async_stream,
    },
    "concurrent": {
        "floor": floor_concurrent,
        "floor-asyncio": floor_asyncio_concurrent,
        "sdk-async": sdk_async_concurrent,
    },
    "turns": {
        "floor": floor_turns,
        "floor-asyncio": floor_asyncio_turns,
        "sdk-sync": sdk_sync_turns,
        "sdk-async": sdk_async_turns,
    },
    "ws": WS_CHILD,
    "memory": MEMORY_CHILD,
}


def child_main(raw_spec: str) -> None:
    spec = json.loads(raw_spec)
    if spec["variant"] == "other":
        loader = importlib.util.spec_from_file_location("bench_other_adapter", spec["adapter"])
        assert loader is not None and loader.loader is not None
        adapter = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(adapter)
        out = adapter.measure(spec["scenario"], spec)
    else:
        # "sdk-sync@old" is "sdk-sync" run on another source tree (PYTHONPATH, see --tree)
        out = CHILD[spec["scenario"]][spec["variant"].split("@")[0]](spec)
    out["rss_peak_mb"] = _proc_status("VmHWM")
    out["rss_end_mb"] = _proc_status("VmRSS")
    print(RESULT_TAG + json.dumps(out), flush=True)


# =========================================================================== parent side


class Options:
    """What a parent run measures (built from the command line)."""

    def __init__(self, args: argparse.Namespace) -> None:
        quick = args.quick
        self.rounds: int = args.rounds or (2 if quick else 3)
        self.reps: int = args.reps or (2 if quick else 3)
        self.stream_deltas: int = args.stream_deltas or (2000 if quick else 20000)
        self.deltas: int = args.deltas or (200 if quick else 20000)
        self.threads: int = args.threads
        self.stream_turns: int = max(2, getattr(args, "stream_turns", None) or 2)
        self.turns: int = args.turns or (100 if quick else 1000)
        self.quick: bool = quick
        # Scenarios 4 and 5 take ~30-60 s per run at full size: fewer rounds by default.
        self.heavy_rounds: int = args.rounds or (1 if quick else 2)
        # Scenario 2 takes ~0.5 s per run, and its first start in a process swings by
        # +-15 % (page cache, the machine's load): more rounds by default.
        self.start_rounds: int = args.rounds or (3 if quick else 9)
        self.pyc: bool = not getattr(args, "no_pyc", False)
        self.all_variants: bool = args.all_variants
        self.full_variants: bool = not quick or args.all_variants
        self.python: str = args.python or sys.executable
        self.other_python: str | None = None
        self.other_import: str | None = args.other_sdk_import
        self.other_adapter: str | None = args.other_sdk_adapter
        if args.other_sdk_venv:
            self.other_python = str(Path(args.other_sdk_venv) / "bin" / "python")
        self.tracemalloc: bool = getattr(args, "tracemalloc", False)
        self.baseline: str = getattr(args, "baseline", None) or str(_guard.BASELINE)
        self.save_baseline: bool = getattr(args, "save_baseline", False)
        # --tree NAME=PATH: extra SDK variants ("sdk-sync@NAME") on another source tree
        self.trees: dict[str, str] = dict(parse_tree(t) for t in getattr(args, "tree", None) or [])


def parse_tree(text: str) -> tuple[str, str]:
    """``NAME=PATH`` of ``--tree``: PATH is a checkout (its ``src/``) or a ``src`` folder."""
    name, sep, path = text.partition("=")
    if not sep or not name or "@" in name:
        raise SystemExit(f"--tree wants NAME=PATH, not {text!r}")
    root = Path(path).resolve()
    src = root / "src" if (root / "src" / "openai_codex").is_dir() else root
    if not (src / "openai_codex").is_dir():
        raise SystemExit(f"--tree {name}: no openai_codex package under {root}")
    return name, str(src)


def child_process_env(opts: Options, variant: str) -> dict[str, str] | None:
    """The environment of a child: the tree of an ``@NAME`` variant first on PYTHONPATH."""
    _, at, tree = variant.partition("@")
    if not at:
        return None
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = opts.trees[tree] + (os.pathsep + old if old else "")
    return env


def _runtime_paths() -> tuple[str, str | None]:
    import codex_cli_bin  # type: ignore[import-untyped]

    try:
        path_dir: str | None = str(codex_cli_bin.bundled_path_dir())
    except Exception:
        path_dir = None
    return str(codex_cli_bin.bundled_codex_path()), path_dir


def reply_text(deltas: int) -> str:
    """Text that splits into ``deltas`` deltas of about 6 characters."""
    base = "The quick brown fox jumps over the lazy dog. "
    size = deltas * 6
    return (base * (size // len(base) + 1))[:size]


def run_child(
    opts: Options,
    scenario: str,
    variant: str,
    replies: list[Any],
    extra: dict[str, Any],
    *,
    timeout: float,
    wrapper: list[str] | None = None,
) -> dict[str, Any]:
    """One measurement: a fresh harness here, a fresh Python child there."""
    from openai_codex.testing import CodexHarness

    codex_bin, path_dir = _runtime_paths()
    with CodexHarness() as harness, contextlib.ExitStack() as stack:
        for reply in replies:
            harness.model.enqueue(reply)
        spec = {
            "scenario": scenario,
            "variant": variant,
            "env": harness.env(),
            "cwd": str(harness.workspace),
            "codex_bin": codex_bin,
            "path_dir": path_dir,
            **extra,
        }
        if variant.split("@")[0].endswith("-ws"):  # a WebSocket server on the same harness
            spec.update(stack.enter_context(WsServer(harness)))
        python = opts.python
        if variant == "other":
            assert opts.other_python and opts.other_adapter
            python = opts.other_python
            spec["adapter"] = str(Path(opts.other_adapter).resolve())
        argv = [*(wrapper or [python]), str(HERE), "_child", json.dumps(spec)]
        env = child_process_env(opts, variant)
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_TAG)]
        if proc.returncode != 0 or not lines:
            tail = "\n".join((proc.stderr or "").splitlines()[-15:])
            raise RuntimeError(f"{scenario}/{variant} child failed ({proc.returncode}):\n{tail}")
        result: dict[str, Any] = json.loads(lines[-1][len(RESULT_TAG) :])
        result["unused_replies"] = harness.model.pending
        if wrapper:
            result["wrapper_stderr"] = proc.stderr[-4000:]
        return result


# -- scenario drivers (parent) -----------------------------------------------------------

Row = dict[str, float]


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


IMPORT_CODES = {
    "pass": "pass",
    "floor": "import json, asyncio, subprocess",
    "sdk": "import openai_codex",
    # The models a first thread_start and turn need (each class imports on first use)...
    "sdk+turn models": "import openai_codex; from openai_codex._generated.models import "
    "ThreadStartParams, Thread, TurnStartParams",
    # ... and every model (the official module path imports them all).
    "sdk+all models": "import openai_codex, openai_codex.generated.v2_all",
}
_IMPORT_WRAPPER = (
    "import time as _t\n_s = _t.perf_counter()\n{code}\n_d = _t.perf_counter() - _s\n"
    "_r = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmRSS:')][0]\n"
    'print(\'{tag}{{"import_s": %f, "rss_mb": %f}}\' % (_d, int(_r) / 1024))'
)


def import_variants(opts: Options) -> list[tuple[str, str, str, dict[str, str]]]:
    """(name, interpreter, code, extra environment) of each import measurement."""
    variants = [(name, opts.python, code, {}) for name, code in IMPORT_CODES.items()]
    if opts.pyc:
        # What a checkout without bytecode caching (PYTHONDONTWRITEBYTECODE=1) pays.
        no_pyc = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": ""}
        variants.append(("sdk, no .pyc", opts.python, IMPORT_CODES["sdk"], no_pyc))
    if opts.other_python and opts.other_import:
        variants.append(("other", opts.other_python, f"import {opts.other_import}", {}))
    return variants


def bench_import(opts: Options) -> dict[str, list[Row]]:
    rows: dict[str, list[Row]] = {}
    rounds = max(opts.rounds, 5)  # a few ms each: take more samples
    for _ in range(rounds):
        for name, python, code, extra_env in import_variants(opts):
            src = _IMPORT_WRAPPER.format(code=code, tag=RESULT_TAG)
            env = {**os.environ, **extra_env}
            if "PYTHONPYCACHEPREFIX" in extra_env and not extra_env["PYTHONPYCACHEPREFIX"]:
                env.pop("PYTHONPYCACHEPREFIX")
            t0 = perf()
            out = subprocess.run(
                [python, "-c", src], capture_output=True, text=True, check=True, env=env
            )
            wall = perf() - t0
            data = json.loads(out.stdout.strip()[len(RESULT_TAG) :])
            rows.setdefault(name, []).append(
                {"process_wall_s": wall, "import_s": data["import_s"], "rss_mb": data["rss_mb"]}
            )
    return rows


def importtime_top(python: str, module: str, n: int = 10) -> list[tuple[int, int, str]]:
    """``python -X importtime``: the ``n`` entries with the largest cumulative time (us)."""
    out = subprocess.run(
        [python, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    entries = []
    for line in out.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            entries.append((int(m.group(1)), int(m.group(2)), m.group(3)[1:] + m.group(4)))
    entries.sort(key=lambda e: -e[1])
    return entries[:n]


def variants_for(scenario: str, opts: Options) -> list[str]:
    table = {
        "start": ["floor", "sdk-sync", "floor-asyncio", "sdk-async"],
        "cold": ["floor", "sdk-sync", "floor-asyncio", "sdk-async"],
        "stream": ["floor", "sdk-sync", "floor-asyncio", "sdk-async", "sdk-sync-typed"],
        "concurrent": ["floor", "sdk-async", "floor-asyncio"],
        "turns": ["floor", "sdk-sync", "floor-asyncio", "sdk-async"],
        # the floor here is each WebSocket variant's stdio twin, run in the same round
        "ws": ["sdk-sync", "sdk-sync-ws", "sdk-async", "sdk-async-ws"],
        "memory": ["floor", "sdk-sync", "sdk-async", "sdk-sync+tracemalloc"],
    }
    variants = table[scenario]
    heavy = scenario in ("concurrent", "turns", "memory")
    if scenario == "ws":
        pass
    elif not opts.full_variants or (heavy and not opts.all_variants):
        # the diagnostic variants (floor-asyncio, typed payloads) cost minutes there
        variants = [v for v in variants if v in ("floor", "sdk-sync", "sdk-async")]
        if scenario == "memory" and opts.tracemalloc:
            variants.append("sdk-sync+tracemalloc")
    if opts.other_python and opts.other_adapter and scenario not in ("cold", "ws", "memory"):
        variants = [*variants, "other"]
    if opts.trees and scenario != "cold":  # each SDK variant again on every other tree
        variants = [
            *variants,
            *(
                f"{v}@{t}"
                for t in opts.trees
                for v in variants
                if v.startswith("sdk") and "+" not in v
            ),
        ]
    return variants


def _rss(out: dict[str, Any]) -> Row:
    return {"rss_peak_mb": out["rss_peak_mb"]}


def one_run(opts: Options, scenario: str, variant: str, wrapper: list[str] | None = None) -> Row:
    """Run one child for (scenario, variant) and reduce it to a row of numbers."""
    from openai_codex.testing import Reply

    if scenario == "start":
        out = run_child(
            opts, scenario, variant, [], {"reps": opts.reps}, timeout=120, wrapper=wrapper
        )
        starts, closes = out["starts"], out["closes"]
        return {
            "start_cold_s": starts[0],
            "start_warm_s": _med(starts[1:]),
            "close_s": _med(closes),
            **_rss(out),
        }
    if scenario == "cold":
        return cold_run(opts, variant, wrapper)
    if scenario == "stream":
        text = reply_text(opts.stream_deltas)
        replies = [Reply.text(text, deltas=opts.stream_deltas) for _ in range(opts.stream_turns)]
        out = run_child(
            opts,
            scenario,
            variant,
            replies,
            {"turns": opts.stream_turns},
            timeout=300,
            wrapper=wrapper,
        )
        _check(out, len(text), scenario, variant)
        return {
            "thread_start_s": out["thread_start"],
            "turn_cold_s": out["walls"][0],
            "turn_warm_s": _med(out["walls"][1:]),
            "cpu_cold_s": out["cpus"][0],
            "cpu_warm_s": _med(out["cpus"][1:]),
            **_rss(out),
        }
    if scenario == "concurrent":
        text = reply_text(opts.deltas)
        replies = [Reply.text(text, deltas=opts.deltas) for _ in range(opts.threads)]
        extra = {"threads": opts.threads}
        out = run_child(opts, scenario, variant, replies, extra, timeout=900, wrapper=wrapper)
        _check(out, len(text), scenario, variant)
        return {"wall_s": out["walls"][0], "cpu_s": out["cpus"][0], **_rss(out)}
    if scenario == "turns":
        replies = [Reply.text("ok") for _ in range(opts.turns)]
        out = run_child(
            opts, scenario, variant, replies, {"turns": opts.turns}, timeout=900, wrapper=wrapper
        )
        walls = out["walls"]
        return {
            "total_s": out["total"],
            "per_turn_med_ms": _med(walls) * 1000,
            "cpu_per_turn_us": _med(out["turn_cpus"]) * 1e6,
            "first_turn_ms": walls[0] * 1000,
            "cpu_s": out["cpus"][0],
            **_rss(out),
        }
    if scenario == "ws":
        text = reply_text(opts.stream_deltas)
        replies = [Reply.text(text, deltas=opts.stream_deltas) for _ in range(opts.stream_turns)]
        extra = {"turns": opts.stream_turns}
        out = run_child(opts, scenario, variant, replies, extra, timeout=600, wrapper=wrapper)
        _check(out, len(text), scenario, variant)
        return {
            "turn_warm_s": _med(out["walls"][1:]),
            "cpu_warm_s": _med(out["cpus"][1:]),
            **_rss(out),
        }
    if scenario == "memory":
        text = reply_text(opts.deltas)
        replies = [Reply.text(text, deltas=opts.deltas) for _ in range(opts.threads + 1)]
        extra = {"threads": opts.threads}
        out = run_child(opts, scenario, variant, replies, extra, timeout=1200, wrapper=wrapper)
        _check(out, len(text), scenario, variant)
        if "tracemalloc" in out:
            TRACEMALLOC.append(out["tracemalloc"])
        return {
            "rss_peak_mb": out["rss_peak_mb"],
            "rss_after_stream_mb": out["rss_after_stream_mb"],
            "stream_s": out["stream_wall"],
            "wall_s": out["wall"],
        }
    raise ValueError(scenario)


TRACEMALLOC: list[dict[str, Any]] = []
"""What the ``+tracemalloc`` memory runs found (printed after the scenario's table)."""


def render_tracemalloc(found: list[dict[str, Any]]) -> str:
    """Where the traced peak of the last ``+tracemalloc`` run went (Markdown)."""
    last = found[-1]
    out = [
        f"tracemalloc (last run): traced peak {last['peak_mb']:.1f} MB, largest snapshot "
        f"{last['sampled_peak_mb']:.1f} MB, {last['end_mb']:.1f} MB still traced at the end",
        "",
        "| where (largest snapshot) | MB | blocks |",
        "|---|---|---|",
    ]
    out += [f"| `{where}` | {mb:.2f} | {count} |" for where, mb, count in last["top_lines"]]
    out += ["", "| module | MB |", "|---|---|"]
    out += [f"| `{name}` | {mb:.2f} |" for name, mb in last["by_module"]]
    return "\n".join(out)


def cold_run(opts: Options, variant: str, wrapper: list[str] | None = None) -> Row:
    """Scenario ``cold``: a fresh process, from its spawn to the first streamed delta."""
    from openai_codex.testing import CodexHarness, Reply

    codex_bin, path_dir = _runtime_paths()
    with CodexHarness() as harness:
        harness.model.enqueue(Reply.text(reply_text(40), deltas=40))
        spec = {
            "env": harness.env(),
            "cwd": str(harness.workspace),
            "codex_bin": codex_bin,
            "path_dir": path_dir,
            "prompt": PROMPT,
            "delta": DELTA,
            "tag": RESULT_TAG,
        }
        argv = [*(wrapper or [opts.python]), "-c", COLD_CHILD[variant], json.dumps(spec)]
        spawned = perf()
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_TAG)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stderr or "").splitlines()[-15:])
        raise RuntimeError(f"cold/{variant} child failed ({proc.returncode}):\n{tail}")
    out = json.loads(lines[-1][len(RESULT_TAG) :])
    marks = out["marks"]
    return {
        "first_delta_s": marks["first_delta"] - spawned,
        "python_s": marks["python"] - spawned,
        "import_s": marks["imported"] - marks["python"],
        "start_s": marks["started"] - marks["imported"],
        "thread_start_s": marks["thread_started"] - marks["started"],
        "turn_s": marks["first_delta"] - marks["thread_started"],
        "rss_peak_mb": out["rss_peak_mb"],
    }


def _check(out: dict[str, Any], expected: int, scenario: str, variant: str) -> None:
    bad = [c for c in out["chars"] if c != expected]
    if bad or out.get("unused_replies"):
        print(
            f"  !! {scenario}/{variant}: {len(bad)} turn(s) streamed the wrong text, "
            f"{out.get('unused_replies')} unused replies",
            file=sys.stderr,
        )


# -- reporting ---------------------------------------------------------------------------

COLUMNS: dict[str, list[tuple[str, str]]] = {
    "import": [
        ("import_s", "import (in-process)"),
        ("process_wall_s", "python -c wall"),
        ("rss_mb", "RSS after import MB"),
    ],
    "start": [
        ("start_cold_s", "start+init, 1st in process"),
        ("start_warm_s", "start+init, later"),
        ("close_s", "close"),
        ("rss_peak_mb", "peak RSS MB"),
    ],
    "cold": [
        ("first_delta_s", "spawn to 1st delta"),
        ("python_s", "python up"),
        ("import_s", "imports"),
        ("start_s", "start+init"),
        ("thread_start_s", "thread/start"),
        ("turn_s", "turn/start to 1st delta"),
        ("rss_peak_mb", "peak RSS MB"),
    ],
    "stream": [
        ("turn_warm_s", "turn wall (warm)"),
        ("turn_cold_s", "turn wall (1st turn)"),
        ("cpu_warm_s", "client CPU (warm)"),
        ("thread_start_s", "1st thread/start"),
        ("rss_peak_mb", "peak RSS MB"),
    ],
    "concurrent": [
        ("wall_s", "wall, all turns"),
        ("cpu_s", "client CPU"),
        ("rss_peak_mb", "peak RSS MB"),
    ],
    "ws": [
        ("turn_warm_s", "turn wall (warm)"),
        ("cpu_warm_s", "client CPU (warm)"),
        ("rss_peak_mb", "peak RSS MB"),
    ],
    "memory": [
        ("rss_peak_mb", "peak RSS MB"),
        ("rss_after_stream_mb", "peak RSS after the 1st turn MB"),
        ("stream_s", "1st turn s"),
        ("wall_s", "all turns s"),
    ],
    "turns": [
        ("total_s", "total wall"),
        ("per_turn_med_ms", "per turn median ms"),
        ("first_turn_ms", "1st turn ms"),
        ("cpu_s", "client CPU"),
        ("cpu_per_turn_us", "client CPU per turn, median us"),
        ("rss_peak_mb", "peak RSS MB"),
    ],
}

TITLES = {
    "import": "1. import openai_codex (floor = `import json, asyncio, subprocess`)",
    "start": "2. start + initialize ({reps} per process)",
    "cold": "2b. cold: a new process, from its spawn to the first delta of its first turn",
    "stream": "3. one turn, {stream_deltas} deltas, consumed event by event",
    "concurrent": "4. {threads} threads x 1 turn x {deltas} deltas at once",
    "turns": "5. {turns} small turns in sequence on one thread",
    "ws": "6. one turn, {stream_deltas} deltas, over WebSocket and over stdio",
    "memory": "7. one process: a streamed turn, then {threads} turns x {deltas} deltas at once",
}


def _fmt(value: float) -> str:
    if value != value:  # NaN
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def best_floor(med: dict[str, dict[str, float]], key: str) -> float:
    """The lowest median among the floor variants (the bare blocking and asyncio clients)."""
    values = [m[key] for v, m in med.items() if v.startswith("floor") and m[key] == m[key]]
    return min(values) if values else float("nan")


def render(scenario: str, rows: dict[str, list[Row]], opts: Options) -> str:
    """A Markdown table: medians per variant, ratios to the floor in brackets."""
    cols = COLUMNS[scenario]
    med = {v: {k: _med([r[k] for r in runs]) for k, _ in cols} for v, runs in rows.items()}
    base = {k: best_floor(med, k) for k, _ in cols}
    n = len(next(iter(rows.values()))) if rows else 0
    title = TITLES[scenario].format(**vars(opts))
    out = [f"### {title} - median of {n} rounds", ""]
    out.append("(ratios: to the best floor variant of each column)\n")
    out.append("| variant | " + " | ".join(label for _, label in cols) + " |")
    out.append("|---|" + "---|" * len(cols))
    if scenario == "ws":
        out[2] = "(ratios: each WebSocket variant to its stdio twin of the same rounds)\n"
    for variant, values in med.items():
        cells = []
        twin = ws_twin(variant) if scenario == "ws" else None
        for key, _ in cols:
            value = values[key]
            ref = med[twin][key] if twin in med else base.get(key)
            cell = _fmt(value)
            if scenario == "ws" and twin is None:
                ref = None
            if not variant.startswith("floor") and ref and ref == ref and value == value:
                cell += f" ({value / ref:.2f}x)"
            cells.append(cell)
        out.append(f"| {variant} | " + " | ".join(cells) + " |")
    return "\n".join(out)


HEADLINES = [
    # scenario, metric, variant, label, target
    ("import", "import_s", "sdk", "import openai_codex (s, in-process)", "<= 0.10 s"),
    ("start", "start_cold_s", "sdk-sync", "start + initialize, Codex", "<= 1.05x"),
    ("start", "start_cold_s", "sdk-async", "start + initialize, AsyncCodex", "<= 1.05x"),
    ("cold", "first_delta_s", "sdk-sync", "cold start to 1st delta, Codex", "<= 1.10x"),
    ("cold", "first_delta_s", "sdk-async", "cold start to 1st delta, AsyncCodex", "<= 1.10x"),
    (
        "cold",
        "first_delta_s",
        "sdk-async",
        "cold start to 1st delta, AsyncCodex / asyncio floor",
        "(diagnostic)",
    ),
    ("stream", "turn_warm_s", "sdk-sync", "1 turn streamed, sync stream()", "<= 1.00x"),
    ("stream", "turn_warm_s", "sdk-async", "1 turn streamed, async stream()", "<= 1.00x"),
    ("stream", "cpu_warm_s", "sdk-sync", "same, client CPU, sync", "(diagnostic)"),
    ("stream", "cpu_warm_s", "sdk-async", "same, client CPU, async", "(diagnostic)"),
    ("concurrent", "wall_s", "sdk-async", "N concurrent turns, AsyncCodex", "<= 1.10x"),
    ("concurrent", "rss_peak_mb", "sdk-async", "peak RSS of N concurrent turns (MB)", "<= 60 MB"),
    ("turns", "total_s", "sdk-sync", "small turns in sequence, Codex.run", "<= 1.05x"),
    ("turns", "total_s", "sdk-async", "small turns in sequence, AsyncCodex.run", "<= 1.05x"),
    ("ws", "turn_warm_s", "sdk-sync-ws", "1 turn over WebSocket / stdio, sync", "<= 1.3x"),
    ("ws", "turn_warm_s", "sdk-async-ws", "1 turn over WebSocket / stdio, async", "<= 1.3x"),
    ("memory", "rss_peak_mb", "sdk-sync", "peak RSS, 1 turn then N, Codex (MB)", "<= 60 MB"),
    ("memory", "rss_peak_mb", "sdk-async", "peak RSS, 1 turn then N, AsyncCodex (MB)", "<= 60 MB"),
]


def ws_twin(variant: str) -> str | None:
    """The stdio variant a WebSocket variant is compared to (on the same tree)."""
    base, at, tree = variant.partition("@")
    twin = WS_TWIN.get(base)
    return None if twin is None else twin + at + tree


def headline_figures(
    results: dict[str, dict[str, list[Row]]],
) -> list[tuple[str, float, float, str]]:
    """(label, reference, SDK, target) of every headline measured in this run.

    The reference is the best floor of the same run, the asyncio floor for the diagnostic
    row, and for the WebSocket rows the stdio twin of the same rounds.
    """
    figures = []
    for scenario, metric, variant, label, target in HEADLINES:
        rows = results.get(scenario)
        if not rows or variant not in rows:
            continue
        sdk = _med([r[metric] for r in rows[variant]])
        if scenario == "ws":
            twin = ws_twin(variant)
            if twin not in rows:
                continue
            floor = _med([r[metric] for r in rows[twin]])
        elif "asyncio floor" in label:  # against that floor only
            if "floor-asyncio" not in rows:
                continue
            floor = _med([r[metric] for r in rows["floor-asyncio"]])
        else:
            if "floor" not in rows:
                continue
            floor = best_floor(
                {v: {metric: _med([r[metric] for r in runs])} for v, runs in rows.items()}, metric
            )
        figures.append((label, floor, sdk, target))
        for tree_variant in rows:  # the same figure on the other trees of an A/B (--tree)
            if tree_variant.startswith(variant + "@"):
                other = _med([r[metric] for r in rows[tree_variant]])
                tree = tree_variant.split("@", 1)[1]
                ref = floor
                if scenario == "ws":  # its own stdio twin, on the same tree
                    twin = ws_twin(tree_variant)
                    if twin not in rows:
                        continue
                    ref = _med([r[metric] for r in rows[twin]])
                figures.append((f"{label} [{tree}]", ref, other, "(A/B)"))
    return figures


def render_summary(results: dict[str, dict[str, list[Row]]]) -> str:
    out = ["### Summary (medians; ratio = SDK / its reference in the same run)", ""]
    out.append("| measurement | floor | SDK | ratio | target |")
    out.append("|---|---|---|---|---|")
    for label, floor, sdk, target in headline_figures(results):
        out.append(f"| {label} | {_fmt(floor)} | {_fmt(sdk)} | {sdk / floor:.2f}x | {target} |")
    return "\n".join(out)


def machine_note() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "?"
            )
    except OSError:
        model = platform.processor() or "?"
    return (
        f"{datetime.date.today().isoformat()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}"
    )


# -- entry points ------------------------------------------------------------------------


def run_benchmarks(scenarios: list[str], opts: Options, json_out: str | None = None) -> None:
    started = perf()
    print(f"# openai-codex benchmark - {machine_note()}")
    print(f"# command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"# load average at start: {load_average()} (other work on the machine adds noise)")
    print(f"# bytecode cache: {'on (private prefix)' if opts.pyc else 'as the environment has it'}")
    print(
        f"# rounds={opts.rounds} (start: {opts.start_rounds}; concurrent, turns: "
        f"{opts.heavy_rounds}) "
        f"stream_deltas={opts.stream_deltas} threads={opts.threads} "
        f"deltas={opts.deltas} turns={opts.turns}\n",
        flush=True,
    )
    results: dict[str, dict[str, list[Row]]] = {}
    for scenario in scenarios:
        t0 = perf()
        if scenario == "import":
            rows = bench_import(opts)
        else:
            rows = {}
            variants = variants_for(scenario, opts)
            if scenario in ("concurrent", "turns", "memory"):
                rounds = opts.heavy_rounds
            elif scenario in ("start", "cold"):
                rounds = opts.start_rounds
            else:
                rounds = opts.rounds
            for r in range(rounds):
                # Each round starts one variant later: no variant always runs first (or
                # right after the same neighbour) while the machine's load drifts.
                shift = r % len(variants)
                for variant in variants[shift:] + variants[:shift]:
                    try:
                        rows.setdefault(variant, []).append(one_run(opts, scenario, variant))
                    except Exception as exc:
                        print(f"  !! round {r}: {exc}", file=sys.stderr)
        rows = {v: runs for v, runs in rows.items() if runs}
        results[scenario] = rows
        print(render(scenario, rows, opts))
        if scenario == "memory" and TRACEMALLOC:
            print("\n" + render_tracemalloc(TRACEMALLOC))
        print(f"\n({scenario}: {perf() - t0:.1f} s)\n", flush=True)
        if scenario == "import":
            print("`python -X importtime -c 'import openai_codex'`, top 10 cumulative:\n")
            print("| cumulative ms | self ms | module |\n|---|---|---|")
            for self_us, cum_us, name in importtime_top(opts.python, "openai_codex"):
                print(f"| {cum_us / 1000:.1f} | {self_us / 1000:.1f} | `{name}` |")
            print(flush=True)
    print(render_summary(results))
    print(f"\n(total {perf() - started:.1f} s; load average at end: {load_average()})")
    if json_out:
        Path(json_out).write_text(json.dumps(results, indent=1))
    figures = headline_figures(results)
    baseline_path = Path(opts.baseline)
    print(_guard.summary_line(figures, _guard.load(baseline_path), baseline_path))
    if opts.save_baseline:
        _guard.save(baseline_path, figures, f"{machine_note()}; {git_state()}")
        print(f"(baseline written to {baseline_path})")


def profile_main(argv: list[str]) -> None:
    """``bench.py profile SCENARIO --variant V --tool T``: one child under a profiler."""
    parser = argparse.ArgumentParser(prog="bench.py profile")
    parser.add_argument("scenario", choices=[s for s in SCENARIOS if s != "import"])
    parser.add_argument("--variant", default="sdk-sync")
    parser.add_argument("--tool", choices=["py-spy", "pyinstrument", "cprofile"], default="py-spy")
    parser.add_argument("--format", choices=["speedscope", "flamegraph", "raw"], default="raw")
    parser.add_argument("--rate", type=int, default=500, help="py-spy samples per second")
    parser.add_argument("--native", action="store_true", help="py-spy --native")
    parser.add_argument("--idle", action="store_true", help="py-spy --idle")
    parser.add_argument("--out", default="benchmarks/profiles")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--stream-deltas", type=int)
    parser.add_argument("--stream-turns", type=int, default=5, help="turns of scenario 3")
    parser.add_argument("--deltas", type=int)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--turns", type=int)
    parser.add_argument("--tree", action="append", metavar="NAME=PATH", help="see bench.py -h")
    args = parser.parse_args(argv)
    for name in ("rounds", "reps", "python", "other_sdk_venv", "other_sdk_import"):
        setattr(args, name, None)
    args.other_sdk_adapter = None
    args.all_variants = True
    opts = Options(args)
    enable_bytecode_cache(opts)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{args.scenario}-{args.variant}"
    python = opts.python
    if args.tool == "py-spy":
        suffix = {"speedscope": "json", "flamegraph": "svg", "raw": "txt"}[args.format]
        target = f"{stem}.{suffix}"
        wrapper = [str(Path(python).parent / "py-spy"), "record", "--rate", str(args.rate)]
        wrapper += ["--format", args.format, "-o", target]
        wrapper += ["--native"] if args.native else []
        wrapper += ["--idle"] if args.idle else []
        wrapper += ["--", python]
    elif args.tool == "pyinstrument":
        target = f"{stem}.pyinstrument.txt"
        wrapper = [python, "-m", "pyinstrument", "-r", "text", "--show-all", "-o", target]
    else:
        target = f"{stem}.pstats"
        wrapper = [python, "-m", "cProfile", "-o", target]
    row = one_run(opts, args.scenario, args.variant, wrapper=wrapper)
    print(json.dumps(row, indent=1))
    print(f"profile written to {target}")


def enable_bytecode_cache(opts: Options) -> None:
    """Let the children use cached bytecode (in a private prefix), then warm that cache.

    Installed packages ship compiled ``.pyc`` files; a dev environment that sets
    PYTHONDONTWRITEBYTECODE=1 would otherwise recompile the SDK (and its 700 kB of generated
    model modules) in every measured process.
    """
    prefix = Path.home() / ".cache" / "openai-codex-bench" / "pycache"
    prefix.mkdir(parents=True, exist_ok=True)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(prefix)
    warm = (
        "import json, asyncio, subprocess, openai_codex, openai_codex.generated.v2_all, "
        "openai_codex._generated.notifications, openai_codex._generated.rpc, "
        "openai_codex.testing"
    )
    subprocess.run([opts.python, "-c", warm], check=True)
    for src in opts.trees.values():
        old = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": src + (os.pathsep + old if old else "")}
        subprocess.run([opts.python, "-c", "import openai_codex, openai_codex.testing"], env=env)
    subprocess.run([opts.python, str(HERE.parent / "_floor.py")], check=True)


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def snapshot_sources() -> None:
    """Copy ``src/openai_codex`` to a temp dir and make it win for this run and its children."""
    import atexit
    import shutil
    import tempfile

    src = HERE.parent.parent / "src" / "openai_codex"
    root = tempfile.mkdtemp(prefix="codex-bench-src-")
    atexit.register(shutil.rmtree, root, True)
    shutil.copytree(src, Path(root) / "openai_codex", ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, root)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = root + (os.pathsep + old if old else "")
    print(f"# measuring a snapshot of {src} ({git_state()})")


def git_state() -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(HERE.parent), "status", "--porcelain", "--", "../src"],
            capture_output=True,
            text=True,
        ).stdout.split("\n")
    except OSError:
        return "git unavailable"
    changed = sum(1 for line in dirty if line.strip())
    return f"git {rev}, {changed} changed path(s) under src/"


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_child"]:
        child_main(argv[1])
        return
    if argv[:1] == ["profile"]:
        profile_main(argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", help=f"subset of {', '.join(SCENARIOS)}")
    parser.add_argument(
        "--rounds", type=int, help="interleaved rounds (default 3, start 9, concurrent and turns 2)"
    )
    parser.add_argument("--quick", action="store_true", help="fast smoke run (< 60 s)")
    parser.add_argument("--reps", type=int, help="start+initialize repetitions per process")
    parser.add_argument("--stream-deltas", type=int, help="deltas of the streamed turn (3)")
    parser.add_argument(
        "--stream-turns", type=int, default=3, help="turns per process in 3 (1st = cold)"
    )
    parser.add_argument("--deltas", type=int, help="deltas per turn of scenario 4")
    parser.add_argument("--threads", type=int, default=32, help="threads of scenario 4")
    parser.add_argument("--turns", type=int, help="turns of scenario 5 (default 1000)")
    parser.add_argument(
        "--all-variants", action="store_true", help="with --quick: keep the diagnostic variants"
    )
    parser.add_argument("--python", help="interpreter of the measured children")
    parser.add_argument(
        "--no-pyc",
        action="store_true",
        help="leave bytecode caching as the environment has it (default: children cache "
        "bytecode under ~/.cache/openai-codex-bench, like an installed package)",
    )
    parser.add_argument("--other-sdk-venv", help="virtualenv of another SDK to measure too")
    parser.add_argument("--other-sdk-import", help="module name imported in scenario 1")
    parser.add_argument("--other-sdk-adapter", help="file with measure(scenario, spec)")
    parser.add_argument(
        "--tree",
        action="append",
        metavar="NAME=PATH",
        help="also measure the SDK variants on another checkout (variant@NAME), in the same "
        "rounds: a same-run A/B (the tree must run on this venv's dependencies)",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="memory: also trace allocations (where the peak goes; with --quick too)",
    )
    parser.add_argument(
        "--baseline", help="ratios to flag regressions against (default benchmarks/baseline.json)"
    )
    parser.add_argument(
        "--save-baseline", action="store_true", help="record this run's ratios as the baseline"
    )
    parser.add_argument("--json", help="also write the raw rows to this file")
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="measure a copy of src/openai_codex taken now (others may edit src meanwhile)",
    )
    args = parser.parse_args(argv)
    if args.snapshot:
        snapshot_sources()
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    opts = Options(args)
    if opts.pyc:
        enable_bytecode_cache(opts)
    run_benchmarks(args.scenarios or list(SCENARIOS), opts, args.json)


if __name__ == "__main__":
    main()
