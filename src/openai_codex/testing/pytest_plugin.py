"""pytest plugin (entry point ``pytest11``): the ``mock_model`` and ``codex_harness`` fixtures.

Loading the plugin imports nothing from the SDK; the fixtures import the kit when used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from openai_codex.testing import CodexHarness, MockModel


@pytest.fixture
def mock_model() -> Iterator[MockModel]:
    """A started :class:`~openai_codex.testing.MockModel`, stopped after the test."""
    from openai_codex.testing import MockModel

    with MockModel() as model:
        yield model


@pytest.fixture
def codex_harness(mock_model: MockModel) -> Iterator[CodexHarness]:
    """A :class:`~openai_codex.testing.CodexHarness` using the test's ``mock_model``."""
    from openai_codex.testing import CodexHarness

    with CodexHarness(model=mock_model) as harness:
        yield harness
