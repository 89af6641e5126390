"""The login examples run offline (``OPENAI_CODEX_EXAMPLES_OFFLINE=1``) and exit cleanly.

The examples take the machine-wide browser-login lock themselves: these tests must not hold
it while the subprocess runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "15_login_and_account"

pytestmark = pytest.mark.timeout(150)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_login_example_runs_offline(flavour: str, tmp_path: Path) -> None:
    env = {**os.environ, "OPENAI_CODEX_EXAMPLES_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("OPENAI_API_KEY", None)
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{flavour}.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=140,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "account: signed out (requires OpenAI auth: True)"
    handle = "AsyncChatgptLoginHandle" if flavour == "async" else "ChatgptLoginHandle"
    assert lines[1].startswith(f"started {handle}(login_id=")
    assert "cancel: canceled" in lines
    assert any(line.startswith("completed: success=False error=") for line in lines)
    assert "completed: success=True error=None" in lines
    assert "account: ChatGPT dev@example.com (plan plus)" in lines
    assert lines[-1] == "account: signed out (requires OpenAI auth: True)"
    assert "Traceback" not in proc.stderr
