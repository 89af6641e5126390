"""A misbehaving stand-in for `codex app-server`, for failure-path tests.

Usage: fake_app_server.py MODE
  silent      answer initialize, then read requests and never answer them
  malformed   answer initialize, then print a line that is not JSON
  stderr      write MiB of stderr before answering initialize, then echo requests
  die-at-init print a message on stderr and exit 3 without answering
"""

from __future__ import annotations

import json
import sys
import time


def send(obj: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


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
    for raw in sys.stdin:
        msg = json.loads(raw)
        if "id" not in msg:
            continue
        if msg.get("method") == "initialize":
            send({"id": msg["id"], "result": {"userAgent": f"fake/{mode}", "codexHome": "/x"}})
            if mode == "malformed":
                time.sleep(0.05)
                sys.stdout.write("this is not json\n")
                sys.stdout.flush()
            continue
        if mode == "silent":
            continue
        send({"id": msg["id"], "result": {"echo": msg.get("params")}})


if __name__ == "__main__":
    main()
