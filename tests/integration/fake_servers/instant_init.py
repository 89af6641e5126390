"""A stand-in for `codex app-server` that answers ``initialize`` instantly, then relays.

Usage: instant_init.py REPORT_FILE REAL_ARGV...

It starts the real server (``REAL_ARGV``) at once, but answers the client's ``initialize``
itself the moment it reads it, long before the real server has booted; the real server
gets the same ``initialize`` and its answer is dropped. Before that answer it also sends
the client, unasked, a ``configWarning`` notification and a server request of a method no
client handles (id ``"early-1"``). Everything else is relayed both ways unchanged.

The client's answer to the early request is written to ``REPORT_FILE`` (one JSON line), so
a test can check it was answered and not dropped.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import IO, Any

EARLY_REQUEST_ID = "early-1"


def send(out: IO[bytes], lock: threading.Lock, obj: dict[str, Any]) -> None:
    with lock:
        out.write(json.dumps(obj).encode() + b"\n")
        out.flush()


def main() -> None:
    report, argv = sys.argv[1], sys.argv[2:]
    out = sys.stdout.buffer
    lock = threading.Lock()
    real = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    assert real.stdin is not None and real.stdout is not None
    send(out, lock, {"method": "configWarning", "params": {"summary": "early bird"}})
    send(out, lock, {"id": EARLY_REQUEST_ID, "method": "standIn/early", "params": {}})

    def record_early_answer(message: dict[str, Any]) -> bool:
        if message.get("id") != EARLY_REQUEST_ID or "method" in message:
            return False
        with open(report, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(message) + "\n")
        return True

    while True:  # a client may answer the early request before it sends initialize
        first = sys.stdin.buffer.readline()
        if not first:
            return
        init = json.loads(first)
        if not record_early_answer(init):
            break
    send(
        out,
        lock,
        {
            "id": init["id"],
            "result": {
                "userAgent": "codex_python_sdk/0.163.0 (stand-in)",
                "codexHome": "/stand-in",
                "platformFamily": "unix",
                "platformOs": "linux",
            },
        },
    )
    real.stdin.write(first)

    def relay_out() -> None:
        assert real.stdout is not None
        for line in real.stdout:
            message = json.loads(line)
            if message.get("id") == init["id"] and "method" not in message:
                continue  # the real server's initialize answer: the client has one
            with lock:
                out.write(line)
                out.flush()

    pump = threading.Thread(target=relay_out, daemon=True)
    pump.start()
    for line in sys.stdin.buffer:
        if not record_early_answer(json.loads(line)):
            real.stdin.write(line)
    real.stdin.close()
    real.wait()
    pump.join(5)


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(0)
