"""``codex-sdk demo``: the SDK end to end, offline, on the embedded test kit.

One real ``codex app-server`` runs against a local mock model whose provider requires
OpenAI sign-in: the demo streams a turn, then signs in with an (obviously fake) API key,
reads the account, signs out and reads it again.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from ._auth import describe_account
from ._common import open_session

__all__ = ["add_parsers", "run_demo"]

_PROMPT = "Say hello and explain where you are running."
_REPLY = (
    "Hello from Codex! This answer streamed from the offline mock model, "
    "one delta at a time, through a real codex app-server."
)
DEMO_API_KEY = "sk-demo-not-a-real-key"
"""The fake key of the login round trip: the mock provider accepts anything."""


def _line(label: str, text: str = "", *, end: str = "\n") -> None:
    print(f"{label:<10} {text}", end=end, flush=True)


def run_demo(args: argparse.Namespace) -> int:
    """Stream a turn and do an API-key login round trip; print each step."""
    from ..testing import Reply

    started = time.perf_counter()
    offline = argparse.Namespace(**{**vars(args), "offline": True})
    print("codex-sdk demo: a real codex app-server, a local mock model, no network\n")
    with open_session(offline) as session:
        codex = session.codex
        assert session.kit is not None
        session.kit.harness.model.enqueue(Reply.text(_REPLY, deltas=12, delay=0.02))
        _line("server", codex.metadata.user_agent)
        thread = codex.thread_start()
        _line("thread", thread.id)
        _line("you", _PROMPT)
        handle = thread.turn(_PROMPT)
        _line("assistant", end="")
        for event in handle.stream():
            if event.method == "item/agentMessage/delta":
                print(event.payload.delta, end="", flush=True)
        print()
        result = handle.run()
        usage = result.usage.total.total_tokens if result.usage else "n/a"
        _line("turn", f"{result.status.value}: {len(result.items)} items, {usage} tokens")
        print()
        _line("account", describe_account(codex.account()))
        codex.login_api_key(DEMO_API_KEY)
        _line("login", "login_api_key('sk-demo-...') done")
        _line("account", describe_account(codex.account()))
        codex.logout()
        _line("logout", "done")
        _line("account", describe_account(codex.account()))
    print(f"\ndone in {time.perf_counter() - started:.1f} s. Next: `codex-sdk --help`, ", end="")
    print("docs/getting-started.md")
    return 0


def add_parsers(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``demo``."""
    demo = sub.add_parser(
        "demo",
        parents=parents,
        help="offline demo: a streamed turn and an API-key login round trip",
        description="Run the SDK end to end offline: a real codex app-server streams a turn "
        "from the embedded mock model, then signs in with a fake API key, shows the "
        "account, and signs out. Needs no account and no network.",
    )
    demo.set_defaults(handler=run_demo)
