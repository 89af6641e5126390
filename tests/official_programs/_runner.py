"""Run the official-style programs of this directory against an offline app-server.

Each program uses only the official SDK's public surface. ``scripts/official_programs.py``
records their output under the official package (in a scratch venv); the integration test
runs them on ours and compares. The output is normalised first: ids, timestamps, durations
and the harness's directories differ from run to run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from openai_codex.testing import CodexHarness, Reply

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GOLDEN_DIR = ROOT / "tests" / "data" / "official_programs"
SPECS: dict[str, dict[str, Any]] = json.loads((HERE / "programs.json").read_text("utf-8"))

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PATTERNS = [
    (_UUID, "<uuid>"),
    (re.compile(r"\bcall_[0-9a-f]+\b"), "call_<id>"),
    (re.compile(r"\b1[6-9]\d{11}\b"), "<ms>"),  # epoch milliseconds
    (re.compile(r"\b1[6-9]\d{8}\b"), "<ts>"),  # epoch seconds
    (re.compile(r"(duration_ms|durationMs|time_used_seconds)=\d+"), r"\1=<n>"),
    (re.compile(r"pid \d+"), "pid <n>"),
]


def programs() -> list[str]:
    """The program names, in order."""
    return sorted(SPECS)


def normalise(text: str, root: str) -> str:
    """Replace what legitimately differs between runs."""
    text = text.replace(root, "<root>")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _reply(spec: dict[str, Any]) -> Reply:
    if "fc" in spec:
        return Reply.function_call(spec["fc"], spec.get("args", {}))
    return Reply.text(spec["text"], delay=spec.get("delay", 0.0))


def run(name: str, python: str = sys.executable, timeout: float = 120) -> str:
    """Run one program with ``python``; return its normalised output (stdout, then stderr).

    Raises:
        AssertionError: the program exited with an error (its output is in the message).
    """
    spec = SPECS[name]
    with CodexHarness(requires_openai_auth=spec.get("requires_openai_auth", False)) as harness:
        for reply in spec.get("replies", []):
            harness.model.enqueue(_reply(reply))
        wanted = harness.env()
        env = {k: v for k, v in os.environ.items() if k not in wanted or wanted[k] is not None}
        env.pop("PYTHONPATH", None)
        env["TERM"] = "dumb"  # the server's user agent names the terminal
        env["CODEX_PROGRAM_SETUP"] = json.dumps(
            {
                "env": {k: v for k, v in wanted.items() if v is not None},
                "cwd": str(harness.workspace),
            }
        )
        proc = subprocess.run(
            [python, str(HERE / f"{name}.py")],
            cwd=HERE,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        root = str(harness.root)
    output = normalise(proc.stdout + proc.stderr, root)
    if proc.returncode != 0:
        raise AssertionError(f"{name} exited with {proc.returncode}:\n{output}")
    return output


def golden(name: str) -> Path:
    """Where the official package's output of ``name`` is recorded."""
    return GOLDEN_DIR / f"{name}.txt"
