"""``openai_codex.batch`` against real app-servers on the mock model, and ``codex-sdk batch``.

The mock answers model requests in FIFO order, so tests that script particular replies
for particular tasks run with ``concurrency=1``; the others script replies that any task
may take (every task echoes its prompt when no reply is queued). App-servers are found
through ``/proc`` by their ``CODEX_HOME`` (the harness's), which also works for the ones
Ray actors own, so each test can check that no server outlives its batch.

The Ray tests share one local Ray (``ray.init(num_cpus=2)``, module-scoped, shut down at
the end) and are skipped when Ray is not installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from openai_codex.batch import BatchResult, BatchTask, arun_batch, read_results, run_batch
from openai_codex.testing import CodexHarness, MockModel, Reply
from openai_codex.testing._processes import app_server_pids

pytestmark = pytest.mark.timeout(120)

WAIT_S = 30.0  # every wait of these tests gives up after this long


def server_pids(harness: CodexHarness) -> list[int]:
    """The harness's running app-servers."""
    return app_server_pids(harness.codex_home)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Background:
    """``run_batch`` in a thread, so the test can act while it runs."""

    def __init__(self, **kwargs: Any) -> None:
        self.results: list[BatchResult] | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(kwargs,), daemon=True)
        self._thread.start()

    def _run(self, kwargs: dict[str, Any]) -> None:
        try:
            self.results = run_batch(**kwargs)
        except BaseException as exc:
            self.error = exc

    def join(self, timeout: float = WAIT_S) -> list[BatchResult]:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the batch did not finish"
        if self.error is not None:
            raise self.error
        assert self.results is not None
        return self.results


@pytest.fixture
def harness() -> Iterator[CodexHarness]:
    with CodexHarness() as h:
        yield h
        assert server_pids(h) == [], "an app-server outlived its batch"


def tasks(*ids: str) -> list[BatchTask]:
    return [BatchTask(task_id, f"prompt of {task_id}") for task_id in ids]


# --------------------------------------------------------------------------- outcomes


def test_completed_and_failed_tasks(harness: CodexHarness, tmp_path: Path) -> None:
    model = harness.model
    model.enqueue(Reply.text("first answer", usage={"input_tokens": 30, "output_tokens": 7}))
    model.enqueue(Reply.failure("model exploded"))
    model.enqueue(Reply.failure("model exploded again"))
    model.enqueue(Reply.text("third answer"))
    path = tmp_path / "results.jsonl"
    results = run_batch(
        tasks("one", "two", "three"),
        config=harness.config(),
        concurrency=1,
        max_retries=1,
        retry_delay_s=0.01,
        results_path=path,
    )
    one, two, three = results
    assert (one.id, one.status, one.final_response, one.attempts) == (
        "one",
        "completed",
        "first answer",
        1,
    )
    assert one.usage is not None
    assert (one.usage.input_tokens, one.usage.output_tokens, one.usage.total_tokens) == (30, 7, 37)
    assert one.error is None and one.thread_id and one.duration_s > 0
    assert (two.status, two.attempts) == ("failed", 2)
    assert two.error is not None and two.error.startswith("TurnFailedError: ")
    assert "model exploded again" in two.error  # the last attempt's error
    assert (three.status, three.final_response) == ("completed", "third answer")
    assert MockModel.user_texts(model.requests[-1])[-1] == "prompt of three"
    assert read_results(path) == [one, two, three]  # written as each one ended


def test_a_failed_turn_is_retried_and_then_succeeds(harness: CodexHarness) -> None:
    harness.model.enqueue(Reply.failure("transient"))  # whichever task asks first gets it
    results = run_batch(
        tasks("a", "b", "c"), config=harness.config(), concurrency=3, retry_delay_s=0.01
    )
    assert [r.status for r in results] == ["completed"] * 3
    assert sorted(r.attempts for r in results) == [1, 1, 2]
    assert len(harness.model.requests) == 4
    assert [r.final_response for r in results] == [f"echo: prompt of {x}" for x in "abc"]


def test_an_error_that_retrying_cannot_fix_fails_at_once(harness: CodexHarness) -> None:
    results = run_batch(
        [
            BatchTask("bad-provider", "p", model_provider="no-such-provider"),
            BatchTask("fine", "q"),
        ],
        config=harness.config(),
        concurrency=2,
        retry_delay_s=0.01,
    )
    bad, fine = results
    assert (bad.status, bad.attempts) == ("failed", 1)
    assert bad.error is not None and "no-such-provider" in bad.error
    assert fine.status == "completed"


def test_structured_output_is_parsed(harness: CodexHarness) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["name", "year"],
        "additionalProperties": False,
    }
    harness.model.enqueue(Reply.text('{"name": "Ada", "year": 1815}'))
    harness.model.enqueue(Reply.text("not JSON at all"))
    results = run_batch(
        [
            BatchTask("json", "Who?", output_schema=schema),
            BatchTask("prose", "Who?", output_schema=schema),
        ],
        config=harness.config(),
        concurrency=1,
    )
    good, bad = results
    assert good.status == "completed"
    assert good.structured_output == {"name": "Ada", "year": 1815}
    text_format = harness.model.requests[0]["text"]["format"]
    assert text_format["type"] == "json_schema" and text_format["schema"]["required"] == [
        "name",
        "year",
    ]
    assert (bad.status, bad.attempts, bad.final_response) == ("failed", 1, "not JSON at all")
    assert bad.error is not None and bad.error.startswith("StructuredOutputError: ")


def test_thread_options_reach_the_thread(harness: CodexHarness) -> None:
    workdir = harness.workspace / "sub"
    workdir.mkdir()
    results = run_batch(
        [BatchTask("a", "hi", cwd=workdir, developer_instructions="Answer in French.")],
        config=harness.config(),
    )
    assert results[0].status == "completed"
    body = json.dumps(harness.model.requests[0])
    assert "Answer in French." in body
    assert str(workdir) in body


# --------------------------------------------------------------------------- concurrency


def test_at_most_concurrency_turns_run_at_once(harness: CodexHarness) -> None:
    model = harness.model
    held = [model.enqueue(Reply.text(f"answer {i}").held()) for i in range(6)]
    batch = Background(
        tasks=tasks(*"abcdef"),
        config=harness.config(),
        concurrency=2,
        server_concurrency=1,  # so two app-servers
        server_max_tasks=None,
    )
    try:
        assert held[0].wait_reached(WAIT_S) and held[1].wait_reached(WAIT_S)
        time.sleep(0.5)  # room for a third turn to start, if anything allowed one
        assert len(model.requests) == 2
        assert len(server_pids(harness)) == 2
        for released in range(6):
            held[released].release()
            if released + 2 < 6:  # the freed place is taken by the next task, and only it
                assert held[released + 2].wait_reached(WAIT_S)
                assert len(model.requests) == released + 3
    finally:
        for reply in held:
            reply.release()
    results = batch.join()
    assert [r.status for r in results] == ["completed"] * 6
    assert sorted(r.final_response or "" for r in results) == [f"answer {i}" for i in range(6)]


def test_a_killed_app_server_is_replaced_and_its_task_retried(harness: CodexHarness) -> None:
    model = harness.model
    held = model.enqueue(Reply.text("never delivered").held())
    batch = Background(
        tasks=tasks("victim", "other"),
        config=harness.config(),
        concurrency=1,
        retry_delay_s=0.01,
    )
    try:
        assert held.wait_reached(WAIT_S)  # "victim"'s turn is waiting for the model
        (pid,) = server_pids(harness)
        os.kill(pid, signal.SIGKILL)
    finally:
        held.release()
    victim, other = batch.join()
    assert (victim.status, victim.attempts) == ("completed", 2)
    assert victim.final_response == "echo: prompt of victim"
    assert (other.status, other.attempts) == ("completed", 1)


# --------------------------------------------------------------------------- resuming


def test_resume_skips_completed_tasks_and_reruns_failed_ones(
    harness: CodexHarness, tmp_path: Path
) -> None:
    model = harness.model
    path = tmp_path / "results.jsonl"
    model.enqueue(Reply.text("a1"))
    model.enqueue(Reply.failure("b fails"))
    model.enqueue(Reply.text("c1"))
    first = run_batch(
        tasks("a", "b", "c"),
        config=harness.config(),
        concurrency=1,
        max_retries=0,
        results_path=path,
    )
    assert [r.status for r in first] == ["completed", "failed", "completed"]
    model.enqueue(Reply.text("b2"))
    second = run_batch(
        tasks("a", "b", "c"), config=harness.config(), concurrency=1, results_path=path
    )
    assert len(model.requests) == 4  # only "b" ran again
    assert second[0] == first[0] and second[2] == first[2]  # stored results, as they were
    assert (second[1].status, second[1].final_response) == ("completed", "b2")
    ids = [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert ids == ["a", "b", "c", "b"]


def test_an_interrupted_batch_resumes_where_it_stopped(
    harness: CodexHarness, tmp_path: Path
) -> None:
    model = harness.model
    path = tmp_path / "results.jsonl"
    model.enqueue(Reply.text("first"))
    held = model.enqueue(Reply.text("never").held())

    async def interrupted() -> None:
        batch = asyncio.ensure_future(
            arun_batch(
                tasks("t1", "t2", "t3"),
                config=harness.config(),
                concurrency=1,
                results_path=path,
            )
        )
        reached = await asyncio.to_thread(held.wait_reached, WAIT_S)
        assert reached  # t1 is written, t2 is running
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(batch, WAIT_S)

    try:
        asyncio.run(interrupted())
    finally:
        held.release()
    assert [r.id for r in read_results(path)] == ["t1"]
    assert server_pids(harness) == []  # cancelling closed the server
    results = run_batch(
        tasks("t1", "t2", "t3"), config=harness.config(), concurrency=2, results_path=path
    )
    assert [r.final_response for r in results] == [
        "first",
        "echo: prompt of t2",
        "echo: prompt of t3",
    ]
    assert sorted(r.id for r in read_results(path)) == ["t1", "t2", "t3"]


# --------------------------------------------------------------------------- the CLI


def cli(*args: str, cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENAI_API_KEY", "CODEX_API_KEY") and not k.startswith("OPENAI_CODEX_CLI")
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "openai_codex", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=90,
    )


@pytest.mark.timeout(240)  # subprocesses: slow on a loaded machine
def test_cli_runs_a_tasks_file(tmp_path: Path) -> None:
    lines = [
        '{"id": "a", "prompt": "hello"}',
        "",
        '{"id": "b", "prompt": "world", "sandbox": "read-only"}',
    ]
    (tmp_path / "tasks.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = cli("--offline", "batch", "tasks.jsonl", "--concurrency", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["id"], r["status"], r["final_response"]) for r in lines] == [
        ("a", "completed", "echo: hello"),
        ("b", "completed", "echo: world"),
    ]
    assert proc.stderr.splitlines() == [proc.stderr.strip()]  # one summary line
    assert proc.stderr.startswith("batch: 2 tasks, 2 completed, 0 failed; 0 retries, 30 tokens")


@pytest.mark.timeout(240)  # subprocesses: slow on a loaded machine
def test_cli_failures_exit_1_and_the_results_file_resumes(tmp_path: Path) -> None:
    (tmp_path / "tasks.jsonl").write_text(
        '{"id": "a", "prompt": "hello"}\n{"id": "b", "prompt": "world"}\n', encoding="utf-8"
    )
    failed = cli(
        "batch",
        "tasks.jsonl",
        "--offline",
        "--out",
        "out.jsonl",
        "--max-retries",
        "1",
        cwd=tmp_path,
        OPENAI_CODEX_CLI_OFFLINE_REPLY="fail",
    )
    assert failed.returncode == 1, failed.stderr
    assert failed.stdout == ""
    assert "0 completed, 2 failed; 2 retries" in failed.stderr
    assert failed.stderr.rstrip().endswith("; results in out.jsonl")
    records = read_results(tmp_path / "out.jsonl")
    assert [(r.status, r.attempts) for r in records] == [("failed", 2), ("failed", 2)]
    again = cli("--offline", "batch", "tasks.jsonl", "--out", "out.jsonl", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "2 completed, 0 failed" in again.stderr
    third = cli("--offline", "batch", "tasks.jsonl", "--out", "out.jsonl", cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    assert "2 completed (2 from an earlier run)" in third.stderr
    assert len(read_results(tmp_path / "out.jsonl")) == 4


@pytest.mark.timeout(240)  # subprocesses: slow on a loaded machine
def test_cli_reports_bad_lines_with_their_numbers_before_running(tmp_path: Path) -> None:
    (tmp_path / "tasks.jsonl").write_text(
        "\n".join(
            [
                '{"id": "a", "prompt": "fine"}',
                "{not json",
                '{"id": "a", "prompt": "again"}',
                '{"id": "c"}',
                '{"id": "d", "prompt": "p", "temperature": 2}',
            ]
        ),
        encoding="utf-8",
    )
    proc = cli("--offline", "batch", "tasks.jsonl", "--out", "out.jsonl", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("codex-sdk: error: tasks.jsonl:2: not valid JSON")
    assert "line 3: duplicate id 'a' (first on line 1)" in line
    assert "line 4: missing 'prompt'" in line
    assert "(and 1 more bad line)" in line
    assert not (tmp_path / "out.jsonl").exists()  # nothing ran


@pytest.mark.timeout(240)
def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "tasks.jsonl").write_text('{"id": "a", "prompt": "fine"}\n', encoding="utf-8")
    usage = cli("--offline", "batch", "tasks.jsonl", "--concurrency", "0", cwd=tmp_path)
    assert usage.returncode == 2 and "--concurrency" in usage.stderr
    missing = cli("--offline", "batch", "nope.jsonl", cwd=tmp_path)
    assert missing.returncode == 2 and "cannot read nope.jsonl" in missing.stderr
    unknown = cli("batch", "-", cwd=tmp_path, stdin='{"id": "x", "prompt": "p", "modle": "o3"}\n')
    assert unknown.returncode == 2
    assert "<stdin>:1: task 'x': unknown option(s): modle" in unknown.stderr


# --------------------------------------------------------------------------- Ray


@pytest.fixture(scope="module")
def ray_session() -> Iterator[Any]:
    """One local Ray for the module's Ray tests (about 5 s to start, 1.5 s to stop)."""
    ray = pytest.importorskip("ray")
    if ray.is_initialized():  # pragma: no cover - someone else's session
        pytest.skip("Ray is already initialized in this process")
    started = time.monotonic()
    try:
        ray.init(num_cpus=2, logging_level="WARNING", include_dashboard=False)
    except Exception:  # its raylet may miss its 30 s start-up window on a busy machine
        ray.shutdown()
        ray.init(num_cpus=2, logging_level="WARNING", include_dashboard=False)
    print(f"\nray.init took {time.monotonic() - started:.1f} s")
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.mark.timeout(240)  # the first one also starts Ray
def test_ray_backend_runs_retries_and_writes_results(
    ray_session: Any, harness: CodexHarness, tmp_path: Path
) -> None:
    harness.model.enqueue(Reply.failure("transient"))
    path = tmp_path / "results.jsonl"
    started = time.monotonic()
    results = run_batch(
        tasks("a", "b", "c"),
        config=harness.config(),
        backend="ray",
        concurrency=2,
        server_concurrency=1,  # two actors
        retry_delay_s=0.01,
        results_path=path,
    )
    print(f"ray batch took {time.monotonic() - started:.1f} s")
    assert [r.status for r in results] == ["completed"] * 3
    assert sorted(r.attempts for r in results) == [1, 1, 2]
    assert [r.final_response for r in results] == [f"echo: prompt of {x}" for x in "abc"]
    assert sorted(r.id for r in read_results(path)) == ["a", "b", "c"]
    assert ray_session.is_initialized()  # ours, so the batch left it running
    wait_until(lambda: server_pids(harness) == [], "the actors' app-servers to exit")


@pytest.mark.timeout(240)  # the first one also starts Ray
def test_ray_backend_replaces_a_dead_app_server(ray_session: Any, harness: CodexHarness) -> None:
    held = harness.model.enqueue(Reply.text("never delivered").held())
    batch = Background(
        tasks=tasks("victim", "other"),
        config=harness.config(),
        backend="ray",
        concurrency=1,
        retry_delay_s=0.01,
    )
    try:
        assert held.wait_reached(WAIT_S)
        (pid,) = server_pids(harness)  # owned by the actor, in a Ray worker process
        os.kill(pid, signal.SIGKILL)
    finally:
        held.release()
    victim, other = batch.join()
    assert (victim.status, victim.attempts) == ("completed", 2)
    assert other.status == "completed"
    wait_until(lambda: server_pids(harness) == [], "the actor's app-server to exit")
