"""The ``codex-sdk`` command line, run as a subprocess against the real app-server.

Every command runs with ``--offline`` (the embedded MockModel and MockIssuer), scripted
through the environment variables documented in ``openai_codex.cli._offline``:
``OPENAI_CODEX_CLI_OFFLINE_REPLY=fail`` fails the turn, ``OPENAI_CODEX_CLI_OFFLINE_DEVICE``
decides what the issuer does with a device code. An offline ``login --browser`` takes the
machine-wide browser-login lock itself, so these tests must not hold it around it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

COMMANDS = ["demo", "login", "account", "logout", "models", "run", "chat", "review"]
FAKE_KEY = "sk-cli-test-0123456789abcdef"


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENAI_API_KEY", "CODEX_API_KEY") and not k.startswith("OPENAI_CODEX_CLI")
    }
    env.update(extra)
    return env


def cli(
    *args: str, stdin: str = "", timeout: float = 90, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m openai_codex ARGS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "openai_codex", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=timeout,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert proc.returncode == code, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("codex-sdk: error: "), proc.stderr
    assert text in lines[0]
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- help, mistakes


def test_top_level_help_lists_every_command() -> None:
    proc = cli("--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: codex-sdk")
    for command in COMMANDS:
        assert f"    {command} " in proc.stdout
    assert "--offline" in proc.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    proc = cli(command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: codex-sdk {command}")
    assert "--offline" in proc.stdout and "--codex-bin" in proc.stdout


def test_console_script_is_installed() -> None:
    script = shutil.which("codex-sdk", path=str(Path(sys.executable).parent))
    assert script is not None, "pip install -e . creates the codex-sdk script"
    proc = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and proc.stdout.startswith("codex-sdk ")


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["run", "hi", "--bogus"], "unrecognized arguments: --bogus"),
        (["--offline", "run"], "the following arguments are required: PROMPT"),
        (["login"], "one of the arguments --api-key-stdin --browser --device-code is required"),
        (["login", "--browser", "--device-code"], "not allowed with argument"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["-c", "no-equals-sign", "account"], "expected key=value"),
        (["run", "--sandbox", "everything", "hi"], "invalid choice: 'everything'"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(args: list[str], text: str) -> None:
    assert_one_line_error(cli(*args), 2, text)


def test_empty_prompt_and_empty_api_key_are_usage_errors() -> None:
    assert_one_line_error(cli("--offline", "run", "-", stdin="  \n"), 2, "the prompt is empty")
    proc = cli("--offline", "login", "--api-key-stdin", stdin="\n")
    assert_one_line_error(proc, 2, "no API key on stdin")


def test_no_command_prints_help_and_exits_2() -> None:
    proc = cli()
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: codex-sdk")


def test_missing_codex_binary_is_one_line() -> None:
    proc = cli("--codex-bin", "/nonexistent/codex", "account")
    assert_one_line_error(proc, 1, "'/nonexistent/codex' does not exist")


def test_server_exit_names_the_servers_reason() -> None:
    proc = cli("--offline", "-c", "sandbox_mode=bogus", "account")
    assert_one_line_error(proc, 1, "the Codex app-server exited (exit code 1)")
    assert "the server said: Error: unknown variant `bogus`" in proc.stderr


# --------------------------------------------------------------------------- demo, turns


def test_demo_streams_a_turn_and_does_a_login_round_trip() -> None:
    started = time.monotonic()
    proc = cli("demo")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line.split(None, 1) for line in proc.stdout.splitlines() if line.strip()]
    steps = [(words[0], words[1] if len(words) > 1 else "") for words in lines]
    assert ("assistant", "Hello from Codex!") in [(k, v[:17]) for k, v in steps]
    assert any(k == "turn" and v.startswith("completed: 2 items") for k, v in steps)
    accounts = [v for k, v in steps if k == "account"]
    assert accounts == ["signed out", "signed in with an API key", "signed out"]
    assert "sk-demo-not-a-real-key" not in proc.stdout + proc.stderr
    assert proc.stderr == ""
    assert time.monotonic() - started < 30


def test_run_streams_the_answer() -> None:
    proc = cli("--offline", "run", "hello", "world")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "(offline mock) You said: hello world\n"
    assert proc.stderr == ""


def test_run_reads_the_prompt_from_stdin_and_accepts_global_options_after_it() -> None:
    proc = cli("run", "-", "--offline", "-c", "model_verbosity=low", stdin="from stdin\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "(offline mock) You said: from stdin\n"


def test_run_json_prints_the_turn_result() -> None:
    proc = cli("--offline", "run", "--json", "hi", OPENAI_CODEX_CLI_OFFLINE_REPLY="Forty-two.")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == "completed"
    assert result["final_response"] == "Forty-two."
    assert [item["type"] for item in result["items"]] == ["userMessage", "agentMessage"]
    assert result["usage"]["total"]["total_tokens"] > 0
    assert result["error"] is None


def test_failed_turn_exits_1_with_one_line() -> None:
    proc = cli("--offline", "run", "boom", OPENAI_CODEX_CLI_OFFLINE_REPLY="fail")
    assert_one_line_error(proc, 1, "turn failed: ")
    assert "scripted failure of the offline mock" in proc.stderr
    assert proc.stdout == ""


def test_failed_turn_json_still_prints_the_partial_result() -> None:
    proc = cli("--offline", "run", "--json", "boom", OPENAI_CODEX_CLI_OFFLINE_REPLY="fail")
    assert_one_line_error(proc, 1, "turn failed: ")
    result = json.loads(proc.stdout)
    assert result["status"] == "failed"
    assert "scripted failure" in result["error"]["message"]


def test_models_lists_the_mock_model() -> None:
    proc = cli("--offline", "models")
    assert proc.returncode == 0, proc.stderr
    header, row = proc.stdout.splitlines()[:2]
    assert header.split() == ["MODEL", "NAME", "DEFAULT", "EFFORT", "EFFORTS"]
    assert row.startswith("mock-model*  Mock model")
    as_json = json.loads(cli("--offline", "models", "--json").stdout)
    assert [m["model"] for m in as_json] == ["mock-model"]


def test_chat_reads_stdin_until_quit() -> None:
    script = "hi there\n\n/new\nsecond question\n/quit\nnever sent\n"
    proc = cli("--offline", "chat", stdin=script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "(offline mock) You said: hi there",
        "(offline mock) You said: second question",
    ]
    assert proc.stderr.startswith("new thread ")


def test_chat_ends_at_eof_and_survives_a_failed_turn() -> None:
    proc = cli("--offline", "chat", stdin="one\ntwo\n", OPENAI_CODEX_CLI_OFFLINE_REPLY="fail")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    failures = proc.stderr.splitlines()
    assert len(failures) == 2 and all(f.startswith("codex-sdk: turn failed: ") for f in failures)


# --------------------------------------------------------------------------- sign-in


def test_account_and_logout_offline() -> None:
    proc = cli("--offline", "account")
    assert (proc.returncode, proc.stdout) == (0, "signed out\n"), proc.stderr
    as_json = json.loads(cli("--offline", "account", "--json").stdout)
    assert as_json == {"requires_openai_auth": True}
    proc = cli("--offline", "logout")
    assert (proc.returncode, proc.stdout) == (0, "signed out\n"), proc.stderr


def test_login_with_an_api_key_from_stdin() -> None:
    proc = cli("--offline", "login", "--api-key-stdin", stdin=FAKE_KEY + "\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "signed in with an API key\n"
    assert FAKE_KEY not in proc.stdout + proc.stderr


def test_browser_login_offline() -> None:
    proc = cli("--offline", "login", "--browser")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "Sign in with ChatGPT in your browser:"
    assert "/oauth/authorize?" in lines[1]
    assert lines[-1] == "signed in with ChatGPT as dev@example.com (plan plus)"
    assert proc.stderr == ""  # no spinner when stderr is not a terminal


def test_device_code_login_offline() -> None:
    proc = cli("--offline", "login", "--device-code")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Go to http://127.0.0.1:") and lines[0].endswith("/codex/device")
    assert lines[1].startswith("and enter the code ")
    assert lines[-1] == "signed in with ChatGPT as dev@example.com (plan plus)"
    assert proc.stderr == ""


def test_denied_device_code_fails_with_one_line() -> None:
    proc = cli("--offline", "login", "--device-code", OPENAI_CODEX_CLI_OFFLINE_DEVICE="deny")
    assert_one_line_error(proc, 1, "login failed: device auth failed with status 400")


def test_login_timeout_cancels() -> None:
    proc = cli(
        "--offline",
        "login",
        "--device-code",
        "--timeout",
        "1",
        OPENAI_CODEX_CLI_OFFLINE_DEVICE="pending",
    )
    assert_one_line_error(proc, 1, "no sign-in within 1 s; login canceled")


def _spawn(*args: str, **env: str) -> subprocess.Popen[str]:
    """Start the CLI with the default SIGINT disposition, so SIGINT raises KeyboardInterrupt.

    A test process started with SIGINT ignored (a background job) would hand that on to
    the child; a Python handler installed here becomes SIG_DFL in the child at exec.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "openai_codex", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(**env),
        )
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupt(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Send SIGINT (what Ctrl-C does) and collect the rest of the output."""
    try:
        time.sleep(0.3)  # let the command settle into its wait loop
        proc.send_signal(signal.SIGINT)
        return proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_ctrl_c_cancels_a_pending_login() -> None:
    proc = _spawn("--offline", "login", "--device-code", OPENAI_CODEX_CLI_OFFLINE_DEVICE="pending")
    assert proc.stdout is not None
    first, second = proc.stdout.readline(), proc.stdout.readline()
    assert first.startswith("Go to ") and second.startswith("and enter the code "), first
    out, err = _interrupt(proc)
    assert proc.returncode == 130, out + err
    assert err.splitlines() == ["codex-sdk: login canceled"]


def test_ctrl_c_interrupts_a_running_turn() -> None:
    proc = _spawn("--offline", "run", "take your time", OPENAI_CODEX_CLI_OFFLINE_REPLY="hold")
    assert proc.stderr is not None
    notice = proc.stderr.readline()
    assert notice.startswith("(offline mock) the model is holding its answer"), notice
    out, err = _interrupt(proc)
    assert proc.returncode == 130, out + err
    assert err.splitlines() == ["codex-sdk: turn interrupted"]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_spinner_is_drawn_on_a_terminal_stderr() -> None:
    argv = ["--offline", "login", "--device-code", "--timeout", "1"]
    parent, child = os.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "openai_codex", *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=child,
            env=_env(OPENAI_CODEX_CLI_OFFLINE_DEVICE="pending"),
            timeout=60,
        )
        os.close(child)
        child = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(parent, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(parent)
        if child != -1:
            os.close(child)
    assert proc.returncode == 1
    assert b"\r| waiting for you to sign in (Ctrl-C cancels)" in drawn
    assert drawn.endswith(b"codex-sdk: error: no sign-in within 1 s; login canceled\r\n")


# -------------------------------------------------------------------------------- review


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.email=dev@example.com", "-c", "user.name=Dev"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / "app.py").write_text("x = 1\n")
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], cwd=repo, check=True)
    (repo / "app.py").write_text("x = 1 / 0\n")
    return repo


def test_review_prints_the_review_of_the_uncommitted_changes(git_repo: Path) -> None:
    proc = cli("--offline", "review", "--cwd", str(git_repo))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Review comment:" in proc.stdout
    assert "[P2] (offline):1 (offline mock) a finding" in proc.stdout
    assert "verdict: patch is correct" in proc.stdout


def test_review_takes_a_base_branch_a_commit_or_instructions(git_repo: Path) -> None:
    for args in (["--base", "main"], ["--commit", "HEAD"], ["--instructions", "be strict"]):
        proc = cli("--offline", "review", "--cwd", str(git_repo), *args, "--json")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        data = json.loads(proc.stdout)
        assert data["findings"][0]["title"] == "(offline mock) a finding"
        assert data["turn"]["status"] == "completed"
    proc = cli("--offline", "review", "--base", "main", "--commit", "HEAD")
    assert_one_line_error(proc, 2, "not allowed with argument")


def test_a_failed_review_exits_1(git_repo: Path) -> None:
    proc = cli("--offline", "review", "--cwd", str(git_repo), OPENAI_CODEX_CLI_OFFLINE_REPLY="fail")
    assert_one_line_error(proc, 1, "the review failed")
