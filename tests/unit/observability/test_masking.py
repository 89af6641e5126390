"""Secrets handed to the SDK never show in a repr, str or format; the objects keep them."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from openai_codex import CodexConfig
from openai_codex._observability.masking import (
    MASK,
    SAFE_ENV_NAMES,
    MaskedDict,
    masked_args,
    masked_entry,
    masked_url,
    masked_values,
)
from openai_codex.batch import BatchTask

KEY = "sk-proj-0123456789abcdefXYZ"
TOKEN = "ghp_plainTokenWithoutAKnownShape"
PASSWORD = "hunter2-correct-horse"
SECRETS = (KEY, TOKEN, PASSWORD, "zz-auth-token-zz")


def shown(obj: object) -> list[str]:
    """Everything a user may print of ``obj``."""
    return [repr(obj), str(obj), f"{obj}", format(obj, ""), "%s" % (obj,), "%r" % (obj,)]  # noqa: UP031


def assert_hidden(obj: object, *secrets: str) -> None:
    for text in shown(obj):
        for secret in secrets or SECRETS:
            assert secret not in text, (secret, text)


def secret_config(**kwargs: Any) -> CodexConfig:
    return CodexConfig(
        env={
            "OPENAI_API_KEY": KEY,
            "CORP_GATEWAY": TOKEN,  # no secret word in the name: masked all the same
            "HTTPS_PROXY": f"http://me:{PASSWORD}@proxy:3128",
            "PATH": "/usr/local/bin:/usr/bin",
            "CODEX_HOME": "/tmp/codex-home",
            "RUST_LOG": "info",
            "REMOVED": None,
        },
        config_overrides={
            "model_providers.corp.api_key": KEY,
            "model": "o3",
            "model_providers": {
                "corp": {
                    "name": "Corp",
                    "base_url": "https://llm.corp.example/v1",
                    "http_headers": {"Authorization": f"Bearer {TOKEN}"},
                    "experimental_bearer_token": TOKEN,
                }
            },
            "profiles.ci.note": f"uses {KEY}",  # a token shape under a harmless key
        },
        **kwargs,
    )


def test_config_repr_shows_env_names_and_harmless_values_but_masks_the_rest() -> None:
    config = secret_config(auth_token="zz-auth-token-zz")
    text = repr(config)
    assert_hidden(config)
    assert "'OPENAI_API_KEY': '***'" in text
    assert "'CORP_GATEWAY': '***'" in text
    assert "'HTTPS_PROXY': '***'" in text
    assert "'PATH': '/usr/local/bin:/usr/bin'" in text
    assert "'CODEX_HOME': '/tmp/codex-home'" in text
    assert "'RUST_LOG': 'info'" in text
    assert "'REMOVED': None" in text
    assert "auth_token" not in text  # as before: not shown at all


def test_config_repr_masks_mapping_overrides_by_key_path_and_by_text() -> None:
    text = repr(secret_config())
    assert "'model_providers.corp.api_key': '***'" in text
    assert "'model': 'o3'" in text
    assert "'name': 'Corp'" in text
    assert "'base_url': 'https://llm.corp.example/v1'" in text
    assert "'http_headers': {'Authorization': '***'}" in text
    assert "'experimental_bearer_token': '***'" in text
    assert "'profiles.ci.note': '***'" in text


def test_config_repr_masks_tuple_overrides_of_the_official_form() -> None:
    config = CodexConfig(
        config_overrides=(
            f'model_providers.corp.api_key="{KEY}"',
            'model="o3"',
            f'model_providers.corp={{ name = "Corp", env_http_headers = {{ X = "Y" }}, '
            f'api_key = "{TOKEN}" }}',
            f'profiles.ci.header="Authorization: {PASSWORD}"',
        )
    )
    assert_hidden(config)
    assert repr(config.config_overrides) not in repr(config)
    overrides = (
        "'model_providers.corp.api_key=***', 'model=\"o3\"', 'model_providers.corp=***', "
        "'profiles.ci.header=***'"
    )
    assert f"config_overrides=({overrides})" in repr(config)


def test_config_repr_masks_launch_args_and_the_url() -> None:
    config = CodexConfig(
        launch_args_override=[
            "codex",
            "app-server",
            "-c",
            f'model_providers.corp.api_key="{KEY}"',
            "--auth-token",
            PASSWORD,
            "-c",
            'model="o3"',
        ],
        url=f"ws://user:{PASSWORD}@127.0.0.1:4500/?token={TOKEN}",
    )
    assert_hidden(config)
    text = repr(config)
    assert "'model_providers.corp.api_key=***', '--auth-token', '***', '-c', 'model=\"o3\"'" in (
        text
    )
    assert "url='ws://***@127.0.0.1:4500/?***'" in text


def test_the_config_keeps_the_real_values_for_launching_pickling_and_replace() -> None:
    config = secret_config(auth_token="zz-auth-token-zz")
    assert config.env is not None and config.env["OPENAI_API_KEY"] == KEY
    copy = pickle.loads(pickle.dumps(config))
    assert copy == config
    assert copy.env == config.env and copy.config_overrides == config.config_overrides
    assert copy.auth_token == "zz-auth-token-zz"
    replaced = dataclasses.replace(config, max_restarts=1)
    assert replaced.env == config.env and replaced.config_overrides == config.config_overrides
    assert replaced.max_restarts == 1
    assert_hidden(replaced)


def test_a_plain_config_repr_is_the_dataclass_repr() -> None:
    config = CodexConfig(codex_bin="/opt/codex", config_overrides={"model": "o3"}, env={})
    assert repr(config).startswith("CodexConfig(codex_bin='/opt/codex', launch_args_override=None")
    assert "config_overrides={'model': 'o3'}" in repr(config)
    assert "env={}" in repr(config)
    assert "tracer_provider" not in repr(config)


def test_batch_task_repr_masks_config_and_secret_looking_options() -> None:
    task = BatchTask(
        "t1",
        "Summarise the changes",
        cwd="/repo",
        model="o3",
        config={"model_providers": {"corp": {"api_key": KEY, "name": "Corp"}}},
        developer_instructions=f"Call the API with token={TOKEN}",
        base_instructions="Be brief.",
    )
    assert_hidden(task)
    text = repr(task)
    assert text.startswith("BatchTask(id='t1', prompt='Summarise the changes', cwd='/repo'")
    assert "config={'model_providers': {'corp': {'api_key': '***', 'name': 'Corp'}}}" in text
    assert "developer_instructions='***'" in text
    assert "base_instructions='Be brief.'" in text
    assert "model='o3'" in text
    assert_hidden(task.options)
    assert task.options["config"]["model_providers"]["corp"]["api_key"] == KEY
    assert task.to_dict()["config"]["model_providers"]["corp"]["api_key"] == KEY


def test_batch_task_pickles_with_its_secrets_and_still_masks_them() -> None:
    task = BatchTask("t1", "p", config={"model_providers.corp.api_key": KEY})
    copy = pickle.loads(pickle.dumps(task))
    assert copy == task
    assert copy.options["config"] == {"model_providers.corp.api_key": KEY}
    assert_hidden(copy)


def test_masked_dict_keeps_values_hides_them_in_repr_and_pickles_as_itself() -> None:
    options = MaskedDict(
        {"config": {"model_providers.corp.api_key": KEY}, "model": "o3", "cwd": "/w"}
    )
    assert_hidden(options)
    assert (
        repr(options)
        == "{'config': {'model_providers.corp.api_key': '***'}, 'model': 'o3', 'cwd': '/w'}"
    )
    assert {**options}["config"]["model_providers.corp.api_key"] == KEY
    assert dict(options) == {
        "config": {"model_providers.corp.api_key": KEY},
        "model": "o3",
        "cwd": "/w",
    }
    copy = pickle.loads(pickle.dumps(options))
    assert type(copy) is MaskedDict and copy == options
    assert_hidden(copy)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("api_key", "x"),
        ("model_providers.corp.env_key", "CORP_KEY"),
        ("mcp_servers.docs.bearer_token_env_var", "DOCS"),
        ("model_providers.x.http_headers.Authorization", "Basic abc"),
        ("auth.mode", "apikey"),
        ("client_secret", 42),
        ("db.PASSWORD", "p"),
        ("google.credentials", {"file": "/k.json"}),
        ("session.cookie", ["a", "b"]),
    ],
)
def test_a_secret_word_anywhere_in_the_key_path_masks_the_value(path: str, value: Any) -> None:
    head, _, leaf = path.rpartition(".")
    nested: dict[str, Any] = {leaf: value}
    for part in reversed(head.split(".")) if head else ():
        nested = {part: nested}
    flat = masked_values({path: value})
    assert flat == {path: MASK}
    assert MASK in repr(masked_values(nested))
    assert masked_entry(f"{path}={value!r}") == f"{path}={MASK}"


@pytest.mark.parametrize(
    "text",
    [
        KEY,
        "Bearer abcdefghijkl",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        '{ api_key = "x" }',
        '{"token": "x"}',
        "password=x",
    ],
)
def test_secret_looking_text_is_masked_under_any_key(text: str) -> None:
    assert masked_values({"notes": text}) == {"notes": MASK}
    assert masked_values({"list": ["fine", text]}) == {"list": ["fine", MASK]}
    assert masked_entry(f"notes={text}") == f"notes={MASK}"


@pytest.mark.parametrize(
    "text", ["o3", "workspace-write", "https://api.example.com/v1", "Be brief.", "monday"]
)
def test_harmless_values_stay_visible(text: str) -> None:
    assert masked_values({"model": text}) == {"model": text}
    assert masked_entry(f'model="{text}"') == f'model="{text}"'


def test_the_safe_env_names_are_few_and_hold_no_credentials() -> None:
    assert {"PATH", "HOME", "CODEX_HOME", "RUST_LOG"} <= SAFE_ENV_NAMES
    for name in SAFE_ENV_NAMES:
        assert not any(word in name.lower() for word in ("key", "token", "secret", "auth"))
        assert "PROXY" not in name  # proxy URLs may carry a password


def test_urls_and_args_lose_userinfo_query_and_flag_values() -> None:
    assert masked_url("ws://127.0.0.1:4500") == "ws://127.0.0.1:4500"
    assert masked_url("wss://a:b@host/path?x=1#frag") == "wss://***@host/path?***#***"
    assert masked_args(["codex", "--api-key", "plain", "--verbose"]) == [
        "codex",
        "--api-key",
        MASK,
        "--verbose",
    ]
    assert masked_args(("--listen", "ws://h:1?token=t")) == ("--listen", "ws://h:1?***")
