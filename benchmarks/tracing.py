"""Benchmark the cost of OpenTelemetry tracing: the same turns with tracing off and on.

Run from the repository root with the project's venv (the ``dev`` extra brings the
OpenTelemetry SDK)::

    .venv/bin/python benchmarks/tracing.py                         # 40 turns x 5 rounds
    .venv/bin/python benchmarks/tracing.py --turns 20 --rounds 3   # smaller, on a busy machine

Each measurement is a fresh Python child process (this file, ``_child``) running ``--turns``
sequential turns on one sync ``Codex`` against the real app-server and the embedded mock
model, hosted by a fresh ``CodexHarness`` in this process. Every turn calls a Python tool
once and then streams an answer of ``--deltas`` deltas, so a traced turn has a turn span and
a tool-call span, and the many deltas show that tracing adds nothing per delta. Variants,
interleaved within each round (their order rotates from round to round):

``off``
    No tracer provider: the child never imports ``opentelemetry`` (it checks
    ``sys.modules`` after the turns). This is every application that did not configure
    OpenTelemetry, the baseline of the ratios.
``idle``
    The application imported the OpenTelemetry API and SDK but set no provider: the SDK
    must find no tracer and trace nothing (the ``otel`` extra installed, tracing off).
``on``
    The child sets a global OpenTelemetry SDK ``TracerProvider`` with a
    ``BatchSpanProcessor`` exporting to an in-memory exporter (what an application sending
    to a collector has, minus the network), and nothing else: the SDK finds it by itself.
    ``--processor simple`` uses a ``SimpleSpanProcessor`` instead (export as each span
    ends, on the thread that ends it).

Per turn: wall time (``perf_counter``) and the CPU time of the whole client process
(``process_time``: the caller, the client's loop thread and the span processor's thread).
The table shows medians over the turns of a round, then the median over rounds, and the
ratios ``idle / off`` and ``on / off`` of each round (their median and range). A warm-up
turn (not timed) comes first in every child.

``import`` compares ``import openai_codex`` in a fresh interpreter with the ``otel`` extra
installed and with ``opentelemetry`` made unimportable, and checks that the import loads
no ``opentelemetry`` module. Times are reported, never asserted.

This file imports only the standard library at module level: it is also the child, and
the ``off`` child must not import ``opentelemetry`` by accident.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
RESULT_TAG = "TRACING-RESULT "
VARIANTS = ("off", "idle", "on")
PROMPT = "Look up ticket T-42 and report its status."
TOOL_NAME = "lookup_ticket"
SETTLE_S = 0.5  # after thread/start, outside the timings (the server keeps working briefly)
perf = time.perf_counter
cpu = time.process_time


def answer_text(deltas: int) -> str:
    """Text that splits into ``deltas`` deltas of about 6 characters."""
    base = "Ticket T-42 is open and assigned to the platform team. "
    size = max(deltas, 1) * 6
    return (base * (size // len(base) + 1))[:size]


# =========================================================================== child side


def _otel_modules() -> int:
    return sum(1 for name, mod in sys.modules.items() if name.startswith("opentelemetry") and mod)


def child_main(raw_spec: str) -> None:
    spec = json.loads(raw_spec)
    variant = spec["variant"]
    exporter = provider = None
    if variant == "idle":
        import opentelemetry.sdk.trace
        import opentelemetry.trace  # noqa: F401
    elif variant == "on":
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        processor = BatchSpanProcessor if spec["processor"] == "batch" else SimpleSpanProcessor
        provider.add_span_processor(processor(exporter))
        trace.set_tracer_provider(provider)

    from openai_codex import Codex, CodexConfig, tool

    @tool
    def lookup_ticket(ticket_id: str) -> str:
        """Return the status of a ticket."""
        return f"{ticket_id}: open"

    config = CodexConfig(env=spec["env"], cwd=spec["cwd"])
    walls: list[float] = []
    cpus: list[float] = []
    expected = spec["answer"]
    with Codex(config) as codex:
        thread = codex.thread_start(tools=[lookup_ticket])
        time.sleep(SETTLE_S)
        warm = thread.run(PROMPT)  # imports and first-use costs, not timed
        assert warm.final_response == expected, warm.final_response
        c0, t_all = cpu(), perf()
        for _ in range(spec["turns"]):
            k0, t0 = cpu(), perf()
            result = thread.run(PROMPT)
            walls.append(perf() - t0)
            cpus.append(cpu() - k0)
            assert result.final_response == expected, result.final_response
        total_wall, total_cpu = perf() - t_all, cpu() - c0
        tracing = codex._async.telemetry.tracing  # internal: did this client trace?
        tokens = codex.usage.total_tokens
    spans = 0
    if provider is not None and exporter is not None:
        provider.force_flush()
        spans = sum(1 for s in exporter.get_finished_spans() if s.name != "codex.start")
        provider.shutdown()
    out = {
        "walls": walls,
        "cpus": cpus,
        "total_wall": total_wall,
        "total_cpu": total_cpu,
        "tracing": tracing,
        "spans": spans,  # of the turns (the warm-up's too), not the client's start
        "otel_modules": _otel_modules(),
        "tokens": tokens,
    }
    print(RESULT_TAG + json.dumps(out), flush=True)


# =========================================================================== parent side


def check_runtime() -> None:
    """Fail early, with a clear message, when the pinned runtime is missing."""
    try:
        import codex_cli_bin  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        sys.exit("the pinned runtime (openai-codex-cli-bin) is not installed: run `make test`")


def run_child(args: argparse.Namespace, variant: str) -> dict[str, Any]:
    """One measurement: a fresh harness here, a fresh Python child there."""
    from openai_codex.testing import CodexHarness, Reply

    turns, deltas = args.turns, args.deltas
    text = answer_text(deltas)
    with CodexHarness() as harness:
        for _ in range(turns + 1):  # + the warm-up turn
            harness.model.enqueue(Reply.function_call(TOOL_NAME, {"ticket_id": "T-42"}))
            harness.model.enqueue(Reply.text(text, deltas=deltas))
        spec = {
            "variant": variant,
            "turns": turns,
            "processor": args.processor,
            "answer": text,
            "env": harness.env(),
            "cwd": str(harness.workspace),
        }
        argv = [args.python, str(HERE), "_child", json.dumps(spec)]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60 + 10 * turns)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_TAG)]
        if proc.returncode != 0 or not lines:
            tail = "\n".join((proc.stderr or "").splitlines()[-15:])
            raise RuntimeError(f"the {variant} child failed ({proc.returncode}):\n{tail}")
        out: dict[str, Any] = json.loads(lines[-1][len(RESULT_TAG) :])
        out["unused_replies"] = harness.model.pending
    if out["unused_replies"]:
        raise RuntimeError(f"{variant}: {out['unused_replies']} mock replies left unused")
    if variant == "off" and (out["tracing"] or out["otel_modules"]):
        raise RuntimeError(f"off: tracing={out['tracing']}, {out['otel_modules']} otel modules")
    if variant == "idle" and (out["tracing"] or out["spans"] or not out["otel_modules"]):
        raise RuntimeError(f"idle: tracing={out['tracing']}, {out['otel_modules']} otel modules")
    if variant == "on" and not (out["tracing"] and out["spans"] >= 2 * (turns + 1)):
        raise RuntimeError(f"on: tracing={out['tracing']}, only {out['spans']} spans")
    return out


def reduce(out: dict[str, Any], turns: int) -> dict[str, float]:
    return {
        "wall_ms": statistics.median(out["walls"]) * 1e3,
        "cpu_ms": statistics.median(out["cpus"]) * 1e3,
        "cpu_mean_ms": out["total_cpu"] / turns * 1e3,
        "spans_per_turn": out["spans"] / (turns + 1),
        "otel_modules": out["otel_modules"],
    }


_IMPORT_CODE = (
    "import sys, time\n"
    "{block}"
    "t = time.perf_counter()\n"
    "import openai_codex\n"
    "d = time.perf_counter() - t\n"
    "n = sum(1 for k, m in sys.modules.items() if k.startswith('opentelemetry') and m)\n"
    "print(d, n)\n"
)
IMPORT_VARIANTS = {
    "extra installed": "",
    "extra missing": "sys.modules['opentelemetry'] = None\n",
}


def bench_import(python: str, reps: int) -> dict[str, dict[str, float]]:
    """``import openai_codex`` in fresh interpreters, with and without opentelemetry."""
    times: dict[str, list[float]] = {name: [] for name in IMPORT_VARIANTS}
    loaded: dict[str, int] = {name: 0 for name in IMPORT_VARIANTS}
    subprocess.run([python, "-c", "import openai_codex"], check=True)  # warm the .pyc files
    for _ in range(reps):
        for name, block in IMPORT_VARIANTS.items():
            code = _IMPORT_CODE.format(block=block)
            proc = subprocess.run(
                [python, "-c", code], capture_output=True, text=True, check=True, timeout=60
            )
            seconds, modules = proc.stdout.split()
            times[name].append(float(seconds))
            loaded[name] = max(loaded[name], int(modules))
    return {
        name: {"ms": statistics.median(values) * 1e3, "otel_modules": loaded[name]}
        for name, values in times.items()
    }


EXTRA = ("spans_per_turn", "otel_modules")


def _range(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def render(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    variants: list[str] = args.variants
    by: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for row in rows:
        by[row["variant"]].append(row)
    rounds = sorted({row["round"] for row in rows})
    keys = ("wall_ms", "cpu_ms", "cpu_mean_ms")
    ratios: dict[str, dict[str, list[float]]] = {v: {k: [] for k in keys} for v in variants}
    for number in rounds:
        one = {row["variant"]: row for row in rows if row["round"] == number}
        for v in variants:
            for key in keys:
                ratios[v][key].append(one[v][key] / one["off"][key])
    med = {
        v: {k: statistics.median(r[k] for r in by[v]) for k in (*keys, *EXTRA)} for v in variants
    }
    lines = [
        f"{args.turns} sequential turns per run (each: one Python tool call, then an answer "
        f"streamed as {args.deltas} deltas), {len(rounds)} round(s), {args.processor} span "
        "processor; medians",
        "",
        "| variant | wall/turn | CPU/turn (median) | CPU/turn (mean) | spans/turn "
        "| otel modules loaded |",
        "|---|---|---|---|---|---|",
    ]
    for v in variants:
        m = med[v]
        lines.append(
            f"| {v} | {m['wall_ms']:.1f} ms | {m['cpu_ms']:.2f} ms | {m['cpu_mean_ms']:.2f} ms "
            f"| {m['spans_per_turn']:.1f} | {m['otel_modules']:.0f} |"
        )
    for v in variants:
        if v == "off":
            continue
        lines.append(
            f"| **{v} / off** (median of the rounds' ratios, range) "
            + "".join(
                f"| **{statistics.median(ratios[v][k]):.3f}x** ({_range(ratios[v][k])}) "
                for k in keys
            )
            + "| | |"
        )
    return "\n".join(lines)


def render_import(result: dict[str, dict[str, float]], reps: int) -> str:
    base = result["extra missing"]["ms"]
    lines = [
        f"`import openai_codex` in a fresh interpreter, median of {reps}",
        "",
        "| opentelemetry | import time | ratio | otel modules loaded |",
        "|---|---|---|---|",
    ]
    for name, values in result.items():
        lines.append(
            f"| {name} | {values['ms']:.1f} ms | {values['ms'] / base:.2f}x "
            f"| {values['otel_modules']:.0f} |"
        )
    return "\n".join(lines)


def _variants(text: str) -> list[str]:
    chosen = [v.strip() for v in text.split(",") if v.strip()]
    unknown = sorted(set(chosen) - set(VARIANTS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown variant(s): {', '.join(unknown)}")
    return [v for v in VARIANTS if v == "off" or v in chosen]


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_child"]:
        child_main(argv[1])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=40, help="timed turns per run")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each variant")
    parser.add_argument("--deltas", type=int, default=200, help="deltas per streamed answer")
    parser.add_argument(
        "--variants",
        type=_variants,
        default=list(VARIANTS),
        help="comma-separated, among off,idle,on (off is always measured: the baseline)",
    )
    parser.add_argument(
        "--processor",
        choices=("batch", "simple"),
        default="batch",
        help="the span processor of the on variant (simple: export as each span ends)",
    )
    parser.add_argument("--import-reps", type=int, default=7, help="fresh imports per variant")
    parser.add_argument("--no-import", action="store_true", help="skip the import check")
    parser.add_argument("--json", metavar="FILE", help="write the raw rows there")
    parser.add_argument("--python", default=sys.executable, help="the children's interpreter")
    args = parser.parse_args(argv)
    if args.turns < 1 or args.rounds < 1:
        parser.error("--turns and --rounds must be at least 1")
    check_runtime()
    print(
        f"# tracing benchmark - {datetime.date.today().isoformat()}, {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"# command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"# load average at start: {load_average()}", flush=True)
    started = perf()
    rows: list[dict[str, Any]] = []
    for number in range(1, args.rounds + 1):
        shift = (number - 1) % len(args.variants)
        for variant in args.variants[shift:] + args.variants[:shift]:
            out = run_child(args, variant)
            row = {"round": number, "variant": variant, **reduce(out, args.turns)}
            rows.append(row)
            print(
                f"  round {number}/{args.rounds} {variant:<4}  wall {row['wall_ms']:7.1f} ms/turn"
                f"  CPU {row['cpu_ms']:6.2f} ms/turn (mean {row['cpu_mean_ms']:6.2f})"
                f"  {row['spans_per_turn']:.1f} spans/turn",
                flush=True,
            )
    imported = None if args.no_import else bench_import(args.python, args.import_reps)
    print()
    print(render(rows, args))
    if imported is not None:
        print()
        print(render_import(imported, args.import_reps))
    print(f"\n(total {perf() - started:.0f} s; load average at end: {load_average()})")
    if args.json:
        report = {"rows": rows, "import": imported, "args": vars(args)}
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
