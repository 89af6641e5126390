"""``openai_codex.notebook.show`` and the Jupyter renderings, on the real app-server.

Outside IPython (here) ``show`` prints the turn to stdout as plain text; inside a kernel it
draws one IPython display and updates it in place, which a subprocess checks with a real
IPython shell whose display publisher records instead of sending to a frontend. The
notebook test (``test_notebook.py``) runs the same drawing in a real kernel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run

from openai_codex import (
    AsyncCodex,
    Codex,
    DeviceCodeLoginHandle,
    TurnFailedError,
    TurnResult,
)
from openai_codex.notebook import ashow, show
from openai_codex.testing import CodexHarness, MockIssuer, Reply

pytestmark = pytest.mark.timeout(90)

SECRET = "hunter2-not-for-display"
WORDS = ["Paris ", "is ", "the ", "**capital** ", "of ", "France."]


def echo_call() -> Reply:
    return Reply.function_call("exec_command", {"cmd": "echo shown-output"})


def test_show_prints_the_turn_as_plain_text_outside_ipython(
    codex: Codex, harness: CodexHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.model.enqueue(echo_call())
    harness.model.enqueue(Reply.text(WORDS))
    thread = codex.thread_start()
    result = show(thread.turn("What is the capital of France?"))
    assert isinstance(result, TurnResult)
    assert result.final_response == "".join(WORDS)
    out = capsys.readouterr().out
    (command,) = [line for line in out.splitlines() if line.startswith("[command] ")]
    assert "echo shown-output" in command  # as the runtime runs it (/bin/bash -lc ...)
    assert "".join(WORDS) + "\n" in out
    last = out.splitlines()[-1]
    assert last.startswith(f"[Turn {result.id}: completed · ")
    assert last.endswith(f"{len(result.items)} items]")
    # The rendering of the same result, as Jupyter would show it.
    md = result._repr_markdown_()
    assert md.startswith("**✅ completed** · turn ")
    assert "- ⚙️ **command** `" in md and "echo shown-output" in md and "→ exit 0" in md
    assert "shown-output\n" in md  # the command's output, folded under its item


def test_handle_display_is_show(
    codex: Codex, harness: CodexHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.model.enqueue(Reply.text("Shown once."))
    result = codex.thread_start().turn("hi").display()
    assert result.final_response == "Shown once."
    out = capsys.readouterr().out
    assert out.startswith("Shown once.\n[Turn ") and out.count("Shown once.") == 1


def test_show_draws_a_failed_turn_then_raises(
    codex: Codex, harness: CodexHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.model.enqueue(Reply.failure("model exploded"))
    with pytest.raises(TurnFailedError) as info:
        show(codex.thread_start().turn("fail"))
    assert info.value.result.status.value == "failed"
    out = capsys.readouterr().out
    assert f"[Turn {info.value.result.id}: failed" in out
    assert "Error: " in out and "model exploded" in out


def test_show_draws_a_goal_run_as_one_turn(
    codex: Codex, harness: CodexHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    thread = codex.thread_start()
    thread.run("warm up: a goal needs a persisted thread")
    capsys.readouterr()
    for reply in (
        Reply.text("step one"),
        Reply.function_call("update_goal", {"status": "complete"}),
        Reply.text("all done"),
    ):
        harness.model.enqueue(reply)
    handle = thread.start_goal("do the steps")
    result = handle.display()
    assert result.final_response == "all done"
    out = capsys.readouterr().out
    assert out.startswith("step one\nall done\n[Turn "), out
    assert f"[Turn {handle.id}: completed" in out


def test_ashow_and_await_display_on_async_handles(
    harness: CodexHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    async def main() -> tuple[TurnResult, TurnResult]:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            harness.model.enqueue(Reply.text(["one ", "two"]))
            first = await ashow(await thread.turn("a"))
            harness.model.enqueue(Reply.text("three"))
            handle = await thread.turn("b")
            with pytest.raises(TypeError, match="use `await ashow"):
                show(handle)  # type: ignore[arg-type]
            second = await handle.display()
            return first, second

    first, second = run(main())
    assert (first.final_response, second.final_response) == ("one two", "three")
    out = capsys.readouterr().out
    assert out.count("[Turn ") == 2 and "one two\n" in out and "three\n" in out


def test_ashow_refuses_a_blocking_handle(codex: Codex) -> None:
    handle = codex.thread_start().turn("hi")
    with pytest.raises(TypeError, match="ashow\\(\\) takes an AsyncTurnHandle"):
        run(ashow(handle))  # type: ignore[arg-type]
    handle.run()


def test_a_thread_renders_its_options_without_config_values(
    codex: Codex, harness: CodexHarness
) -> None:
    config = {"shell_environment_policy": {"set": {"MY_TOKEN": SECRET}}}
    thread = codex.thread_start(config=config, model="mock-model", developer_instructions="Terse.")
    thread.run("hi")
    md = thread._repr_markdown_()
    assert md.startswith(f"**Thread** `{thread.id}` · model `mock-model` · **")
    assert "- `config`: `shell_environment_policy` (values not shown)" in md
    assert "- `developerInstructions`: `Terse.`" in md
    assert SECRET not in md

    async def async_md() -> str:
        async with AsyncCodex(harness.config()) as client:
            return (await client.thread_start(config=config))._repr_markdown_()

    md = run(async_md())
    assert "`shell_environment_policy` (values not shown)" in md and SECRET not in md


@pytest.fixture
def issuer() -> Iterator[MockIssuer]:
    with MockIssuer(email="nb@example.com", plan="pro") as mock:
        yield mock


def test_a_device_code_login_shows_its_code_until_it_ends(issuer: MockIssuer) -> None:
    issuer.device_mode = "pending"
    with (
        CodexHarness(requires_openai_auth=True, issuer=issuer) as harness,
        Codex(harness.config()) as codex,
    ):
        handle = codex.login_chatgpt_device_code()
        assert isinstance(handle, DeviceCodeLoginHandle)
        pending = handle._repr_markdown_()
        assert "**⏳ pending**" in pending
        assert f"Open <{handle.verification_url}> and enter the code" in pending
        assert handle.user_code in pending
        handle.cancel()
        done = handle.wait(timeout=15)
        assert done.success is False
        ended = handle._repr_markdown_()
        assert "**❌ failed**" in ended and handle.user_code not in ended
        for token in issuer.issued_tokens:
            assert token not in pending + ended

        async def async_login() -> tuple[str, str, str]:
            async with AsyncCodex(harness.config()) as client:
                handle = await client.login_chatgpt_device_code()
                pending = handle._repr_markdown_()
                await handle.cancel()
                await handle.wait(timeout=15)
                return handle.user_code, pending, handle._repr_markdown_()

        code, pending, ended = run(async_login())
        assert "**⏳ pending**" in pending and code in pending
        assert "**❌ failed**" in ended and code not in ended


# --------------------------------------------------------------------------- in a kernel

KERNEL_SCRIPT = """
import json
import sys

from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from openai_codex import Codex
from openai_codex.notebook import show
from openai_codex.testing import CodexHarness, Reply

calls = []


class Recorder(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
        calls.append({"data": data, "transient": transient or {}, "update": update})


class KernelShell(InteractiveShell):
    kernel = "stand-in"  # what a kernel's shell has and a terminal's has not


config = Config()
config.HistoryManager.enabled = False
KernelShell.instance(config=config, display_pub_class=Recorder)

with CodexHarness() as harness, Codex(harness.config()) as codex:
    thread = codex.thread_start()
    runs = []
    for interval in (0.0, 0.25):
        harness.model.enqueue(Reply.text(WORDS))
        result = show(thread.turn("capital?"), interval=interval)
        runs.append({"calls": calls[:], "final": result.final_response, "id": result.id})
        calls.clear()
json.dump(runs, sys.stdout)
"""


def test_show_in_a_kernel_draws_one_display_and_updates_it(tmp_path: Path) -> None:
    script = f"WORDS = {WORDS!r}\n" + textwrap.dedent(KERNEL_SCRIPT)
    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=80,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    runs: list[dict[str, Any]] = json.loads(proc.stdout)
    for index, drawn in enumerate(runs):
        calls = drawn["calls"]
        first, *updates = calls
        display_id = first["transient"].get("display_id")
        assert display_id and first["update"] is False, first
        assert first["data"]["text/markdown"].startswith("**⏳ in progress** · turn ")
        assert updates, "no final drawing"
        assert all(c["update"] and c["transient"]["display_id"] == display_id for c in updates)
        final = updates[-1]["data"]
        assert final["text/markdown"].startswith(f"**✅ completed** · turn `{drawn['id']}`")
        assert "".join(WORDS) in final["text/markdown"]
        assert final["text/plain"].startswith(f"Turn {drawn['id']}: completed")
        assert drawn["final"] == "".join(WORDS)
        if index == 0:  # interval=0: every change is drawn, the words among them
            texts = [c["data"]["text/markdown"] for c in updates]
            assert any("Paris is ▌" in text for text in texts), texts
