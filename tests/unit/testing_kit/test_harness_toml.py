"""The harness's small TOML writer: every document it writes parses back to the same data."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from openai_codex._client.toml import toml_dumps, toml_key, toml_string, toml_value
from openai_codex.testing import CodexHarness, MockModel

tomllib = pytest.importorskip("tomllib")


def roundtrip(data: dict[str, Any]) -> Any:
    return tomllib.loads(toml_dumps(data))


def test_scalars_round_trip() -> None:
    data = {"s": "text", "t": True, "f": False, "i": -3, "x": 1.5, "big": 2**40}
    assert roundtrip(data) == data


def test_strings_with_quotes_backslashes_and_control_characters_round_trip() -> None:
    nasty = 'a "quoted" \\ back\tslash\nnew\rline \x00 \x1f \x7f \b \f é 🙂'
    assert roundtrip({"s": nasty}) == {"s": nasty}
    assert toml_string('say "hi"') == '"say \\"hi\\""'
    assert toml_string("\x01") == '"\\u0001"'


def test_keys_are_bare_only_when_toml_allows_it() -> None:
    assert toml_key("model_provider") == "model_provider"
    assert toml_key("a-b_9") == "a-b_9"
    assert toml_key("dotted.key") == '"dotted.key"'
    assert toml_key("") == '""'
    data = {"dotted.key": 1, "with space": {"x y": "z"}, "": 2}
    assert roundtrip(data) == data


def test_nested_mappings_become_tables_after_the_scalars() -> None:
    data = {
        "model": "m",
        "model_providers": {"mock": {"name": "Mock", "base_url": "http://127.0.0.1:1/v1"}},
        "features": {"a": True, "sub": {"b": 1}},
        "after": "scalar",
    }
    text = toml_dumps(data)
    assert text.index("after =") < text.index("[model_providers.mock]")
    assert "[model_providers]" not in text  # no empty intermediate header
    assert roundtrip(data) == data


def test_empty_tables_are_kept() -> None:
    assert roundtrip({"empty": {}}) == {"empty": {}}


def test_lists_and_inline_tables_round_trip() -> None:
    data = {"l": [1, "two", [3.0]], "objs": [{"a": 1}, {}], "e": []}
    assert roundtrip(data) == data


def test_none_values_are_left_out() -> None:
    assert roundtrip({"a": None, "b": 1, "t": {"c": None}}) == {"b": 1, "t": {}}


def test_special_floats_and_paths_are_written_as_toml_values() -> None:
    parsed = roundtrip({"inf": math.inf, "ninf": -math.inf, "nan": math.nan})
    assert parsed["inf"] == math.inf and parsed["ninf"] == -math.inf
    assert math.isnan(parsed["nan"])
    assert toml_value(Path("/a/b")) == '"/a/b"'


def test_unsupported_values_are_rejected() -> None:
    with pytest.raises(TypeError):
        toml_value(object())
    with pytest.raises(TypeError):
        toml_dumps({"k": {1, 2}})


def test_the_harness_config_toml_routes_to_the_mock_model() -> None:
    with (
        MockModel() as model,
        CodexHarness(
            model=model,
            approval_policy="on-request",
            sandbox_mode="workspace-write",
            requires_openai_auth=True,
            extra_config={"features": {"x": True}, 'odd "key"': "v\n"},
        ) as h,
    ):
        config = tomllib.loads(h.config_path.read_text())
        assert config["model"] == "mock-model"
        assert config["model_provider"] == "mock_provider"
        assert config["approval_policy"] == "on-request"
        assert config["sandbox_mode"] == "workspace-write"
        assert config["features"] == {"plugins": False, "shell_snapshot": False, "x": True}
        assert config["chatgpt_base_url"].startswith("http://127.0.0.1:")
        assert config['odd "key"'] == "v\n"
        assert config["model_catalog_json"] == str(h.catalog_path)
        assert config["model_providers"]["mock_provider"] == {
            "name": "Mock",
            "base_url": model.url,
            "wire_api": "responses",
            "request_max_retries": 0,
            "stream_max_retries": 0,
            "requires_openai_auth": True,
        }


def test_the_harness_config_merges_overrides_over_its_own_values() -> None:
    class Issuer:
        def harness_env(self) -> dict[str, str]:
            return {"CODEX_APP_SERVER_LOGIN_ISSUER": "http://127.0.0.1:9"}

        def harness_config_overrides(self) -> dict[str, object]:
            return {"chatgpt_base_url": "http://127.0.0.1:9/backend-api/"}

    with CodexHarness(issuer=Issuer(), model_catalog=False) as h:
        cfg = h.config(env={"EXTRA": "1"}, config_overrides={"k": 1}, client_name="t")
        assert cfg.cwd == h.workspace
        assert cfg.client_name == "t"
        assert cfg.env["CODEX_HOME"] == str(h.codex_home)
        assert cfg.env["CODEX_APP_SERVER_LOGIN_ISSUER"] == "http://127.0.0.1:9"
        assert cfg.env["EXTRA"] == "1"
        assert cfg.env["RUST_LOG"] == "warn"
        assert cfg.config_overrides == {
            "chatgpt_base_url": "http://127.0.0.1:9/backend-api/",
            "k": 1,
        }
        assert "model_catalog_json" not in tomllib.loads(h.config_path.read_text())
        assert not h.catalog_path.exists()
