"""``import openai_codex`` stays cheap: pydantic and the generated models load on first use,
and then only the models a call needs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

HEAVY = ("pydantic", "pydantic_core", "openai_codex._generated")


def run_python(code: str, timeout: float = 60) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
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
        assert ApprovalRequest.__module__ == "openai_codex._callbacks.approvals"
        assert Tool.__module__ == "openai_codex._callbacks.tools"
        assert ImageResult.__module__ == "openai_codex._callbacks.tool_output"
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

        from openai_codex._callbacks.tools import to_content_items

        assert "pydantic_core" not in sys.modules
        assert to_content_items({"k": [1, 2]}) == [{"type": "inputText", "text": '{"k": [1, 2]}'}]
        """
    )


def test_a_first_streamed_turn_imports_no_model_and_info_only_its_own() -> None:
    # The path to the first delta of a streamed turn (start, thread_start(), turn("text"),
    # its events) keeps the answers raw: no pydantic, no generated model. ``thread.info``
    # then loads only the models it needs (the generated models are split into modules by
    # the requests that use them; the aggregate imports a class's module on first access).
    run_python(
        """
        import sys

        from openai_codex import Codex
        from openai_codex.testing import CodexHarness

        heavy = ("pydantic", "pydantic_core", "openai_codex._generated")
        with CodexHarness() as harness, Codex(harness.config()) as codex:
            thread = codex.thread_start()
            for event in thread.turn("hi").stream():
                assert event.method
            loaded = sorted(m for m in sys.modules if m.startswith(heavy))
            assert not loaded, loaded
            assert codex.metadata.user_agent
            assert thread.info is not None and thread.info.id == thread.id
            from openai_codex._generated import models

            prefix = "openai_codex._generated._models."
            loaded = [m[len(prefix):] for m in sys.modules if m.startswith(prefix)]
            classes = sum(len(models._CONTENTS[m]) for m in loaded)
            assert 0 < classes < len(models.__all__) / 5, (classes, len(models.__all__))
            assert "Thread" in vars(models)
            for whole in ("notifications", "rpc", "_models.client_request"):
                assert "openai_codex._generated." + whole not in sys.modules, whole
        """,
        timeout=110,  # a real app-server, on a machine that may be busy
    )


def test_import_leaves_out_modules_only_some_calls_need() -> None:
    run_python(
        """
        import sys

        import openai_codex  # noqa: F401

        lazy = ("shutil", "mimetypes", "random", "shlex")
        lazy += tuple(
            "openai_codex." + m
            for m in ("_approvals", "_tools", "_goals", "_goal", "_reviews", "retry")
        )
        loaded = [m for m in lazy if m in sys.modules]
        assert not loaded, loaded
        assert openai_codex.Decision("accept").value == "accept"  # loads on first access
        assert "openai_codex._callbacks.approvals" in sys.modules
        """
    )


def test_a_notification_payload_imports_only_its_own_models() -> None:
    run_python(
        """
        import sys

        from openai_codex import Notification

        delta = {"threadId": "t", "turnId": "u", "itemId": "i", "delta": "hi"}
        assert Notification("item/agentMessage/delta", delta).payload.delta == "hi"
        prefix = "openai_codex._generated._models."
        loaded = sorted(m[len(prefix):] for m in sys.modules if m.startswith(prefix))
        assert loaded == ["agent_message_delta_notification"], loaded
        """
    )


def test_the_blocking_client_imports_no_asyncio_before_it_launches_the_server() -> None:
    # ``Codex()`` launches the server first and imports the async machinery while the
    # server boots: the import of ``Codex``/``CodexConfig`` and the launch itself must not
    # pull in asyncio (nor typing or logging, which the bare pipe does not pay for either).
    run_python(
        """
        import sys

        from openai_codex import Codex, CodexConfig, CodexError  # noqa: F401
        from openai_codex._client.launch import discard, launch_server

        slow = ("asyncio", "typing", "logging", "concurrent.futures", "ssl")
        loaded = [m for m in slow if m in sys.modules]
        assert not loaded, loaded
        process = launch_server(CodexConfig(launch_args_override=[sys.executable, "-c", ""]))
        assert process is not None
        discard(process)
        assert process.returncode is not None
        loaded = [m for m in slow if m in sys.modules]
        assert not loaded, loaded
        """
    )


def test_blocking_methods_show_the_async_parameters_before_the_async_client_loads() -> None:
    run_python(
        """
        import inspect
        import sys

        from openai_codex import Codex

        assert "openai_codex._client.async_client" not in sys.modules
        params = inspect.signature(Codex.thread_start).parameters
        assert "openai_codex._client.async_client" in sys.modules  # the first lookup loaded it
        assert "model" in params and "tools" in params, list(params)
        assert inspect.isfunction(vars(Codex)["thread_start"])  # a plain method again
        from openai_codex import AsyncCodex

        mirrored = inspect.signature(AsyncCodex.thread_list).parameters
        assert list(inspect.signature(Codex.thread_list).parameters) == list(mirrored)
        assert inspect.signature(Codex.thread_start).return_annotation == "Thread"
        """
    )


def test_notebook_support_never_imports_ipython() -> None:
    # The renderings load on first use, and openai_codex.notebook only looks for an
    # IPython already loaded: a script that shows a turn runs without IPython at all.
    run_python(
        """
        import sys

        import openai_codex

        lazy = (
            "openai_codex._observability.rendering",
            "openai_codex._conversation.live_view",
            "openai_codex.notebook",
        )
        assert not [m for m in lazy if m in sys.modules]
        from openai_codex import TurnResult
        from openai_codex._conversation.live_view import _ipython_publisher
        from openai_codex.types import TurnStatus

        result = TurnResult(id="t", status=TurnStatus.completed, final_response="ok")
        assert result._repr_markdown_().startswith("**✅ completed**")
        assert _ipython_publisher() is None
        assert "IPython" not in sys.modules
        """
    )


def test_integrations_import_no_framework() -> None:
    """``openai_codex.integrations`` and the ``tools=`` hook load a framework only for its
    own objects."""
    run_python(
        """
        import sys

        import openai_codex.integrations
        from openai_codex._callbacks.tools import ToolRegistry

        def add(a: int) -> int:
            return a

        registry = ToolRegistry([add, openai_codex.integrations.SchemaTool("s", "", {}, add)])
        assert registry.names == ["add", "s"]
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("agents", "pydantic_ai"))
        assert not loaded, loaded
        """
    )
