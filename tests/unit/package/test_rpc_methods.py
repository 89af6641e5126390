"""``codex.rpc``: one typed method per client request, generated from the pinned schema."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import subprocess
import sys
import textwrap
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel, RootModel, ValidationError

from openai_codex import AsyncCodex, Codex
from openai_codex._generated import _methods, models, rpc
from openai_codex._generated.rpc import AsyncRpc, Rpc
from openai_codex._rpc_base import REQUIRED
from openai_codex.errors import ProtocolError

ROOT = Path(__file__).resolve().parents[3]
CLIENT_REQUESTS = _methods.CLIENT_REQUEST_TYPES


def _generator() -> ModuleType:
    path = ROOT / "scripts" / "generate_types.py"
    spec = importlib.util.spec_from_file_location("generate_types", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_types", module)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()
NAMES = {method: GENERATOR.rpc_name(method) for method in CLIENT_REQUESTS}


def type_hints(function: Any) -> dict[str, Any]:
    """The resolved annotations of a generated method (they name generated models)."""
    generated = {name: getattr(models, name) for name in models.__all__}
    namespace = {"Any": Any, "Literal": typing.Literal, **vars(rpc), **generated}
    return typing.get_type_hints(function, globalns=namespace)


# --------------------------------------------------------------------------- names


class TestNames:
    @pytest.mark.parametrize(
        ("method", "name"),
        [
            ("config/read", "config_read"),
            ("thread/goal/set", "thread_goal_set"),
            ("account/login/start", "account_login_start"),
            ("account/rateLimits/read", "account_rate_limits_read"),
            ("account/gatewayOAuth/login", "account_gateway_oauth_login"),
            ("fuzzyFileSearch/sessionStart", "fuzzy_file_search_session_start"),
            ("thread/inject_items", "thread_inject_items"),
            ("configRequirements/read", "config_requirements_read"),
            ("initialize", "initialize"),
        ],
    )
    def test_a_method_is_named_after_its_wire_method_in_snake_case(
        self, method: str, name: str
    ) -> None:
        assert NAMES[method] == name
        assert callable(getattr(Rpc, name)) and callable(getattr(AsyncRpc, name))

    def test_camel_case_segments_become_snake_case_words(self) -> None:
        assert GENERATOR.rpc_name("thread/tokenUsage/listUpdates") == (
            "thread_token_usage_list_updates"
        )

    def test_every_client_request_has_one_method_and_there_is_no_other(self) -> None:
        public = {n for n in dir(AsyncRpc) if not n.startswith("_")}
        assert public == set(NAMES.values())
        assert len(set(NAMES.values())) == len(CLIENT_REQUESTS) > 150

    def test_the_generator_refuses_two_methods_with_the_same_name(self) -> None:
        with pytest.raises(GENERATOR.GenerationError, match="collision"):
            GENERATOR.rpc_names(["thread/goalSet", "thread/goal/set", "account/gatewayOAuth/x"])

    def test_the_generator_refuses_an_unused_method_word(self) -> None:
        with pytest.raises(GENERATOR.GenerationError, match="METHOD_WORDS"):
            GENERATOR.rpc_names(["thread/goal/set"])


# --------------------------------------------------------------------------- signatures


def params_class(method: str) -> Any:
    name = CLIENT_REQUESTS[method][0]
    return None if name is None else getattr(models, name)


class TestSignatures:
    @pytest.mark.parametrize("method", sorted(CLIENT_REQUESTS))
    def test_the_method_takes_the_params_model_or_its_fields_and_returns_the_response(
        self, method: str
    ) -> None:
        response_name = CLIENT_REQUESTS[method][1]
        for cls in (AsyncRpc, Rpc):
            function = getattr(cls, NAMES[method])
            signature = inspect.signature(function)
            hints = type_hints(function)
            assert hints["return"] is getattr(models, response_name)
            assert hints["timeout"] == float | None
            assert signature.parameters["timeout"].default is None
            assert signature.parameters["timeout"].kind is inspect.Parameter.KEYWORD_ONLY
            params = params_class(method)
            if params is None:
                assert list(signature.parameters) == ["self", "timeout"]
                continue
            given = signature.parameters["params"]
            assert given.kind is inspect.Parameter.POSITIONAL_ONLY
            if issubclass(params, RootModel):  # a union: the model or one of its members
                assert set(typing.get_args(hints["params"])) >= {params}
                assert list(signature.parameters) == ["self", "params", "timeout"]
                continue
            assert hints["params"] == params | None and given.default is None
            keywords = [n for n in signature.parameters if n not in ("self", "params", "timeout")]
            assert set(keywords) == set(params.model_fields)
            for name in keywords:
                field = params.model_fields[name]
                parameter = signature.parameters[name]
                assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
                if field.is_required():
                    assert parameter.default is REQUIRED, name
                    assert hints[name] == field.annotation, name
                else:
                    assert parameter.default is None, name
                    assert hints[name] == field.annotation | None, name

    @pytest.mark.parametrize("method", sorted(CLIENT_REQUESTS))
    def test_the_method_has_a_docstring_naming_its_wire_method_and_models(
        self, method: str
    ) -> None:
        params_name, response_name = CLIENT_REQUESTS[method]
        for cls in (AsyncRpc, Rpc):
            doc = inspect.getdoc(getattr(cls, NAMES[method]))
            assert doc and f"``{method}``" in doc and response_name in doc
            assert params_name is None or params_name in doc
            assert "timeout:" in doc

    def test_docstrings_carry_the_schema_description_of_the_method_or_its_params(self) -> None:
        assert inspect.getdoc(Rpc.command_exec).startswith(  # type: ignore[union-attr]
            "Execute a standalone command (argv vector) under the server's sandbox."
        )
        # thread/start's description is a stray section comment ("NEW APIs"): ignored.
        assert inspect.getdoc(Rpc.thread_start).startswith(  # type: ignore[union-attr]
            "Send the ``thread/start`` request."
        )
        doc = inspect.getdoc(Rpc.thread_goal_set)
        assert doc is not None and "thread_id: (required)" in doc

    def test_required_fields_are_required_keywords_of_an_overload_without_params(self) -> None:
        get_overloads = getattr(typing, "get_overloads", None)
        if get_overloads is None:
            pytest.skip("typing.get_overloads needs Python 3.11")
        for cls in (AsyncRpc, Rpc):
            with_params, with_keywords = get_overloads(cls.thread_goal_set)
            assert list(inspect.signature(with_params).parameters) == ["self", "params", "timeout"]
            keywords = inspect.signature(with_keywords).parameters
            assert keywords["thread_id"].default is inspect.Parameter.empty
            assert keywords["objective"].default is None
            assert "params" not in keywords
            assert get_overloads(cls.config_read) == []  # no required field: one signature

    def test_the_sync_and_async_classes_have_the_same_methods_and_parameters(self) -> None:
        for name in NAMES.values():
            sync, coro = getattr(Rpc, name), getattr(AsyncRpc, name)
            assert inspect.iscoroutinefunction(coro) and not inspect.iscoroutinefunction(sync)
            assert inspect.signature(sync) == inspect.signature(coro), name
            assert inspect.getdoc(sync) == inspect.getdoc(coro), name


# --------------------------------------------------------------------------- calls


class FakeClient:
    """Records what ``rpc`` sends and answers with canned results."""

    def __init__(self, result: Any = None) -> None:
        self.sent: list[tuple[str, Any, float | None]] = []
        self.result = result

    def request(self, method: str, params: Any = None, *, timeout: float | None = None) -> Any:
        self.sent.append((method, params, timeout))
        return self.result


class AsyncFakeClient(FakeClient):
    async def request(  # type: ignore[override]
        self, method: str, params: Any = None, *, timeout: float | None = None
    ) -> Any:
        return super().request(method, params, timeout=timeout)


GOAL = {
    "threadId": "t",
    "objective": "ship it",
    "status": "active",
    "createdAt": 1,
    "updatedAt": 1,
    "timeUsedSeconds": 0,
    "tokensUsed": 0,
}


class TestCalls:
    def test_keywords_are_validated_and_sent_by_their_wire_names(self) -> None:
        client = FakeClient({"goal": GOAL})
        answer = Rpc(client).thread_goal_set(
            thread_id="t", objective="ship it", status=models.ThreadGoalStatus.active
        )
        assert client.sent == [
            (
                "thread/goal/set",
                {"threadId": "t", "objective": "ship it", "status": "active"},
                None,
            )
        ]
        assert isinstance(answer, models.ThreadGoalSetResponse)
        assert answer.goal.status is models.ThreadGoalStatus.active

    def test_a_wrong_keyword_is_a_type_error_naming_it_and_nothing_is_sent(self) -> None:
        client = FakeClient()
        with pytest.raises(TypeError, match="objectiv"):
            Rpc(client).thread_goal_set(thread_id="t", objectiv="typo")  # type: ignore[call-overload]
        assert client.sent == []

    def test_a_wrong_value_or_a_missing_required_field_is_a_validation_error(self) -> None:
        client = FakeClient()
        with pytest.raises(ValidationError, match=r"token_budget|tokenBudget"):
            Rpc(client).thread_goal_set(thread_id="t", token_budget="lots")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"thread_id|threadId"):
            Rpc(client).thread_goal_set(objective="no thread")  # type: ignore[call-overload]
        assert client.sent == []

    def test_a_params_model_is_sent_as_its_wire_shape(self) -> None:
        client = FakeClient({"goal": GOAL})
        Rpc(client).thread_goal_set(models.ThreadGoalSetParams(thread_id="t", token_budget=9))
        assert client.sent[0][1] == {"threadId": "t", "tokenBudget": 9}

    def test_a_params_model_and_keywords_together_are_refused(self) -> None:
        client = FakeClient()
        params = models.ThreadGoalSetParams(thread_id="t")
        with pytest.raises(TypeError, match="not both"):
            Rpc(client).thread_goal_set(params, objective="x")  # type: ignore[call-overload]
        with pytest.raises(TypeError, match="ThreadGoalSetParams"):
            Rpc(client).thread_goal_set({"threadId": "t"})  # type: ignore[call-overload]
        assert client.sent == []

    def test_null_is_sent_for_fields_set_to_none_and_never_for_keywords_left_out(self) -> None:
        client = FakeClient({})
        Rpc(client).thread_section_move(thread_id="t", section_id=None)  # required, nullable
        Rpc(client).thread_section_move(
            models.ThreadSectionMoveParams(thread_id="t", section_id="s", before_thread_id=None)
        )
        Rpc(client).thread_section_move(thread_id="t", section_id="s", before_thread_id=None)
        sent = [params for _, params, _ in client.sent]
        assert sent == [
            {"threadId": "t", "sectionId": None},
            {"threadId": "t", "sectionId": "s", "beforeThreadId": None},
            {"threadId": "t", "sectionId": "s"},
        ]

    def test_nested_fields_set_to_none_are_sent_as_null(self) -> None:
        client = FakeClient({})  # not a valid answer: only what is sent matters here
        with pytest.raises(ProtocolError):
            Rpc(client).thread_metadata_update(thread_id="t", git_info={"branch": None, "sha": "1"})
        with pytest.raises(ProtocolError):
            Rpc(client).thread_metadata_update(
                models.ThreadMetadataUpdateParams(
                    thread_id="t",
                    git_info=models.ThreadMetadataGitInfoUpdateParams(origin_url=None),
                )
            )
        sent = [params for _, params, _ in client.sent]
        assert sent == [
            {"threadId": "t", "gitInfo": {"branch": None, "sha": "1"}},
            {"threadId": "t", "gitInfo": {"originUrl": None}},
        ]

    def test_a_params_union_takes_the_union_or_one_of_its_members(self) -> None:
        client = FakeClient({"type": "apiKey"})
        member = models.ApiKeyLoginAccountParams(api_key="sk-test")
        answer = Rpc(client).account_login_start(member)
        Rpc(client).account_login_start(models.LoginAccountParams(member))
        wire = {"type": "apiKey", "apiKey": "sk-test"}
        assert [params for _, params, _ in client.sent] == [wire, wire]
        assert isinstance(answer, models.LoginAccountResponse)
        with pytest.raises(TypeError, match="LoginAccountParams"):
            Rpc(client).account_login_start(None)  # type: ignore[arg-type]

    def test_a_method_without_params_sends_none_and_passes_the_timeout(self) -> None:
        client = FakeClient({})
        assert isinstance(Rpc(client).account_logout(timeout=2.5), models.LogoutAccountResponse)
        assert client.sent == [("account/logout", None, 2.5)]

    def test_an_answer_that_does_not_match_the_response_model_is_a_protocol_error(self) -> None:
        client = FakeClient({"goal": {"threadId": 3}})
        with pytest.raises(ProtocolError, match="ThreadGoalSetResponse") as caught:
            Rpc(client).thread_goal_set(thread_id="t")
        assert isinstance(caught.value.__cause__, ValidationError)

    def test_the_async_class_awaits_the_same_call(self) -> None:
        client = AsyncFakeClient({"config": {}, "origins": {}})

        async def main() -> Any:
            return await AsyncRpc(client).config_read(include_layers=True, timeout=4)

        answer = asyncio.run(main())
        assert isinstance(answer, models.ConfigReadResponse)
        assert client.sent == [("config/read", {"includeLayers": True}, 4)]


# --------------------------------------------------------------------------- clients


class TestClientProperty:
    def test_the_property_builds_one_rpc_object_per_client(self) -> None:
        codex = AsyncCodex()
        assert isinstance(codex.rpc, AsyncRpc) and codex.rpc is codex.rpc
        assert codex.rpc is not AsyncCodex().rpc
        sync = object.__new__(Codex)  # no server: only the property is under test
        assert isinstance(sync.rpc, Rpc) and sync.rpc is sync.rpc

    def test_the_generated_module_loads_on_first_access_not_on_import(self) -> None:
        code = """
            import sys
            import openai_codex

            codex = openai_codex.AsyncCodex()
            assert "openai_codex._generated.rpc" not in sys.modules
            codex.rpc
            assert "openai_codex._generated.rpc" in sys.modules
            # the models load when a method is called, not with the class
            assert not [m for m in sys.modules if m.startswith("openai_codex._generated._models")]
            """
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr

    def test_the_rpc_module_models_are_pydantic_models(self) -> None:
        # a guard for the annotation checks above: they compare real classes
        assert issubclass(models.ThreadGoalSetParams, BaseModel)
