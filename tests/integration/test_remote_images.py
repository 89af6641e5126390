"""Image inputs by ``http(s)`` URL: the SDK downloads them and sends them inline, within
its limits, against a local web server (``_image_server``) and the real app-server (which
refuses remote image URLs)."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from _image_server import PNG, ImageServer, image_server
from conftest import run

from openai_codex import (
    AsyncCodex,
    Codex,
    ImageFetchError,
    ImageInput,
    InvalidRequestError,
    TextInput,
)
from openai_codex.testing import CodexHarness, Reply

DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()
LIMITS = {"remote_image_timeout": 1.0, "remote_image_max_bytes": 1000}


@pytest.fixture
def web() -> Iterator[ImageServer]:
    with image_server() as server:
        yield server


def sent_images(harness: CodexHarness) -> list[str]:
    """The image URLs of the user message in the model's last request."""
    message = [i for i in harness.model.requests[-1]["input"] if i.get("role") == "user"][-1]
    return [part["image_url"] for part in message["content"] if part["type"] == "input_image"]


def test_a_remote_image_is_downloaded_and_sent_inline(
    harness: CodexHarness, web: ImageServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_codex")
    harness.model.enqueue(Reply.text("a red pixel"))
    with Codex(harness.config()) as codex:
        thread = codex.thread_start()
        url = web.url("/red.png?signature=s3cr3t")
        result = thread.run([ImageInput(url), TextInput("what is this?")])
        assert result.final_response == "a red pixel"
        assert sent_images(harness) == [DATA_URL]
        # A redirect is followed; a wire dict with an image URL is downloaded too.
        harness.model.enqueue(Reply.text("again"))
        item = {"type": "image", "url": web.url("/redirect.png")}
        assert thread.run([item, "and this?"]).final_response == "again"
        assert sent_images(harness) == [DATA_URL]
        assert web.paths[-2:] == ["/redirect.png", "/red.png"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/red.png?[REDACTED]" in logged  # the download is logged, by URL and size
    assert "s3cr3t" not in logged
    assert base64.b64encode(PNG).decode() not in logged  # never the image itself


FAILURES = [
    ("/page.html", "the server sent 'text/html', not an image/* type"),
    ("/huge.png", "it is 5000 bytes, more than the limit of 1000"),
    ("/huge-undeclared.png", "it is larger than the limit of 1000 bytes"),
    ("/missing.png", "HTTP 404 Not Found"),
    ("/loop.png", "more than 5 redirects"),
    ("/to-file.png", "a redirect that is not http(s)"),
    ("/stall.png", "no answer within 1 s"),
    ("/drip.png", "the download took longer than 1 s"),
]


def test_what_cannot_be_downloaded_fails_before_anything_is_sent(
    harness: CodexHarness, web: ImageServer
) -> None:
    with Codex(harness.config(**LIMITS)) as codex:
        thread = codex.thread_start()
        for path, reason in FAILURES:
            asked = len(harness.model.requests)
            url = web.url(path) + "?token=abc"
            web.release.clear()
            with pytest.raises(ImageFetchError) as info:
                thread.run([TextInput("look"), ImageInput(url)])
            web.release.set()  # the stalled and dripping handlers end now
            assert reason in str(info.value), path
            assert info.value.reason in str(info.value)
            assert info.value.url == web.url(path) + "?[REDACTED]"
            assert "abc" not in str(info.value)
            assert len(harness.model.requests) == asked, path  # no turn started
        assert thread.run("still usable").final_response == "echo: still usable"


def test_the_opt_out_sends_the_url_unchanged(harness: CodexHarness, web: ImageServer) -> None:
    with Codex(harness.config(fetch_remote_images=False)) as codex:
        thread = codex.thread_start()
        with pytest.raises(InvalidRequestError, match="remote image URLs are not supported"):
            thread.run([ImageInput(web.url("/red.png")), TextInput("what is this?")])
        assert web.paths == []  # nothing was downloaded
        # data: URLs are sent as they are either way.
        harness.model.enqueue(Reply.text("inline is fine"))
        assert thread.run([ImageInput(DATA_URL), "and this?"]).final_response == "inline is fine"


def test_async_downloads_leave_the_event_loop_free(harness: CodexHarness, web: ImageServer) -> None:
    async def main() -> None:
        async with AsyncCodex(harness.config()) as codex:
            thread = await codex.thread_start()
            harness.model.enqueue(Reply.text("two pixels"))
            turn = asyncio.ensure_future(
                thread.run([ImageInput(web.url("/stall.png")), ImageInput(web.url("/red.png"))])
            )
            # While the download of the first image waits on the server, the loop keeps
            # serving: a request gets its answer, and only then is the image released.
            assert await asyncio.to_thread(web.stalled.wait, 10)
            assert not turn.done()
            assert (await codex.models()).data
            web.release.set()
            result = await turn
            assert result.final_response == "two pixels"
            assert sent_images(harness) == [DATA_URL, DATA_URL]
            # A steer downloads its images too.
            harness.model.enqueue(Reply.text("held").held())
            handle = await thread.turn("start")
            steer: Any = await handle.steer([ImageInput(web.url("/red.png")), "look"])
            assert steer.turn_id == handle.id
            harness.model.clear()
            await handle.interrupt()

    run(main())
