"""Every example runs offline, in both flavours, and prints what it is meant to.

The scripts are found by glob (``examples/NN_*/sync.py`` and ``async.py``), so a new example
is run without editing this file; an example directory named in another test file (15 in
``test_examples_login.py``, 16 and 17 in ``test_server_requests.py``) is left to it. Each
script runs as a subprocess with ``OPENAI_CODEX_EXAMPLES_OFFLINE=1`` (its own app-server
and mock model). The selected scripts all start together on a small pool the first time
one of these tests asks for a result, so the whole file costs a few example run-times.
Example 11 reads its prompts from stdin.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parents[1] / "examples"
FLAVOURS = ("sync", "async")
RUN_TIMEOUT = 90.0

pytestmark = pytest.mark.timeout(240)


def _example_dirs() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and p.name[:2].isdigit())


def _tested_elsewhere(dirs: list[Path]) -> set[str]:
    """Example directories that another test file names (and runs)."""
    names: set[str] = set()
    for other in HERE.parent.rglob("test_*.py"):
        if other.resolve() == Path(__file__).resolve():
            continue
        text = other.read_text(encoding="utf-8")
        names.update(d.name for d in dirs if d.name in text)
    return names


def _scripts() -> list[tuple[str, str]]:
    dirs = _example_dirs()
    skip = _tested_elsewhere(dirs)
    return [
        (d.name, flavour)
        for d in dirs
        if d.name not in skip
        for flavour in FLAVOURS
        if (d / f"{flavour}.py").is_file()
    ]


SCRIPTS = _scripts()

# What an example reads on stdin (every other one gets an empty stdin).
STDIN = {"11_cli_mini_app": "hello there\n\nwhat did I say?\n"}

# Lines (or parts of lines) each example must print offline. Examples not listed here are
# only checked for a clean exit.
EXPECTED: dict[str, list[str]] = {
    "01_quickstart_constructor": [
        "openai-codex ",
        "thread: ",
        "status: completed",
        "answer: Hello from the offline model!",
        "tokens used: 15",
    ],
    "02_turn_run": [
        "status:         completed",
        "error:          None",
        "final_response: '2 + 2 = 4'",
        "  - userMessage    'What is 2 + 2? Answer in a few words.'",
        "  - agentMessage   'Let me work that out.'",
        "usage.total:    132 tokens (input 120, cached 0, output 12, reasoning 0)",
    ],
    "03_turn_stream_events": [
        "> agentMessage started",
        "  Streams arrive piece by piece, like this.",
        "> agentMessage completed",
        "status: completed, 6 deltas",
        "usage: 15 tokens (input 10, output 5)",
    ],
    "04_models_and_metadata": [
        "3 visible models:",
        "- mock-model (default): Mock model",
        "- sample-model-2: Sample model 2",
        "    reasoning efforts: low, medium, high",
        "hidden models: 0",
    ],
    "05_existing_thread": [
        "  turn 1: Noted: your project is called Bluebird.",
        "with 1 earlier turn(s)",
        "  turn 2: Your project is called Bluebird.",
        "  the model was sent 2 user messages",
    ],
    "06_thread_lifecycle_and_controls": [
        "ours is named 'examples: lifecycle'",
        "3. read 'examples: lifecycle': 1 turn(s)",
        "   - completed: userMessage, agentMessage",
        ": Lyon, on the Rhône.",
        "5. archived: in archived list = True",
        "6. unarchived and ran again: Still here: Paris.",
    ],
    "07_image_and_text": [
        "answer: A single red pixel on its own.",
        "the model was sent: ['input_image', 'input_text']",
        "the image went inline: data:image/png;base64,...",
    ],
    "08_local_image_and_text": [
        "wrote two-colours.png (",
        "answer: The top half is red and the bottom half is blue.",
        "the model was sent 1 image: data:image/png;base64,",
    ],
    "09_async_parity": [
        "one turn: completed: Both clients share one engine.",
        "Name a planet, in one word. -> echo: Name a planet, in one word.",
    ],
    "10_error_handling_and_retry": [
        "retry_on_overload: thread started after 2 attempts",
        "2. TurnFailedError: ",
        "   partial result: status=failed",
        "3. MethodNotFoundError for 'example/noSuchMethod'",
        "4. TransportClosedError: ",
        "   partial result of the turn: ",
        "   next call: Still here. (new server: True)",
    ],
    "11_cli_mini_app": [
        "codex> echo: hello there",
        "codex> echo: what did I say?",
        "bye (2 turn(s))",
    ],
    "12_turn_params_kitchen_sink": [
        "name:           Python",
        "first released: 1991",
        "paradigms:      object-oriented, imperative, functional",
        "reasoning={'effort': 'medium', 'summary': 'concise'}",
        "text.format.type=json_schema",
    ],
    "13_model_select_and_turn_params": [
        "picked sample-model-2; supported efforts: low, medium, high",
        "effort high: Ropes are strong because many fibres share the load.",
        "  usage: 150 tokens (input 10, output 140, of which reasoning 128)",
        "effort low: Many fibres twisted together share the pull.",
        "  sent: model=sample-model-2 reasoning={'effort': 'high', 'summary': 'auto'}",
    ],
    "14_turn_controls": [
        "steer: turn completed with 2 user messages",
        "  answer: 1, 2, 3. Stopping at 3 as you asked.",
        "interrupt: turn interrupted",
    ],
    "18_thread_goals": [
        "continuation 3 started",
        "  goal: complete",
        "goal complete after 3 turn(s): The notes are tidy.",
    ],
    "19_code_review": [
        "Review comment:",
        "[P1] Division by zero when b is 0 (calc.py:2)",
        "verdict: patch is incorrect",
    ],
    "20_batch": [
        "ls     completed echo: In one sentence, what does `ls -la` print?",
        "du     completed echo: In one sentence, what does `du -sh` report?",
        "5 tasks, 1 retried attempt(s), 75 tokens",
        "results file: 5 lines, ids ['chmod', 'du', 'grep', 'ls', 'tar']",
        "second run: 5 results from the file, same threads: True",
    ],
    "21_websocket": [
        "app-server: ws://127.0.0.1:",
        "connected: codex_python_sdk/0.163.0, pid=None",
        "client: echo: ",
        "wrong token: refused with HTTP 401 (invalid websocket bearer token)",
    ],
    "22_openai_agents": [
        "agent -> codex: Triage ticket T-42: look up its status and say how severe it is.",
        'codex -> {"ticket":"T-42","severity":"high","summary":"The nightly build is red."}',
        'codex -> {"ticket":"T-42","severity":"low","summary":"Fixed; watch CI."}',
        "agent: T-42 went from high to low severity once the fix landed.",
        "run usage: 45 tokens, 3 agent request(s)",
        "ticket_status answered Codex: open since Monday; the nightly build fails",
        "the follow-up turn saw 2 tasks on the same thread",
    ],
    "23_pydantic_ai": [
        "codex (failed) -> 'the Codex turn failed: ",
        "codex (success) -> Triage(ticket='T-42', severity='high', summary='The nightly build",
        "agent: T-42 is high severity: the build is red.",
        "the second call's turn saw 2 tasks on the same thread",
    ],
}


class _Runs:
    """Runs example scripts on a thread pool; each script at most once per session."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._pool = ThreadPoolExecutor(max_workers=max(2, min(6, 2 * (os.cpu_count() or 1))))
        self._futures: dict[tuple[str, str], Future[subprocess.CompletedProcess[str]]] = {}
        self._lock = threading.Lock()

    def start(self, key: tuple[str, str]) -> Future[subprocess.CompletedProcess[str]]:
        with self._lock:
            future = self._futures.get(key)
            if future is None:
                future = self._futures[key] = self._pool.submit(self._run, *key)
            return future

    def result(self, key: tuple[str, str]) -> subprocess.CompletedProcess[str]:
        return self.start(key).result(timeout=RUN_TIMEOUT + 30)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, example: str, flavour: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "OPENAI_CODEX_EXAMPLES_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
        env.pop("OPENAI_API_KEY", None)
        cwd = Path(tempfile.mkdtemp(prefix=f"{example[:2]}-{flavour}-", dir=self._workdir))
        return subprocess.run(
            [sys.executable, str(EXAMPLES / example / f"{flavour}.py")],
            cwd=cwd,
            env=env,
            input=STDIN.get(example, ""),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Runs]:
    runner = _Runs(tmp_path_factory.mktemp("examples"))
    # Start every script this session selected at once, so that they overlap.
    for item in request.session.items:
        if getattr(item, "module", None) is not sys.modules[__name__]:
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "script" in callspec.params:
            runner.start(callspec.params["script"])
        elif item.name == "test_async_parity_prints_the_same":
            runner.start(("09_async_parity", "sync"))
            runner.start(("09_async_parity", "async"))
    try:
        yield runner
    finally:
        runner.close()


def _describe(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"


@pytest.mark.parametrize("script", SCRIPTS, ids=[f"{name}/{flavour}" for name, flavour in SCRIPTS])
def test_example_runs_offline(script: tuple[str, str], runs: _Runs) -> None:
    proc = runs.result(script)
    assert proc.returncode == 0, _describe(proc)
    assert "Traceback" not in proc.stderr, _describe(proc)
    assert proc.stdout.strip(), _describe(proc)
    missing = [text for text in EXPECTED.get(script[0], []) if text not in proc.stdout]
    assert not missing, f"missing {missing}\n{_describe(proc)}"


@pytest.mark.skipif(
    ("09_async_parity", "sync") not in SCRIPTS, reason="example 09 is not run by this file"
)
def test_async_parity_prints_the_same(runs: _Runs) -> None:
    sync = runs.result(("09_async_parity", "sync"))
    async_ = runs.result(("09_async_parity", "async"))
    assert sync.returncode == 0 and async_.returncode == 0, _describe(sync) + _describe(async_)
    assert sync.stdout == async_.stdout


def test_every_example_is_covered() -> None:
    """Each numbered example directory has both flavours and is run by some test file."""
    dirs = _example_dirs()
    for d in dirs:
        for flavour in FLAVOURS:
            assert (d / f"{flavour}.py").is_file(), f"{d.name} has no {flavour}.py"
    elsewhere = _tested_elsewhere(dirs)
    run_here = {name for name, _ in SCRIPTS}
    assert {d.name for d in dirs} == run_here | elsewhere
    assert set(EXPECTED) <= run_here | elsewhere, "EXPECTED names an unknown example"
