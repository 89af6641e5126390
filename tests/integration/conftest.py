"""Shared fixtures for tests against the real app-server and the offline test kit."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from openai_codex import Codex, CodexConfig
from openai_codex.testing import CodexHarness

T = TypeVar("T")
FAKE_SERVER = Path(__file__).parent / "fake_servers" / "fake_app_server.py"


def fake_server_config(mode: str, **kwargs: Any) -> CodexConfig:
    """A config that launches the misbehaving fake server in ``mode``."""
    return CodexConfig(launch_args_override=[sys.executable, str(FAKE_SERVER), mode], **kwargs)


def run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    """Run a coroutine to completion under a hard timeout."""

    async def guarded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(guarded())


@pytest.fixture
def harness() -> Iterator[CodexHarness]:
    with CodexHarness() as h:
        yield h


@pytest.fixture
def codex(harness: CodexHarness) -> Iterator[Codex]:
    with Codex(harness.config()) as client:
        yield client
