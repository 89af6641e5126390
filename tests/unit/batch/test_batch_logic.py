"""``openai_codex.batch`` without an app-server: tasks, results files, retries, the driver.

The driver is exercised with fake backends (plain coroutines that count what runs at
once), and the server pool with fake clients; the real app-server is in
``tests/integration/test_batch.py``.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import subprocess
import sys
import textwrap
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from openai_codex import (
    CodexError,
    InvalidParamsError,
    Sandbox,
    ServerBusyError,
    TransportClosedError,
    TurnFailedError,
)
from openai_codex.batch import (
    BatchResult,
    BatchTask,
    TaskFileError,
    TokenUsage,
    read_results,
    read_tasks,
    run_batch,
    summary_line,
)
from openai_codex.batch._attempt import START_ATTEMPTS, ServerPool
from openai_codex.batch._policy import (
    MAX_RETRY_DELAY_S,
    AttemptOutcome,
    backoff_delay,
    describe_error,
    is_retryable,
    run_task,
)
from openai_codex.batch._progress import BatchProgress, format_duration, format_tokens
from openai_codex.batch._results_file import ResultsWriter, latest_results
from openai_codex.batch._runner import execute, plan
from openai_codex.batch._task import as_tasks, parse_tasks

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    async def guarded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(guarded())


# --------------------------------------------------------------------------- tasks


def test_task_keeps_its_fields_and_options() -> None:
    task = BatchTask(
        "t1",
        "Summarize",
        cwd=Path("/tmp"),
        output_schema={"type": "object"},
        model="o3",
        sandbox=Sandbox.read_only,
        approval_mode="deny_all",
        developer_instructions="be brief",
        config={"model_reasoning_effort": "low"},
    )
    assert (task.id, task.prompt, task.cwd) == ("t1", "Summarize", "/tmp")
    assert task.output_schema == {"type": "object"}
    assert task.options == {
        "model": "o3",
        "sandbox": Sandbox.read_only,
        "approval_mode": "deny_all",
        "developer_instructions": "be brief",
        "config": {"model_reasoning_effort": "low"},
    }
    task.options["model"] = "changed"  # a copy
    assert task.options["model"] == "o3"


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"id": "", "prompt": "p"}, ValueError, "id must not be empty"),
        ({"id": 3, "prompt": "p"}, TypeError, "id must be a string"),
        ({"id": "a", "prompt": "  "}, ValueError, "prompt is empty"),
        ({"id": "a", "prompt": ["p"]}, TypeError, "prompt must be a string"),
        ({"id": "a", "prompt": "p", "modle": "o3"}, TypeError, "unknown option(s): modle"),
        ({"id": "a", "prompt": "p", "sandbox": "everything"}, ValueError, "sandbox must be"),
        ({"id": "a", "prompt": "p", "approval_mode": "maybe"}, ValueError, "approval_mode"),
        ({"id": "a", "prompt": "p", "model": 3}, ValueError, "bad option value: model"),
        ({"id": "a", "prompt": "p", "ephemeral": "often"}, ValueError, "ephemeral"),
        ({"id": "a", "prompt": "p", "output_schema": "json"}, TypeError, "output_schema"),
        ({"id": "a", "prompt": "p", "cwd": 5}, TypeError, "cwd must be a path"),
    ],
)
def test_bad_tasks_are_refused_when_built(
    kwargs: dict[str, Any], error: type[Exception], text: str
) -> None:
    with pytest.raises(error) as caught:
        BatchTask(**kwargs)
    assert text in str(caught.value)


def test_task_accepts_thread_start_fields_by_snake_case_name() -> None:
    task = BatchTask("a", "p", base_instructions="x", ephemeral=True, service_tier="flex")
    assert task.options["ephemeral"] is True


def test_task_dict_form_round_trips() -> None:
    data = {"id": "a", "prompt": "p", "cwd": "/w", "output_schema": {"type": "object"}}
    data["model"] = "o3"
    task = BatchTask.from_dict(data)
    assert task.to_dict() == data
    assert BatchTask.from_dict(task.to_dict()) == task
    with pytest.raises(ValueError, match="missing 'id' and 'prompt'"):
        BatchTask.from_dict({"model": "o3"})
    with pytest.raises(TypeError, match="JSON object"):
        BatchTask.from_dict(["a", "b"])  # type: ignore[arg-type]


def test_task_pickles() -> None:
    import pickle

    task = BatchTask("a", "p", model="o3", output_schema={"type": "object"})
    assert pickle.loads(pickle.dumps(task)) == task


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate task id 'a'"):
        as_tasks([BatchTask("a", "p"), {"id": "b", "prompt": "q"}, {"id": "a", "prompt": "r"}])
    with pytest.raises(TypeError):
        as_tasks(["not a task"])  # type: ignore[list-item]


def test_tasks_file_errors_name_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text(
        "\n".join(
            [
                '{"id": "a", "prompt": "one"}',
                "not json",
                "",
                '{"id": "a", "prompt": "again"}',
                '{"prompt": "no id"}',
                '{"id": "c", "prompt": "x", "colour": "blue"}',
                "[1, 2]",
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(TaskFileError) as caught:
        read_tasks(path)
    errors = caught.value.errors
    assert [line for line, _ in errors] == [2, 4, 5, 6, 7]
    assert "not valid JSON" in errors[0][1]
    assert "duplicate id 'a' (first on line 1)" in errors[1][1]
    assert "missing 'id'" in errors[2][1]
    assert "unknown option(s): colour" in errors[3][1]
    assert "JSON object" in errors[4][1]
    message = str(caught.value)
    assert message.startswith(f"{path}:2: not valid JSON")
    assert "; line 4: duplicate id" in message and "(and 2 more bad lines)" in message


def test_tasks_file_defaults_apply_unless_a_line_sets_them() -> None:
    text = '{"id": "a", "prompt": "p"}\n{"id": "b", "prompt": "q", "model": "own"}\n'
    tasks = parse_tasks(text, defaults={"model": "default-model"})
    assert [t.options["model"] for t in tasks] == ["default-model", "own"]


# --------------------------------------------------------------------------- results


def _result(task_id: str, status: str = "completed", **fields: Any) -> BatchResult:
    return BatchResult(id=task_id, status=status, attempts=1, **fields)  # type: ignore[arg-type]


def test_result_dict_form_round_trips() -> None:
    result = BatchResult(
        id="a",
        status="completed",
        final_response='{"x": 1}',
        structured_output={"x": 1},
        usage=TokenUsage(10, 2, 5, 1, 15),
        attempts=2,
        duration_s=1.23456,
        thread_id="th",
    )
    data = result.to_dict()
    assert data["usage"] == {
        "input_tokens": 10,
        "cached_input_tokens": 2,
        "output_tokens": 5,
        "reasoning_output_tokens": 1,
        "total_tokens": 15,
    }
    assert data["duration_s"] == 1.235
    back = BatchResult.from_dict(json.loads(json.dumps(data)))
    assert back == BatchResult(**{**result.__dict__, "duration_s": 1.235})
    for bad in ({"status": "completed"}, {"id": "a", "status": "done"}, {"id": "a"}):
        with pytest.raises(ValueError):
            BatchResult.from_dict(bad)


def test_usage_adds_up() -> None:
    one = TokenUsage(10, 1, 5, 2, 15)
    assert one + one == TokenUsage(20, 2, 10, 4, 30)

    class Breakdown:
        input_tokens = 7
        cached_input_tokens = 0
        output_tokens = 3
        reasoning_output_tokens = 1
        total_tokens = 10

    class Usage:
        total = Breakdown()
        last = None

    assert TokenUsage.from_turn_usage(Usage()) == TokenUsage(7, 0, 3, 1, 10)
    assert TokenUsage.from_turn_usage(None) is None


def test_results_file_is_whole_lines_and_resumable(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    with ResultsWriter(path) as writer:
        writer.write(_result("a"))
        writer.write(_result("b", "failed", error="TurnFailedError: boom"))
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") and len(text.splitlines()) == 2
    assert [json.loads(line)["id"] for line in text.splitlines()] == ["a", "b"]
    # A writer killed mid-line leaves half a line: readers skip it, the next writer cuts it.
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "c", "half_a_li')
    assert [r.id for r in read_results(path)] == ["a", "b"]
    with ResultsWriter(path) as writer:
        writer.write(_result("b"))
    assert "half_a_li" not in path.read_text(encoding="utf-8")
    records = read_results(path)
    assert [r.id for r in records] == ["a", "b", "b"]
    latest = latest_results(records)
    assert latest["b"].ok  # the last line of an id wins
    assert read_results(tmp_path / "missing.jsonl") == []


def test_a_bad_complete_line_in_a_results_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text('{"id": "a", "status": "completed"}\nhello\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"results.jsonl:2: not a results line"):
        read_results(path)


def test_plan_reuses_completed_results_and_reruns_failed_ones() -> None:
    tasks = [BatchTask(x, "p") for x in "abcd"]
    stored = {"a": _result("a"), "b": _result("b", "failed", error="x"), "z": _result("z")}
    results, pending = plan(tasks, stored)
    assert results[0] is stored["a"]
    assert results[1:] == [None, None, None]
    assert pending == [1, 2, 3]


# --------------------------------------------------------------------------- retry policy


@pytest.mark.parametrize(
    ("exc", "retryable"),
    [
        (TurnFailedError("boom"), True),
        (ServerBusyError(-32001, "Server overloaded; retry later."), True),
        (TransportClosedError("the server exited", exit_code=1), True),
        (asyncio.TimeoutError(), True),
        (InvalidParamsError(-32602, "bad"), False),
        (TypeError("unexpected option"), False),
        (ValueError("bad value"), False),
        (CodexError("other"), False),
    ],
)
def test_which_errors_are_retried(exc: BaseException, retryable: bool) -> None:
    assert is_retryable(exc) is retryable


def test_refused_credentials_are_not_retried() -> None:
    class Refused(TransportClosedError):
        status_code = 401

    assert not is_retryable(Refused("HTTP 401 Unauthorized"))


def test_errors_are_described_on_one_line() -> None:
    exc = TransportClosedError("the server exited", exit_code=1, stderr_tail=["a", "b"])
    assert describe_error(exc) == "TransportClosedError: the server exited (exit code 1)"
    assert describe_error(ValueError()) == "ValueError"


def test_backoff_doubles_with_jitter_and_a_ceiling() -> None:
    rng = random.Random(1)
    for attempt in range(1, 12):
        ceiling = min(MAX_RETRY_DELAY_S, 0.5 * 2 ** (attempt - 1))
        delay = backoff_delay(attempt, 0.5, rng=rng)
        assert ceiling / 2 <= delay <= ceiling
    assert backoff_delay(3, 0) == 0.0


def _scripted(outcomes: list[AttemptOutcome]) -> Callable[[BatchTask], Any]:
    calls: list[str] = []

    async def attempt(task: BatchTask) -> AttemptOutcome:
        calls.append(task.id)
        return outcomes[len(calls) - 1]

    attempt.calls = calls  # type: ignore[attr-defined]
    return attempt


def test_retries_until_success_and_adds_up_usage() -> None:
    usage = TokenUsage(10, 0, 5, 0, 15)
    attempt = _scripted(
        [
            AttemptOutcome(ok=False, retryable=True, error="TurnFailedError: x", usage=usage),
            AttemptOutcome(ok=True, final_response="done", usage=usage, thread_id="t2"),
        ]
    )
    retries: list[str] = []
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    result = run(
        run_task(
            BatchTask("a", "p"),
            attempt,
            max_retries=2,
            retry_delay_s=1.0,
            on_retry=lambda task, outcome: retries.append(outcome.error or ""),
            sleep=sleep,
        )
    )
    assert result.status == "completed" and result.attempts == 2
    assert result.final_response == "done" and result.thread_id == "t2"
    assert result.usage == TokenUsage(20, 0, 10, 0, 30)
    assert retries == ["TurnFailedError: x"]
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 1.0


def test_gives_up_after_max_retries() -> None:
    failure = AttemptOutcome(ok=False, retryable=True, error="ServerBusyError: busy")
    attempt = _scripted([failure] * 5)
    result = run(run_task(BatchTask("a", "p"), attempt, max_retries=2, retry_delay_s=0))
    assert result.status == "failed" and result.attempts == 3
    assert result.error == "ServerBusyError: busy"
    assert attempt.calls == ["a"] * 3  # type: ignore[attr-defined]


def test_a_non_retryable_failure_is_final_at_once() -> None:
    attempt = _scripted([AttemptOutcome(ok=False, error="TypeError: bad option")])
    result = run(run_task(BatchTask("a", "p"), attempt, max_retries=5, retry_delay_s=0))
    assert (result.status, result.attempts, result.error) == ("failed", 1, "TypeError: bad option")


def test_an_attempt_that_raises_fails_only_its_task() -> None:
    async def attempt(task: BatchTask) -> AttemptOutcome:
        raise KeyError("bug")

    result = run(run_task(BatchTask("a", "p"), attempt, max_retries=5, retry_delay_s=0))
    assert result.status == "failed" and result.attempts == 1
    assert result.error == "KeyError: 'bug'"


# --------------------------------------------------------------------------- the driver


class FakeBackend:
    """Attempts that sleep a moment; counts how many run at once, per slot and overall."""

    def __init__(self, behaviour: Callable[[BatchTask, int], AttemptOutcome] | None = None):
        self.behaviour = behaviour or (
            lambda task, n: AttemptOutcome(ok=True, final_response=task.prompt)
        )
        self.running = 0
        self.peak = 0
        self.per_slot: dict[int, int] = {}
        self.peak_per_slot: dict[int, int] = {}
        self.slots = 0
        self.attempts: dict[str, int] = {}
        self.started = False
        self.closed = False

    async def start(self, slots: int) -> int:
        self.started = True
        self.slots = slots
        return slots

    async def attempt(self, slot: int, task: BatchTask) -> AttemptOutcome:
        assert 0 <= slot < self.slots
        self.running += 1
        self.per_slot[slot] = self.per_slot.get(slot, 0) + 1
        self.peak = max(self.peak, self.running)
        self.peak_per_slot[slot] = max(self.peak_per_slot.get(slot, 0), self.per_slot[slot])
        try:
            await asyncio.sleep(0.01)
            self.attempts[task.id] = self.attempts.get(task.id, 0) + 1
            return self.behaviour(task, self.attempts[task.id])
        finally:
            self.running -= 1
            self.per_slot[slot] -= 1

    async def close(self) -> None:
        self.closed = True


def _execute(tasks: list[BatchTask], backend: FakeBackend, **kwargs: Any) -> list[BatchResult]:
    options: dict[str, Any] = {
        "concurrency": 4,
        "server_concurrency": 2,
        "max_retries": 2,
        "retry_delay_s": 0,
        "results_path": None,
    }
    options.update(kwargs)
    return run(execute(tasks, backend, **options))


def test_concurrency_is_bounded_overall_and_per_server() -> None:
    backend = FakeBackend()
    tasks = [BatchTask(f"t{i}", f"p{i}") for i in range(20)]
    results = _execute(tasks, backend, concurrency=5, server_concurrency=2)
    assert backend.slots == 3  # ceil(5 / 2)
    assert backend.peak == 5
    assert max(backend.peak_per_slot.values()) <= 2
    assert [r.id for r in results] == [t.id for t in tasks]  # task order
    assert [r.final_response for r in results] == [t.prompt for t in tasks]
    assert backend.closed


def test_fewer_tasks_than_concurrency_start_fewer_servers() -> None:
    backend = FakeBackend()
    _execute([BatchTask("a", "p"), BatchTask("b", "q")], backend, concurrency=16)
    assert backend.slots == 1 and backend.peak <= 2


def test_one_failing_task_does_not_stop_the_others(tmp_path: Path) -> None:
    def behaviour(task: BatchTask, attempt: int) -> AttemptOutcome:
        if task.id == "bad":
            return AttemptOutcome(ok=False, retryable=True, error="TurnFailedError: no")
        if task.id == "flaky" and attempt == 1:
            return AttemptOutcome(ok=False, retryable=True, error="TransportClosedError: gone")
        return AttemptOutcome(ok=True, final_response="ok")

    backend = FakeBackend(behaviour)
    tasks = [BatchTask(x, "p") for x in ("a", "bad", "flaky", "b")]
    path = tmp_path / "results.jsonl"
    results = _execute(tasks, backend, results_path=path, max_retries=1)
    assert [(r.id, r.status, r.attempts) for r in results] == [
        ("a", "completed", 1),
        ("bad", "failed", 2),
        ("flaky", "completed", 2),
        ("b", "completed", 1),
    ]
    assert results[1].error == "TurnFailedError: no"
    written = {r.id: r for r in read_results(path)}
    assert written == {r.id: r for r in results}


def test_resume_skips_completed_tasks_and_reruns_failed_ones(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    with ResultsWriter(path) as writer:
        writer.write(_result("a", final_response="from before"))
        writer.write(_result("b", "failed", error="x"))
    backend = FakeBackend()
    tasks = [BatchTask(x, x) for x in "abc"]
    results = _execute(tasks, backend, results_path=path)
    assert backend.attempts == {"b": 1, "c": 1}
    assert [r.final_response for r in results] == ["from before", "b", "c"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "b", "b", "c"]
    # Everything completed: a third run starts nothing at all.
    again = FakeBackend()
    assert _execute(tasks, again, results_path=path) == results
    assert not again.started


def test_a_failing_backend_start_closes_it_and_raises() -> None:
    class Broken(FakeBackend):
        async def start(self, slots: int) -> int:
            raise RuntimeError("no cluster")

    backend = Broken()
    with pytest.raises(RuntimeError, match="no cluster"):
        _execute([BatchTask("a", "p")], backend)
    assert backend.closed


def test_cancelling_the_batch_stops_every_worker_and_closes_the_backend(tmp_path: Path) -> None:
    class Slow(FakeBackend):
        async def attempt(self, slot: int, task: BatchTask) -> AttemptOutcome:
            if task.id != "quick":
                await asyncio.sleep(60)
            return AttemptOutcome(ok=True)

    backend = Slow()
    path = tmp_path / "results.jsonl"

    async def main() -> None:
        batch = asyncio.ensure_future(
            execute(
                [BatchTask("quick", "p"), BatchTask("slow1", "p"), BatchTask("slow2", "p")],
                backend,
                concurrency=3,
                server_concurrency=3,
                max_retries=0,
                retry_delay_s=0,
                results_path=path,
            )
        )
        for _ in range(3000):  # until "quick" is written (30 s at most)
            if path.exists() and path.read_text(encoding="utf-8"):
                break
            await asyncio.sleep(0.01)
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await batch
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert others == []

    asyncio.run(main())
    assert backend.closed
    assert [r.id for r in read_results(path)] == ["quick"]


def test_parameters_are_checked_before_anything_runs(tmp_path: Path) -> None:
    tasks = [BatchTask("a", "p")]
    with pytest.raises(ValueError, match="concurrency"):
        run_batch(tasks, concurrency=0)
    with pytest.raises(TypeError, match="max_retries"):
        run_batch(tasks, max_retries=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backend"):
        run_batch(tasks, backend="spark")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ray_address"):
        run_batch(tasks, ray_address="ray://x:10001")
    with pytest.raises(ValueError, match="duplicate"):
        run_batch([{"id": "a", "prompt": "p"}, {"id": "a", "prompt": "p"}])
    bad = tmp_path / "results.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a results line"):
        run_batch(tasks, results_path=bad)


def test_run_batch_refuses_a_running_loop() -> None:
    async def main() -> None:
        with pytest.raises(RuntimeError, match="arun_batch"):
            run_batch([BatchTask("a", "p")])

    run(main())


def test_nothing_to_run_returns_at_once() -> None:
    assert run_batch([]) == []


# --------------------------------------------------------------------------- server pool


class FakeClient:
    def __init__(self, number: int, fail_start: BaseException | None = None) -> None:
        self.number = number
        self.fail_start = fail_start
        self.started = False
        self.closed = False

    @property
    def pid(self) -> int:
        return 1000 + self.number

    async def start(self) -> None:
        await asyncio.sleep(0)
        if self.fail_start is not None:
            raise self.fail_start
        self.started = True

    async def close(self) -> None:
        self.closed = True


def _pool(slots: int, max_tasks: int | None = None, fail: list[BaseException] | None = None):
    made: list[FakeClient] = []
    failures = list(fail or [])

    def factory() -> Any:
        client = FakeClient(len(made), failures.pop(0) if failures else None)
        made.append(client)
        return client

    return ServerPool(factory, slots, max_tasks), made


def test_pool_starts_one_server_per_slot_and_replaces_a_dead_one() -> None:
    async def main() -> None:
        pool, made = _pool(2)
        a = await pool.acquire(0)
        b = await pool.acquire(0)
        c = await pool.acquire(1)
        assert a is b and a is not c and len(made) == 2
        await pool.release(a, dead=True)  # the server died under two turns
        assert not made[0].closed  # still one turn on it
        d = await pool.acquire(0)
        assert d is not a and len(made) == 3
        await pool.release(b, dead=True)
        assert made[0].closed
        for server in (c, d):
            await pool.release(server)
        await pool.close()
        assert all(client.closed for client in made)

    run(main())


def test_pool_replaces_a_server_after_max_tasks() -> None:
    async def main() -> None:
        pool, made = _pool(1, max_tasks=2)
        first = [await pool.acquire(0) for _ in range(2)]
        assert len(made) == 1
        third = await pool.acquire(0)
        assert third is not first[0] and len(made) == 2
        assert not made[0].closed  # two turns still run on it
        for server in first:
            await pool.release(server)
        assert made[0].closed
        await pool.release(third)
        await pool.close()
        assert made[1].closed

    run(main())


def test_pool_retries_a_start_whose_server_exits() -> None:
    async def main() -> None:
        exited = TransportClosedError("the Codex app-server exited", exit_code=1)
        pool, made = _pool(1, fail=[exited])
        server = await pool.acquire(0)
        assert len(made) == 2 and made[0].closed and server.client is made[1]
        await pool.close()

        pool, made = _pool(1, fail=[exited] * START_ATTEMPTS)
        with pytest.raises(TransportClosedError):
            await pool.acquire(0)
        assert len(made) == START_ATTEMPTS and all(c.closed for c in made)

        pool, made = _pool(1, fail=[FileNotFoundError("no codex")])
        with pytest.raises(FileNotFoundError):
            await pool.acquire(0)
        assert len(made) == 1  # not a transient failure: no second try

    run(main())


def test_the_pools_first_start_runs_alone() -> None:
    async def main() -> None:
        active = 0
        peak = 0

        class Counting(FakeClient):
            async def start(self) -> None:
                nonlocal active, peak
                active += 1
                peak = max(peak, active)
                await asyncio.sleep(0.02)
                active -= 1

        made: list[FakeClient] = []

        def factory() -> Any:
            made.append(Counting(len(made)))
            return made[-1]

        pool = ServerPool(factory, 3)
        await asyncio.gather(*(pool.acquire(slot) for slot in range(3)))
        assert len(made) == 3 and peak <= 2  # the first alone, the other two together
        await pool.close()

    run(main())


# --------------------------------------------------------------------------- progress


def test_progress_line_and_summary() -> None:
    now = [0.0]
    stream = io.StringIO()
    stream.isatty = lambda: True  # type: ignore[method-assign]
    progress = BatchProgress(
        4, reused=1, stream=stream, live=True, summary=True, clock=lambda: now[0]
    )
    progress.task_started()
    progress.task_started()
    now[0] = 10.0
    progress.task_retried()
    progress.task_finished(_result("a", usage=TokenUsage(100, 0, 50, 0, 1500)))
    line = progress.line()
    assert line.startswith("[##########..........] 2/4 done, 0 failed, 1 running, 1 retry")
    assert "1.5k tokens" in line and "0:10" in line and "ETA 0:20" in line
    assert "\r" in stream.getvalue()
    progress.close([_result("a"), _result("b", "failed", error="x")])
    assert stream.getvalue().endswith(
        "batch: 2 tasks, 1 completed (1 from an earlier run), 1 failed; 1 retry, 0 tokens, 10.0 s\n"
    )


def test_progress_draws_nothing_live_off_a_terminal() -> None:
    stream = io.StringIO()
    progress = BatchProgress.for_stream(2, 0, stream)
    progress.task_started()
    progress.task_finished(_result("a"))
    assert stream.getvalue() == ""
    progress.close([_result("a")])
    assert stream.getvalue().startswith("batch: 1 task, 1 completed, 0 failed")


def test_formatting_helpers() -> None:
    assert [format_tokens(n) for n in (950, 12_340, 4_560_000)] == ["950", "12.3k", "4.56M"]
    assert [format_duration(s) for s in (7, 754, 3723)] == ["0:07", "12:34", "1:02:03"]
    results = [_result("a", usage=TokenUsage(total_tokens=20))]
    assert summary_line(results, reused=0, retries=2, elapsed=1.0) == (
        "batch: 1 task, 1 completed, 0 failed; 2 retries, 20 tokens, 1.0 s"
    )


# --------------------------------------------------------------------------- import cost


def test_importing_the_batch_package_does_not_import_ray_or_pydantic() -> None:
    code = textwrap.dedent(
        """
        import sys
        import openai_codex
        import openai_codex.batch
        from openai_codex.batch import *  # noqa: F403
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("ray", "pydantic"))
        assert not loaded, loaded
        import openai_codex.cli  # registers `batch`
        assert not [m for m in sys.modules if m.split(".")[0] == "ray"]
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_batch_usage_is_the_sdks_token_usage() -> None:
    import openai_codex
    from openai_codex.batch import TokenUsage as BatchUsage

    assert BatchUsage is openai_codex.TokenUsage
    usages = [BatchUsage(1, 0, 2, 0, 3), BatchUsage(4, 1, 5, 0, 9)]
    assert sum(usages) == BatchUsage(5, 1, 7, 0, 12)


def test_the_ray_backend_does_not_ship_a_tracer_provider() -> None:
    import pickle

    from opentelemetry.sdk.trace import TracerProvider

    from openai_codex import CodexConfig
    from openai_codex.batch._ray import RayBackend

    config = CodexConfig(cwd="/tmp", tracer_provider=TracerProvider())
    backend = RayBackend(config, server_concurrency=2, server_max_tasks=None, timeout_s=None)
    shipped = backend._config
    assert shipped is not None and shipped.tracer_provider is None and shipped.cwd == "/tmp"
    pickle.dumps(shipped)  # what Ray does with an actor's arguments
