"""Every ```python block of the README and of docs/*.md runs as shown, offline.

The blocks of each markdown file run in order, in one namespace (a fragment may use what an
earlier block of its file defined), in a subprocess per file (``_docs_runner.py``), with
the offline test kit standing in for the reader's own Codex: a ``CodexHarness`` exported
as ``CODEX_HOME`` and cwd, so ``Codex()`` with no config talks to the mock model; a
``MockIssuer`` for blocks that sign in; placeholder paths (``"/repo"``...) replaced by real
ones. A block the kit cannot stand in for (an OTLP collector, a WebSocket server the
reader runs, a goal the mock model would never finish...) carries an HTML comment right
before it, invisible on the rendered page::

    <!-- not-run: why it cannot run offline -->

Such blocks must still compile, and the set of them is listed in ``NOT_RUN`` below: adding
one is a decision made here, not a silent skip. The files run concurrently on a small pool
the first time a test asks for a result.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RUNNER = HERE / "_docs_runner.py"
RUN_TIMEOUT = 300.0

pytestmark = pytest.mark.timeout(420)

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)\s*$")
NOT_RUN_MARKER = re.compile(r"^\s*<!--\s*not-run:(?P<reason>.*?)-->\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced ```python block of a markdown file."""

    file: str
    line: int  # the first line of code (1-based)
    code: str
    not_run: str | None  # the reason given by a not-run marker, or None

    @property
    def id(self) -> str:
        """``file:line``, for test ids and messages."""
        return f"{self.file}:{self.line}"


def markdown_files() -> list[Path]:
    """The README and every page of docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def parse(path: Path) -> tuple[list[Block], list[str]]:
    """The python blocks of ``path``, and problems found (markers before nothing)."""
    name = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    problems: list[str] = []
    pending: tuple[int, str] | None = None  # a not-run marker waiting for its block
    i = 0
    while i < len(lines):
        line = lines[i]
        marker = NOT_RUN_MARKER.match(line)
        fence = FENCE_OPEN.match(line)
        if marker:
            if pending is not None:
                problems.append(f"{name}:{pending[0]}: not-run marker followed by no block")
            pending = (i + 1, marker.group("reason").strip())
            i += 1
            continue
        if fence is None:
            if line.strip() and pending is not None:
                problems.append(f"{name}:{pending[0]}: not-run marker followed by no block")
                pending = None
            i += 1
            continue
        indent, lang = fence.group("indent"), fence.group("lang")
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        body = [
            text[len(indent) :] if text.startswith(indent) else text for text in lines[i + 1 : end]
        ]
        if lang == "python":
            reason = pending[1] if pending is not None else None
            blocks.append(Block(name, i + 2, "\n".join(body) + "\n", reason))
        elif pending is not None:
            problems.append(f"{name}:{pending[0]}: not-run marker before a {lang or 'plain'} block")
        pending = None
        i = end + 1
    if pending is not None:
        problems.append(f"{name}:{pending[0]}: not-run marker followed by no block")
    return blocks, problems


def all_blocks() -> list[Block]:
    """Every python block of every markdown file, in file order."""
    return [block for path in markdown_files() for block in parse(path)[0]]


BLOCKS = all_blocks()
RUN_BLOCKS = [b for b in BLOCKS if b.not_run is None]
SKIPPED_BLOCKS = [b for b in BLOCKS if b.not_run is not None]

# Placeholder paths of the docs (as string literals), each replaced by what stands in for
# it: a git repository made by the test, the bundled codex binary, the block's CODEX_HOME.
PLACEHOLDER_REPOS = ("/repo", "/path/to/repo")
PLACEHOLDER_CODEX_BIN = "/opt/codex/bin/codex"
PLACEHOLDER_CODEX_HOME = "/srv/myapp/codex-home"

# Every block that does not run offline: (file, the reason its marker gives).
NOT_RUN: set[tuple[str, str]] = {
    (
        "docs/integrations.md",
        "the Agents SDK agent calls a real OpenAI model; examples/22_openai_agents runs this "
        "offline with a scripted model",
    ),
    (
        "docs/integrations.md",
        "continues the block above (its codex and a pydantic import); "
        "tests/integration/test_integrations_openai_agents.py checks structured answers",
    ),
    (
        "docs/integrations.md",
        "an Agents SDK tool inside a Codex thread, shown with a real model; the integration "
        "tests run it with the mock model",
    ),
    (
        "docs/integrations.md",
        "the Pydantic AI agent calls a real model; examples/23_pydantic_ai runs this offline "
        "with TestModel and FunctionModel",
    ),
    (
        "docs/goals-and-reviews.md",
        "the mock model never marks a goal complete, so the run would go on until the budget "
        "is spent; examples/18_thread_goals runs a goal offline on a scripted model",
    ),
    ("docs/observability.md", "needs opentelemetry-exporter-otlp and an OpenTelemetry collector"),
    (
        "docs/scale.md",
        "needs an app-server listening on ws://127.0.0.1:8765 with its token in "
        "~/.codex-ws-token; tests/integration/test_websocket.py and examples/21_websocket "
        "connect offline",
    ),
    (
        "docs/scale.md",
        "starts a local Ray (4-8 s, and its raylet can miss its start-up window on a loaded "
        'machine); tests/integration/test_batch.py runs backend="ray"',
    ),
}

# Text a block must print, keyed by its file and a line of its code.
EXPECTED: dict[tuple[str, str], list[str]] = {
    ("README.md", "print(result.final_response, result.usage.total.total_tokens)"): [
        "echo: Summarize this repo 15",
        "echo: Now list the tests",
    ],
    ("README.md", "print(codex.account().account)"): [
        "root=ApiKeyAccount(type='apiKey')",
        "True dev@example.com",
    ],
    ("docs/authentication.md", "print(codex.account().account)"): [
        "root=ApiKeyAccount(type='apiKey')",
        "True dev@example.com",
        "Go to http://127.0.0.1:",
    ],
    ("docs/authentication.md", "webbrowser.open(login.auth_url)\n        try:"): [
        "True dev@example.com"
    ],
    ("docs/faq.md", "codex_bin="): ["codex_python_sdk/0.163.0"],
    ("docs/faq.md", '"CODEX_HOME"'): ["codex-home"],
    ("docs/faq.md", "timeout=300)"): ["completed"],
    ("docs/testing.md", 'Reply.text("hello")'): ["hello"],
}


def _bundled_codex() -> str:
    """The codex binary of the runtime package (what ``Codex()`` launches)."""
    from openai_codex import CodexConfig
    from openai_codex._client.runtime import resolve_codex_bin

    return str(resolve_codex_bin(CodexConfig())[0])


def _git_repo(directory: Path) -> Path:
    """A git repository with one committed file and one uncommitted change."""
    directory.mkdir(parents=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "docs",
        "GIT_AUTHOR_EMAIL": "docs@example.com",
        "GIT_COMMITTER_NAME": "docs",
        "GIT_COMMITTER_EMAIL": "docs@example.com",
    }
    (directory / "README.md").write_text("# A sample repository\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=directory, check=True, env=env)
    subprocess.run(["git", "add", "README.md"], cwd=directory, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "first"], cwd=directory, check=True, env=env)
    (directory / "README.md").write_text(
        "# A sample repository\n\nNow with text.\n", encoding="utf-8"
    )
    return directory


@dataclass
class FileRun:
    """What the runner reported for one markdown file."""

    results: list[dict[str, Any]]
    outputs: list[str]  # stdout printed by each block, in order
    proc: subprocess.CompletedProcess[str]


class _Runs:
    """Runs the files' blocks on a thread pool; each file at most once per session."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._repo = _git_repo(workdir / "repo")
        self._pool = ThreadPoolExecutor(max_workers=max(2, min(4, 2 * (os.cpu_count() or 1))))
        self._futures: dict[str, Future[FileRun]] = {}
        self._lock = threading.Lock()

    def start(self, file: str) -> Future[FileRun]:
        with self._lock:
            future = self._futures.get(file)
            if future is None:
                future = self._futures[file] = self._pool.submit(self._run, file)
            return future

    def result(self, file: str) -> FileRun:
        return self.start(file).result(timeout=RUN_TIMEOUT + 30)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, file: str) -> FileRun:
        blocks = [b for b in RUN_BLOCKS if b.file == file]
        request = {
            "file": str(ROOT / file),
            "blocks": [{"line": b.line, "code": b.code} for b in blocks],
            "paths": {
                **{p: str(self._repo) for p in PLACEHOLDER_REPOS},
                PLACEHOLDER_CODEX_BIN: _bundled_codex(),
                PLACEHOLDER_CODEX_HOME: "$CODEX_HOME",
            },
        }
        out = Path(tempfile.mkdtemp(prefix="docs-", dir=self._workdir)) / "results.json"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("OPENAI_API_KEY", None)
        proc = subprocess.run(
            [sys.executable, str(RUNNER), str(out)],
            cwd=out.parent,
            env=env,
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
        results = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else []
        outputs = re.split(r"\n@@@ block \d+ @@@\n", proc.stdout)[1:]
        return FileRun(results, outputs, proc)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Runs]:
    runner = _Runs(tmp_path_factory.mktemp("docs-blocks"))
    for file in dict.fromkeys(b.file for b in RUN_BLOCKS):
        runner.start(file)
    try:
        yield runner
    finally:
        runner.close()


def _describe(run: FileRun) -> str:
    """The runner's exit status and the end of its stderr."""
    return f"exit {run.proc.returncode}\n--- stderr\n{run.proc.stderr[-4000:]}"


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=[b.id for b in RUN_BLOCKS])
def test_block_runs_offline(block: Block, runs: _Runs) -> None:
    run = runs.result(block.file)
    index = [b for b in RUN_BLOCKS if b.file == block.file].index(block)
    assert index < len(run.results), f"the runner stopped before this block\n{_describe(run)}"
    result = run.results[index]
    assert result["line"] == block.line
    output = run.outputs[index] if index < len(run.outputs) else ""
    assert result["ok"], f"{block.id} failed:\n{result['error']}\n--- stdout\n{output}"
    for (file, needle), expected in EXPECTED.items():
        if file == block.file and needle in block.code:
            missing = [text for text in expected if text not in output]
            assert not missing, f"{block.id} did not print {missing}\n--- stdout\n{output}"


@pytest.mark.parametrize("block", SKIPPED_BLOCKS, ids=[b.id for b in SKIPPED_BLOCKS])
def test_not_run_block_gives_a_reason_and_compiles(block: Block) -> None:
    assert block.not_run, f"{block.id}: a not-run marker needs a reason"
    compile(block.code, block.id, "exec")


def test_markers_and_the_list_of_blocks_not_run_agree() -> None:
    problems = [p for path in markdown_files() for p in parse(path)[1]]
    assert problems == []
    assert {(b.file, b.not_run) for b in SKIPPED_BLOCKS} == NOT_RUN
    assert len(SKIPPED_BLOCKS) == len(NOT_RUN), "two not-run blocks of a file share a reason"


def test_the_docs_have_blocks_to_run() -> None:
    files = {b.file for b in RUN_BLOCKS}
    assert "README.md" in files and len(files) >= 8
    assert len(RUN_BLOCKS) >= 30


def test_every_expected_output_names_one_block_that_runs() -> None:
    for file, needle in EXPECTED:
        matching = [b.id for b in RUN_BLOCKS if b.file == file and needle in b.code]
        assert len(matching) == 1, f"{file}: {needle!r} matches {matching or 'no block'}"
