"""One client, many callers at once: 16 OS threads on a sync Codex and 64 tasks on an
AsyncCodex, mixing turns, streams, Python tool calls and approvals. Every caller must get
its own answers, and nothing may deadlock (pytest-timeout is the way out)."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import run

from openai_codex import ApprovalRequest, AsyncCodex, Codex, Decision, tool
from openai_codex.testing import CodexHarness, MockModel, Reply

ROUNDS = 2


def responder(body: dict[str, Any]) -> Reply | None:
    """Script each caller by its own words: "add N", "cmd N", anything else echoes."""
    texts = MockModel.user_texts(body)
    last = texts[-1] if texts else ""
    items = body.get("input") or [{}]
    if items[-1].get("type") == "function_call_output":  # this turn's call came back
        output = MockModel.function_call_outputs(body)[-1].get("output")
        return Reply.text(f"done {last}: {output}")
    if m := re.fullmatch(r"add (\d+)", last):
        return Reply.function_call("add", {"a": int(m[1]), "b": 1000})
    if m := re.fullmatch(r"cmd (\d+)", last):
        return Reply.function_call(
            "exec_command",
            {
                "cmd": f"echo marker-{m[1]}",
                "sandbox_permissions": "require_escalated",
                "justification": f"caller {m[1]}",
            },
        )
    return None


@pytest.fixture
def harness() -> Iterator[CodexHarness]:
    with CodexHarness(approval_policy="on-request") as h:
        h.model.respond_with(responder)
        yield h


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def approve(seen: list[tuple[str, str]]) -> Any:
    def handler(request: ApprovalRequest) -> Decision:
        seen.append((request.thread_id, request.command or ""))
        return Decision.accept

    return handler


def test_sixteen_os_threads_share_one_sync_client(harness: CodexHarness) -> None:
    approvals: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    checked: list[int] = []
    with Codex(harness.config()) as codex:
        barrier = threading.Barrier(16)

        def caller(n: int) -> None:
            try:
                kind = n % 4
                if kind == 2:
                    thread = codex.thread_start(tools=[add])
                elif kind == 3:
                    thread = codex.thread_start(on_approval=approve(approvals))
                else:
                    thread = codex.thread_start()
                barrier.wait(60)
                for r in range(ROUNDS):
                    key = n * 10 + r
                    if kind == 0:
                        result = thread.run(f"hello {key}")
                        assert result.final_response == f"echo: hello {key}"
                    elif kind == 1:
                        handle = thread.turn(f"stream {key}")
                        text = "".join(
                            e.payload.delta
                            for e in handle.stream()
                            if e.method == "item/agentMessage/delta"
                        )
                        assert text == f"echo: stream {key}"
                    elif kind == 2:
                        result = thread.run(f"add {key}")
                        assert result.final_response == f"done add {key}: {key + 1000}"
                    else:
                        result = thread.run(f"cmd {key}")
                        assert f"marker-{key}" in (result.final_response or "")
                        assert (thread.id, f"echo marker-{key}") in [
                            (t, c.split("'")[1] if "'" in c else c) for t, c in approvals
                        ]
                checked.append(n)
            except BaseException as exc:  # reported below, with the caller's number
                exc.add_note(f"caller {n}")
                errors.append(exc)

        workers = [threading.Thread(target=caller, args=(n,)) for n in range(16)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(240)
        assert not any(worker.is_alive() for worker in workers), "a caller is stuck"
    assert errors == []
    assert sorted(checked) == list(range(16))
    assert len(approvals) == 4 * ROUNDS


def test_sixty_four_tasks_share_one_async_client(harness: CodexHarness) -> None:
    approvals: list[tuple[str, str]] = []

    async def caller(codex: AsyncCodex, n: int) -> int:
        kind = n % 4
        if kind == 2:
            thread = await codex.thread_start(tools=[add])
        elif kind == 3:
            thread = await codex.thread_start(on_approval=approve(approvals))
        else:
            thread = await codex.thread_start()
        key = n
        if kind == 0:
            assert (await thread.run(f"hello {key}")).final_response == f"echo: hello {key}"
        elif kind == 1:
            handle = await thread.turn(f"stream {key}")
            parts = [
                e.payload.delta
                async for e in handle.stream()
                if e.method == "item/agentMessage/delta"
            ]
            assert "".join(parts) == f"echo: stream {key}"
        elif kind == 2:
            result = await thread.run(f"add {key}")
            assert result.final_response == f"done add {key}: {key + 1000}"
        else:
            result = await thread.run(f"cmd {key}")
            assert f"marker-{key}" in (result.final_response or "")
        return n

    async def main() -> list[int]:
        async with AsyncCodex(harness.config()) as codex:
            return list(await asyncio.gather(*(caller(codex, n) for n in range(64))))

    assert run(main(), timeout=240) == list(range(64))
    assert len(approvals) == 16
