"""Handle errors with the async client: retry on overload, catch the typed errors.

Every SDK error derives from ``CodexError``. This script shows four you will meet:

1. ``ServerBusyError``: the app-server was overloaded and did not run the request; it is
   safe to retry. ``await async_retry_on_overload(fn)`` awaits ``fn()`` again after a
   jittered, growing pause (``RetryLimitExceededError`` when every attempt was refused).
2. ``TurnFailedError``: a turn ended with status ``failed`` (here: an unknown model);
   ``.result`` keeps the partial ``TurnResult``.
3. ``MethodNotFoundError``: a raw ``codex.request()`` with a method the server lacks.
4. ``TransportClosedError``: the app-server process is gone; the call waiting on it fails
   with ``exit_code``, ``stderr_tail`` and the turn's partial ``result``, and the next call
   starts a new server (``CodexConfig(auto_restart=True)``, the default).

    python examples/10_error_handling_and_retry/async.py
    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/10_error_handling_and_retry/async.py
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex

from openai_codex import (
    AsyncThread,
    JsonRpcError,
    MethodNotFoundError,
    ServerBusyError,
    TransportClosedError,
    TurnFailedError,
    async_retry_on_overload,
)
from openai_codex.testing import Reply  # only used offline, to script the mock model


async def main() -> None:
    async with open_async_codex() as codex:
        kit = offline_kit()

        # 1. Retry on overload. A real overload is hard to provoke on demand, so the first
        #    call below pretends the server refused it (the error a busy server sends).
        attempts = 0

        async def start_thread() -> AsyncThread:
            nonlocal attempts
            attempts += 1
            if attempts == 1:  # simulated: "Server overloaded; retry later." (code -32001)
                raise ServerBusyError(
                    -32001, "Server overloaded; retry later.", method="thread/start"
                )
            return await codex.thread_start()

        thread = await async_retry_on_overload(start_thread, max_attempts=4, initial_delay_s=0.2)
        print(f"1. async_retry_on_overload: thread started after {attempts} attempts")

        # 2. A failed turn raises TurnFailedError. Offline the mock model is told to fail;
        #    against a real service the unknown model name makes the request fail.
        if kit is not None:
            kit.model.enqueue(Reply.failure("The model `no-such-model` does not exist"))
        try:
            await thread.run("Hello?", model="no-such-model")
        except TurnFailedError as exc:
            partial = exc.result
            print(f"2. TurnFailedError: {exc.message}")
            print(f"   partial result: status={partial.status.value}, items={len(partial.items)}")
        except JsonRpcError as exc:  # a server may also refuse such a turn up front
            print(f"2. the server refused the turn: {exc.message}")

        # 3. An unknown method. (App-server 0.163.0 answers -32600 "unknown variant" rather
        #    than -32601; the SDK maps both to MethodNotFoundError.) The message lists every
        #    known method, so print its start only.
        try:
            await codex.request("example/noSuchMethod", {})
        except MethodNotFoundError as exc:
            print(f"3. MethodNotFoundError for {exc.method!r} (code {exc.code})")
            print(f"   {exc.message.split(',')[0]}")
        else:
            raise SystemExit("expected MethodNotFoundError")

    # 4. An app-server that dies (killed here on purpose; in practice a crash or an OOM).
    #    The call waiting on it fails with TransportClosedError (carrying the turn's partial
    #    result); with auto_restart (the default) the next call starts a new server and the
    #    thread resumes where it was.
    async with open_async_codex() as codex:
        kit = offline_kit()
        thread = await codex.thread_start()
        await thread.run("Remember the number 7.")  # a finished turn: the thread is on disk
        handle = await thread.turn("Think about this for a long while.")
        first_pid = codex.pid
        assert first_pid is not None
        os.kill(first_pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        try:
            await handle.run()
        except TransportClosedError as exc:
            print(f"4. TransportClosedError: exit code {exc.exit_code}")
            items = len(exc.result.items) if exc.result is not None else 0
            print(f"   partial result of the turn: {items} item(s)")
        else:
            raise SystemExit("expected TransportClosedError")
        if kit is not None:
            kit.model.enqueue(Reply.text("Still here."))
        again = await thread.run("Are you still there?")
        print(f"   next call: {again.final_response} (new server: {codex.pid != first_pid})")


if __name__ == "__main__":
    asyncio.run(main())
