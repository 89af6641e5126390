"""Turn inputs: every accepted shape becomes the list of wire ``UserInput`` items."""

from __future__ import annotations

from pathlib import Path

import pytest

from openai_codex import ImageInput, LocalImageInput, MentionInput, SkillInput, TextInput
from openai_codex._conversation.inputs import normalize_input
from openai_codex._generated.models import TurnStartParams


def test_a_string_is_one_text_item() -> None:
    assert normalize_input("hello") == [{"type": "text", "text": "hello"}]


def test_one_item_is_a_list_of_one() -> None:
    assert normalize_input(TextInput("hi")) == [{"type": "text", "text": "hi"}]
    assert normalize_input(ImageInput("data:image/png;base64,AAAA")) == [
        {"type": "image", "url": "data:image/png;base64,AAAA"}
    ]


def test_a_list_mixes_strings_items_and_dicts_in_order(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG")
    skill = tmp_path / "SKILL.md"
    items = normalize_input(
        [
            "first",
            TextInput("second"),
            ImageInput("data:image/png;base64,AAAA"),
            LocalImageInput(image),
            SkillInput("review", skill),
            MentionInput("docs", "app://docs"),
            {"type": "text", "text": "from a dict"},
        ]
    )
    assert items == [
        {"type": "text", "text": "first"},
        {"type": "text", "text": "second"},
        {"type": "image", "url": "data:image/png;base64,AAAA"},
        {"type": "localImage", "path": str(image)},
        {"type": "skill", "name": "review", "path": str(skill)},
        {"type": "mention", "name": "docs", "path": "app://docs"},
        {"type": "text", "text": "from a dict"},
    ]
    # Every item is valid protocol input.
    TurnStartParams.model_validate({"threadId": "t", "input": items})


def test_a_tuple_is_accepted_like_a_list() -> None:
    assert normalize_input(("a", "b")) == [
        {"type": "text", "text": "a"},
        {"type": "text", "text": "b"},
    ]


def test_a_wire_dict_is_passed_through_as_a_copy() -> None:
    item = {"type": "image", "url": "data:image/png;base64,AAAA", "detail": "low"}
    result = normalize_input(item)
    assert result == [item]
    assert result[0] is not item


def test_a_local_image_path_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shot.png").write_bytes(b"\x89PNG")
    monkeypatch.chdir(tmp_path)
    assert normalize_input(LocalImageInput("shot.png")) == [
        {"type": "localImage", "path": str(tmp_path / "shot.png")}
    ]
    assert normalize_input({"type": "localImage", "path": "shot.png"}) == [
        {"type": "localImage", "path": str(tmp_path / "shot.png")}
    ]


def test_a_local_image_dict_keeps_its_other_fields(tmp_path: Path) -> None:
    (tmp_path / "shot.png").write_bytes(b"\x89PNG")
    item = {"type": "localImage", "path": str(tmp_path / "shot.png"), "detail": "high"}
    assert normalize_input(item) == [item]


def test_a_local_image_dict_without_a_path_is_refused() -> None:
    with pytest.raises(ValueError, match="'path'"):
        normalize_input({"type": "localImage"})


def test_a_missing_local_image_raises_file_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "missing.png"
    with pytest.raises(FileNotFoundError, match=r"missing\.png"):
        normalize_input(LocalImageInput(missing))
    with pytest.raises(FileNotFoundError, match=r"missing\.png"):
        normalize_input(["text first", {"type": "localImage", "path": str(missing)}])
    with pytest.raises(FileNotFoundError):
        normalize_input(LocalImageInput(tmp_path))  # a directory is not an image file


def test_an_empty_input_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        normalize_input([])


def test_a_dict_without_a_known_type_is_refused() -> None:
    with pytest.raises(ValueError, match="'type'"):
        normalize_input({"text": "no type"})
    with pytest.raises(ValueError, match="'type'"):
        normalize_input([{"type": "video", "url": "x"}])


@pytest.mark.parametrize("value", [42, None, b"bytes", Path("shot.png"), [3.5]])
def test_other_values_raise_a_clear_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="input"):
        normalize_input(value)  # type: ignore[arg-type]


def test_image_input_from_bytes_and_from_file_build_data_urls(tmp_path: Path) -> None:
    import base64

    from openai_codex import ImageInput

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    url = ImageInput.from_bytes(png).url
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == png
    path = tmp_path / "shot.png"
    path.write_bytes(png)
    assert ImageInput.from_file(path).url == url
    with pytest.raises(ValueError):
        ImageInput.from_bytes(b"not an image")


def test_an_image_url_is_shown_without_credentials() -> None:
    from openai_codex._conversation.remote_images import shown_url

    assert shown_url("https://example.com/a/b.png") == "https://example.com/a/b.png"
    assert (
        shown_url("https://user:pw@cdn.example.com:8443/x.png?sig=abc#frag")
        == "https://cdn.example.com:8443/x.png?[REDACTED]"
    )
    assert shown_url("http://[::1]:9/i.png") == "http://[::1]:9/i.png"
    assert "secret" not in shown_url("http://h:notaport/x?secret")
