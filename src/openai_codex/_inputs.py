"""Turn input items: text, images, skills and mentions, and their wire form."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

__all__ = [
    "ImageInput",
    "Input",
    "InputItem",
    "LocalImageInput",
    "MentionInput",
    "SkillInput",
    "TextInput",
    "normalize_input",
]


@dataclass(frozen=True)
class TextInput:
    """Plain text from the user."""

    text: str

    def to_wire(self) -> dict[str, Any]:
        """The ``UserInput`` item sent to the server."""
        return {"type": "text", "text": self.text}


@dataclass(frozen=True)
class ImageInput:
    """An image by URL (``https://...`` or a ``data:`` URL)."""

    url: str

    def to_wire(self) -> dict[str, Any]:
        """The ``UserInput`` item sent to the server."""
        return {"type": "image", "url": self.url}


@dataclass(frozen=True)
class LocalImageInput:
    """An image file on the machine running the app-server.

    The path is made absolute and checked when the input is sent; a missing file raises
    :class:`FileNotFoundError` before anything reaches the server.
    """

    path: str | os.PathLike[str]

    def to_wire(self) -> dict[str, Any]:
        """The ``UserInput`` item sent to the server."""
        path = Path(self.path).expanduser().resolve()
        if not path.is_file():
            raise FileNotFoundError(f"local image not found: {path}")
        return {"type": "localImage", "path": str(path)}


@dataclass(frozen=True)
class SkillInput:
    """A skill to apply to the turn, by name and the path of its ``SKILL.md``."""

    name: str
    path: str | os.PathLike[str]

    def to_wire(self) -> dict[str, Any]:
        """The ``UserInput`` item sent to the server."""
        return {"type": "skill", "name": self.name, "path": os.fspath(self.path)}


@dataclass(frozen=True)
class MentionInput:
    """A mention of a resource (an app, a plugin...) by name and path."""

    name: str
    path: str

    def to_wire(self) -> dict[str, Any]:
        """The ``UserInput`` item sent to the server."""
        return {"type": "mention", "name": self.name, "path": self.path}


InputItem: TypeAlias = TextInput | ImageInput | LocalImageInput | SkillInput | MentionInput
Input: TypeAlias = (
    str | InputItem | Mapping[str, Any] | Sequence[str | InputItem | Mapping[str, Any]]
)

_WIRE_TYPES = {"text", "image", "localImage", "skill", "mention", "audio", "localAudio"}


def _one(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        return {"type": "text", "text": item}
    to_wire = getattr(item, "to_wire", None)
    if to_wire is not None:
        wire: dict[str, Any] = to_wire()
        return wire
    if isinstance(item, Mapping):
        kind = item.get("type")
        if kind not in _WIRE_TYPES:
            raise ValueError(f"input dict needs a 'type' among {sorted(_WIRE_TYPES)}: {item!r}")
        if kind == "localImage":
            return LocalImageInput(item["path"]).to_wire()
        return dict(item)
    raise TypeError(
        "input items must be str, TextInput, ImageInput, LocalImageInput, SkillInput, "
        f"MentionInput or a wire dict, not {type(item).__name__}"
    )


def normalize_input(value: Input) -> list[dict[str, Any]]:
    """Turn whatever the caller passed into the list of wire ``UserInput`` items.

    Raises:
        FileNotFoundError: a local image does not exist.
        TypeError / ValueError: an item of an unknown kind.
    """
    if isinstance(value, (str, Mapping)) or hasattr(value, "to_wire"):
        items = [_one(value)]
    else:
        items = [_one(v) for v in value]
    if not items:
        raise ValueError("a turn needs at least one input item")
    return items
