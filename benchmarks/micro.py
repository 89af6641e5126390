"""Stage-by-stage cost of one streamed turn in the SDK, without the app-server's noise.

Records the raw stdout bytes of one real ``codex app-server`` turn (N deltas, the chunks as
``os.read`` returned them), then replays those bytes through growing slices of the SDK's
read path and prints the CPU cost per message of each slice next to the bare floor::

    .venv/bin/python benchmarks/micro.py --deltas 20000

Stages use private SDK modules (``_protocol``, ``_router``, ``_sinks``, ``_results``), so
a stage that no longer matches the code is reported as skipped instead of failing the run.
Wall-clock benchmarks are in ``bench.py``; this file explains where the difference goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _floor import BareClient, _Lines, child_argv, child_env

DELTA = "item/agentMessage/delta"
# What a turn handle reads from its thread's session: the config's default limits (none).
_FAKE_SESSION = SimpleNamespace(config=SimpleNamespace(turn_timeout=None, turn_idle_timeout=None))


def record(deltas: int) -> tuple[list[bytes], str, str]:
    """One real turn's stdout chunks, its thread id and turn id."""
    import codex_cli_bin  # type: ignore[import-untyped]
    from bench import reply_text

    from openai_codex.testing import CodexHarness, Reply

    with CodexHarness() as harness:
        harness.model.enqueue(Reply.text(reply_text(deltas), deltas=deltas))
        env = child_env(harness.env(), str(codex_cli_bin.bundled_path_dir()))
        client = BareClient(
            child_argv(str(codex_cli_bin.bundled_codex_path())), env, str(harness.workspace)
        )
        client.initialize()
        thread_id = client.request("thread/start", {})["thread"]["id"]
        time.sleep(0.5)
        client.tap = []
        client.send_request(
            "turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]}
        )
        turn_id = None
        while True:
            msg = client.recv()
            if msg.get("method") == "turn/started":
                turn_id = msg["params"]["turn"]["id"]
            if msg.get("method") == "turn/completed":
                break
        chunks = client.tap
        client.tap = None
        client.close()
    assert turn_id is not None
    return chunks, thread_id, turn_id


# -- stages: each returns the number of messages it handled --------------------------------


def floor_bytes(chunks: list[bytes]) -> int:
    """What the floor does: split bytes into lines, json.loads each (bytes)."""
    framing = _Lines()
    n = 0
    loads = json.loads
    for chunk in chunks:
        framing.feed(chunk)
        lines = framing.lines
        while lines:
            msg = loads(lines.popleft())
            if msg.get("method") == DELTA:
                len(msg["params"]["delta"])
            n += 1
    return n


def floor_str(chunks: list[bytes]) -> int:
    """Variant: decode each chunk once, split str, json.loads(str) (no detect_encoding)."""
    buf = ""
    n = 0
    loads = json.loads
    for chunk in chunks:
        *lines, buf = (buf + chunk.decode()).split("\n")
        for line in lines:
            if line:
                msg = loads(line)
                if msg.get("method") == DELTA:
                    len(msg["params"]["delta"])
                n += 1
    return n


def floor_scanner(chunks: list[bytes]) -> int:
    """Variant: the C scanner directly (``scan_once``), skipping json.loads' Python layers."""
    scan = json.scanner.c_make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]
    buf = ""
    n = 0
    for chunk in chunks:
        *lines, buf = (buf + chunk.decode()).split("\n")
        for line in lines:
            if line:
                msg, _end = scan(line, 0)
                if msg.get("method") == DELTA:
                    len(msg["params"]["delta"])
                n += 1
    return n


def sdk_protocol(chunks: list[bytes]) -> int:
    """RpcProtocol.receive_data: framing, json.loads, classification into dataclasses."""
    from openai_codex._core.protocol import RpcProtocol

    protocol: Any = RpcProtocol()
    n = 0
    for chunk in chunks:
        n += len(protocol.receive_data(chunk))
    return n


def _router_pipeline(
    chunks: list[bytes], thread_id: str, turn_id: str, *, typed: bool, observing: bool
) -> int:
    from openai_codex._conversation.results import TurnCollector
    from openai_codex._core.protocol import IncomingNotification, RpcProtocol
    from openai_codex._core.router import Router
    from openai_codex._core.sinks import AsyncSink

    router: Any = Router()
    if observing:
        from openai_codex._callbacks.dispatch import ServerRequestDispatcher

        router = ServerRequestDispatcher().make_router()
    protocol: Any = RpcProtocol()
    sink: Any = AsyncSink()
    router.begin_turn_start(thread_id)
    router.claim_turn(thread_id, turn_id, sink)
    router.end_turn_start(thread_id)
    collector = TurnCollector(thread_id, turn_id)
    n = 0
    for chunk in chunks:
        for message in protocol.receive_data(chunk):
            if type(message) is IncomingNotification:
                router.dispatch(*message)
        while True:
            note = sink.get_nowait()
            if note is None:
                break
            collector.feed(note)
            if typed:
                note.payload  # noqa: B018
            if note.method == DELTA:
                len(note.params["delta"])
            n += 1
    return n


def sdk_router(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """+ Router.dispatch into the turn's AsyncSink, drained and fed to TurnCollector."""
    return _router_pipeline(chunks, thread_id, turn_id, typed=False, observing=False)


def sdk_router_observing(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """The same with the client's router (ServerRequestDispatcher.make_router)."""
    return _router_pipeline(chunks, thread_id, turn_id, typed=False, observing=True)


def sdk_router_typed(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """+ ``.payload`` (pydantic validation) on every event, as a typed consumer does."""
    return _router_pipeline(chunks, thread_id, turn_id, typed=True, observing=True)


def sdk_lean_prototype(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """PROTOTYPE of the proposed read path (not SDK code): decode each chunk's complete lines
    once, the C scanner per line, classification inline (no dataclass), then the SDK's own
    Router/AsyncSink/TurnCollector unchanged. What ``sdk: + Router...`` could cost."""
    from openai_codex._conversation.results import TurnCollector
    from openai_codex._core.router import Router
    from openai_codex._core.sinks import AsyncSink

    scan = json.scanner.c_make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]
    loads = json.loads
    router: Any = Router()
    sink: Any = AsyncSink()
    router.claim_turn(thread_id, turn_id, sink)
    collector = TurnCollector(thread_id, turn_id)
    dispatch = router.dispatch
    rest = b""
    n = 0
    for chunk in chunks:
        data = rest + chunk if rest else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1 :]
        for line in data[:cut].decode("utf-8").split("\n"):
            if not line:
                continue
            try:
                obj, end = scan(line, 0)
                if end != len(line):
                    obj = loads(line)  # trailing text: let json raise its precise error
            except StopIteration:
                obj = loads(line)
            method = obj.get("method")
            if method is not None and "id" not in obj:
                dispatch(method, obj.get("params") or {})
        while (note := sink.get_nowait()) is not None:
            collector.feed(note)
            if note.method == DELTA:
                len(note.params["delta"])
            n += 1
    return n


def _async_stage(chunks: list[bytes], thread_id: str, turn_id: str, *, push: bool) -> int:
    """One chunk per loop callback (as epoll delivers them), the real AsyncTurnHandle.stream().

    ``push=False`` is the SDK's current shape: the callback only buffers the chunk and wakes a
    reader task (as StreamReader does), which parses and dispatches. ``push=True`` is the
    PROTOTYPE of a Protocol-based transport: the callback parses and dispatches itself.
    """
    from openai_codex._callbacks.dispatch import ServerRequestDispatcher
    from openai_codex._conversation.turn import AsyncTurnHandle
    from openai_codex._core.protocol import IncomingNotification, RpcProtocol
    from openai_codex._core.sinks import AsyncSink

    class _FakeThread:
        id = thread_id
        _session = _FAKE_SESSION

    async def main() -> int:
        loop = asyncio.get_running_loop()
        router: Any = ServerRequestDispatcher().make_router()
        protocol: Any = RpcProtocol()
        sink: Any = AsyncSink()
        router.claim_turn(thread_id, turn_id, sink)
        handle = AsyncTurnHandle(_FakeThread(), turn_id, sink)  # type: ignore[arg-type]
        pending: list[bytes] = []
        waiter: list[asyncio.Future[None]] = []
        feed = iter(chunks)

        def handle_chunk(chunk: bytes) -> None:
            for message in protocol.receive_data(chunk):
                if type(message) is IncomingNotification:
                    router.dispatch(*message)

        def data_received() -> None:
            chunk = next(feed, None)
            if chunk is None:
                pending.append(b"")
            elif push:
                handle_chunk(chunk)
            else:
                pending.append(chunk)
            if waiter and not waiter[0].done():
                waiter.pop().set_result(None)
            if chunk is not None:
                loop.call_soon(data_received)

        async def reader() -> None:
            while True:
                if not pending:
                    fut = loop.create_future()
                    waiter.append(fut)
                    await fut
                    continue
                chunk = pending.pop(0)
                if not chunk:
                    return
                handle_chunk(chunk)

        loop.call_soon(data_received)
        task = None if push else asyncio.ensure_future(reader())
        n = 0
        async for note in handle.stream():
            if note.method == DELTA:
                len(note.params["delta"])
            n += 1
        if task is not None:
            await task
        return n

    return asyncio.run(main())


def sdk_async_tasks(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """The async path as the SDK has it: chunk callback -> reader task -> stream()."""
    return _async_stage(chunks, thread_id, turn_id, push=False)


def async_push_prototype(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """PROTOTYPE: the chunk callback parses and dispatches (no reader task)."""
    return _async_stage(chunks, thread_id, turn_id, push=True)


def sdk_thread_handoff(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """The sync path: a producer thread fills a ThreadSink; TurnHandle.stream() drains it."""
    from openai_codex._callbacks.dispatch import ServerRequestDispatcher
    from openai_codex._conversation.thread_sync import TurnHandle
    from openai_codex._core.protocol import IncomingNotification, RpcProtocol
    from openai_codex._core.sinks import ThreadSink

    class _FakeThread:
        id = thread_id
        _async = SimpleNamespace(_session=_FAKE_SESSION)

        def _borrow_reader(self, turn_id: str, sink: Any) -> None:
            return None  # no pipe to lend: the producer thread is the reader

    router: Any = ServerRequestDispatcher().make_router()
    protocol: Any = RpcProtocol()
    sink: Any = ThreadSink()
    router.claim_turn(thread_id, turn_id, sink)
    handle = TurnHandle(_FakeThread(), turn_id, sink)  # type: ignore[arg-type]

    def reader() -> None:
        for chunk in chunks:
            for message in protocol.receive_data(chunk):
                if type(message) is IncomingNotification:
                    router.dispatch(*message)

    producer = threading.Thread(target=reader)
    producer.start()
    n = 0
    for note in handle.stream():
        if note.method == DELTA:
            len(note.params["delta"])
        n += 1
    producer.join()
    return n


def _client_connection() -> tuple[Any, Any]:
    """A real ``Connection`` with the client's router (usage observer, telemetry off)."""
    from openai_codex import CodexConfig
    from openai_codex._callbacks.dispatch import ServerRequestDispatcher
    from openai_codex._core.connection import Connection
    from openai_codex._observability.telemetry import Telemetry

    observer = Telemetry(CodexConfig()).observer()  # as AsyncCodex wires it, tracing off
    router = ServerRequestDispatcher().make_router(observer, observer.methods)
    return Connection(SimpleNamespace(), router), router  # type: ignore[arg-type]


def sdk_lease_path(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """The sync ``stream()`` as it runs under the reader lease: the consuming thread feeds
    each chunk to ``Connection.feed_from_thread`` itself, then drains its ``ThreadSink``."""
    from openai_codex._conversation.thread_sync import TurnHandle
    from openai_codex._core.sinks import ThreadSink

    connection, router = _client_connection()
    sink: Any = ThreadSink()
    router.claim_turn(thread_id, turn_id, sink)
    feed = iter(chunks)

    class _Lease:
        def pump(self, until: float | None = None) -> bool:
            chunk = next(feed, None)
            if chunk is None:
                return False
            connection.feed_from_thread(chunk, lambda *args: None)  # answers: none here
            return True

        def release(self) -> None:
            pass

    lease = _Lease()
    thread = SimpleNamespace(
        id=thread_id,
        _async=SimpleNamespace(_session=_FAKE_SESSION),
        _borrow_reader=lambda turn, sink: lease,
    )
    n = 0
    for note in TurnHandle(thread, turn_id, sink, lease).stream():  # type: ignore[arg-type]
        if note.method == DELTA:
            n += len(note.params["delta"])
    return n


def sdk_async_push(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """The async ``stream()`` as it runs: one loop callback per chunk into the connection's
    reader (``Connection._on_data``), the real ``AsyncTurnHandle.stream()`` draining."""
    from openai_codex._conversation.turn import AsyncTurnHandle
    from openai_codex._core.sinks import AsyncSink

    async def main() -> int:
        loop = asyncio.get_running_loop()
        connection, router = _client_connection()
        sink: Any = AsyncSink()
        router.claim_turn(thread_id, turn_id, sink)
        feed = iter(chunks)

        def data_received() -> None:
            chunk = next(feed, None)
            if chunk is not None:
                connection._on_data(chunk)
                loop.call_soon(data_received)

        thread = SimpleNamespace(id=thread_id, _session=_FAKE_SESSION)
        loop.call_soon(data_received)
        n = 0
        async for note in AsyncTurnHandle(thread, turn_id, sink).stream():  # type: ignore[arg-type]
            if note.method == DELTA:
                n += len(note.params["delta"])
        return n

    return asyncio.run(main())


# -- per small turn: the fixed costs around a turn ----------------------------------------


def turn_floor(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """The floor's whole client-side turn: encode turn/start, parse every line."""
    line = json.dumps(
        {
            "id": 7,
            "method": "turn/start",
            "params": {"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]},
        }
    ).encode()
    assert line
    return floor_bytes(chunks)


def turn_sdk_params(thread_id: str) -> int:
    """``build_params("TurnStartParams", ...)`` + ``normalize_input``, as ``turn()`` does."""
    from openai_codex._conversation.inputs import normalize_input
    from openai_codex._conversation.options import build_params

    build_params("TurnStartParams", {}, turn=True, thread_id=thread_id, input=normalize_input("hi"))
    return 1


def turn_sdk_collect(chunks: list[bytes], thread_id: str, turn_id: str) -> int:
    """Parse + route + ``TurnCollector.feed`` (validates item/completed, tokenUsage,
    turn/completed) + ``finish()`` (TurnResult)."""
    from openai_codex._callbacks.dispatch import ServerRequestDispatcher
    from openai_codex._conversation.results import TurnCollector
    from openai_codex._core.protocol import IncomingNotification, RpcProtocol
    from openai_codex._core.sinks import AsyncSink

    router: Any = ServerRequestDispatcher().make_router()
    protocol: Any = RpcProtocol()
    sink: Any = AsyncSink()
    router.claim_turn(thread_id, turn_id, sink)
    collector = TurnCollector(thread_id, turn_id)
    n = 0
    for chunk in chunks:
        for message in protocol.receive_data(chunk):
            if type(message) is IncomingNotification:
                router.dispatch(*message)
        while (note := sink.get_nowait()) is not None:
            collector.feed(note)
            n += 1
    collector.finish()
    return n


def per_turn_table(repeat: int) -> None:
    chunks, thread_id, turn_id = record(1)
    ids = (thread_id, turn_id)
    print(f"\nper small turn (1 delta; {sum(c.count(b'{') > 0 for c in chunks)} chunks)\n")
    print("| step | us per turn |")
    print("|---|---|")
    steps: list[tuple[str, Callable[[], int]]] = [
        ("floor: parse every line of the turn", lambda: turn_floor(chunks, *ids)),
        ("sdk: build_params(TurnStartParams) + normalize_input", lambda: turn_sdk_params(ids[0])),
        ("sdk: parse + route + TurnCollector + finish", lambda: turn_sdk_collect(chunks, *ids)),
    ]
    for name, fn in steps:
        try:
            fn()  # warm (validators are built on first use)
            t0 = time.process_time()
            for _ in range(repeat * 100):
                fn()
            used = (time.process_time() - t0) / (repeat * 100)
        except Exception as exc:
            print(f"| {name} | skipped: {type(exc).__name__}: {exc} |")
            continue
        print(f"| {name} | {1e6 * used:.0f} |")


def measure(fn: Callable[[], int], repeat: int) -> tuple[float, float, int]:
    """(median wall, median process CPU, messages) over ``repeat`` runs after one warm-up."""
    n = fn()
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deltas", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    chunks, thread_id, turn_id = record(args.deltas)
    size = sum(len(c) for c in chunks)
    print(f"recorded {len(chunks)} chunks, {size / 1e6:.1f} MB, turn {turn_id}\n")
    ids = (thread_id, turn_id)
    stages: list[tuple[str, Callable[[], int]]] = [
        ("floor: bytes lines + json.loads", lambda: floor_bytes(chunks)),
        ("floor': str lines + json.loads", lambda: floor_str(chunks)),
        ("floor'': str lines + c scanner", lambda: floor_scanner(chunks)),
        ("sdk: RpcProtocol.receive_data", lambda: sdk_protocol(chunks)),
        ("sdk: + Router -> AsyncSink -> collector", lambda: sdk_router(chunks, *ids)),
        ("sdk: same, client router (observing)", lambda: sdk_router_observing(chunks, *ids)),
        ("sdk: + .payload on every event", lambda: sdk_router_typed(chunks, *ids)),
        ("PROTOTYPE lean parse + same Router/sink", lambda: sdk_lean_prototype(chunks, *ids)),
        ("sdk async: chunk cb -> reader task -> stream()", lambda: sdk_async_tasks(chunks, *ids)),
        (
            "PROTOTYPE async push: chunk cb parses -> stream()",
            lambda: async_push_prototype(chunks, *ids),
        ),
        ("sdk sync: thread + ThreadSink + stream()", lambda: sdk_thread_handoff(chunks, *ids)),
        (
            "sdk sync, reader lease: feed_from_thread + stream()",
            lambda: sdk_lease_path(chunks, *ids),
        ),
        ("sdk async: _on_data per chunk + stream()", lambda: sdk_async_push(chunks, *ids)),
    ]
    print("| stage | messages | wall us/msg | CPU us/msg | CPU vs floor |")
    print("|---|---|---|---|---|")
    base = None
    for name, fn in stages:
        try:
            wall, used, n = measure(fn, args.repeat)
        except Exception as exc:  # a stage that no longer matches the SDK's internals
            print(f"| {name} | skipped: {type(exc).__name__}: {exc} | | | |")
            continue
        if base is None:
            base = used / n
        per = used / n
        print(f"| {name} | {n} | {1e6 * wall / n:.2f} | {1e6 * per:.2f} | {per / base:.2f}x |")
    per_turn_table(args.repeat)


if __name__ == "__main__":
    main()
