"""``--offline``: run any command against the embedded test kit instead of real Codex.

Each offline command gets a fresh :class:`~openai_codex.testing.CodexHarness` (a throw-away
CODEX_HOME whose provider is a local :class:`~openai_codex.testing.MockModel` and requires
OpenAI sign-in) and a :class:`~openai_codex.testing.MockIssuer` for ChatGPT logins. The
real ``codex app-server`` runs; nothing leaves 127.0.0.1. Nothing persists between
commands either: ``codex-sdk --offline account`` always starts signed out.

Two environment variables script the mock, so tests can reach every outcome:

``OPENAI_CODEX_CLI_OFFLINE_REPLY``
    unset or empty: the model answers ``(offline mock) You said: <prompt>``;
    ``fail``: every turn fails (``response.failed``), so ``run`` exits 1;
    ``hold``: the model never answers (until the command ends) and a notice on stderr says
    so, to try Ctrl-C on a turn;
    any other text: the model answers with that text.
``OPENAI_CODEX_CLI_OFFLINE_DEVICE``
    what the issuer does with a device code: ``approve`` (default), ``pending`` (never
    decides; the login waits until canceled), ``deny`` or ``expire``.

A browser login is completed by the issuer playing the user's browser. Because its callback
port (1455) is machine-wide, an offline browser login holds
:func:`~openai_codex.testing.browser_login_lock` for as long as its app-server runs.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ._errors import CliError

if TYPE_CHECKING:
    from ..testing import CodexHarness, MockIssuer, Reply

__all__ = ["DEVICE_ENV", "HOLD_NOTICE", "REPLY_ENV", "OfflineKit", "offline_kit"]

REPLY_ENV = "OPENAI_CODEX_CLI_OFFLINE_REPLY"
DEVICE_ENV = "OPENAI_CODEX_CLI_OFFLINE_DEVICE"
_DEVICE_MODES = ("approve", "pending", "deny", "expire")
_FAIL = "fail"
_HOLD = "hold"
HOLD_NOTICE = "(offline mock) the model is holding its answer: Ctrl-C interrupts the turn"
_LOCK_TIMEOUT = 120.0


@dataclass
class OfflineKit:
    """The mock services behind an offline command."""

    harness: CodexHarness
    issuer: MockIssuer

    def script_turn(self, prompt: str) -> None:
        """Queue the mock model's answer to the next turn (see ``REPLY_ENV``)."""
        from ..testing import Reply

        scripted = os.environ.get(REPLY_ENV, "")
        keyword = scripted.strip().lower()
        if keyword == _FAIL:
            self.harness.model.enqueue(Reply.failure("scripted failure of the offline mock"))
            return
        if keyword == _HOLD:  # released when the harness stops the model
            held = self.harness.model.enqueue(Reply.text("(offline mock) released").held())
            _announce_when_reached(held)
            return
        text = scripted or f"(offline mock) You said: {prompt.strip()}"
        words = text.split(" ")
        chunks = [word + " " for word in words[:-1]] + [words[-1]]
        self.harness.model.enqueue(Reply.text([c for c in chunks if c] or [text], delay=0.01))

    def script_review(self) -> None:
        """Queue the reviewer's answer: one finding on the first changed file (see
        ``REPLY_ENV``: ``fail`` fails the review turn, other text replaces the verdict)."""
        import json

        from ..testing import Reply

        scripted = os.environ.get(REPLY_ENV, "")
        if scripted.strip().lower() == _FAIL:
            self.harness.model.enqueue(Reply.failure("scripted failure of the offline mock"))
            return
        verdict = {
            "findings": [
                {
                    "title": "(offline mock) a finding",
                    "body": "The offline reviewer flags the first line of the change.",
                    "confidence_score": 0.5,
                    "priority": 2,
                    "code_location": {
                        "absolute_file_path": "(offline)",
                        "line_range": {"start": 1, "end": 1},
                    },
                }
            ],
            "overall_correctness": "patch is correct",
            "overall_explanation": scripted or "(offline mock) reviewed without a model",
            "overall_confidence_score": 0.5,
        }
        self.harness.model.enqueue(Reply.text(json.dumps(verdict)))

    def play_browser(self, auth_url: str) -> threading.Thread:
        """Complete a browser login in the background, as the user's browser would."""

        def visit() -> None:
            with contextlib.suppress(Exception):  # the login then simply never completes
                self.issuer.complete_browser_login(auth_url, timeout=30.0)

        thread = threading.Thread(target=visit, name="codex-sdk-offline-browser", daemon=True)
        thread.start()
        return thread


def _announce_when_reached(held: Reply) -> None:
    """Say on stderr when the model request is waiting on a held reply."""

    def watch() -> None:
        if held.wait_reached(timeout=None):
            print(HOLD_NOTICE, file=sys.stderr, flush=True)

    threading.Thread(target=watch, name="codex-sdk-offline-hold", daemon=True).start()


def _device_mode() -> str:
    mode = os.environ.get(DEVICE_ENV, "").strip().lower() or "approve"
    if mode not in _DEVICE_MODES:
        raise CliError(f"{DEVICE_ENV} must be one of {', '.join(_DEVICE_MODES)}, not {mode!r}")
    return mode


@contextlib.contextmanager
def offline_kit(*, browser_login: bool = False) -> Iterator[OfflineKit]:
    """Start the mock model, the mock issuer and a harness wired to both."""
    from ..testing import CodexHarness, MockIssuer, browser_login_lock

    mode = _device_mode()
    with contextlib.ExitStack() as stack:
        if browser_login:
            try:
                stack.enter_context(browser_login_lock(timeout=_LOCK_TIMEOUT))
            except TimeoutError as exc:
                raise CliError(f"offline browser login: {exc}") from None
        issuer = stack.enter_context(MockIssuer())
        issuer.device_mode = cast(Any, mode)
        harness = stack.enter_context(CodexHarness(requires_openai_auth=True, issuer=issuer))
        yield OfflineKit(harness=harness, issuer=issuer)
