"""Remote images: the SDK downloads an ``http(s)`` image URL and sends it inline.

App-server 0.163.0 (and 0.169.0) refuses an image input whose URL is not a ``data:`` URL
("remote image URLs are not supported; use an inline data URL instead", -32600), even
with ``-c features.materialize_remote_images=true``. So before a turn input reaches the
server, every ``{"type": "image", "url": "http(s)://..."}`` item (what
:class:`~openai_codex.ImageInput` becomes) is fetched here and replaced by a base64
``data:`` URL, within limits:

- a time limit (``CodexConfig.remote_image_timeout``) on connecting, on each wait for
  data and on the download as a whole;
- a size limit (``CodexConfig.remote_image_max_bytes``, 20 MiB by default), checked
  against ``Content-Length`` first and then while reading;
- only ``image/*`` content types;
- at most :data:`MAX_REDIRECTS` redirects, to ``http(s)`` URLs only.

A failure raises :class:`~openai_codex.ImageFetchError`, naming the URL (without its
query string or user info, which may hold credentials) and why; nothing is sent then.
``CodexConfig(fetch_remote_images=False)`` sends such URLs unchanged, for a runtime that
accepts them. The downloads run in worker threads (stdlib ``urllib``: no dependency), so
the event loop never waits on the network; several images download at once. Image bytes
are never logged or traced: a debug line names the URL, the type and the size.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ImageFetchError
from .inputs import Input, normalize_input

if TYPE_CHECKING:
    import urllib.request

    from .._client.config import CodexConfig

__all__ = ["MAX_REDIRECTS", "fetch_image", "inline_remote_images", "shown_url", "wire_input"]

logger = logging.getLogger("openai_codex")

MAX_REDIRECTS = 5
"""Redirects followed when downloading an image."""

_CHUNK = 64 * 1024
_REMOTE = ("http://", "https://")


def shown_url(url: str) -> str:
    """``url`` as errors and logs show it: no user info, and the query replaced."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0][:200]
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    query = "?[REDACTED]" if parts.query else ""
    return f"{parts.scheme}://{netloc}{parts.path}{query}"


def _remote(item: Any) -> bool:
    if not isinstance(item, dict) or item.get("type") != "image":
        return False
    url = item.get("url")
    return isinstance(url, str) and url[:8].lower().startswith(_REMOTE)


async def inline_remote_images(
    items: Sequence[dict[str, Any]], config: CodexConfig
) -> list[dict[str, Any]]:
    """``items`` with every ``http(s)`` image URL downloaded into a ``data:`` URL.

    Unchanged (the same dicts) when there is none or ``config.fetch_remote_images`` is off.

    Raises:
        ImageFetchError: an image could not be downloaded within the limits.
    """
    remote = [i for i, item in enumerate(items) if _remote(item)]
    if not remote or not config.fetch_remote_images:
        return list(items)
    timeout = config.remote_image_timeout
    max_bytes = config.remote_image_max_bytes
    urls = [items[i]["url"] for i in remote]
    fetched = await asyncio.gather(
        *(asyncio.to_thread(fetch_image, url, timeout=timeout, max_bytes=max_bytes) for url in urls)
    )
    inlined = list(items)
    for i, data_url in zip(remote, fetched, strict=True):
        inlined[i] = {**items[i], "url": data_url}
    return inlined


async def wire_input(input: Input, config: CodexConfig) -> list[dict[str, Any]]:
    """:func:`~.inputs.normalize_input`, then :func:`inline_remote_images`."""
    return await inline_remote_images(normalize_input(input), config)


def fetch_image(url: str, *, timeout: float, max_bytes: int) -> str:
    """Download the image at ``url`` (blocking) and return it as a ``data:`` URL.

    Raises:
        ImageFetchError: refused, unreachable, too slow, too large, or not an image.
    """
    import urllib.error
    import urllib.request

    shown = shown_url(url)
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        url, headers={"User-Agent": "openai-codex-python", "Accept": "image/*"}
    )
    opener = _opener()
    try:
        with opener.open(request, timeout=timeout) as response:
            mime = response.headers.get_content_type()
            if not mime.startswith("image/"):
                raise ImageFetchError(shown, f"the server sent {mime!r}, not an image/* type")
            data = _read_limited(response, shown, deadline, timeout, max_bytes)
    except ImageFetchError:
        raise
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            reason = f"more than {MAX_REDIRECTS} redirects, or a redirect that is not http(s)"
        else:
            reason = f"HTTP {exc.code} {exc.reason}"
        raise ImageFetchError(shown, reason) from None
    except urllib.error.URLError as exc:
        raise ImageFetchError(shown, _why(exc.reason, timeout)) from None
    except (OSError, ValueError) as exc:  # timeouts, resets, malformed URLs or headers
        raise ImageFetchError(shown, _why(exc, timeout)) from None
    logger.debug("downloaded the image %s (%s, %d bytes)", shown, mime, len(data))
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _read_limited(
    response: Any, shown: str, deadline: float, timeout: float, max_bytes: int
) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise ImageFetchError(
            shown, f"it is {int(declared)} bytes, more than the limit of {max_bytes}"
        )
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > deadline:
            raise ImageFetchError(shown, f"the download took longer than {timeout:g} s")
        chunk = response.read1(_CHUNK)  # what is there now: a slow server hits the deadline
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise ImageFetchError(shown, f"it is larger than the limit of {max_bytes} bytes")
        chunks.append(chunk)


def _why(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    text = str(reason) or type(reason).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _opener() -> urllib.request.OpenerDirector:
    """A ``urllib`` opener whose redirects are bounded and stay on ``http(s)``.

    Built on demand: ``urllib.request`` (and ``ssl``) load only when an image is fetched.
    """
    import urllib.error
    import urllib.request

    class LimitedRedirects(urllib.request.HTTPRedirectHandler):
        max_redirections = MAX_REDIRECTS

        def redirect_request(
            self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
        ) -> Any:
            if not newurl[:8].lower().startswith(_REMOTE):
                raise urllib.error.HTTPError(
                    newurl, code, "redirect to a non-http(s) URL", headers, fp
                )
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(LimitedRedirects())
