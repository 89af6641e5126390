"""A misbehaving stand-in for `codex app-server`, for failure-path tests.

Usage: fake_app_server.py MODE

Every mode answers ``initialize``; what it does with the requests after that:

  silent        never answers them
  malformed     prints a line that is not JSON right after initialize
  stderr        writes 8 MiB of stderr before answering initialize, then echoes requests
  die-at-init   prints a message on stderr and exits 3 without answering initialize

Hostile modes (tests/integration/test_hostile_servers.py); each request is echoed unless
said otherwise:

  garbage       answers the first request with garbage bytes (not JSON) instead
  invalid-utf8  answers the first request with a line that is not UTF-8
  truncated     answers the first request with half a line, then exits 0 (EOF)
  huge-line     answers the first request with one 100 MB line, streamed in 1 MB chunks
                (the server never holds more than one), then waits for stdin to close
  stray-answers around each answer: an answer to an id never sent, an error answer with
                a string id, an error with a null id, and a duplicate of the answer
  bad-notes     before each answer: a notification of a method no schema has and a
                ``warning`` whose params fail validation (``message`` is a number)
  late          never answers a request whose method is ``hostile/slow`` until the
                next request came: answers that one first, then the slow one (late)
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

out = sys.stdout.buffer


def write(data: bytes) -> None:
    out.write(data)
    out.flush()


def send(obj: dict[str, Any]) -> None:
    write(json.dumps(obj).encode() + b"\n")


def echo(msg: dict[str, Any]) -> dict[str, Any]:
    return {"id": msg["id"], "result": {"echo": msg.get("params")}}


def hostile_answer(mode: str, msg: dict[str, Any], first: bool) -> bool:
    """Answer ``msg`` the hostile way; ``False`` to answer it normally."""
    if mode == "garbage" and first:
        write(b"\x00\x01\x02 {{{ garbage \x1b[31m}}}\n")
        return True
    if mode == "invalid-utf8" and first:
        write(b'{"id": %d, "result": "caf\xe9 \xff\xfe"}\n' % msg["id"])
        return True
    if mode == "truncated" and first:
        write(b'{"id": %d, "result": {"echo": "never finish' % msg["id"])
        sys.exit(0)
    if mode == "huge-line" and first:
        chunk = b"x" * (1024 * 1024)
        try:
            write(b'{"id": %d, "result": "' % msg["id"])
            for _ in range(100):
                write(chunk)
            write(b'"}\n')
        except BrokenPipeError:  # the client gave up on us: fine
            pass
        return True
    if mode == "stray-answers":
        send({"id": msg["id"] + 1000, "result": "an answer to an id never sent"})
        send({"id": "nobody", "error": {"code": -32603, "message": "nobody asked"}})
        send({"id": None, "error": {"code": -32700, "message": "Parse error"}})
        send(echo(msg))
        send(echo(msg))  # a duplicate
        return True
    if mode == "bad-notes":
        send({"method": "hostile/unknownMethod", "params": {"x": 1}})
        send({"method": "warning", "params": {"message": 12345}})
        send(echo(msg))
        return True
    return False


def main() -> None:
    mode = sys.argv[1]
    if mode == "die-at-init":
        sys.stderr.write("Error: fake server refuses to start\n")
        sys.stderr.flush()
        sys.exit(3)
    if mode == "stderr":
        line = "x" * 1023 + "\n"
        for _ in range(8 * 1024):  # 8 MiB
            sys.stderr.write(line)
        sys.stderr.flush()
    first = True
    slow: dict[str, Any] | None = None
    for raw in sys.stdin.buffer:
        msg = json.loads(raw)
        if "id" not in msg or "method" not in msg:
            continue  # notifications, and answers to server requests
        if msg["method"] == "initialize":
            send({"id": msg["id"], "result": {"userAgent": f"fake/{mode}", "codexHome": "/x"}})
            if mode == "malformed":
                time.sleep(0.05)
                write(b"this is not json\n")
            continue
        if mode == "silent":
            continue
        if mode == "late":
            if msg["method"] == "hostile/slow":
                slow = msg
                continue
            send(echo(msg))
            if slow is not None:
                send(echo(slow))
                slow = None
            continue
        answered = hostile_answer(mode, msg, first)
        first = False
        if not answered:
            send(echo(msg))


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # the client closed our stdout: exit quietly
        sys.exit(0)
