"""Runs the Python blocks of one markdown file, offline; used by test_docs_blocks.py.

Reads a JSON object on stdin, ``{"file": ..., "blocks": [{"line": N, "code": ...}, ...],
"paths": {placeholder: real path}}``, runs the blocks in order in one namespace (so a
fragment may use what an earlier block of the same file defined) and writes one JSON
result per block to the path given as the only argument.

Each block runs as a reader would run it against their own Codex, with the environment
standing in for theirs:

- a fresh :class:`~openai_codex.testing.CodexHarness` per block, exported the way a user's
  setup is: ``CODEX_HOME`` (its config.toml routes the app-server to the mock model) and
  the harness's other variables in ``os.environ``, and its workspace as the current
  directory; so ``Codex()`` with no config runs offline;
- for a block that signs in (``login_...``) without bringing its own ``MockIssuer``: a
  harness whose provider requires OpenAI auth, a ``MockIssuer`` behind it (under the
  browser-login lock), a fake ``OPENAI_API_KEY``, and ``webbrowser.open`` playing the
  user's browser against that issuer;
- placeholder paths in string literals (``"/repo"``) replaced by real ones (``$NAME`` in
  a replacement is read from the block's environment);
- ``test_*`` functions a block defines are called, with the ``codex_harness`` and
  ``mock_model`` fixtures built as the pytest plugin builds them.

Before each block a marker line ``@@@ block N @@@`` goes to stdout (after a newline, in
case the previous block ended its output without one), so the test can tell
which block printed what.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import signal
import sys
import traceback
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from openai_codex.testing import CodexHarness, MockIssuer, MockModel, browser_login_lock

BLOCK_TIMEOUT = 90
FAKE_API_KEY = "sk-docs-offline-not-a-real-key"
MARKER = "\n@@@ block {} @@@"


class BlockTimeout(Exception):
    """A block ran longer than BLOCK_TIMEOUT seconds."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise BlockTimeout(f"the block ran longer than {BLOCK_TIMEOUT} s")


def needs_login_kit(code: str) -> bool:
    """Whether a block signs in against the runner's issuer (rather than its own)."""
    return "login_" in code and "MockIssuer" not in code


@contextlib.contextmanager
def _environment(harness: CodexHarness, extra: dict[str, str]) -> Iterator[None]:
    """``os.environ`` and the cwd as a user whose Codex is this harness would have them."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    try:
        for name, value in {**harness.env(), **extra}.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        os.chdir(harness.workspace)
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


@contextlib.contextmanager
def _kit(code: str) -> Iterator[None]:
    """The offline stand-in for the reader's Codex, for one block."""
    with contextlib.ExitStack() as stack:
        extra: dict[str, str] = {}
        if needs_login_kit(code):
            stack.enter_context(browser_login_lock())
            issuer = stack.enter_context(MockIssuer(email="dev@example.com", plan="pro"))
            harness = stack.enter_context(
                CodexHarness(
                    requires_openai_auth=True,
                    issuer=issuer,
                    extra_config=issuer.harness_config_overrides(),
                )
            )
            extra["OPENAI_API_KEY"] = FAKE_API_KEY

            def play_browser(url: str, *args: Any, **kwargs: Any) -> bool:
                issuer.complete_browser_login(url)
                return True

            real_open = webbrowser.open
            webbrowser.open = play_browser
            stack.callback(setattr, webbrowser, "open", real_open)
        else:
            harness = stack.enter_context(CodexHarness())
        stack.enter_context(_environment(harness, extra))
        yield


def _call_tests(before: dict[str, Any], namespace: dict[str, Any]) -> list[str]:
    """Call the ``test_*`` functions the block just defined, with the plugin's fixtures."""
    called = []
    for name, value in list(namespace.items()):
        if not name.startswith("test_") or not callable(value) or before.get(name) is value:
            continue
        params = inspect.signature(value).parameters
        unknown = set(params) - {"codex_harness", "mock_model"}
        if unknown:
            raise RuntimeError(f"{name} asks for fixtures the runner lacks: {sorted(unknown)}")
        with MockModel() as model, CodexHarness(model=model) as harness:
            fixtures = {"codex_harness": harness, "mock_model": model}
            value(**{p: fixtures[p] for p in params})
        called.append(name)
    return called


def _source(block: dict[str, Any], paths: dict[str, str]) -> str:
    code: str = block["code"]
    for placeholder, real in paths.items():  # "$CODEX_HOME": the block's, from its kit
        code = code.replace(f'"{placeholder}"', json.dumps(os.path.expandvars(real)))
    # Pad so that tracebacks give the line numbers of the markdown file.
    return "\n" * (block["line"] - 1) + code


def run_blocks(request: dict[str, Any], write: Callable[[list[dict[str, Any]]], None]) -> None:
    """Run every block of one file in order; record ok/error (with traceback) per block."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    results: list[dict[str, Any]] = []
    signal.signal(signal.SIGALRM, _on_alarm)
    for index, block in enumerate(request["blocks"]):
        print(MARKER.format(index), flush=True)
        result: dict[str, Any] = {"line": block["line"], "ok": False, "error": None, "tests": []}
        try:
            before = dict(namespace)
            signal.alarm(BLOCK_TIMEOUT)
            try:
                with _kit(block["code"]):
                    source = _source(block, request["paths"])
                    exec(compile(source, request["file"], "exec"), namespace)
                    result["tests"] = _call_tests(before, namespace)
            finally:
                signal.alarm(0)
            result["ok"] = True
        except BaseException:
            result["error"] = traceback.format_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        results.append(result)
        write(results)


def main() -> None:
    """Entry point: ``python _docs_runner.py RESULTS_JSON < request.json``."""
    request = json.load(sys.stdin)
    out = Path(sys.argv[1])

    def write(results: list[dict[str, Any]]) -> None:
        out.write_text(json.dumps(results), encoding="utf-8")

    run_blocks(request, write)


if __name__ == "__main__":
    main()
