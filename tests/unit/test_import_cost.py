"""``import openai_codex`` stays cheap: pydantic and the generated models load on first use."""

from __future__ import annotations

import subprocess
import sys
import textwrap

HEAVY = ("pydantic", "pydantic_core", "openai_codex._generated")


def run_python(code: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_does_not_load_pydantic_or_the_generated_models() -> None:
    run_python(
        f"""
        import sys
        import openai_codex
        from openai_codex import *  # noqa: F403

        heavy = {HEAVY!r}
        loaded = sorted(m for m in sys.modules if m.startswith(heavy))
        assert not loaded, loaded
        for name in openai_codex.__all__:
            assert getattr(openai_codex, name) is not None, name
            assert name in dir(openai_codex), name
        from openai_codex import ApprovalRequest, Decision, ImageResult, Tool, tool
        assert Decision("accept") is Decision.accept
        assert ApprovalRequest.__module__ == "openai_codex._approvals"
        assert Tool.__module__ == ImageResult.__module__ == "openai_codex._tools"
        assert callable(tool)
        assert "pydantic" not in sys.modules
        """
    )


def test_pydantic_loads_on_first_real_use_of_a_tool() -> None:
    run_python(
        """
        import asyncio
        import sys

        from openai_codex import tool

        @tool
        def add(a: int, b: int = 1) -> int:
            "Add two numbers."
            return a + b

        assert "pydantic" not in sys.modules  # decorating stays cheap
        assert add.input_schema["required"] == ["a"]
        assert "pydantic" in sys.modules
        ok = asyncio.run(add.invoke({"a": 2, "b": 3}))
        assert ok == {"success": True, "contentItems": [{"type": "inputText", "text": "5"}]}, ok
        bad = asyncio.run(add.invoke({"a": "x"}))
        assert bad["success"] is False, bad
        """
    )


def test_json_results_load_pydantic_core_on_demand() -> None:
    run_python(
        """
        import sys

        from openai_codex._tools import to_content_items

        assert "pydantic_core" not in sys.modules
        assert to_content_items({"k": [1, 2]}) == [{"type": "inputText", "text": '{"k": [1, 2]}'}]
        """
    )
