"""What a tool's return value becomes on the wire: content items, images as data URLs.

The answer to ``item/tool/call`` is a ``DynamicToolCallResponse``:
``{"success": bool, "contentItems": [...]}`` where an item is
``{"type": "inputText", "text"}`` or ``{"type": "inputImage", "imageUrl"}``. The only I/O
here is reading the image files a tool returns as a :class:`pathlib.Path` or an
:class:`ImageResult`.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import os
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

# pydantic is imported on first use (building an input schema, validating arguments,

__all__ = ["ContentItem", "ImageResult", "call_and_answer", "to_content_items"]

ContentItem = dict[str, object]
"""One ``DynamicToolCallOutputContentItem``: ``inputText`` or ``inputImage``."""

_IMAGE_SUFFIXES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}

# --------------------------------------------------------------------------- images


def _sniff_image_mime(data: bytes) -> str | None:
    """Return the image MIME type of ``data`` from its magic bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _data_url(data: bytes, mime_type: str) -> str:
    return f"data:{mime_type};base64,{base64.b64encode(data).decode('ascii')}"


def _image_item(url: str) -> ContentItem:
    return {"type": "inputImage", "imageUrl": url}


def _text_item(text: str) -> ContentItem:
    return {"type": "inputText", "text": text}


def _is_image_path(path: PurePath) -> bool:
    return path.suffix.lower() in _IMAGE_SUFFIXES and os.path.isfile(path)


class ImageResult:
    """An image returned by a tool, sent to the model as an ``inputImage`` item.

    ``source`` may be:

    * a ``str`` that starts with ``http://``, ``https://`` or ``data:`` — used as the
      image URL unchanged;
    * any other ``str`` or an ``os.PathLike`` — a local file, read when the result is
      converted and sent as a base64 ``data:`` URL;
    * ``bytes`` / ``bytearray`` / ``memoryview`` — the encoded image itself, sent as a
      ``data:`` URL.

    The MIME type comes from ``mime_type`` if given, else from the magic bytes (PNG, JPEG,
    GIF, WEBP), else from the file suffix. Raw bytes of an unknown format without
    ``mime_type`` raise ValueError here, at construction.
    """

    __slots__ = ("mime_type", "source")

    source: str | os.PathLike[str] | bytes
    mime_type: str | None

    def __init__(
        self,
        source: str | os.PathLike[str] | bytes | bytearray | memoryview,
        *,
        mime_type: str | None = None,
    ) -> None:
        """Wrap ``source`` (URL, path or bytes); see the class docstring."""
        if isinstance(source, (bytearray, memoryview)):
            source = bytes(source)
        if isinstance(source, bytes) and mime_type is None and _sniff_image_mime(source) is None:
            raise ValueError(
                "ImageResult: cannot tell the image format of these bytes "
                "(not PNG, JPEG, GIF or WEBP); pass mime_type='image/...'"
            )
        if not isinstance(source, (str, bytes, os.PathLike)):
            raise TypeError(
                f"ImageResult: expected a URL, a path or bytes, got {type(source).__name__}"
            )
        self.source = source
        self.mime_type = mime_type

    def needs_io(self) -> bool:
        """Return True if building the URL reads a local file."""
        return not isinstance(self.source, bytes) and not _is_url(self.source)

    def to_url(self) -> str:
        """Return the image URL: the given URL, or a base64 ``data:`` URL.

        Raises OSError if a local file cannot be read, ValueError if its format is unknown.
        """
        source = self.source
        if isinstance(source, bytes):
            mime = self.mime_type or _sniff_image_mime(source) or "application/octet-stream"
            return _data_url(source, mime)
        if _is_url(source):
            return os.fspath(source)
        path = Path(os.fspath(source))
        data = path.read_bytes()
        import mimetypes  # here: slow to import, and rarely needed

        file_mime = (
            self.mime_type
            or _sniff_image_mime(data)
            or _IMAGE_SUFFIXES.get(path.suffix.lower())
            or mimetypes.guess_type(path.name)[0]
        )
        if file_mime is None or not file_mime.startswith("image/"):
            raise ValueError(f"ImageResult: {path} is not a recognised image file")
        return _data_url(data, file_mime)

    def to_content_item(self) -> ContentItem:
        """Return the wire item ``{"type": "inputImage", "imageUrl": ...}``."""
        return _image_item(self.to_url())

    def __repr__(self) -> str:
        if isinstance(self.source, bytes):
            return f"ImageResult(<{len(self.source)} bytes>)"
        return f"ImageResult({os.fspath(self.source)!r})"


def _is_url(source: str | os.PathLike[str]) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://", "data:"))


# --------------------------------------------------------------------- result -> items

_BYTES_LIKE = (bytes, bytearray, memoryview)


def _is_content_part(value: object) -> bool:
    return isinstance(value, (str, ImageResult, PurePath, *_BYTES_LIKE))


def _json_text(value: object) -> str:
    from pydantic_core import to_jsonable_python

    return json.dumps(to_jsonable_python(value, fallback=str), ensure_ascii=False)


def _single_item(value: object) -> ContentItem:
    if value is None:
        return _text_item("")
    if isinstance(value, str):
        return _text_item(value)
    if isinstance(value, ImageResult):
        return value.to_content_item()
    if isinstance(value, _BYTES_LIKE):
        data = bytes(value)
        mime = _sniff_image_mime(data)
        if mime is not None:
            return _image_item(_data_url(data, mime))
        try:
            return _text_item(data.decode("utf-8"))
        except UnicodeDecodeError:
            return _text_item(f"<{len(data)} bytes of binary data>")
    if isinstance(value, PurePath):
        if _is_image_path(value):
            return ImageResult(os.fspath(value)).to_content_item()
        return _text_item(str(value))
    return _text_item(_json_text(value))


def to_content_items(value: object) -> list[ContentItem]:
    """Convert a tool's return value into ``contentItems`` for the wire.

    Rules, in order:

    * ``None`` → one empty ``inputText``.
    * ``str`` → one ``inputText`` (always text, even if it looks like a URL or a path;
      wrap it in :class:`ImageResult` to send an image).
    * :class:`ImageResult` → one ``inputImage``.
    * ``bytes``-like → ``inputImage`` with a ``data:`` URL if the magic bytes are PNG,
      JPEG, GIF or WEBP; otherwise UTF-8 text, or a ``<N bytes of binary data>`` note.
    * ``pathlib.Path`` → ``inputImage`` if it names an existing ``.png``/``.jpg``/
      ``.jpeg``/``.gif``/``.webp`` file; otherwise the path as text.
    * ``list``/``tuple`` containing at least one of the above (str, bytes, Path,
      ImageResult) → one item per element (other elements JSON-encoded one by one);
      any other list/tuple (numbers, dicts, models...) → one JSON text item.
    * anything else (dict, number, bool, pydantic model, dataclass, datetime...) → one
      ``inputText`` with the JSON encoding (``pydantic_core.to_jsonable_python``;
      unknown objects fall back to ``str()``).

    May raise OSError/ValueError when an :class:`ImageResult` file cannot be read.
    """
    if isinstance(value, (list, tuple)):
        if any(_is_content_part(v) for v in value):
            return [_single_item(v) for v in value]
        return [_text_item(_json_text(value))]
    return [_single_item(value)]


def needs_io(value: object) -> bool:
    if isinstance(value, (list, tuple)):
        return any(needs_io(v) for v in value)
    if isinstance(value, ImageResult):
        return value.needs_io()
    return isinstance(value, PurePath)


def success(items: list[ContentItem]) -> dict[str, object]:
    return {"success": True, "contentItems": items}


def failure(text: str) -> dict[str, object]:
    return {"success": False, "contentItems": [_text_item(text)]}


async def call_and_answer(
    fn: Callable[..., Any], is_async: bool, kwargs: dict[str, Any]
) -> dict[str, object]:
    """Call a tool function with ``kwargs`` and answer with its converted result.

    Coroutine functions are awaited; plain ones run in a worker thread (with the
    conversion, which may read image files). An exception in the function or in the
    conversion answers ``success: False`` with ``"ExceptionType: message"``.
    """
    try:
        if is_async:
            result = await fn(**kwargs)
            if needs_io(result):
                items = await asyncio.to_thread(to_content_items, result)
            else:
                items = to_content_items(result)
        else:
            result, items = await asyncio.to_thread(_call_and_convert, fn, kwargs)
            if inspect.isawaitable(result):
                result = await result
                items = to_content_items(result)
    except Exception as exc:
        return failure(_describe_exception(exc))
    return success(items)


def _call_and_convert(
    fn: Callable[..., Any], kwargs: dict[str, Any]
) -> tuple[Any, list[ContentItem]]:
    result = fn(**kwargs)
    if inspect.isawaitable(result):
        return result, []
    return result, to_content_items(result)


def _describe_exception(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
