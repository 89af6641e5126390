"""Send an image by URL together with text, with the async client.

A turn's input can be a list mixing text and images. ``ImageInput(url)`` sends an image by
URL. The app-server (0.163.0) only accepts inline ``data:`` URLs and answers a remote
``https://`` URL with ``InvalidRequestError`` ("remote image URLs are not supported"), so
this script tries the remote URL first, then downloads the image itself and sends it
inline as a ``data:`` URL. (For a file on disk, see example 08's ``LocalImageInput``.)

    python examples/07_image_and_text/async.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/07_image_and_text/async.py   # offline

Offline there is no network: a built-in 1x1 red PNG stands in for the download.
"""

from __future__ import annotations

import asyncio
import base64
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex

from openai_codex import ImageInput, InvalidRequestError, TextInput
from openai_codex.testing import Reply  # only used offline, to script the mock model

IMAGE_URL = (
    "https://upload.wikimedia.org/wikipedia/commons/4/47/PNG_transparency_demonstration_1.png"
)
QUESTION = "What is in this image? Answer in one sentence."
# A 1x1 red PNG, used offline instead of downloading IMAGE_URL.
OFFLINE_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mO4YGAAAAMEATFKQqbbAAAAAElFTkSuQmCC"
)


def download_as_data_url(url: str) -> str:
    """Fetch an image and return it as a ``data:<mime>;base64,...`` URL (blocking)."""
    if offline_kit() is not None:
        return f"data:image/png;base64,{OFFLINE_PNG}"
    request = urllib.request.Request(url, headers={"User-Agent": "openai-codex-examples"})
    with urllib.request.urlopen(request, timeout=30) as response:
        mime = response.headers.get_content_type()
        data = response.read()
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


async def main() -> None:
    async with open_async_codex() as codex:
        kit = offline_kit()
        if kit is not None:  # offline: script the description
            kit.model.enqueue(Reply.text("A single red pixel on its own."))
        thread = await codex.thread_start()

        # 1. The image by its remote URL, followed by the question.
        try:
            result = await thread.run([ImageInput(IMAGE_URL), TextInput(QUESTION)])
        except InvalidRequestError as exc:
            print(f"remote URL refused: {exc.message}")
            # 2. Download it and send the same image inline instead.
            # urllib blocks: run it in a worker thread so the event loop stays free.
            data_url = await asyncio.to_thread(download_as_data_url, IMAGE_URL)
            print(f"sending it inline instead ({len(data_url)} characters of data URL)")
            result = await thread.run([ImageInput(data_url), TextInput(QUESTION)])

        print(f"answer: {result.final_response}")
        if kit is not None:  # offline we can look at what the model was sent
            last_user_message = [
                item for item in kit.model.requests[-1]["input"] if item.get("role") == "user"
            ][-1]
            kinds = [part["type"] for part in last_user_message["content"]]
            print(f"the model was sent: {kinds}")


if __name__ == "__main__":
    asyncio.run(main())
