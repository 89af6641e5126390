"""Finding the binary and building argv/env for the child."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openai_codex import CodexConfig, CodexRuntimeNotFoundError
from openai_codex._client.runtime import build_argv, build_env, resolve_codex_bin, toml_literal


def test_the_bundled_runtime_is_found_by_default() -> None:
    binary, path_dir = resolve_codex_bin(CodexConfig())
    assert binary.name == "codex" and binary.is_file()
    assert path_dir is not None


def test_an_explicit_binary_wins(tmp_path: Path) -> None:
    fake = tmp_path / "codex"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert resolve_codex_bin(CodexConfig(codex_bin=fake))[0] == fake


def test_a_missing_binary_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CodexRuntimeNotFoundError, match="does not exist"):
        resolve_codex_bin(CodexConfig(codex_bin="/no/such/codex"))
    monkeypatch.setattr("openai_codex._client.runtime._bundled", lambda: None)
    with pytest.raises(CodexRuntimeNotFoundError, match=r"openai-codex-cli-bin==0\.163\.0"):
        resolve_codex_bin(CodexConfig())


def test_config_overrides_become_toml_dash_c_flags() -> None:
    argv, _ = build_argv(
        CodexConfig(
            config_overrides={"model": "m", "n": 3, "flag": True, "list": ["a"], "t": {"k": 1}}
        )
    )
    assert argv[1] == "app-server"
    pairs = [argv[i + 1] for i, a in enumerate(argv) if a == "-c"]
    assert pairs == ['model="m"', "n=3", "flag=true", 'list=["a"]', "t={k = 1}"]


def test_launch_args_override_replaces_the_command() -> None:
    argv, _ = build_argv(CodexConfig(launch_args_override=["/bin/echo", "x"]))
    assert argv == ["/bin/echo", "x"]


def test_toml_strings_are_escaped() -> None:
    assert toml_literal('a"b\\c\n') == '"a\\"b\\\\c\\n"'
    with pytest.raises(TypeError):
        toml_literal(object())


def test_env_is_merged_over_os_environ_and_none_removes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEEP_ME", "1")
    monkeypatch.setenv("DROP_ME", "1")
    env = build_env(CodexConfig(env={"NEW": "v", "DROP_ME": None}), Path("/"))
    assert env["KEEP_ME"] == "1" and env["NEW"] == "v" and "DROP_ME" not in env
    assert env["PATH"].split(os.pathsep)[0] == "/"


def test_config_overrides_also_take_the_official_key_value_strings() -> None:
    argv, _ = build_argv(CodexConfig(config_overrides=('model="mock-model"', "n=3")))
    pairs = [argv[i + 1] for i, a in enumerate(argv) if a == "-c"]
    assert pairs == ['model="mock-model"', "n=3"]
    assert build_argv(CodexConfig())[0][1:] == ["app-server"]  # the default is () (none)
    with pytest.raises(ValueError, match="key=value"):
        build_argv(CodexConfig(config_overrides=("no equals sign",)))
    with pytest.raises(TypeError, match="mapping or a sequence"):
        build_argv(CodexConfig(config_overrides="model=x"))  # type: ignore[arg-type]


def test_the_defaults_match_the_official_config() -> None:
    config = CodexConfig()
    assert config.env is None and config.config_overrides == ()
    assert config.client_version == "0.163.0"  # the runtime's, so user agents read the same
    env = build_env(config, None)
    assert env == dict(os.environ)
