"""Offline test kit: a scripted mock model, an isolated CODEX_HOME, pytest fixtures.

``MockModel`` stands in for the Responses API, ``Reply`` scripts its answers, and
``CodexHarness`` writes a CODEX_HOME that routes the app-server to the mock and builds a
``CodexConfig`` for it. ``MockIssuer`` is a local OAuth issuer the app-server can complete
ChatGPT browser and device-code logins against. The pytest plugin
(``openai_codex.testing.pytest_plugin``) offers the ``mock_model`` and ``codex_harness``
fixtures.
"""

from ._harness import CodexHarness, HarnessIssuer
from ._issuer import MockIssuer, MockIssuerError
from ._locks import browser_login_lock
from ._mock_model import MockModel
from ._replies import Reply

__all__ = [
    "CodexHarness",
    "HarnessIssuer",
    "MockIssuer",
    "MockIssuerError",
    "MockModel",
    "Reply",
    "browser_login_lock",
]
