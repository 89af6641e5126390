"""Scenarios ``ws`` and ``memory`` of ``bench.py`` (the children's side and the server).

* ``ws``: the same 20,000-delta streamed turn over stdio and over a WebSocket app-server
  (``codex app-server --listen ws://127.0.0.1:0`` with a capability token, started by the
  parent on the run's harness), sync and async. Each WebSocket variant is reported as a
  ratio to its stdio twin of the same round.
* ``memory``: one process streams one turn, then 32 turns at once on 32 threads (issue 21's
  "peak RSS of the process"). The ``+tracemalloc`` variant traces the Python allocations of
  the same work and reports where the peak went (it runs 2-3x slower: not a timing).

Standard library only at module level, like ``bench.py``: the floor's children import it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from _floor import BareClient, child_argv, child_env

DELTA = "item/agentMessage/delta"
TURN_COMPLETED = "turn/completed"
PROMPT = "benchmark prompt"
SETTLE_S = 0.5
perf = time.perf_counter
cpu = time.process_time
TESTS = Path(__file__).resolve().parent.parent / "tests" / "integration"


def ws_config(spec: dict[str, Any]) -> Any:
    """The client config of a WebSocket variant (the parent's server, its token)."""
    from openai_codex import CodexConfig

    return CodexConfig(url=spec["url"], auth_token=spec["token"])


def stdio_config(spec: dict[str, Any]) -> Any:
    from openai_codex import CodexConfig

    return CodexConfig(env=spec["env"], cwd=spec["cwd"])


# -- ws: one streamed turn over either transport ------------------------------------------


def sync_turns(config: Any, turns: int, typed: bool = False) -> dict[str, Any]:
    """``Codex``: ``turns`` streamed turns on one thread, each event touched (``typed``:
    through ``event.payload``, else the raw params); wall, CPU and characters per turn."""
    from openai_codex import Codex

    with Codex(config) as codex:
        t0 = perf()
        thread = codex.thread_start()
        thread_start = perf() - t0
        time.sleep(SETTLE_S)
        walls, cpus, chars = [], [], []
        for _ in range(turns):
            c0, t0 = cpu(), perf()
            n = 0
            if typed:
                for event in thread.turn(PROMPT).stream():
                    payload = event.payload
                    if event.method == DELTA:
                        n += len(payload.delta)
            else:
                for event in thread.turn(PROMPT).stream():
                    if event.method == DELTA:
                        n += len(event.params["delta"])
            walls.append(perf() - t0)
            cpus.append(cpu() - c0)
            chars.append(n)
    return {"thread_start": thread_start, "walls": walls, "cpus": cpus, "chars": chars}


def async_turns(config: Any, turns: int) -> dict[str, Any]:
    """``AsyncCodex``: the same as :func:`sync_turns` (raw params)."""
    from openai_codex import AsyncCodex

    async def main() -> dict[str, Any]:
        async with AsyncCodex(config) as codex:
            t0 = perf()
            thread = await codex.thread_start()
            thread_start = perf() - t0
            await asyncio.sleep(SETTLE_S)
            walls, cpus, chars = [], [], []
            for _ in range(turns):
                c0, t0 = cpu(), perf()
                handle = await thread.turn(PROMPT)
                n = 0
                async for event in handle.stream():
                    if event.method == DELTA:
                        n += len(event.params["delta"])
                walls.append(perf() - t0)
                cpus.append(cpu() - c0)
                chars.append(n)
        return {"thread_start": thread_start, "walls": walls, "cpus": cpus, "chars": chars}

    return asyncio.run(main())


WS_CHILD = {
    "sdk-sync": lambda spec: sync_turns(stdio_config(spec), spec["turns"]),
    "sdk-sync-ws": lambda spec: sync_turns(ws_config(spec), spec["turns"]),
    "sdk-async": lambda spec: async_turns(stdio_config(spec), spec["turns"]),
    "sdk-async-ws": lambda spec: async_turns(ws_config(spec), spec["turns"]),
}
WS_TWIN = {"sdk-sync-ws": "sdk-sync", "sdk-async-ws": "sdk-async"}
"""Each WebSocket variant and the stdio variant its ratio is taken to."""


class WsServer:
    """The parent's WebSocket app-server for one run (the tests' helper, reused)."""

    def __init__(self, harness: Any) -> None:
        sys.path.insert(0, str(TESTS))
        from _transports import WsAppServer  # type: ignore[import-not-found]

        self._server = WsAppServer(harness)

    def __enter__(self) -> dict[str, str]:
        server = self._server.start()
        return {"url": server.url, "token": server.token}

    def __exit__(self, *exc: object) -> None:
        self._server.stop()


# -- memory: a streamed turn, then 32 turns at once, in one process ------------------------


def floor_memory(spec: dict[str, Any]) -> dict[str, Any]:
    """The bare pipe: the same work on one blocking client (turns multiplexed by id)."""
    argv = child_argv(spec["codex_bin"])
    env = child_env(spec["env"], spec["path_dir"])
    client = BareClient(argv, env, spec["cwd"])
    client.initialize()
    ids = {client.send_request("thread/start", {}) for _ in range(spec["threads"] + 1)}
    thread_ids = []
    while ids:
        msg = client.recv()
        if msg.get("id") in ids:
            ids.discard(msg["id"])
            thread_ids.append(msg["result"]["thread"]["id"])
    time.sleep(SETTLE_S)
    t0 = perf()
    chars = dict.fromkeys(thread_ids, 0)

    def turns(on: list[str]) -> None:
        for thread_id in on:
            client.send_request(
                "turn/start",
                {"threadId": thread_id, "input": [{"type": "text", "text": PROMPT}]},
            )
        done = 0
        while done < len(on):
            msg = client.recv()
            method = msg.get("method")
            if method == DELTA:
                chars[msg["params"]["threadId"]] += len(msg["params"]["delta"])
            elif method == TURN_COMPLETED:
                done += 1

    turns(thread_ids[:1])
    stream_wall = perf() - t0
    rss_stream = _hwm()
    turns(thread_ids[1:])
    client.close()
    return {
        "stream_wall": stream_wall,
        "wall": perf() - t0,
        "rss_after_stream_mb": rss_stream,
        "chars": list(chars.values()),
    }


def sdk_memory(spec: dict[str, Any]) -> dict[str, Any]:
    """``Codex``: one streamed turn, then 32 turns streamed at once from 32 threads."""
    from openai_codex import Codex

    trace = spec.get("tracemalloc", False)
    if trace:
        import tracemalloc

        tracemalloc.start(12)
    chars: list[int] = []
    lock = threading.Lock()

    def stream(thread: Any) -> None:
        n = 0
        for event in thread.turn(PROMPT).stream():
            if event.method == DELTA:
                n += len(event.params["delta"])
        with lock:
            chars.append(n)

    with Codex(stdio_config(spec)) as codex:
        threads = [codex.thread_start() for _ in range(spec["threads"] + 1)]
        time.sleep(SETTLE_S)
        sampler = _PeakSampler() if trace else None
        t0 = perf()
        stream(threads[0])
        stream_wall = perf() - t0
        rss_stream = _hwm()
        workers = [threading.Thread(target=stream, args=(t,)) for t in threads[1:]]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        wall = perf() - t0
        out: dict[str, Any] = {
            "stream_wall": stream_wall,
            "wall": wall,
            "rss_after_stream_mb": rss_stream,
            "chars": chars,
        }
        if sampler is not None:
            out["tracemalloc"] = sampler.stop()
    out["rss_after_close_mb"] = _rss()
    return out


class _PeakSampler:
    """Snapshots the traced allocations whenever their total reaches a new high."""

    def __init__(self) -> None:
        import tracemalloc

        self._tm = tracemalloc
        self._best = 0
        self._snapshot: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            current, _ = self._tm.get_traced_memory()
            if current > self._best * 1.05:
                self._best = current
                self._snapshot = self._tm.take_snapshot()

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        current, peak = self._tm.get_traced_memory()
        top: list[tuple[str, float, int]] = []
        if self._snapshot is not None:
            stats = self._snapshot.statistics("lineno")
            for stat in stats[:15]:
                frame = stat.traceback[0]
                where = f"{_short(frame.filename)}:{frame.lineno}"
                top.append((where, stat.size / 1e6, stat.count))
        by_module: dict[str, float] = {}
        if self._snapshot is not None:
            for stat in self._snapshot.statistics("filename"):
                key = _module_of(stat.traceback[0].filename)
                by_module[key] = by_module.get(key, 0.0) + stat.size / 1e6
        self._tm.stop()
        return {
            "peak_mb": peak / 1e6,
            "sampled_peak_mb": self._best / 1e6,
            "end_mb": current / 1e6,
            "top_lines": top,
            "by_module": sorted(by_module.items(), key=lambda kv: -kv[1])[:12],
        }


def _short(filename: str) -> str:
    parts = Path(filename).parts
    for anchor in ("openai_codex", "site-packages", "python3.11", "lib"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) :][-3:])
    return "/".join(parts[-2:])


def _module_of(filename: str) -> str:
    parts = Path(filename).parts
    if "openai_codex" in parts:
        i = parts.index("openai_codex")
        return "openai_codex/" + "/".join(parts[i + 1 : i + 2]).removesuffix(".py")
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    import sysconfig

    if filename.startswith(sysconfig.get_paths()["stdlib"]):
        return "stdlib: " + "/".join(parts[-2:])
    return filename


def _status(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _hwm() -> float:
    return _status("VmHWM")


def _rss() -> float:
    return _status("VmRSS")


def sdk_async_memory(spec: dict[str, Any]) -> dict[str, Any]:
    """``AsyncCodex``: one streamed turn, then 32 turns streamed at once (gathered)."""
    from openai_codex import AsyncCodex

    async def stream(thread: Any) -> int:
        n = 0
        async for event in (await thread.turn(PROMPT)).stream():
            if event.method == DELTA:
                n += len(event.params["delta"])
        return n

    async def main() -> dict[str, Any]:
        async with AsyncCodex(stdio_config(spec)) as codex:
            threads = await asyncio.gather(
                *(codex.thread_start() for _ in range(spec["threads"] + 1))
            )
            await asyncio.sleep(SETTLE_S)
            t0 = perf()
            chars = [await stream(threads[0])]
            stream_wall = perf() - t0
            rss_stream = _hwm()
            chars += await asyncio.gather(*(stream(t) for t in threads[1:]))
            wall = perf() - t0
        return {
            "stream_wall": stream_wall,
            "wall": wall,
            "rss_after_stream_mb": rss_stream,
            "chars": chars,
            "rss_after_close_mb": _rss(),
        }

    return asyncio.run(main())


MEMORY_CHILD = {
    "floor": floor_memory,
    "sdk-sync": sdk_memory,
    "sdk-async": sdk_async_memory,
    "sdk-sync+tracemalloc": lambda spec: sdk_memory({**spec, "tracemalloc": True}),
}


def ws_available() -> bool:
    """Whether the tests' WebSocket server helper is there (a source checkout)."""
    return (TESTS / "_transports.py").is_file() and os.name == "posix"
