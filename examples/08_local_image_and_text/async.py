"""Send a local image file together with text, with the async client.

The script draws a small PNG with the standard library only (``zlib`` + ``struct``: the top
half red, the bottom half blue), writes it to a temporary directory, and asks Codex about
it. ``LocalImageInput(path)`` names a file on the machine running the app-server; the
server reads it and sends it to the model.

    python examples/08_local_image_and_text/async.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/08_local_image_and_text/async.py   # offline
"""

from __future__ import annotations

import asyncio
import struct
import sys
import tempfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex

from openai_codex import LocalImageInput, TextInput
from openai_codex.testing import Reply  # only used offline, to script the mock model

RED, BLUE = (220, 40, 40), (40, 80, 220)


def write_png(path: Path, size: int = 32) -> None:
    """Write a ``size`` x ``size`` RGB PNG: red on top, blue below."""

    def chunk(kind: bytes, data: bytes) -> bytes:  # length, type, data, CRC of type + data
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = []
    for y in range(size):
        r, g, b = RED if y < size // 2 else BLUE
        rows.append(b"\x00" + bytes((r, g, b)) * size)  # filter byte 0, then the pixels
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "two-colours.png"
        write_png(image)
        print(f"wrote {image.name} ({image.stat().st_size} bytes)")

        async with open_async_codex() as codex:
            kit = offline_kit()
            if kit is not None:  # offline: script the description
                kit.model.enqueue(Reply.text("The top half is red and the bottom half is blue."))

            thread = await codex.thread_start()
            result = await thread.run(
                [
                    LocalImageInput(image),
                    TextInput("Which two colours does this image show, and where? One sentence."),
                ]
            )
            print(f"answer: {result.final_response}")

            if kit is not None:  # offline we can look at what the model was sent
                request = kit.model.requests[-1]
                user = [item for item in request["input"] if item.get("role") == "user"]
                images = [part for part in user[-1]["content"] if part["type"] == "input_image"]
                print(f"the model was sent {len(images)} image: {images[0]['image_url'][:22]}...")


if __name__ == "__main__":
    asyncio.run(main())
