"""Turn input: items (text, images, skills, mentions), external messages, their wire form."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

__all__ = [
    "ExternalMessage",
    "ImageInput",
    "Input",
    "InputItem",
    "LocalImageInput",
    "MentionInput",
    "RunInput",
    "SkillInput",
    "TextInput",
    "normalize_input",
    "normalize_run_input",
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
    """An image by URL: an inline ``data:`` URL, or an ``http(s)`` one.

    App-server 0.163.0 accepts inline ``data:`` URLs only, so the SDK downloads an
    ``http(s)`` image when the turn is sent (within a time and size limit, ``image/*``
    only; else :class:`~openai_codex.ImageFetchError`) and sends it as a ``data:`` URL.
    ``CodexConfig(fetch_remote_images=False)`` sends the URL unchanged instead, for a
    runtime that accepts it. :meth:`from_bytes` builds a data URL from bytes; for a file on
    the server's machine, :class:`LocalImageInput` avoids the copy.
    """

    url: str

    @classmethod
    def from_bytes(cls, data: bytes, *, mime_type: str | None = None) -> ImageInput:
        """An image from its encoded bytes (PNG, JPEG, GIF, WEBP sniffed; else pass
        ``mime_type``), sent inline as a base64 ``data:`` URL."""
        from .._callbacks.tool_output import ImageResult

        return cls(ImageResult(data, mime_type=mime_type).to_url())

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, mime_type: str | None = None) -> ImageInput:
        """An image file read now and sent inline as a base64 ``data:`` URL."""
        from .._callbacks.tool_output import ImageResult

        return cls(ImageResult(os.fspath(path), mime_type=mime_type).to_url())

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


@dataclass(frozen=True)
class ExternalMessage:
    """Content from outside the conversation, given to the model as a tool's output.

    Use it for untrusted text (a web page, an e-mail, a webhook payload): the model receives
    it with tool authority, not as the user's instructions. It is a whole turn input on its
    own: ``thread.run(ExternalMessage("inbox", text))`` starts a turn with it, or joins the
    thread's running turn. On the wire it is ``turn/start`` with no ``input`` items and a
    ``toolOutput`` ``{name, namespace?, output}``.

    Attributes:
        tool_name: the tool the content is attributed to.
        content: a string, or content items (``{"type": "input_text", "text": ...}``,
            ``{"type": "input_image", "image_url": ...}`` or ``FunctionCallOutputContentItem``
            models).
        namespace: the tool's namespace, if any.
    """

    tool_name: str
    content: str | Sequence[Mapping[str, Any] | Any]
    namespace: str | None = None

    def to_tool_output(self) -> dict[str, Any]:
        """The validated ``toolOutput`` of ``turn/start``.

        Raises:
            pydantic.ValidationError: content items of an unknown shape.
        """
        from .._generated.models import TurnToolOutput

        output: Any = self.content
        if not isinstance(output, str):
            output = [
                item.model_dump(mode="json", by_alias=True, exclude_none=True)
                if hasattr(item, "model_dump")
                else item
                for item in output
            ]
        wire: dict[str, Any] = {"name": self.tool_name, "output": output}
        if self.namespace is not None:
            wire["namespace"] = self.namespace
        TurnToolOutput.model_validate(wire)
        return wire


InputItem: TypeAlias = TextInput | ImageInput | LocalImageInput | SkillInput | MentionInput
Input: TypeAlias = (
    str | InputItem | Mapping[str, Any] | Sequence[str | InputItem | Mapping[str, Any]]
)
RunInput: TypeAlias = Input | ExternalMessage
"""What ``run()`` and ``turn()`` accept: input items, or one :class:`ExternalMessage`."""

_WIRE_TYPES = {"text", "image", "localImage", "skill", "mention", "audio", "localAudio"}


_ITEM_KINDS = "str, TextInput, ImageInput, LocalImageInput, SkillInput, MentionInput or a wire dict"


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
            path = item.get("path")
            if not isinstance(path, (str, os.PathLike)):
                raise ValueError(f"a localImage input needs a 'path': {item!r}")
            return {**item, **LocalImageInput(path).to_wire()}
        return dict(item)
    raise TypeError(f"input items must be {_ITEM_KINDS}, not {_describe(item)}")


def _describe(value: Any) -> str:
    if isinstance(value, os.PathLike):
        return f"a path ({value!r}; wrap an image path in LocalImageInput)"
    return type(value).__name__


def normalize_run_input(value: RunInput) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The ``input`` items and the ``toolOutput`` (or ``None``) of a ``turn/start``.

    Raises:
        TypeError: an :class:`ExternalMessage` inside a list (it is a whole input).
    """
    if isinstance(value, ExternalMessage):
        return [], value.to_tool_output()
    if isinstance(value, (list, tuple)) and any(isinstance(v, ExternalMessage) for v in value):
        raise TypeError(
            "an ExternalMessage is a whole turn input: pass it alone, not inside a list"
        )
    return normalize_input(value), None


def normalize_input(value: Input) -> list[dict[str, Any]]:
    """Turn whatever the caller passed into the list of wire ``UserInput`` items.

    Raises:
        FileNotFoundError: a local image does not exist.
        TypeError / ValueError: an item of an unknown kind.
    """
    if isinstance(value, (str, Mapping)) or hasattr(value, "to_wire"):
        items = [_one(value)]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, bytearray)):
        items = [_one(v) for v in value]
    else:
        raise TypeError(
            f"input must be one item or a list of items ({_ITEM_KINDS}), not {_describe(value)}"
        )
    if not items:
        raise ValueError("a turn needs at least one input item")
    return items
