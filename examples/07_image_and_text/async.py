"""Send an image by URL together with text, with the async client.

A turn's input can be a list mixing text and images. ``ImageInput(url)`` sends an image by
URL. The app-server (0.163.0) only accepts inline ``data:`` URLs, so the SDK downloads an
``http(s)`` image itself when the turn is sent (in a worker thread: the event loop keeps
running) and sends it inline; a download that fails raises ``ImageFetchError`` before
anything reaches the server. ``CodexConfig(fetch_remote_images=False)`` would send the URL
unchanged. (For a file on disk, see example 08's ``LocalImageInput``.)

    python examples/07_image_and_text/async.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/07_image_and_text/async.py   # offline

Offline there is no internet: the mock model's local web server serves a 1x1 red PNG
(``MockModel.serve_file``) and the example downloads that instead.
"""

from __future__ import annotations

import asyncio
import base64
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex

from openai_codex import ImageFetchError, ImageInput, TextInput
from openai_codex.testing import Reply  # only used offline, to script the mock model

IMAGE_URL = (
    "https://upload.wikimedia.org/wikipedia/commons/4/47/PNG_transparency_demonstration_1.png"
)
QUESTION = "What is in this image? Answer in one sentence."
# A 1x1 red PNG, served locally when offline.
OFFLINE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mO4YGAAAAMEATFKQqbbAAAAAElFTkSuQmCC"
)


async def main() -> None:
    async with open_async_codex() as codex:
        image_url = IMAGE_URL
        kit = offline_kit()
        if kit is not None:  # offline: a local copy of the image, and a scripted answer
            image_url = kit.model.serve_file("red-pixel.png", OFFLINE_PNG)
            kit.model.enqueue(Reply.text("A single red pixel on its own."))
        thread = await codex.thread_start()

        try:
            result = await thread.run([ImageInput(image_url), TextInput(QUESTION)])
        except ImageFetchError as exc:  # unreachable, too slow, too large, not an image
            print(f"could not send the image: {exc.reason}")
            return

        print(f"answer: {result.final_response}")
        if kit is not None:  # offline we can look at what the model was sent
            last_user_message = [
                item for item in kit.model.requests[-1]["input"] if item.get("role") == "user"
            ][-1]
            parts = last_user_message["content"]
            print(f"the model was sent: {[part['type'] for part in parts]}")
            print(f"the image went inline: {parts[0]['image_url'][:22]}...")


if __name__ == "__main__":
    asyncio.run(main())
